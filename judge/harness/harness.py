"""In-jail harness. Runs as an unprivileged user inside nsjail, in the program's own process, so
everything it says is untrusted: the worker validates every record at one typed boundary
(judge/boundary.py) and measures time and memory from outside.

Protocol (one JSON document per line):
    stdin, from the worker:   {"source": str, "signature": {...}}          once, the header
                              {"args": [...]}                              one case at a time
    result pipe (fd given on the command line), to the worker:
                              {"event": "compiled"}
                              {"event": "compile-error", "error": str, "line": int|null, "message": str}
                              {"event": "case", "status": "ok", "output": <json>}
                              {"event": "case", "status": "error", "error": str, "line": int|null, "message": str}
                              {"event": "case", "status": "unserializable", "message": str}
                              {"event": "case", "status": "mle"}
The worker sends the next case only after the record of the previous one, so the harness never
holds another case, and never an expected output. Closing stdin ends the run.

Lock-down. Before the submission's code is loaded, everything the harness needs later (the
JSON scanner and encoder, os.read/os.write, the builtins it calls) is bound to locals of
``main``, and an audit hook is installed that the program cannot remove. It denies the ways
into those locals or into the interpreter's memory: frame objects (sys._getframe,
tb_frame, gi_frame, ...), tracing and profiling hooks, gc's object walks, replacing a
function's code or defaults, building code objects, ctypes and the CPython test modules, and
/proc. So the program can neither read the harness's state nor make the harness's own work
(counted in its cost) cheaper by patching it.
"""

import sys


def main():
    import os

    exit_now = os._exit  # bound before the program can replace it
    try:
        serve()
    finally:
        sys.stdout.flush()
        exit_now(0)


def serve():  # noqa: C901 - one closure on purpose: its locals are what the program cannot reach
    import _json
    import _thread
    import os

    result_fd = [-1]  # from the header: the pipe nsjail passed in
    _read = os.read
    _write = os.write
    _isinstance = isinstance
    _len = len
    _type = type
    _str = str
    _repr = repr
    _sorted = sorted
    _list = list
    _getattr = getattr
    _callable = callable
    _compile = compile
    _exec = exec
    _set_types = (set, frozenset)
    _BaseException = BaseException
    _MemoryError = MemoryError
    _SyntaxError = SyntaxError
    _RuntimeError = RuntimeError
    _ValueError = ValueError
    _ImportError = ImportError
    _TypeError = TypeError
    _RecursionError = RecursionError
    _reversed = reversed
    _zip = zip
    _bytes = bytes
    _memoryview = memoryview
    _get_ident = _thread.get_ident
    _make_encoder = _json.make_encoder
    _encode_string = _json.encode_basestring_ascii

    class _ScanContext:  # what _json.make_scanner reads once, at construction
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = None
        memo = None

    _scan = _json.make_scanner(_ScanContext())

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
    # The cases arrive on a private copy of stdin; sys.stdin itself is closed, so the program's
    # own reads fail instead of taking the next case out of the pipe.
    case_fd = os.dup(0)
    sys.stdin.close()  # the standard streams do not own their descriptors: close it too
    os.close(0)
    pending = bytearray()

    def read_line():
        """The next line of stdin, or None once the worker has closed it."""
        start = 0
        while True:
            end = pending.find(b"\n", start)
            if end >= 0:
                line = bytes(pending[:end])
                del pending[: end + 1]
                return line
            start = _len(pending)
            chunk = _read(case_fd, 1 << 20)
            if not chunk:
                return None
            pending.extend(chunk)

    def parse(line):
        text = line.decode("utf-8")
        value, end = _scan(text, 0)
        return value

    def send(text):
        data = text.encode("ascii") + b"\n"
        view = _memoryview(data)
        while _len(view):
            written = _write(result_fd[0], view)
            view = view[written:]

    def encode(value):
        """JSON of the program's value, by the C encoder (the program cannot patch it)."""
        return "".join(_make_encoder({}, plain, _encode_string, None, ":", ",", False, False, False)(value, 0))

    # --- LeetCode-style node types ---------------------------------------------------------
    def to_list_node(values):
        head = None
        for value in _reversed(values or []):
            head = ListNode(value, head)
        return head

    def to_tree_node(values):
        """LeetCode level order: [1, null, 2, 3]."""
        if not values or values[0] is None:
            return None
        root = TreeNode(values[0])
        queue = [root]
        i = 1
        head = 0
        count = _len(values)
        while head < _len(queue) and i < count:
            node = queue[head]
            head += 1
            if values[i] is not None:
                node.left = TreeNode(values[i])
                queue.append(node.left)
            i += 1
            if i < count and values[i] is not None:
                node.right = TreeNode(values[i])
                queue.append(node.right)
            i += 1
        return root

    def from_list_node(node):
        out = []
        while node is not None:
            out.append(node.val)
            node = node.next
            if _len(out) > 10_000_000:
                raise _ValueError("the linked list has a cycle")
        return out

    def from_tree_node(root):
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

    def plain(value):
        """The encoder's fallback for what JSON has no word for."""
        if _isinstance(value, ListNode):
            return from_list_node(value)
        if _isinstance(value, TreeNode):
            return from_tree_node(value)
        if _isinstance(value, _set_types):
            return _sorted(_list(value), key=_repr)
        raise _TypeError("cannot send a value of type %s" % _type(value).__name__)

    def convert_in(value, type_name):
        if type_name == "ListNode":
            return to_list_node(value)
        if type_name == "TreeNode":
            return to_tree_node(value)
        if type_name == "List[ListNode]":
            return [to_list_node(v) for v in value]
        return value

    node_types = {"ListNode": ListNode, "TreeNode": TreeNode}

    # --- the lock-down ----------------------------------------------------------------------
    frame_attributes = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_locals"})
    code_attributes = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
    denied_events = frozenset(
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
            "marshal.loads",
        }
    )
    denied_modules = frozenset(
        {"ctypes", "_ctypes", "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase", "_xxsubinterpreters"}
    )
    bypass = [0]  # the thread id allowed through while the harness reads a traceback of its own
    # marshal turns bytes into code objects without any check: crafted bytecode reads and writes
    # the process's memory. Only the import system may use it, on the interpreter's own
    # read-only .pyc files, byte for byte (a program could call the loader with bytes of its own).
    unmarshal = [0]  # the thread id allowed through while a trusted .pyc is being loaded
    importer = sys.modules["_frozen_importlib_external"]
    compile_bytecode = importer._compile_bytecode
    trusted_prefixes = ("/usr/lib/python3",)
    _open = os.open
    _close = os.close
    _O_RDONLY = os.O_RDONLY

    def read_file(path):
        fd = _open(path, _O_RDONLY)
        try:
            chunks = []
            while True:
                chunk = _read(fd, 1 << 20)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        finally:
            _close(fd)

    def trusted_compile_bytecode(data, name=None, bytecode_path=None, source_path=None):
        path = bytecode_path if _isinstance(bytecode_path, _str) else ""
        if not path.startswith(trusted_prefixes) or ".." in path or read_file(path)[16:] != _bytes(data):
            raise _ImportError("bytecode of %s is not trusted in the judge" % (name,))
        unmarshal[0] = _get_ident()
        try:
            return compile_bytecode(data, name, bytecode_path, source_path)
        finally:
            unmarshal[0] = 0

    def audit(event, args):
        if event == "object.__getattr__":
            if args[1] in frame_attributes and bypass[0] != _get_ident():
                raise _RuntimeError("frames are not accessible in the judge")
        elif event == "object.__setattr__":
            if args[1] in code_attributes:
                raise _RuntimeError("functions cannot be rewritten in the judge")
        elif event == "sys._getframe":
            # ValueError: what collections.namedtuple, typing and enum expect when frames are missing.
            raise _ValueError("frames are not accessible in the judge")
        elif event == "import":
            name = args[0]
            if name in denied_modules or (_isinstance(name, _str) and name.split(".")[0] in denied_modules):
                raise _ImportError("module %s is not available in the judge" % name)
        elif event == "open":
            path = args[0]
            if _isinstance(path, _bytes):
                path = path.decode("utf-8", "replace")
            if _isinstance(path, _str) and path.startswith("/proc"):
                raise _RuntimeError("/proc is not accessible in the judge")
        elif event == "marshal.loads" and unmarshal[0] == _get_ident():
            return
        elif event in denied_events or event.startswith("ctypes."):
            raise _RuntimeError("%s is not available in the judge" % event)

    def error_line(exc):
        """The innermost line of the solution in the traceback. Walks the raw traceback: a
        recursion bomb leaves 100,000 frames, and traceback.extract_tb would look each one up
        in linecache (seconds of CPU)."""
        line = None
        bypass[0] = _get_ident()
        try:
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == "solution.py":
                    line = tb.tb_lineno
                tb = tb.tb_next
        finally:
            bypass[0] = 0
        return line

    def describe(exc):
        try:
            message = _str(exc)[:500]
        except _BaseException:  # noqa: BLE001 - a hostile __str__ must not stop the harness
            message = ""
        return {"error": _type(exc).__name__[:100], "line": error_line(exc), "message": message}

    def send_record(event, fields):
        parts = ['{"event":"', event, '"']
        for key, value in fields.items():
            parts.append(',"%s":%s' % (key, encode(value)))
        parts.append("}")
        send("".join(parts))

    # --- start ------------------------------------------------------------------------------
    # Everything that does not depend on the job happens before reading it, so a jail started
    # ahead of time (the warm pool) has already paid for it.
    namespace = {"__name__": "solution", "__builtins__": __builtins__, "ListNode": ListNode, "TreeNode": TreeNode}
    # What LeetCode-style solutions take for granted without importing (Mercury's references do).
    _exec(
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
    header_line = read_line()
    if header_line is None:
        return
    header = parse(header_line)
    result_fd[0] = header["result_fd"]
    signature = header["signature"]
    style = signature.get("style", "class")
    name = signature["name"]
    param_types = [p.get("type", "") for p in signature.get("params", [])]
    returns = signature.get("returns", "")
    return_type = node_types.get(returns)
    sys.setrecursionlimit(100_000)
    # Threads would otherwise reserve RLIMIT_STACK each and exhaust the address-space limit.
    _thread.stack_size(16 << 20)
    importer._compile_bytecode = trusted_compile_bytecode
    sys.addaudithook(audit)

    try:
        code = _compile(header["source"], "solution.py", "exec")
        _exec(code, namespace)
    except _SyntaxError as exc:
        send_record("compile-error", {"error": _type(exc).__name__, "line": exc.lineno, "message": _str(exc.msg)})
        return
    except _BaseException as exc:  # noqa: BLE001 - anything at load time is a compile error
        send_record("compile-error", describe(exc))
        return

    if style == "class":
        cls = namespace.get("Solution")
        target = _getattr(cls, name, None) if _isinstance(cls, _type) else None
        missing = "class Solution with a method %s() is required" % name
    else:
        cls = None
        target = namespace.get(name)
        missing = "a function %s() is required" % name
    if not _callable(target):
        send_record("compile-error", {"error": "EntryPointError", "line": None, "message": missing})
        return
    send_record("compiled", {})

    while True:
        line = read_line()
        if line is None:
            return
        try:
            args = parse(line)["args"]
            args = [convert_in(a, t) for a, t in _zip(args, param_types + [""] * _len(args))]
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
                send_record("case", {"status": "unserializable", "message": _str(exc)[:300]})
                continue
            send('{"event":"case","status":"ok","output":' + text + "}")
        except _MemoryError:
            send('{"event":"case","status":"mle"}')
        except _BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are failures too
            send_record("case", {"status": "error", **describe(exc)})


if __name__ == "__main__":
    main()
