"""In-jail harness. Runs as an unprivileged user inside nsjail; everything it says is untrusted.

Protocol: the whole job arrives as one JSON document on stdin:
    {"source": str, "signature": {...}, "cases": [{"ordinal": int, "args": [...]}, ...],
     "time_limit_ms": int, "result_fd": int}
One JSON line per event goes to the result pipe (``result_fd``), flushed after each case:
    {"event": "compiled"} | {"event": "compile-error", "error": str, "line": int|None, "message": str}
    {"event": "case", "ordinal": n, "status": "ok", "output": <json>, "time_ms": float}
    {"event": "case", "ordinal": n, "status": "error"|"tle"|"mle"|"unserializable", ...}
    {"event": "done"}
The harness never sees expected outputs; the worker compares outside the jail.
"""

import _thread
import json
import os
import resource
import signal
import sys
import time

_RESULT = None
# Bound before the submission loads: it may replace the module attributes, and must not be able
# to break the harness by doing so (its measured cost comes from outside the jail anyway).
_process_time = time.process_time
_perf_counter = time.perf_counter
_getrusage = resource.getrusage
_RUSAGE_SELF = resource.RUSAGE_SELF
_setitimer = signal.setitimer
_ITIMER_PROF = signal.ITIMER_PROF
_dumps = json.dumps


class _CaseTimeout(BaseException):
    """Raised by SIGPROF when a case uses up its CPU budget."""


class ListNode:
    def __init__(self, val=0, next=None):
        self.val = val
        self.next = next

    def __repr__(self):
        return "ListNode(%r)" % (self.val,)


class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val = val
        self.left = left
        self.right = right

    def __repr__(self):
        return "TreeNode(%r)" % (self.val,)


def _to_list_node(values):
    head = None
    for value in reversed(values or []):
        head = ListNode(value, head)
    return head


def _from_list_node(node):
    out = []
    seen = 0
    while node is not None:
        out.append(node.val)
        node = node.next
        seen += 1
        if seen > 10_000_000:
            raise ValueError("linked list has a cycle")
    return out


def _to_tree_node(values):
    """LeetCode level order: [1, null, 2, 3]."""
    if not values or values[0] is None:
        return None
    root = TreeNode(values[0])
    queue = [root]
    i = 1
    head = 0
    while head < len(queue) and i < len(values):
        node = queue[head]
        head += 1
        if i < len(values) and values[i] is not None:
            node.left = TreeNode(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = TreeNode(values[i])
            queue.append(node.right)
        i += 1
    return root


def _from_tree_node(root):
    if root is None:
        return []
    out = []
    queue = [root]
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        if node is None:
            out.append(None)
            continue
        out.append(node.val)
        queue.append(node.left)
        queue.append(node.right)
        if len(queue) > 20_000_000:
            raise ValueError("tree too large or cyclic")
    while out and out[-1] is None:
        out.pop()
    return out


def _convert_in(value, type_name):
    if type_name == "ListNode":
        return _to_list_node(value)
    if type_name == "TreeNode":
        return _to_tree_node(value)
    if type_name == "List[ListNode]":
        return [_to_list_node(v) for v in value]
    return value


def _plain(value, depth=0):
    """Turn the solution's return value into plain JSON data."""
    if depth > 10_000:
        raise ValueError("value nested too deeply")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return repr(value)
        return value
    if isinstance(value, ListNode):
        return _from_list_node(value)
    if isinstance(value, TreeNode):
        return _from_tree_node(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v, depth + 1) for v in value), key=repr)
    raise TypeError("cannot send a value of type %s" % type(value).__name__)


def _emit(record):
    _RESULT.write(_dumps(record, separators=(",", ":")) + "\n")
    _RESULT.flush()


def _error_line(exc):
    """The innermost line of the solution in the traceback. Walks the raw traceback: a recursion
    bomb leaves 100,000 frames, and traceback.extract_tb would look each one up in linecache
    (stat calls along sys.path for a file that does not exist), seconds of CPU after the case's
    timer has stopped."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "solution.py":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _on_sigprof(signum, frame):
    raise _CaseTimeout()


def main():
    global _RESULT
    # Everything that does not depend on the job happens before reading it, so a jail started
    # ahead of time (the warm pool) has already paid for it.
    base_namespace = {"__name__": "solution", "ListNode": ListNode, "TreeNode": TreeNode}
    # What LeetCode-style solutions take for granted without importing (Mercury's references do).
    exec(
        "from typing import *\n"
        "from collections import *\n"
        "import bisect, collections, functools, heapq, itertools, math, operator, re, string\n"
        "from bisect import bisect_left, bisect_right, insort\n"
        "from functools import cache, lru_cache, reduce\n"
        "from heapq import heapify, heappop, heappush, heappushpop, heapreplace, nlargest, nsmallest\n"
        "from itertools import accumulate, combinations, permutations, product\n"
        "from math import ceil, floor, gcd, inf, isqrt, sqrt\n",
        base_namespace,
    )
    job = json.loads(sys.stdin.buffer.read())
    _RESULT = os.fdopen(job["result_fd"], "w", buffering=1)
    sys.stdin.close()
    sys.setrecursionlimit(100_000)
    # Threads would otherwise reserve RLIMIT_STACK each and exhaust the address-space limit.
    _thread.stack_size(16 << 20)
    signature = job["signature"]
    namespace = base_namespace
    try:
        code = compile(job["source"], "solution.py", "exec")
        exec(code, namespace)
    except SyntaxError as exc:
        _emit({"event": "compile-error", "error": type(exc).__name__, "line": exc.lineno, "message": str(exc.msg)})
        return
    except BaseException as exc:  # noqa: BLE001 - anything at load time is a compile error
        _emit(
            {"event": "compile-error", "error": type(exc).__name__, "line": _error_line(exc), "message": str(exc)[:500]}
        )
        return

    name = signature["name"]
    if signature.get("style", "class") == "class":
        cls = namespace.get("Solution")
        target = getattr(cls, name, None) if isinstance(cls, type) else None
        if target is None:
            _emit(
                {
                    "event": "compile-error",
                    "error": "EntryPointError",
                    "line": None,
                    "message": "class Solution with a method %s() is required" % name,
                }
            )
            return
    else:
        target = namespace.get(name)
        if not callable(target):
            _emit(
                {
                    "event": "compile-error",
                    "error": "EntryPointError",
                    "line": None,
                    "message": "a function %s() is required" % name,
                }
            )
            return
    _emit({"event": "compiled"})

    param_types = [p.get("type", "") for p in signature.get("params", [])]
    limit_s = job["time_limit_ms"] / 1000.0
    signal.signal(signal.SIGPROF, _on_sigprof)
    for case in job["cases"]:
        args = [_convert_in(a, t) for a, t in zip(case["args"], param_types + [""] * len(case["args"]))]
        record = {"event": "case", "ordinal": case["ordinal"]}
        started = _process_time()
        wall_started = _perf_counter()
        try:
            _setitimer(_ITIMER_PROF, limit_s + 0.05)
            try:
                if signature.get("style", "class") == "class":
                    result = getattr(namespace["Solution"](), name)(*args)
                else:
                    result = target(*args)
            finally:
                _setitimer(_ITIMER_PROF, 0)
            elapsed_ms = (_perf_counter() - wall_started) * 1000.0
            if result is None and signature.get("returns") in ("ListNode", "TreeNode"):
                result = []  # an empty list or tree is returned as None, LeetCode-style
            try:
                record.update(status="ok", output=_plain(result))
            except (TypeError, ValueError, RecursionError) as exc:
                record.update(status="unserializable", message=str(exc)[:300])
            record["time_ms"] = elapsed_ms
        except _CaseTimeout:
            record.update(status="tle", time_ms=(_process_time() - started) * 1000.0)
        except MemoryError:
            record.update(status="mle", time_ms=(_process_time() - started) * 1000.0)
        except RecursionError as exc:
            record.update(
                status="error",
                error="RecursionError",
                line=_error_line(exc),
                message=str(exc)[:300],
                time_ms=(_process_time() - started) * 1000.0,
            )
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are failures too
            record.update(
                status="error",
                error=type(exc).__name__,
                line=_error_line(exc),
                message=str(exc)[:300],
                time_ms=(_process_time() - started) * 1000.0,
            )
        record["memory_kb"] = _getrusage(_RUSAGE_SELF).ru_maxrss
        try:
            _emit(record)
        except MemoryError:
            _emit({"event": "case", "ordinal": case["ordinal"], "status": "mle", "time_ms": record.get("time_ms", 0)})
        if record["status"] in ("tle", "mle"):
            break
    _emit({"event": "done"})


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
