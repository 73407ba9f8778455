"""In-jail harness. Runs as an unprivileged user inside nsjail, in the program's own process, so
everything it says is untrusted: the worker validates every record at one typed boundary
(judge/boundary.py) and measures time and memory from outside.

Protocol (one JSON document per line):
    stdin, from the worker:   {"source": str, "signature": {...}, "result_fd": int}   once
                              {"args": [...]}                                      one case at a time
    result pipe, to the worker:
                              {"event": "compiled"}
                              {"event": "compile-error", "error": str, "line": int|null, "message": str}
                              {"event": "case", "status": "ok", "output": <json>}
                              {"event": "case", "status": "error", "error": str, "line": int|null, "message": str}
                              {"event": "case", "status": "unserializable", "message": str}
                              {"event": "case", "status": "mle"}
The worker sends the next case only after the record of the previous one, so the harness never
holds another case, and never an expected output. Closing stdin ends the run.

Lock-down. The harness's work on each case (converting arguments, encoding the answer) is
counted in the program's cost, so the program must not be able to change it:

* Every function of the harness is closure-free: what it uses is bound as a default argument
  before the program loads. Defaults are read-only tuples, and the audit hook refuses to
  replace a function's code or defaults. Closure cells would be writable through
  ``__closure__`` by anyone holding the function (a signal handler receives frames, and frames
  hold functions), so there are none.
* The JSON scanner and encoder are the C ones, bound before the program loads.
* An audit hook the program cannot remove refuses: frame objects from the usual routes,
  tracing and profiling hooks, gc's object walks, building code objects, ctypes and the CPython
  test modules, /proc, and unmarshalling anything but the interpreter's own read-only .pyc
  files, compared byte for byte (crafted bytecode reads and writes the process's memory).
"""

import sys


def main():
    import os

    exit_now = os._exit  # bound before the program can replace it
    try:
        serve()
    finally:
        try:
            sys.stdout.flush()
        except BaseException:  # noqa: BLE001 - the program may have replaced or closed stdout
            pass
        exit_now(0)


def serve():  # noqa: C901 - the harness in one place on purpose: its defaults are bound before the program loads
    import _json
    import _thread
    import os

    run_cases = serve_cases  # a module global the program could replace once it has loaded

    # The cases arrive on a private copy of stdin; sys.stdin itself is closed, so the program's
    # own reads fail instead of taking the next case out of the pipe.
    case_fd = os.dup(0)
    sys.stdin.close()  # the standard streams do not own their descriptors: close it too
    os.close(0)

    class _ScanContext:  # what _json.make_scanner reads once, at construction
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = None
        memo = None

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

    # --- talking to the worker -------------------------------------------------------------
    def read_line(pending, _fd=case_fd, _read=os.read, _len=len, _bytes=bytes):
        """The next line of the case stream, or None once the worker has closed it."""
        start = 0
        while True:
            end = pending.find(b"\n", start)
            if end >= 0:
                line = _bytes(pending[:end])
                del pending[: end + 1]
                return line
            start = _len(pending)
            chunk = _read(_fd, 1 << 20)
            if not chunk:
                return None
            pending.extend(chunk)

    def parse(line, _scan=_json.make_scanner(_ScanContext())):
        return _scan(line.decode("utf-8"), 0)[0]

    def send(fd, text, _write=os.write, _len=len, _memoryview=memoryview):
        view = _memoryview(text.encode("ascii") + b"\n")
        while _len(view):
            view = view[_write(fd, view) :]

    # --- LeetCode-style node types ---------------------------------------------------------
    def to_list_node(values, _ListNode=ListNode, _reversed=reversed):
        head = None
        for value in _reversed(values or []):
            head = _ListNode(value, head)
        return head

    def to_tree_node(values, _TreeNode=TreeNode, _len=len):
        """LeetCode level order: [1, null, 2, 3]."""
        if not values or values[0] is None:
            return None
        root = _TreeNode(values[0])
        queue = [root]
        i = 1
        head = 0
        count = _len(values)
        while head < _len(queue) and i < count:
            node = queue[head]
            head += 1
            if values[i] is not None:
                node.left = _TreeNode(values[i])
                queue.append(node.left)
            i += 1
            if i < count and values[i] is not None:
                node.right = _TreeNode(values[i])
                queue.append(node.right)
            i += 1
        return root

    def from_list_node(node, _len=len, _ValueError=ValueError):
        out = []
        while node is not None:
            out.append(node.val)
            node = node.next
            if _len(out) > 10_000_000:
                raise _ValueError("the linked list has a cycle")
        return out

    def from_tree_node(root, _len=len, _ValueError=ValueError):
        out = []
        queue = [root]
        head = 0
        while head < _len(queue):
            node = queue[head]
            head += 1
            if node is None:
                out.append(None)
                continue
            out.append(node.val)
            queue.append(node.left)
            queue.append(node.right)
            if _len(queue) > 20_000_000:
                raise _ValueError("the tree is too large or cyclic")
        while out and out[-1] is None:
            out.pop()
        return out

    def plain(
        value,
        _isinstance=isinstance,
        _ListNode=ListNode,
        _TreeNode=TreeNode,
        _sets=(set, frozenset),
        _sorted=sorted,
        _list=list,
        _repr=repr,
        _type=type,
        _TypeError=TypeError,
        _from_list_node=from_list_node,
        _from_tree_node=from_tree_node,
    ):
        """The encoder's fallback for what JSON has no word for."""
        if _isinstance(value, _ListNode):
            return _from_list_node(value)
        if _isinstance(value, _TreeNode):
            return _from_tree_node(value)
        if _isinstance(value, _sets):
            return _sorted(_list(value), key=_repr)
        raise _TypeError("cannot send a value of type %s" % _type(value).__name__)

    def encode(value, _make_encoder=_json.make_encoder, _plain=plain, _string=_json.encode_basestring_ascii):
        """JSON of the program's value, by the C encoder."""
        return "".join(_make_encoder({}, _plain, _string, None, ":", ",", False, False, False)(value, 0))

    def convert_in(value, type_name, _to_list_node=to_list_node, _to_tree_node=to_tree_node):
        if type_name == "ListNode":
            return _to_list_node(value)
        if type_name == "TreeNode":
            return _to_tree_node(value)
        if type_name == "List[ListNode]":
            heads = []
            for item in value:
                heads.append(_to_list_node(item))
            return heads
        return value

    def error_line(exc):
        """The innermost line of the solution in the traceback. Walks the raw traceback: a
        recursion bomb leaves 100,000 frames, and traceback.extract_tb would look each one up
        in linecache (seconds of CPU)."""
        line = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "solution.py":
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    def describe(exc, _str=str, _type=type, _BaseException=BaseException, _error_line=error_line):
        try:
            message = _str(exc)[:500]
        except _BaseException:  # noqa: BLE001 - a hostile __str__ must not stop the harness
            message = ""
        try:
            line = _error_line(exc)
        except _BaseException:  # noqa: BLE001 - the same
            line = None
        return {"error": _type(exc).__name__[:100], "line": line, "message": message}

    def send_record(fd, event, fields, _send=send, _encode=encode):
        parts = ['{"event":"', event, '"']
        for key, value in fields.items():
            parts.append(',"%s":%s' % (key, _encode(value)))
        parts.append("}")
        _send(fd, "".join(parts))

    # --- the lock-down ----------------------------------------------------------------------
    def is_trusted_bytecode(
        data,
        index,
        root="/usr/lib/python%d.%d/" % sys.version_info[:2],
        _walk=os.walk,
        _stat=os.stat,
        _open=os.open,
        _read=os.read,
        _close=os.close,
        _O_RDONLY=os.O_RDONLY,
        _len=len,
        _tuple=tuple,
        _isinstance=isinstance,
        _str=str,
    ):
        """Is ``data`` the body of one of the interpreter's own .pyc files (read-only in the
        jail)? ``index`` maps body sizes to paths, filled on first use. A program that reaches
        it can only add paths, and only paths in the read-only tree count."""
        if not index:
            for folder, _, files in _walk(root):
                if folder.endswith("__pycache__"):
                    for name in files:
                        if name.endswith(".pyc"):
                            try:
                                size = _stat(folder + "/" + name).st_size - 16
                            except OSError:
                                continue
                            index[size] = index.get(size, ()) + (folder + "/" + name,)
        for path in _tuple(index.get(_len(data), ())):
            if not (_isinstance(path, _str) and path.startswith(root)) or ".." in path or "//" in path:
                continue
            fd = _open(path, _O_RDONLY)
            try:
                chunks = []
                while True:
                    chunk = _read(fd, 1 << 20)
                    if not chunk:
                        break
                    chunks.append(chunk)
            finally:
                _close(fd)
            if b"".join(chunks)[16:] == data:
                return True
        return False

    def audit(
        event,
        args,
        _frames=frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_locals"}),
        _code=frozenset({"__code__", "__defaults__", "__kwdefaults__"}),
        _denied=frozenset(
            {
                "sys._current_frames",
                "sys.settrace",
                "sys.setprofile",
                "sys.addaudithook",
                "gc.get_objects",
                "gc.get_referrers",
                "gc.get_referents",
                "code.__new__",
                "marshal.load",
            }
        ),
        _modules=frozenset(
            {
                "ctypes",
                "_ctypes",
                "_testcapi",
                "_testinternalcapi",
                "_testbuffer",
                "_testmultiphase",
                "_xxsubinterpreters",
                "_ctypes_test",
                "_testclinic",
                "_xxtestfuzz",
            }
        ),  # fmt: skip
        _pyc={},  # noqa: B006 - filled once, on the first unmarshal
        _is_trusted=is_trusted_bytecode,
        _bytes=bytes,
        _isinstance=isinstance,
        _str=str,
        _RuntimeError=RuntimeError,
        _ValueError=ValueError,
        _ImportError=ImportError,
    ):
        if event == "object.__getattr__":
            if args[1] in _frames and args[0].__class__.__name__ != "traceback":
                raise _RuntimeError("frames are not accessible in the judge")
        elif event == "object.__setattr__":
            if args[1] in _code:
                raise _RuntimeError("functions cannot be rewritten in the judge")
        elif event == "sys._getframe":
            # ValueError: what collections.namedtuple, typing and enum expect when frames are missing.
            raise _ValueError("frames are not accessible in the judge")
        elif event == "marshal.loads":
            if not _is_trusted(_bytes(args[0]), _pyc):
                raise _RuntimeError("marshal.loads is not available in the judge")
        elif event == "import":
            name = args[0]
            # Every part of the name: an extension module is found by its last part
            # (PyInit__ctypes), so "x._ctypes" loads _ctypes from a spec of the program's.
            if _isinstance(name, _str) and not _modules.isdisjoint(name.split(".")):
                raise _ImportError("module %s is not available in the judge" % name)
        elif event == "open":
            path = args[0]
            if _isinstance(path, _bytes):
                path = path.decode("utf-8", "replace")
            if _isinstance(path, _str) and path.startswith("/proc"):
                raise _RuntimeError("/proc is not accessible in the judge")
        elif event in _denied or event.startswith("ctypes."):
            raise _RuntimeError("%s is not available in the judge" % event)

    # --- start ------------------------------------------------------------------------------
    # Everything that does not depend on the job happens before reading it, so a jail started
    # ahead of time (the warm pool) has already paid for it.
    namespace = {"__name__": "solution", "__builtins__": __builtins__, "ListNode": ListNode, "TreeNode": TreeNode}
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
        namespace,
    )
    pending = bytearray()
    header_line = read_line(pending)
    if header_line is None:
        return
    header = parse(header_line)
    result_fd = header["result_fd"]
    signature = header["signature"]
    name = signature["name"]
    param_types = [p.get("type", "") for p in signature.get("params", [])]
    returns = signature.get("returns", "")
    return_type = {"ListNode": ListNode, "TreeNode": TreeNode}.get(returns)
    sys.setrecursionlimit(100_000)
    # Threads would otherwise reserve RLIMIT_STACK each and exhaust the address-space limit.
    _thread.stack_size(16 << 20)
    _getattr, _isinstance, _callable, _type = getattr, isinstance, callable, type  # before the program loads
    sys.addaudithook(audit)

    try:
        exec(compile(header["source"], "solution.py", "exec"), namespace)
    except SyntaxError as exc:
        send_record(
            result_fd, "compile-error", {"error": type(exc).__name__, "line": exc.lineno, "message": str(exc.msg)}
        )
        return
    except BaseException as exc:  # noqa: BLE001 - anything at load time is a compile error
        send_record(result_fd, "compile-error", describe(exc))
        return
    if signature.get("style", "class") == "class":
        cls = namespace.get("Solution")
        target = _getattr(cls, name, None) if _isinstance(cls, _type) else None
        missing = "class Solution with a method %s() is required" % name
    else:
        cls = None
        target = namespace.get(name)
        missing = "a function %s() is required" % name
    if not _callable(target):
        send_record(result_fd, "compile-error", {"error": "EntryPointError", "line": None, "message": missing})
        return
    send_record(result_fd, "compiled", {})
    run_cases(
        pending, result_fd, cls, target, name, param_types, return_type, returns,
        read_line, parse, convert_in, encode, send, send_record, describe,
    )  # fmt: skip


def serve_cases(
    pending, result_fd, cls, target, name, param_types, return_type, returns,
    read_line, parse, convert_in, encode, send, send_record, describe,
    _getattr=getattr, _isinstance=isinstance, _type=type, _str=str, _zip=zip, _len=len,
    _TypeError=TypeError, _ValueError=ValueError, _RecursionError=RecursionError,
    _MemoryError=MemoryError, _BaseException=BaseException,
):  # fmt: skip
    """The case loop: everything it uses arrives as an argument, bound before the program loaded."""
    padding = [""] * 64
    while True:
        line = read_line(pending)
        if line is None:
            return
        try:
            args = parse(line)["args"]
            converted = []
            for value, type_name in _zip(args, param_types + padding):
                converted.append(convert_in(value, type_name))
            args = converted
            if cls is not None:
                result = _getattr(cls(), name)(*args)
            else:
                result = target(*args)
            if return_type is not None:
                if result is None:
                    result = []  # an empty list or tree is returned as None, LeetCode-style
                elif not _isinstance(result, return_type):
                    raise _TypeError("%s must be returned, not %s" % (returns, _type(result).__name__))
            try:
                # Materialised here, inside the case: the worker's clock runs until this line arrives.
                text = encode(result)
            except (_TypeError, _ValueError, _RecursionError) as exc:
                send_record(result_fd, "case", {"status": "unserializable", "message": _str(exc)[:300]})
                continue
            send(result_fd, '{"event":"case","status":"ok","output":' + text + "}")
        except _MemoryError:
            send(result_fd, '{"event":"case","status":"mle"}')
        except _BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are failures too
            send_record(result_fd, "case", {"status": "error", **describe(exc)})


if __name__ == "__main__":
    main()
