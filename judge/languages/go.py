"""Go with Debian's golang-go (1.19): the contestant's file, the driver and the node types are one
package ``main`` of three files (solution.go, main.go, types.go), built with ``go build`` in the
compile jail into a static binary (CGO_ENABLED=0) and run natively.

The entry point is a top-level function (``func twoSum(nums []int, target int) []int``) for both
signature styles: LeetCode's Go has no Solution type. The starter code has no package clause,
as on LeetCode; a source without one gets ``package main;`` prepended on its own first line,
followed by a line directive, so line and column numbers stay the contestant's. A contestant who
needs a package imports it at the top (``import "sort"``), with or without ``package main``
above it: nothing is imported for them (Go refuses unused imports). The driver's top-level
names all start with ``arena_``, since it shares the package with the contestant's max, min...

Types: int is ``int`` (64 bits on amd64, wrapping, as everywhere here), float ``float64``
(written so that it stays a float in JSON: 2.0, not 2), bool ``bool``, str ``string`` (bytes;
invalid UTF-8 in a returned string becomes U+FFFD), lists are slices (nil is the empty list),
and the node types are pointers to the structs of types.go (``*ListNode`` with ``Val int; Next
*ListNode``, ``*TreeNode`` with ``Val int; Left, Right *TreeNode``), declared only for the
problems that use them, as on LeetCode.

Building, chosen by measurement: ``go build`` in GOPATH mode (GO111MODULE=off: no go.mod to
write or load; module mode was no faster). Debian ships the standard library precompiled in
$GOROOT/pkg, and with CGO_ENABLED=0 211 of its 238 packages are up to date there: a build with
an empty GOCACHE (a private one on the jail's /tmp) compiles only the program, so no shared or
pre-warmed cache is needed. The 27 stale ones (net and what imports it: net/http, net/rpc,
crypto/tls, os/user, crypto/sha1, archive/tar...) are compiled from source by each build that
imports them (1.5 s CPU more in the jail). ``-trimpath`` is left out on purpose: it changes
every package's build flags, so the whole standard library would be recompiled every time.
Host, 2 cores: ``go build`` 90-120 ms CPU; ``go tool compile`` + ``go tool link`` directly
150-180 ms CPU (slower, and it would link the cgo-built net). In the compile jail (a loaded
2-core host, load 10-14): 240-260 ms CPU, 0.8-1.2 s wall; a cached build is a 0.5 ms lookup. The
go command runs its tools with /dev/null as their stdin (bound into the compile jail), and
needs ~16 processes and threads (12 fail with "failed to create new OS thread"): 64 allowed.

Running: the Go runtime reserves ~600 MB of address space at start-up before it allocates
anything: under RLIMIT_AS of 16-512 MB it dies at once ("failed to reserve page summary
memory"; 600 MB: "out of memory"; 700 MB starts), so RLIMIT_AS is 2 GB above twice the memory
limit, and the memory cgroup holds what the program touches: growing past the limit is an OOM
kill, MLE by outside evidence. An allocation beyond that address space (``make([]byte, 1<<46)``)
is refused at once and is Go's fatal "out of memory", which no recover catches (exit code 2):
MLE by the runtime's own words (``ran_out_of_memory``). Without RLIMIT_AS the kernel spent 2.1 s
of system time refusing those 64 TiB, a TLE on a 1 s limit. GOMAXPROCS=1 (one core, as judged;
the runtime still has 4 threads under GC: main, sysmon, template, a GC worker; 16 are allowed,
so a thread bomb of runtime.LockOSThread is Go's fatal "failed to create new OS thread", code 2:
RTE; goroutines are not threads, a goroutine bomb is MLE). GOTRACEBACK=none: no goroutine dump in the output.
Goroutine stacks are capped by the driver at the jail's stack limit (RLIMIT_STACK, as for C++:
half the memory limit, at most 256 MB) instead of Go's 1 GB: runaway recursion is Go's fatal
"stack overflow" (code 2: RTE) at 64 MB for a 128 MB problem (peak ~100 MB: the old stack is
copied into one twice its size); a recursion a million deep (~40 MB) is fine.

Memory: GOGC stays at its default (the heap may grow to twice the live data between
collections). A program with 70 MB live and garbage to collect is MLE at 128 MB; with
GOMEMLIMIT=120MiB it passes at 117 MB peak (GOMEMLIMIT needs the problem's limit, which a
Program cannot name yet). A trivial run of 10 cases: 8-9 ms CPU for the whole jail (the load
step 3.6 ms, the 10 cases 0.3-0.5 ms together), 30-85 ms wall, and a peak of 1.8-1.9 MB (C++:
9.4 ms, 1.6 MB; Python: 30 ms, 6.9 MB): extra_memory_mb and load_allowance_ms are 0.

Cost meter: the PMU's ``instructions`` where the host has one, else ``cpu``; not ``valgrind``
(native code reaches past it, as C++'s does: judge/languages/cpp.py). Go does run under
cachegrind (static binary, 5 runs each, GOMAXPROCS=1), but its counts are not deterministic: the
collector's pacing and its background worker are driven by wall-clock time (CPU utilisation
targets, sysmon), so the instructions run change from run to run. A CPU-only loop:
1,140.55-1,140.58 M Ir (28 k apart, under one 100 k quantum). A trivial run: 3.93-3.95 M Ir (18 k,
can straddle a quantum). Maps, appends and a sort (GC at work): 723.1-726.2 M Ir, 3.06 M apart =
30 quanta; with GODEBUG=asyncpreemptoff=1 2.9 M apart, with gcstoptheworld=1 8.3 M apart;
``measure_cost`` of that program twice: 720.5 M and 720.8 M Ir. The valgrind meter takes one
sample as exact, so identical submissions would get different costs; the cpu meter's confirmed
minimum (113.8 and 117.4 ms) is honest. The instructions meter takes the median of repeated
counts and treats costs within 0.2% as ties.
"""

from __future__ import annotations

import os
import re
from typing import Any

from judge.languages.base import Language, Lines, Program, Toolchain, clean_compiler_output, register_language
from judge.languages.types import Signature, SigType, UnsupportedSignature, parse_signature

GO = "/usr/bin/go"
GOROOT = os.path.dirname(os.path.dirname(os.path.realpath(GO))) if os.path.exists(GO) else "/usr/lib/go"
# Debian's GOROOT is /usr/lib/go-1.19 with its src, api, misc and test symlinked into /usr/share.
GO_SHARE = os.path.realpath(os.path.join(GOROOT, "src", ".."))
GO_TOOL_DIR = os.path.join(GOROOT, "pkg", "tool", "linux_amd64")

KEYWORDS = frozenset(
    {
        "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go",
        "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type",
        "var",
    }
)  # fmt: skip
# Names the entry point cannot have: the program's own main and init, the node types, and Go's
# predeclared names (a package-level len or string would shadow the driver's own).
RESERVED = frozenset(
    {
        "main", "init", "ListNode", "TreeNode", "append", "cap", "close", "complex", "copy", "delete", "imag", "len",
        "make", "new", "panic", "print", "println", "real", "recover", "bool", "byte", "complex64", "complex128",
        "error", "float32", "float64", "int", "int8", "int16", "int32", "int64", "rune", "string", "uint", "uint8",
        "uint16", "uint32", "uint64", "uintptr", "any", "comparable", "true", "false", "iota", "nil",
    }
)  # fmt: skip

# The driver's own error kinds: a hidden test may show them (they carry nothing of the program's).
BUILTIN_ERRORS = frozenset({"runtime error", "panic"})

GO_TYPES = {"int": "int", "float": "float64", "bool": "bool", "str": "string"}

TYPES = {
    "ListNode": "type ListNode struct {\n\tVal  int\n\tNext *ListNode\n}\n",
    "TreeNode": "type TreeNode struct {\n\tVal   int\n\tLeft  *TreeNode\n\tRight *TreeNode\n}\n",
}

STARTER_COMMENTS = {
    "ListNode": (
        "/**",
        " * Definition for singly-linked list.",
        " * type ListNode struct {",
        " *     Val int",
        " *     Next *ListNode",
        " * }",
        " */",
    ),
    "TreeNode": (
        "/**",
        " * Definition for a binary tree node.",
        " * type TreeNode struct {",
        " *     Val int",
        " *     Left *TreeNode",
        " *     Right *TreeNode",
        " * }",
        " */",
    ),
}

ZERO = {"int": "0", "float": "0", "bool": "false", "str": '""'}

# The driver: every top-level name starts with arena_ (it shares package main with the program,
# where max, min, abs... are the contestant's). It reads the header (the result descriptor),
# then one case at a time in the wire format of judge/languages/base.py, calls the entry point
# and writes one JSON record per case, like judge/harness/harness.py.
DRIVER = r"""package main

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"unicode/utf8"
)

// The cases arrive on a private copy of stdin, taken before any code of the program runs (this
// file's variables are initialised first); the program's own reads of stdin get nothing.
var arena_in = arena_takeStdin()

type arena_reader struct {
	fd       int
	buf      []byte
	pos, end int
	eof      bool
}

func arena_takeStdin() *arena_reader {
	fd, err := syscall.Dup(0)
	if err != nil {
		syscall.Exit(3)
	}
	syscall.CloseOnExec(fd)
	syscall.Close(0)
	return &arena_reader{fd: fd, buf: make([]byte, 1<<16)}
}

// Why a case cannot be read (the worker's fault), or a value cannot be sent (the program's).
type arena_badCase string
type arena_unserializable string

func (r *arena_reader) fill() bool {
	if r.eof {
		return false
	}
	for {
		n, err := syscall.Read(r.fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			syscall.SetNonblock(r.fd, false)
			continue
		}
		if err != nil || n <= 0 {
			r.eof = true
			return false
		}
		r.pos, r.end = 0, n
		return true
	}
}

func (r *arena_reader) peek() int {
	if r.pos == r.end && !r.fill() {
		return -1
	}
	return int(r.buf[r.pos])
}

// Skips the spaces between tokens; false at the end of the stream.
func (r *arena_reader) more() bool {
	for {
		c := r.peek()
		if c != ' ' {
			return c >= 0
		}
		r.pos++
	}
}

// The rest of a case's line, up to and including its newline (a case with no arguments is an
// empty line).
func (r *arena_reader) endLine() {
	for {
		c := r.peek()
		if c < 0 {
			return
		}
		r.pos++
		if c == '\n' {
			return
		}
	}
}

// A token and the one space after it (a newline is left to end the case).
func (r *arena_reader) token() []byte {
	if !r.more() {
		panic(arena_badCase("the case ended early"))
	}
	var t []byte
	for {
		c := r.peek()
		if c < 0 || c == '\n' {
			return t
		}
		r.pos++
		if c == ' ' {
			return t
		}
		t = append(t, byte(c))
	}
}

func arena_readInt(r *arena_reader) int {
	if !r.more() {
		panic(arena_badCase("the case ended early"))
	}
	neg := r.peek() == '-'
	if neg {
		r.pos++
	}
	var v uint64
	digits := 0
	for {
		c := r.peek()
		if c < '0' || c > '9' {
			if c == ' ' {
				r.pos++
			} else if c >= 0 && c != '\n' {
				panic(arena_badCase("an integer was expected"))
			}
			break
		}
		v = v*10 + uint64(c-'0')
		digits++
		r.pos++
	}
	if digits == 0 {
		panic(arena_badCase("an integer was expected"))
	}
	if neg {
		return -int(v)
	}
	return int(v)
}

func arena_readFloat(r *arena_reader) float64 {
	v, err := strconv.ParseFloat(string(r.token()), 64)
	if err != nil {
		panic(arena_badCase("a number was expected"))
	}
	return v
}

func arena_readBool(r *arena_reader) bool {
	return arena_readInt(r) != 0
}

func arena_readStr(r *arena_reader) string {
	n := arena_readInt(r)
	if n < 0 {
		panic(arena_badCase("a negative length"))
	}
	s := make([]byte, 0, n)
	for len(s) < n {
		if r.pos == r.end && !r.fill() {
			panic(arena_badCase("the case ended early"))
		}
		take := n - len(s)
		if take > r.end-r.pos {
			take = r.end - r.pos
		}
		s = append(s, r.buf[r.pos:r.pos+take]...)
		r.pos += take
	}
	return string(s)
}

func arena_count(r *arena_reader) int {
	n := arena_readInt(r)
	if n < 0 {
		panic(arena_badCase("a negative length"))
	}
	return n
}

func arena_putInt(b []byte, v int) []byte {
	return strconv.AppendInt(b, int64(v), 10)
}

func arena_putFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic(arena_unserializable("the returned number is not finite"))
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, '.', '0') // a float stays a float in JSON: 2.0, not 2
}

func arena_putBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

const arena_hex = "0123456789abcdef"

func arena_putStr(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', arena_hex[c>>4], arena_hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

//ARENA:NODES

func arena_send(fd int, b []byte) {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil || n <= 0 {
			syscall.Exit(3)
		}
		b = b[n:]
	}
}

// The innermost line of the contestant's file on the panicking goroutine's stack (0: none).
func arena_errorLine() int {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		frame, more := frames.Next()
		if len(frame.File) >= 11 && frame.File[len(frame.File)-11:] == "solution.go" &&
			(len(frame.File) == 11 || frame.File[len(frame.File)-12] == '/') {
			return frame.Line
		}
		if !more {
			return 0
		}
	}
}

func arena_cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit]
}

// A panic value as text: its own String or Error method may panic in turn.
func arena_describe(value interface{}) (text string) {
	defer func() {
		if recover() != nil {
			text = "a panic whose value cannot be printed"
		}
	}()
	switch v := value.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return fmt.Sprint(value)
}

func arena_failure(value interface{}, line int) []byte {
	if message, ok := value.(arena_unserializable); ok {
		b := append([]byte(nil), `{"event":"case","status":"unserializable","message":`...)
		b = arena_putStr(b, string(message))
		return append(b, '}', '\n')
	}
	name, message := "panic", ""
	if err, ok := value.(runtime.Error); ok {
		name = "runtime error"
		message = arena_describe(err)
		if len(message) >= 15 && message[:15] == "runtime error: " {
			message = message[15:]
		}
	} else if bad, ok := value.(arena_badCase); ok {
		name, message = "judge error", string(bad)
	} else if value == nil {
		message = "panic(nil)"
	} else {
		message = arena_describe(value)
	}
	b := append([]byte(nil), `{"event":"case","status":"error","error":`...)
	b = arena_putStr(b, name)
	b = append(b, `,"line":`...)
	if line > 0 {
		b = strconv.AppendInt(b, int64(line), 10)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"message":`...)
	b = arena_putStr(b, arena_cut(message, 500))
	return append(b, '}', '\n')
}

func arena_case(r *arena_reader) (record []byte) {
	done := false
	defer func() {
		if !done {
			value := recover()
			record = arena_failure(value, arena_errorLine())
		}
	}()
	//ARENA:CALL
	done = true
	return record
}

func main() {
	// Goroutine stacks get the jail's stack limit (Go's own default is 1 GB).
	var limit syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_STACK, &limit) == nil && limit.Cur >= 1<<20 && limit.Cur < 1<<30 {
		debug.SetMaxStack(int(limit.Cur))
	}
	r := arena_in
	if r.peek() < 0 {
		return
	}
	fd := arena_readInt(r)
	r.endLine()
	arena_send(fd, []byte("{\"event\":\"compiled\"}\n"))
	for r.peek() >= 0 { // the next case, or the end once the worker closes the stream
		record := arena_case(r)
		r.endLine()
		arena_send(fd, record)
	}
}
"""

LIST_NODE_CODE = r"""
func arena_readListNode(r *arena_reader) *ListNode {
	n := arena_count(r)
	vals := make([]int, n)
	for i := range vals {
		vals[i] = arena_readInt(r)
	}
	var head *ListNode
	for i := n - 1; i >= 0; i-- {
		head = &ListNode{Val: vals[i], Next: head}
	}
	return head
}

func arena_putListNode(b []byte, node *ListNode) []byte {
	b = append(b, '[')
	for n := 0; node != nil; node = node.Next {
		if n++; n > 10000000 {
			panic(arena_unserializable("the linked list has a cycle"))
		}
		if n > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(node.Val), 10)
	}
	return append(b, ']')
}
"""

TREE_NODE_CODE = r"""
func arena_readTreeNode(r *arena_reader) *TreeNode {
	n := arena_count(r)
	nodes := make([]*TreeNode, n)
	for i := range nodes {
		if !r.more() {
			panic(arena_badCase("the case ended early"))
		}
		if r.peek() == 'n' {
			r.token()
		} else {
			nodes[i] = &TreeNode{Val: arena_readInt(r)}
		}
	}
	if n == 0 {
		return nil
	}
	i := 1
	for head := 0; head < n && i < n; head++ {
		if nodes[head] == nil {
			continue
		}
		if i < n {
			nodes[head].Left = nodes[i]
			i++
		}
		if i < n {
			nodes[head].Right = nodes[i]
			i++
		}
	}
	return nodes[0]
}

// LeetCode's level order, trailing nulls trimmed (judge/harness/harness.py, from_tree_node).
func arena_putTreeNode(b []byte, root *TreeNode) []byte {
	queue := []*TreeNode{root}
	items := 0
	b = append(b, '[')
	cut := len(b) // the end of the last non-null item: trailing nulls are dropped
	for head := 0; head < len(queue); head++ {
		node := queue[head]
		if items > 0 {
			b = append(b, ',')
		}
		items++
		if node == nil {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendInt(b, int64(node.Val), 10)
		cut = len(b)
		queue = append(queue, node.Left, node.Right)
		if len(queue) > 20000000 {
			panic(arena_unserializable("the tree is too large or cyclic"))
		}
	}
	return append(b[:cut], ']')
}
"""


def go_type(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return f"[]{go_type(t.item)}"
    return GO_TYPES.get(t.kind, f"*{t.kind}")


def _suffix(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return "List" + _suffix(t.item)
    return {"int": "Int", "float": "Float", "bool": "Bool", "str": "Str"}.get(t.kind, t.kind)


def _codecs(t: SigType, readers: dict[str, str], writers: dict[str, str], *, write: bool) -> str:
    """Emit the reader (and writer) of ``t`` and of its items; return its name suffix."""
    suffix = _suffix(t)
    if t.kind != "list":
        return suffix
    assert t.item is not None
    item = _codecs(t.item, readers, writers, write=write)
    name = go_type(t)
    if suffix not in readers:
        readers[suffix] = (
            f"func arena_read{suffix}(r *arena_reader) {name} {{\n"
            f"\tv := make({name}, arena_count(r))\n"
            f"\tfor i := range v {{\n\t\tv[i] = arena_read{item}(r)\n\t}}\n"
            f"\treturn v\n}}\n"
        )
    if write and suffix not in writers:
        writers[suffix] = (
            f"func arena_put{suffix}(b []byte, v {name}) []byte {{\n"
            f"\tb = append(b, '[')\n"
            f"\tfor i, x := range v {{\n\t\tif i > 0 {{\n\t\t\tb = append(b, ',')\n\t\t}}\n"
            f"\t\tb = arena_put{item}(b, x)\n\t}}\n"
            f"\treturn append(b, ']')\n}}\n"
        )
    return suffix


def nodes_used(sig: Signature) -> list[str]:
    kinds = {p.type.base().kind for p in sig.params} | {sig.returns.base().kind}
    return [kind for kind in ("ListNode", "TreeNode") if kind in kinds]


def has_package_clause(source: str) -> bool:
    """Does the source begin (after comments and blank space) with a package clause?"""
    text = source.lstrip("\ufeff")
    while True:
        text = text.lstrip()
        if text.startswith("//"):
            newline = text.find("\n")
            text = "" if newline < 0 else text[newline + 1 :]
        elif text.startswith("/*"):
            end = text.find("*/", 2)
            text = "" if end < 0 else text[end + 2 :]
        else:
            return re.match(r"package(?![\w])", text) is not None


def solution_file(source: str) -> str:
    """The contestant's file: with ``package main`` prepended on its own first line when it has no
    package clause (LeetCode's editor shows none). The line directive after it gives the rest of
    the line back its own column numbers (``solution.go:1:1`` is the contestant's first character)."""
    source = source.removeprefix("\ufeff")  # a byte order mark is allowed only at the very start
    if has_package_clause(source):
        return source
    return "package main; /*line solution.go:1:1*/" + source


# The address space a Go program may reserve beyond twice its memory limit, and the runtime's
# fatal errors when an allocation is refused.
GO_ADDRESS_SPACE_MB = 2048
GO_OUT_OF_MEMORY = frozenset({b"fatal error: out of memory", b"fatal error: runtime: out of memory"})


CGO_IMPORT = re.compile(r'(?m)^[ \t]*(?:import[ \t]*(?:\([ \t]*)?)?(?:_[ \t]+)?"C"[ \t]*\)?[ \t]*(?://.*)?$')
CGO_MESSAGE = 'cgo (import "C") is not available: the judge builds Go without C, so the file was left out.'


@register_language
class Go(Language):
    key = "GO"
    name = "Go"
    aliases = ("go", "golang")
    editor_mode = "go"
    extension = "go"
    comment = "//"
    meters = ("instructions", "cpu")
    builtin_errors = BUILTIN_ERRORS
    extra_memory_mb = 0
    load_allowance_ms = 0

    def check_signature(self, sig: Signature) -> None:
        if sig.name in KEYWORDS or sig.name in RESERVED or sig.name.startswith("arena_"):
            raise UnsupportedSignature(f"the entry point name {sig.name!r} is reserved in Go")

    def starter_code(self, sig: Signature) -> str:
        lines = Lines(indent="\t")
        for kind in nodes_used(sig):
            lines.extend(STARTER_COMMENTS[kind])
        params = ", ".join(f"{_param_name(p.name)} {go_type(p.type)}" for p in sig.params)
        lines.add(f"func {sig.name}({params}) {go_type(sig.returns)} {{")
        lines.level = 1
        lines.add("", f"return {ZERO.get(sig.returns.kind, 'nil')}")
        lines.level = 0
        lines.add("}")
        return lines.text()

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        sig = parse_signature(signature)
        readers: dict[str, str] = {}
        writers: dict[str, str] = {}
        call = Lines(indent="\t")
        call.level = 1
        args = []
        for index, param in enumerate(sig.params):
            suffix = _codecs(param.type, readers, writers, write=False)
            call.add(f"arena_a{index} := arena_read{suffix}(r)")
            args.append(f"arena_a{index}")
        returns = _codecs(sig.returns, readers, writers, write=True)
        call.add(f"var arena_result {go_type(sig.returns)} = {sig.name}({', '.join(args)})")
        call.add(
            'record = append([]byte(nil), `{"event":"case","status":"ok","output":`...)',
            f"record = arena_put{returns}(record, arena_result)",
            "record = append(record, '}', '\\n')",
        )
        used = nodes_used(sig)
        nodes = "".join({"ListNode": LIST_NODE_CODE, "TreeNode": TREE_NODE_CODE}[kind] for kind in used)
        generated = "\n".join([*readers.values(), *writers.values()])
        driver = DRIVER.replace("//ARENA:NODES\n", nodes + "\n" + generated).replace(
            "\t//ARENA:CALL\n", "\n".join(call.lines) + "\n"
        )
        types = "package main\n" + "".join("\n" + TYPES[kind] for kind in used)
        return {"main.go": driver, "solution.go": solution_file(source), "types.go": types}

    def toolchain(self) -> Toolchain:
        return Toolchain(
            argv=(os.path.join(GOROOT, "bin", "go"), "build", "-o", "main", "main.go", "solution.go", "types.go"),
            # go runs its tools with /dev/null as their standard input.
            mounts=(*dict.fromkeys(path for path in (GOROOT, GO_SHARE) if os.path.isdir(path)), "/dev/null"),
            env=(
                f"PATH={GOROOT}/bin",
                f"GOROOT={GOROOT}",
                "GOPATH=/tmp/gopath",
                "GOCACHE=/tmp/gocache",
                "GOTMPDIR=/tmp",
                "HOME=/tmp",
                "GOENV=off",
                "GO111MODULE=off",
                "CGO_ENABLED=0",
                "GOFLAGS=",
                "GOMAXPROCS=2",
            ),
            identity=(os.path.realpath(GO), os.path.join(GO_TOOL_DIR, "compile"), os.path.join(GO_TOOL_DIR, "link")),
            address_space_mb=None,
            max_pids=64,
        )

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        # The memory cgroup holds what the program touches. The address-space limit is far above
        # it (the runtime reserves ~300 MB it never touches): it is there so that a request for
        # terabytes fails at once (the kernel spent seconds of CPU refusing 64 TiB without it)
        # and the runtime says "out of memory" (ran_out_of_memory: MLE).
        return Program(
            argv=("/box/main",),
            box=box,
            env=("GOMAXPROCS=1", "GOTRACEBACK=none"),
            address_space=True,
            address_space_mb=GO_ADDRESS_SPACE_MB + 2 * (memory_mb or 256),
            max_pids=16,
        )

    def compile_hint(self, source: str, message: str) -> str:
        # With cgo off, the go command leaves out a file that imports "C" without a word: the
        # driver then reports the entry point missing.
        if CGO_IMPORT.search(source):
            return f"{CGO_MESSAGE}\n\n{message}"
        return message

    def ran_out_of_memory(self, stderr: bytes) -> bool:
        return any(line.strip() in GO_OUT_OF_MEMORY for line in stderr.splitlines())

    def clean_message(self, text: str) -> str:
        return clean_go_output(text)

    def noop_source(self) -> str:
        return "func noop() int { return 0 }\n"


def _param_name(name: str) -> str:
    return f"{name}_" if name in KEYWORDS else name


# What the driver's own lines say about the contestant's file, said in the contestant's terms.
DRIVER_MESSAGES = (
    (re.compile(r"undefined: (\w+)$"), r"a function \1() is required (a top-level func: Go has no Solution type here)"),
    (
        re.compile(
            r"cannot use (\w+)\(.*\) \(value of type (.+?)\) as (?:type )?(.+?)(?: value)? in variable declaration$"
        ),
        r"\1 returns \2, the problem's return type is \3",
    ),
    (
        re.compile(
            r"cannot use arena_a(\d+) \(variable of type (.+?)\) as (?:type )?(.+?)(?: value)? in argument to (\w+)$"
        ),
        lambda m: f"parameter {int(m.group(1)) + 1} of {m.group(4)} is {m.group(3)}, the problem gives {m.group(2)}",
    ),
)


def clean_go_output(text: str) -> str:
    """``go build``'s output as the contestant may see it: no package header, no jail paths, the
    driver's complaints about the entry point in the contestant's terms."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("# "):  # "# command-line-arguments"
            continue
        line = re.sub(r"(?:\./|/box/|/tmp/[^\s:]*/)(?=[\w.-]+\.go\b)", "", line)
        driver = re.match(r"(\s*)main\.go:\d+:\d+: (.*)$", line)
        if driver:
            message = driver.group(2)
            for pattern, replacement in DRIVER_MESSAGES:
                message = pattern.sub(replacement, message)
            line = f"{driver.group(1)}judge's driver: {message}"
        lines.append(line)
    return clean_compiler_output("\n".join(lines))
