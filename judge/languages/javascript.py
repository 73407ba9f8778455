"""JavaScript on Node.js 20 (the nodesource build at /usr/bin/node): no build step, the driver
loads the contestant's file itself (cost: the cpu meter).

LeetCode's style, for both signature styles (LeetCode's JavaScript has no Solution class): the
entry point is the function named like the signature, ``var twoSum = function(nums, target) {
... };`` (a ``function`` declaration, a ``let``/``const`` arrow function, or a method of a
``class Solution`` work too). ``ListNode`` and ``TreeNode`` are LeetCode's constructor functions
(``new ListNode(val, next)``), defined by the driver as globals before the source runs.

Types. int and float are JavaScript numbers, bool a boolean, str a string, lists arrays, a linked
list the head ``ListNode`` (``null`` when empty) and a tree the root ``TreeNode`` (``null``).
The wire format's ints are 64-bit, but a number holds integers exactly only up to
``Number.MAX_SAFE_INTEGER`` (2^53 - 1): LeetCode passes plain numbers, and so does this driver,
so a case with an int beyond +-(2^53 - 1) is refused when it is encoded (``encode_case``,
CaseEncodingError: the judge's problem, never a verdict against the program), and the driver
reports such an argument as an error rather than pass a rounded value (it never gets one). The
bank holds none. An answer of an int type goes out as an integer (a BigInt too), of a float type
as a JSON float (``3.0``); NaN and the infinities, a cyclic list, a Promise (an ``async``
function) or any other object are "unserializable" (a wrong answer, as in Python).

Loading. ``main.js`` (the driver, strict mode) binds what it uses, takes away what a solution
never needs, waits for the header, then compiles ``solution.js`` with ``vm.Script`` under its own
name and runs it in the global scope, so its line numbers hold and a syntax error is a
``compile-error`` record with ``solution.js:LINE``, the source line and V8's caret (exactly what
``node --check`` prints). A ``node --check`` toolchain step was measured and left out: its compile
jail costs ~35 ms CPU and 135-215 ms wall (a loaded 2-vCPU host) on every new source, for the
message the driver writes from the same parser when the run loads; a build is then two files
written into the artefact cache (~0.4 ms).

Taken away before the source runs (defence in depth; the jail is the boundary: no network,
seccomp, uid 65534, read-only /box, the memory and pids cgroups): the real ``require`` (the
source gets one that hands out only assert, buffer, events, string_decoder and util: no fs,
child_process, worker_threads, net, inspector...), ``process.binding``/``_linkedBinding``,
``process.dlopen`` (and ``--no-addons``), ``process.getBuiltinModule``, ``process.mainModule``,
``process.loadEnvFile``, ``process.report``, ``process.stdin`` (the cases come from a private
reader of descriptor 0) and ``fetch`` (``--no-experimental-fetch``). The driver is strict mode,
so no stack-trace API or ``caller`` reaches its functions. It is no security boundary: it runs
in the program's process, and the worker checks every record (judge/boundary.py); a program that
rewrites built-ins only changes its own answers. ``--disallow-code-generation-from-strings``
would take ``eval`` from honest programs and nothing from a hostile one (its code is code).

Runtime flags, each measured in the jail on this host (2 vCPUs, shared):

* ``--stack-size`` 56000 KB under a 64 MB RLIMIT_STACK (``stack_mb``): ~900,000 frames of a
  one-argument recursion, against ~10,800 by default; past it, RangeError "Maximum call stack
  size exceeded", a runtime error. 65536 KB and more under the same rlimit crash with SIGSEGV.
* ``--max-old-space-size=4096``: V8's heap cap stays far above any memory limit, so a program
  over its limit is killed by the memory cgroup (MLE). With a cap below the cgroup's limit V8
  ends the process itself ("FATAL ERROR: Reached heap limit"; its abort, as the pid namespace's
  init, ends in SIGSEGV), a runtime error, and no shared code can tell the two apart. Fixed
  rather than V8's default (from the host's RAM, since the jail shows no cgroup limit to libuv):
  the same GC behaviour on every host. The cap does not make V8 lazy near the cgroup's limit: a
  program holding 230 MB with heavy churn ran within 320 MB (peak 300 MB), as it did at a cap of
  320 MB.
* ``--single-threaded --v8-pool-size=1``: V8 compiles and collects on the main thread, with one
  worker thread (four by default, seven threads in all). A 600 ms workload, 7 runs each: median
  CPU 610 against 617 ms, sd 0.8% against 2.1%, peak 60 against 72 MB. ``UV_THREADPOOL_SIZE=1``
  caps libuv's pool, which only asynchronous APIs start. Node needs 4 tasks of the pids cgroup
  this way (``max_pids`` asks for 8; the run's default, 16, stands).
* ``--jitless`` was measured and left out: 2.7 times the CPU time on the same workload.
* Writes to stdout and stderr block (the driver sets the pipes so on first use): Node otherwise
  queues what a full pipe cannot take for the event loop, which never runs while cases do, and a
  console.log flood piled up in memory (a wall-clock TLE) instead of reaching the output limit.
* Nothing asynchronous runs: the driver holds the thread from the header to the end of the
  stream and then exits at once, so timers, promises and listeners of the program never fire.

Cost meter: CPU time. Instructions (cachegrind, five runs of one program: a 2M-step loop with a
Map and a sort) moved by 1.6% with Node's default flags and by 0.55% with these: V8 picks its
compilation tiers (Ignition, Sparkplug, Maglev, TurboFan) by budget, but when optimised code and
collections arrive depends on threads and timers. Only V8's ``--predictable`` mode repeats the
count (0.001%), and it is not the configuration that is judged. A count would also be no honest
cost: it weighs V8's compiler and collector by instructions, nothing like their time (allocation
is cheap in instructions and dear in cache misses), and valgrind runs Node at ~60 times its CPU
time. CPU time of that program in the jail: sd 1.7% here (2.7% with the default flags).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from judge.languages.base import (
    CaseEncodingError,
    Language,
    Program,
    clean_compiler_output,
    encode_case,
    register_language,
)
from judge.languages.types import Signature, SigType, UnsupportedSignature, parse_signature

NODE = "/usr/bin/node"
# RLIMIT_STACK of the run and V8's own limit inside it (KB), with ~9 MB left for native frames.
STACK_MB = 64
V8_STACK_KB = 56000
HEAP_CAP_MB = 4096
NODE_FLAGS = (
    f"--stack-size={V8_STACK_KB}",
    f"--max-old-space-size={HEAP_CAP_MB}",
    "--single-threaded",
    "--v8-pool-size=1",
    "--no-addons",
    "--no-experimental-fetch",
)
# Node's main thread, V8's worker and delayed-task threads, the inspector's signal thread, and
# libuv's one pool thread if an asynchronous API starts it; the worker raises the run's pids
# limit to this at least (its default, 16, is higher).
NODE_TASKS = 8
MAX_SAFE_INTEGER = (1 << 53) - 1
ALLOWED_MODULES = ("assert", "buffer", "events", "string_decoder", "util")
# ECMAScript's error constructors (V8 has no InternalError: that one is SpiderMonkey's).
BUILTIN_ERRORS = frozenset(
    {"Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError", "EvalError", "URIError", "AggregateError"}
)
# Names that cannot be a function's (reserved words, and globals that cannot be replaced).
RESERVED = frozenset(
    {
        *("break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else"),
        *("enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof"),
        *("new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void"),
        *("while", "with", "yield", "let", "static", "implements", "interface", "package", "private", "protected"),
        *("public", "await", "eval", "arguments", "undefined", "NaN", "Infinity"),
    }
)

# The driver. SPEC is the signature: {"name", "params": [type...], "returns": type}, a type being
# "int", "float", "bool", "str", "ListNode", "TreeNode" or ["list", type].
DRIVER = r"""'use strict';
// CodeArena's driver for JavaScript, generated by judge/languages/javascript.py. It reads the
// header (the result descriptor) and then one case at a time from descriptor 0, in the wire
// format of judge/languages/base.py, calls the entry point of solution.js and writes one JSON
// record per case on the result descriptor, like judge/harness/harness.py.
const SPEC = __SPEC__;
const ALLOWED = __ALLOWED__;

const fs = require('fs');
const vm = require('vm');
const realRequire = require;

// --- what the driver uses, bound before the program can change it ---------------------------
const apply = Reflect.apply;
const readSync = fs.readSync;
const writeSync = fs.writeSync;
const Script = vm.Script;
const runInThisContext = vm.Script.prototype.runInThisContext;
const BufferFrom = Buffer.from;
const BufferAllocUnsafe = Buffer.allocUnsafe;
const bufToString = Buffer.prototype.toString;
const bufCopy = Buffer.prototype.copy;
const bufIndexOf = Buffer.prototype.indexOf;
const typedLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get;
const stringify = JSON.stringify;
const isArray = Array.isArray;
const arrayJoin = Array.prototype.join;
const MapClass = Map;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const isInteger = Number.isInteger;
const BigIntOf = BigInt;
const fromCharCode = String.fromCharCode;
const fromCodePoint = String.fromCodePoint;
const strIndexOf = String.prototype.indexOf;
const strSlice = String.prototype.slice;
const strSplit = String.prototype.split;
const strReplaceAll = String.prototype.replaceAll;
const strStartsWith = String.prototype.startsWith;
const regexpExec = RegExp.prototype.exec;
const defineProperty = Object.defineProperty;
const hasOwn = Object.prototype.hasOwnProperty;
const ErrorClass = Error;
const RangeErrorClass = RangeError;
const AtomicsWait = Atomics.wait;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const reallyExit = process.reallyExit;
const MAX_SAFE = 9007199254740991;
const CYCLE_CHECK_AT = 1 << 20;  // a longer list, a larger tree: is it cyclic?
const MAX_TREE_NODES = 1 << 25;  // a tree of shared nodes can be exponentially large
const MAX_DEPTH = 64;
const LINE_AT = /solution\.js:(\d+):\d+\)?$/;

class WireError extends ErrorClass {}  // a case the driver cannot read: the judge's fault
class Unreadable extends ErrorClass {}  // an answer with no JSON form: "unserializable"

function exit(code) {
  apply(reallyExit, process, [code]);
}

function pause() {  // 1 ms, for a descriptor that says "try again"
  apply(AtomicsWait, Atomics, [sleepCell, 0, 0, 1]);
}

// --- LeetCode's node types --------------------------------------------------------------------
function ListNode(val, next) {
  this.val = (val === undefined ? 0 : val);
  this.next = (next === undefined ? null : next);
}
function TreeNode(val, left, right) {
  this.val = (val === undefined ? 0 : val);
  this.left = (left === undefined ? null : left);
  this.right = (right === undefined ? null : right);
}

// --- the cases, from a private reader of descriptor 0 --------------------------------------
const CHUNK = 1 << 16;
const inbuf = BufferAllocUnsafe(CHUNK);
let pos = 0;
let len = 0;
let ended = false;
let lineEnded = false;  // the last separator taken was the case's newline
let unsafe = '';  // an integer of this case beyond +-(2^53 - 1)

function fill() {
  if (ended) return false;
  for (;;) {
    let n;
    try {
      n = readSync(0, inbuf, 0, CHUNK, null);
    } catch (e) {
      if (e && (e.code === 'EAGAIN' || e.code === 'EINTR')) { pause(); continue; }
      throw e;
    }
    if (n <= 0) { ended = true; return false; }
    pos = 0;
    len = n;
    return true;
  }
}

function more() {  // skips separators; false once the worker has closed the stream
  for (;;) {
    if (pos === len && !fill()) return false;
    const c = inbuf[pos];
    if (c !== 32 && c !== 10) return true;
    pos++;
  }
}

function nextCase() {  // waits for the next case (false: the stream is closed); takes no byte
  return pos < len || fill();
}

function endCase() {  // takes the rest of the case's line (all of it for a function of no arguments)
  while (!lineEnded) {
    if (pos === len && !fill()) return;
    lineEnded = inbuf[pos++] === 10;
  }
}

function readInt() {
  if (!more()) throw new WireError('the case ended early');
  let negative = false;
  if (inbuf[pos] === 45) { negative = true; pos++; }
  let v = 0;  // exact up to 15 digits
  let digits = 0;
  let more15 = '';  // the digits after the 15th
  for (;;) {
    if (pos === len && !fill()) break;
    const c = inbuf[pos];
    if (c >= 48 && c <= 57) {
      if (digits < 15) v = v * 10 + (c - 48);
      else more15 += fromCharCode(c);
      digits++;
      pos++;
      continue;
    }
    if (c !== 32 && c !== 10) throw new WireError('an integer was expected');
    pos++;  // the one separator after the token
    lineEnded = c === 10;
    break;
  }
  if (digits === 0) throw new WireError('an integer was expected');
  if (digits > 15) {
    const text = v + more15;
    v = +text;  // correctly rounded, and exact when it is safe
    if (v > MAX_SAFE && !unsafe) unsafe = (negative ? '-' : '') + text;
  }
  return negative && v !== 0 ? -v : v;
}

function readToken() {
  if (!more()) throw new WireError('the case ended early');
  let text = '';
  for (;;) {
    if (pos === len && !fill()) break;
    const c = inbuf[pos++];
    if (c === 32 || c === 10) { lineEnded = c === 10; break; }
    text += fromCharCode(c);
  }
  return text;
}

function readFloat() {
  const token = readToken();
  const v = +token;
  if (v !== v) throw new WireError('a number was expected');
  return v;
}

function readBool() {
  return readInt() === 1;
}

function wtf8(b, start, end) {  // UTF-8 with lone surrogates, as Python's "surrogatepass" writes them
  let text = '';
  for (let i = start; i < end;) {
    const c = b[i];
    if (c < 0x80) { text += fromCharCode(c); i += 1; }
    else if (c < 0xE0) { text += fromCharCode(((c & 0x1F) << 6) | (b[i + 1] & 0x3F)); i += 2; }
    else if (c < 0xF0) {
      text += fromCharCode(((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F));
      i += 3;
    } else {
      const high = ((c & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12);
      text += fromCodePoint(high | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F));
      i += 4;
    }
  }
  return text;
}

function decode(b, start, end) {
  const text = apply(bufToString, b, ['utf8', start, end]);
  if (apply(strIndexOf, text, ['\uFFFD']) < 0) return text;
  // A replacement character: a real one, or a lone surrogate (ED A0..BF ..) the decoder refused.
  const surrogate = apply(bufIndexOf, b, [0xED, start]);
  return surrogate >= 0 && surrogate < end ? wtf8(b, start, end) : text;
}

function readStr() {
  const n = readInt();  // it took the one separator: the bytes follow
  lineEnded = false;
  if (len - pos >= n) {
    const text = decode(inbuf, pos, pos + n);
    pos += n;
    return text;
  }
  const out = BufferAllocUnsafe(n);
  let got = 0;
  while (got < n) {
    if (pos === len && !fill()) throw new WireError('the case ended early');
    const take = n - got < len - pos ? n - got : len - pos;
    apply(bufCopy, inbuf, [out, got, pos, pos + take]);
    got += take;
    pos += take;
  }
  return decode(out, 0, n);
}

function readIntList() {
  const n = readInt();
  const out = [];
  for (let i = 0; i < n; i++) out[i] = readInt();
  return out;
}

function readListNode() {
  const values = readIntList();
  let head = null;
  for (let i = values.length - 1; i >= 0; i--) head = new ListNode(values[i], head);
  return head;
}

function readTree() {  // LeetCode's level order, "n" for null
  const n = readInt();
  const nodes = [];
  for (let i = 0; i < n; i++) {
    if (!more()) throw new WireError('the case ended early');
    if (inbuf[pos] === 110) { readToken(); nodes[i] = null; }
    else nodes[i] = new TreeNode(readInt(), null, null);
  }
  let next = 1;
  for (let head = 0; head < n && next < n; head++) {
    const node = nodes[head];
    if (node === null) continue;
    node.left = nodes[next++];
    if (next < n) node.right = nodes[next++];
  }
  return n > 0 ? nodes[0] : null;
}

function reader(type) {
  switch (type) {
    case 'int': return readInt;
    case 'float': return readFloat;
    case 'bool': return readBool;
    case 'str': return readStr;
    case 'ListNode': return readListNode;
    case 'TreeNode': return readTree;
  }
  const item = reader(type[1]);
  if (item === readInt) return readIntList;
  return function readList() {
    const n = readInt();
    const out = [];
    for (let i = 0; i < n; i++) out[i] = item();
    return out;
  };
}

// --- the answer, as JSON ------------------------------------------------------------------------
// Written in pieces, joined 4096 at a time: a string grown with += is a tree of pieces in V8
// (~32 bytes each), ten times the answer's size for a long list.
let pieces = [];
let chunks = [];

function put(text) {
  pieces[pieces.length] = text;
  if (pieces.length === 4096) {
    chunks[chunks.length] = apply(arrayJoin, pieces, ['']);
    pieces = [];
  }
}

function written() {
  chunks[chunks.length] = apply(arrayJoin, pieces, ['']);
  const text = apply(arrayJoin, chunks, ['']);
  pieces = [];
  chunks = [];
  return text;
}

function typeName(v) {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  try {
    const ctor = v.constructor;
    if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name) return ctor.name;
  } catch (e) {
    // a hostile getter: the value is still no answer
  }
  return 'object';
}

function lengthOf(v) {  // an array's or a typed array's length, or -1 (DataView, anything else)
  if (isArray(v)) return v.length;
  try {
    return apply(typedLength, v, []);
  } catch (e) {
    return -1;
  }
}

function numberText(v, asFloat) {
  if (v !== v || v === Infinity || v === -Infinity) {
    throw new Unreadable('the returned number is not finite (' + v + ')');
  }
  if (asFloat) {
    if (v === 0 && 1 / v < 0) return '-0.0';
    const text = '' + v;
    return apply(strIndexOf, text, ['.']) >= 0 || apply(strIndexOf, text, ['e']) >= 0 ? text : text + '.0';
  }
  if (isInteger(v) && (v > MAX_SAFE || v < -MAX_SAFE)) return '' + BigIntOf(v);
  return '' + v;  // an integer; or a float where an int belongs, graded as the float it is
}

function scalarText(v, asFloat) {  // null when v is no scalar
  switch (typeof v) {
    case 'number': return numberText(v, asFloat);
    case 'bigint': return '' + v;
    case 'boolean': return v ? 'true' : 'false';
    case 'string': return stringify(v);
    case 'undefined': return 'null';
  }
  return v === null ? 'null' : null;
}

function intArrayText(v, n) {  // JSON.stringify's text when it is ours too (finite, safe numbers only)
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !(x >= -MAX_SAFE && x <= MAX_SAFE)) return null;
  }
  return stringify(v);
}

function putValue(type, v, depth) {  // v as the declared type, or as whatever it is
  if (type === 'ListNode') return putList(v);
  if (type === 'TreeNode') return putTree(v);
  const scalar = scalarText(v, type === 'float');
  if (scalar !== null) return put(scalar);
  const n = typeof v === 'object' ? lengthOf(v) : -1;
  if (n < 0) throw new Unreadable('cannot send a value of type ' + typeName(v));
  if (depth >= MAX_DEPTH) throw new Unreadable('the returned value is nested too deeply');
  const item = typeof type === 'string' ? type : type[1];
  if (item === 'int' && isArray(v)) {
    const text = intArrayText(v, n);
    if (text !== null) return put(text);
  }
  put('[');
  for (let i = 0; i < n; i++) {
    const x = v[i];
    const text = typeof x === 'number' ? numberText(x, item === 'float') : null;
    if (text !== null) put(i > 0 ? ',' + text : text);
    else {
      if (i > 0) put(',');
      putValue(item, x, depth + 1);
    }
  }
  put(']');
}

function listHasCycle(head) {  // Floyd's
  let slow = head;
  let fast = head;
  while (fast && fast.next) {
    slow = slow.next;
    fast = fast.next.next;
    if (slow === fast) return true;
  }
  return false;
}

function putList(node) {
  if (isArray(node)) return putValue('int', node, 0);
  put('[');
  for (let count = 0; node !== null && node !== undefined; count++) {
    if (typeof node !== 'object') throw new Unreadable('a ListNode was expected, not ' + typeName(node));
    if (count === CYCLE_CHECK_AT && listHasCycle(node)) throw new Unreadable('the linked list has a cycle');
    const text = scalarText(node.val, false);
    if (text === null) throw new Unreadable('a node value of type ' + typeName(node.val));
    put(count > 0 ? ',' + text : text);
    node = node.next;
  }
  put(']');
}

function treeHasCycle(root) {  // a node on its own path (a node in two places is no cycle)
  const state = new MapClass();  // 1: on the path, 2: done
  const path = [root];
  const next = [0];
  apply(mapSet, state, [root, 1]);
  while (path.length > 0) {
    const top = path.length - 1;
    const node = path[top];
    const k = next[top]++;
    if (k < 2) {
      const child = k === 0 ? node.left : node.right;
      if (child === null || typeof child !== 'object') continue;
      const seen = apply(mapGet, state, [child]);
      if (seen === 1) return true;
      if (seen === 2) continue;
      apply(mapSet, state, [child, 1]);
      path[path.length] = child;
      next[next.length] = 0;
    } else {
      apply(mapSet, state, [node, 2]);
      path.length = top;
      next.length = top;
    }
  }
  return false;
}

function putTree(root) {  // LeetCode's level order, without the trailing nulls
  if (isArray(root)) return putValue('int', root, 0);
  put('[');
  const queue = [root];
  let nulls = 0;  // nulls not written yet: written only when a value follows them
  let first = true;
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    queue[head] = undefined;
    if (node === null || node === undefined) { nulls++; continue; }
    if (typeof node !== 'object') throw new Unreadable('a TreeNode was expected, not ' + typeName(node));
    for (; nulls > 0; nulls--) put(',null');
    const text = scalarText(node.val, false);
    if (text === null) throw new Unreadable('a node value of type ' + typeName(node.val));
    put(first ? text : ',' + text);
    first = false;
    queue[queue.length] = node.left;
    queue[queue.length] = node.right;
    if (queue.length === CYCLE_CHECK_AT && treeHasCycle(root)) throw new Unreadable('the tree has a cycle');
    if (queue.length > MAX_TREE_NODES) throw new Unreadable('the tree is too large');
  }
  put(']');
}

function encode(type, v) {
  pieces = [];
  chunks = [];
  putValue(type, v, 0);
  return written();
}

// --- records --------------------------------------------------------------------------------------
function send(fd, text) {
  const data = BufferFrom(text, 'utf8');
  const total = data.length;
  let done = 0;
  while (done < total) {
    try {
      done += writeSync(fd, data, done, total - done);
    } catch (e) {
      if (e && (e.code === 'EAGAIN' || e.code === 'EINTR')) { pause(); continue; }
      exit(3);  // the worker is gone
    }
  }
}

function clip(text, limit) {
  text = apply(strReplaceAll, text, ['/box/', '']);
  return text.length > limit ? apply(strSlice, text, [0, limit]) : text;
}

function errorLine(e) {  // the innermost line of solution.js in the stack
  let stack;
  try {
    stack = e.stack;
  } catch (err) {
    return null;
  }
  if (typeof stack !== 'string') return null;
  const lines = apply(strSplit, stack, ['\n']);
  for (let i = 0; i < lines.length; i++) {
    if (!apply(strStartsWith, lines[i], ['    at '])) continue;
    const match = apply(regexpExec, LINE_AT, [lines[i]]);
    if (match !== null) return +match[1];
  }
  return null;
}

function describe(e) {
  let name = 'Uncaught';
  let message = '';
  try {
    if (e instanceof ErrorClass) {
      const ctor = e.constructor;
      if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name) name = ctor.name;
      else if (typeof e.name === 'string' && e.name) name = e.name;
      else name = 'Error';
      message = '' + e.message;
    } else {
      message = typeof e === 'symbol' ? e.toString() : '' + e;
    }
  } catch (err) {
    // a hostile getter or toString: the name stands, with no message
  }
  return { name: clip(name, 100), line: errorLine(e), message: clip(message, 1000) };
}

function outOfMemory(e) {  // what V8 throws when an ArrayBuffer cannot be had
  try {
    return e instanceof RangeErrorClass && e.message === 'Array buffer allocation failed';
  } catch (err) {
    return false;
  }
}

function errorFields(d) {
  const line = d.line === null ? 'null' : '' + d.line;
  return ',"error":' + stringify(d.name) + ',"line":' + line + ',"message":' + stringify(d.message);
}

function caseError(d) {
  return '{"event":"case","status":"error"' + errorFields(d) + '}\n';
}

function compileError(fields) {
  return '{"event":"compile-error"' + fields + '}\n';
}

function syntaxError(e) {
  // V8 puts "solution.js:LINE", the line and a caret in front of a SyntaxError's stack.
  const d = describe(e);
  let stack = '';
  try {
    stack = '' + e.stack;
  } catch (err) {
    // keep the bare message
  }
  if (apply(strStartsWith, stack, ['solution.js:'])) {
    const lines = apply(strSplit, stack, ['\n']);
    const line = +apply(strSlice, lines[0], [12]);
    if (isInteger(line) && line > 0) d.line = line;
    let source = lines.length > 1 ? lines[1] : '';
    let caret = lines.length > 2 && !apply(strStartsWith, lines[2], ['SyntaxError']) ? lines[2] : '';
    if (source.length > 160) {  // a long line: the stretch around the caret
      const at = apply(strIndexOf, caret, ['^']);
      const start = at > 80 ? at - 80 : 0;
      source = apply(strSlice, source, [start, start + 160]);
      caret = apply(strSlice, caret, [start, start + 160]);
    }
    d.message = clip(d.message + '\n' + lines[0] + '\n' + source + (caret ? '\n' + caret : ''), 1000);
  }
  return compileError(errorFields(d));
}

// --- what the program gets, and what it does not -----------------------------------------------
function safeRequire(id) {
  let name = '' + id;
  if (apply(strStartsWith, name, ['node:'])) name = apply(strSlice, name, [5]);
  for (let i = 0; i < ALLOWED.length; i++) {
    if (ALLOWED[i] === name) return realRequire(name);
  }
  throw new ErrorClass("Cannot find module '" + name + "': only " + ALLOWED.join(', ') + ' are available in the judge');
}

function stdinRefused() {
  throw new ErrorClass('stdin is not available in the judge: the arguments are the function\'s parameters');
}

function harden() {
  const hidden = [
    'binding', '_linkedBinding', 'dlopen', 'getBuiltinModule', 'mainModule', 'openStdin', 'loadEnvFile',
    'report', 'permission', 'channel', 'send', 'disconnect', '_debugProcess', '_debugEnd',
    '_startProfilerIdleNotifier', '_stopProfilerIdleNotifier', 'setSourceMapsEnabled',
  ];
  for (let i = 0; i < hidden.length; i++) {
    try {
      delete process[hidden[i]];
    } catch (e) {
      // not configurable: made undefined below
    }
    if (apply(hasOwn, process, [hidden[i]])) {
      try {
        defineProperty(process, hidden[i], { value: undefined, writable: false, configurable: false });
      } catch (e) {
        // nothing more to do from here: the jail holds
      }
    }
  }
  defineProperty(process, 'stdin', { get: stdinRefused, enumerable: true, configurable: false });
  // Node writes to a pipe without blocking and queues what the pipe cannot take for the event
  // loop, which never runs while cases do: console.log would pile its output up in memory
  // instead of reaching the worker (and its output limit). Blocking writes it is, set up on
  // first use (the streams cost a few ms to create).
  for (const name of ['stdout', 'stderr']) {
    const described = Object.getOwnPropertyDescriptor(process, name);
    if (!described || typeof described.get !== 'function' || !described.configurable) continue;
    const create = described.get;
    let stream = null;
    const get = () => {
      if (stream === null) {
        stream = apply(create, process, []);
        const handle = stream && stream._handle;
        if (handle && typeof handle.setBlocking === 'function') handle.setBlocking(true);
      }
      return stream;
    };
    defineProperty(process, name, { get: get, enumerable: described.enumerable, configurable: false });
  }
  const web = ['fetch', 'Request', 'Response', 'Headers', 'FormData', 'WebSocket', 'EventSource', 'navigator'];
  for (let i = 0; i < web.length; i++) delete globalThis[web[i]];
  const globals = { require: safeRequire, ListNode: ListNode, TreeNode: TreeNode };
  for (const key of ['require', 'ListNode', 'TreeNode']) {
    defineProperty(globalThis, key, { value: globals[key], writable: true, configurable: true, enumerable: false });
  }
}

// --- the run ----------------------------------------------------------------------------------------
function entryPoint(name) {
  // A global of the program: var, function, let, const or class, all visible to a later script.
  const lookup = (expression) => {
    try {
      const code = 'typeof ' + expression + ' === "function" ? ' + expression + ' : undefined';
      return apply(runInThisContext, new Script(code, { filename: 'lookup.js' }), []);
    } catch (e) {
      return undefined;
    }
  };
  const target = lookup(name);
  if (target !== undefined) return (args) => apply(target, undefined, args);
  const Solution = lookup('Solution');
  if (Solution !== undefined && Solution.prototype && typeof Solution.prototype[name] === 'function') {
    return (args) => {
      const instance = new Solution();
      return apply(instance[name], instance, args);
    };
  }
  return null;
}

function load(resultFd, source) {
  let script;
  try {
    script = new Script(source, { filename: 'solution.js' });
  } catch (e) {
    send(resultFd, outOfMemory(e) ? compileError(',"error":"MemoryError","line":null,"message":""') : syntaxError(e));
    return null;
  }
  try {
    apply(runInThisContext, script, []);
  } catch (e) {
    const d = describe(e);
    if (outOfMemory(e)) d.name = 'MemoryError';
    send(resultFd, compileError(errorFields(d)));
    return null;
  }
  const call = entryPoint(SPEC.name);
  if (call === null) {
    const message = 'a function ' + SPEC.name + ' is required: var ' + SPEC.name + ' = function(...) { ... };';
    send(resultFd, compileError(',"error":"EntryPointError","line":null,"message":' + stringify(message)));
    return null;
  }
  send(resultFd, '{"event":"compiled"}\n');
  return call;
}

function serve(resultFd, call) {
  const readers = [];
  for (let i = 0; i < SPEC.params.length; i++) readers[i] = reader(SPEC.params[i]);
  const count = readers.length;
  const returns = SPEC.returns;
  while (nextCase()) {
    let record;
    try {
      unsafe = '';
      lineEnded = false;
      const args = [];
      for (let i = 0; i < count; i++) args[i] = readers[i]();
      endCase();
      if (unsafe) {
        const why = ' is beyond Number.MAX_SAFE_INTEGER: a JavaScript number cannot hold it exactly';
        record = caseError({ name: 'RangeError', line: null, message: 'the argument ' + unsafe + why });
      } else {
        const result = call(args);
        let text = null;
        try {
          text = encode(returns, result);
        } catch (e) {
          if (!(e instanceof Unreadable)) throw e;
          record = '{"event":"case","status":"unserializable","message":' + stringify(clip(e.message, 300)) + '}\n';
        }
        if (text !== null) record = '{"event":"case","status":"ok","output":' + text + '}\n';
      }
    } catch (e) {
      if (e instanceof WireError) {
        send(resultFd, caseError({ name: 'WireError', line: null, message: e.message }));
        exit(2);
      }
      record = outOfMemory(e) ? '{"event":"case","status":"mle"}\n' : caseError(describe(e));
    }
    send(resultFd, record);
  }
}

function main() {
  const source = fs.readFileSync('/box/solution.js', 'utf8');
  harden();
  if (!more()) return;
  const resultFd = readInt();
  const call = load(resultFd, source);
  if (call !== null) serve(resultFd, call);
}

main();
// Nothing the program left behind (timers, promises, listeners) runs once the cases are done.
exit(0);
"""


def type_spec(t: SigType) -> Any:
    if t.kind == "list":
        assert t.item is not None
        return ["list", type_spec(t.item)]
    return t.kind


def doc_type(t: SigType) -> str:
    """The JSDoc type LeetCode writes: ``number[]``, ``string``, ``ListNode``..."""
    if t.kind == "list":
        assert t.item is not None
        return doc_type(t.item) + "[]"
    return {"int": "number", "float": "number", "bool": "boolean", "str": "string"}.get(t.kind, t.kind)


def param_name(name: str) -> str:
    return f"{name}_" if name in RESERVED else name


def uses(sig: Signature, kind: str) -> bool:
    return any(p.type.base().kind == kind for p in sig.params) or sig.returns.base().kind == kind


LIST_NODE_DOC = (
    "/**",
    " * Definition for singly-linked list.",
    " * function ListNode(val, next) {",
    " *     this.val = (val===undefined ? 0 : val)",
    " *     this.next = (next===undefined ? null : next)",
    " * }",
    " */",
)
TREE_NODE_DOC = (
    "/**",
    " * Definition for a binary tree node.",
    " * function TreeNode(val, left, right) {",
    " *     this.val = (val===undefined ? 0 : val)",
    " *     this.left = (left===undefined ? null : left)",
    " *     this.right = (right===undefined ? null : right)",
    " * }",
    " */",
)

# What Node prints around an uncaught error: the stack's frames and its version line.
_FRAME = re.compile(r"^\s+at .*$|^Node\.js v\d+.*$", re.MULTILINE)


def _unsafe_int(t: SigType, value: Any) -> int | None:
    """The first int of ``value`` (already checked against its type) beyond +-(2^53 - 1), or None."""
    kind = t.kind
    if kind == "int":
        return value if abs(value) > MAX_SAFE_INTEGER else None
    if kind in ("ListNode", "TreeNode"):
        ints = [v for v in value or [] if v is not None]
        if ints and (min(ints) < -MAX_SAFE_INTEGER or max(ints) > MAX_SAFE_INTEGER):
            return next(v for v in ints if abs(v) > MAX_SAFE_INTEGER)
        return None
    if kind == "list" and t.base().kind in ("int", "ListNode", "TreeNode"):
        assert t.item is not None
        if t.item.kind == "int":
            if value and (min(value) < -MAX_SAFE_INTEGER or max(value) > MAX_SAFE_INTEGER):
                return next(v for v in value if abs(v) > MAX_SAFE_INTEGER)
            return None
        for item in value:
            found = _unsafe_int(t.item, item)
            if found is not None:
                return found
    return None


@register_language
class JavaScript(Language):
    key = "JS"
    name = "JavaScript (Node.js)"
    aliases = ("javascript", "js", "node", "nodejs")
    editor_mode = "javascript"
    extension = "js"
    comment = "//"
    meters = ("cpu",)
    builtin_errors = BUILTIN_ERRORS
    # V8's own memory beyond the program's data (measured: ~9 MB for an empty run, 69-71 MB over
    # 100-230 MB of live arrays under churn: the young generation, code, the old generation's
    # slack before its next collection), with room to spare.
    extra_memory_mb = 80
    # Node's start-up, counted in the load step when it overlaps it (~35 ms CPU here).
    load_allowance_ms = 100

    def check_signature(self, sig: Signature) -> None:
        if sig.name in RESERVED:
            raise UnsupportedSignature(f"{sig.name} is a reserved word in JavaScript")

    def starter_code(self, sig: Signature) -> str:
        lines: list[str] = []
        if uses(sig, "ListNode"):
            lines += LIST_NODE_DOC
        if uses(sig, "TreeNode"):
            lines += TREE_NODE_DOC
        lines.append("/**")
        lines += [f" * @param {{{doc_type(p.type)}}} {param_name(p.name)}" for p in sig.params]
        lines += [f" * @return {{{doc_type(sig.returns)}}}", " */"]
        params = ", ".join(param_name(p.name) for p in sig.params)
        lines += [f"var {sig.name} = function({params}) {{", "    ", "};"]
        return "\n".join(lines) + "\n"

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        sig = parse_signature(signature)
        spec = {"name": sig.name, "params": [type_spec(p.type) for p in sig.params], "returns": type_spec(sig.returns)}
        driver = DRIVER.replace("__SPEC__", json.dumps(spec), 1).replace("__ALLOWED__", json.dumps(ALLOWED_MODULES), 1)
        return {"main.js": driver, "solution.js": source}

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        """``memory_mb`` is not needed: the memory cgroup is the limit (see the module's notes)."""
        return Program(
            argv=(NODE, *NODE_FLAGS, "/box/main.js"),
            box=box,
            mounts=(NODE,),
            env=("UV_THREADPOOL_SIZE=1", "TZ=UTC"),
            # V8 reserves address space far beyond what it uses (its heap cage, code ranges).
            address_space=False,
            max_pids=NODE_TASKS,
            stack_mb=STACK_MB,
        )

    def identity(self) -> tuple[str, ...]:
        return (os.path.realpath(NODE),)

    def noop_source(self) -> str:
        return "var noop = function() {\n    return 0;\n};\n"

    def clean_message(self, text: str) -> str:
        """Node's report of an uncaught error (``node --check``'s too) as the contestant may see it:
        ``solution.js:LINE``, the line, the caret and the error, without the stack's frames."""
        return clean_compiler_output(_FRAME.sub("", text).replace("\n\n\n", "\n\n"))

    def encode_case(self, signature: dict[str, Any], args: list[Any]) -> bytes:
        sig = parse_signature(signature)
        data = encode_case(sig, args)  # checks every value against its type first
        for param, value in zip(sig.params, args):
            found = _unsafe_int(param.type, value)
            if found is not None:
                raise CaseEncodingError(
                    f"{param.name}: {found} is beyond Number.MAX_SAFE_INTEGER (2^53 - 1), "
                    "which a JavaScript number cannot hold exactly"
                )
        return data
