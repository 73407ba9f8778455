"""C++17 with Debian's g++: one translation unit of the prelude (the driver), the contestant's
source and a few lines that call the entry point, compiled with -O2 in the compile jail and run
natively (cost: the PMU's instruction count, else CPU time; see ``Cpp.meters`` for why not valgrind).

Types: int is ``long long`` (64 bits, as in every other language here), float ``double``,
str ``string``, lists ``vector``, and the LeetCode node types are pointers to the structs the
prelude defines (``ListNode*``, ``TreeNode*``, with ``long long val``).

The driver comes before the contestant's source, so the source's macros (``#define int long
long``, ``#define S second``) cannot reach it; what follows the source (the call of the entry
point) uses reserved names only (``__arena...``). The driver is no security boundary: it runs in
the program's process, and everything it writes is checked by the worker (judge/boundary.py).
It has to be right for honest programs: every value the wire format carries reads back exactly
(subnormal doubles too), a double goes out as a JSON float (``1.0``, ``-0.0``), a string that is
not UTF-8, a non-finite number or a cyclic list is "unserializable" (a wrong answer, as in
Python) rather than a broken record, and the exception messages it writes are valid UTF-8.
std::terminate, abort() and a failed assert are the case's error record too (the program is
pid 1 of its jail, where abort() alone would end as a SIGSEGV).

Memory: no RLIMIT_AS (``Program.address_space``); the memory cgroup holds every page the program
touches, so static data larger than the limit is an MLE once touched, not a failed exec.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from judge.languages.base import Language, Lines, Program, Toolchain, clean_compiler_output, register_language
from judge.languages.types import Signature, SigType, parse_signature

logger = logging.getLogger(__name__)

GXX = "/usr/bin/g++"

PRELUDE = r"""#include <bits/stdc++.h>
#include <cxxabi.h>
#include <unistd.h>
using namespace std;
struct ListNode {
    long long val;
    ListNode *next;
    ListNode() : val(0), next(nullptr) {}
    ListNode(long long x) : val(x), next(nullptr) {}
    ListNode(long long x, ListNode *next) : val(x), next(next) {}
};
struct TreeNode {
    long long val;
    TreeNode *left;
    TreeNode *right;
    TreeNode() : val(0), left(nullptr), right(nullptr) {}
    TreeNode(long long x) : val(x), left(nullptr), right(nullptr) {}
    TreeNode(long long x, TreeNode *left, TreeNode *right) : val(x), left(left), right(right) {}
};
"""

# The driver: reads the header (the result descriptor), then one case at a time in the wire format
# of judge/languages/base.py, calls the entry point (``__arena_case``, defined after the source)
# and writes one JSON record per case, like judge/harness/harness.py.
DRIVER = r"""namespace __arena {
using std::size_t;
using std::string;
using std::vector;
// A value that has no JSON form: the answer cannot be read (a wrong answer, as in Python).
struct Unserializable { const char *why; };
const size_t MAX_TREE_NODES = 10000000;

struct Reader {
    int fd; char buf[1 << 16]; size_t pos = 0, len = 0; bool eof = false;
    explicit Reader(int fd) : fd(fd) {}
    bool fill() {
        if (eof) return false;
        ssize_t n;
        do { n = ::read(fd, buf, sizeof buf); } while (n < 0 && errno == EINTR);
        if (n <= 0) { eof = true; return false; }
        pos = 0; len = (size_t)n; return true;
    }
    int peek() { if (pos == len && !fill()) return -1; return (unsigned char)buf[pos]; }
    bool more() { int c; while ((c = peek()) == ' ' || c == '\n') pos++; return c >= 0; }
    string token() {
        if (!more()) throw std::runtime_error("the case ended early");
        string t; int c;
        while ((c = peek()) >= 0 && c != ' ' && c != '\n') { t.push_back((char)c); pos++; }
        if (c >= 0) pos++;  // the one separator after the token
        return t;
    }
    long long integer() { string t = token(); return std::strtoll(t.c_str(), nullptr, 10); }
    // strtod, not stod: stod throws out_of_range for subnormal numbers (ERANGE).
    double real() { string t = token(); return std::strtod(t.c_str(), nullptr); }
    size_t count() { long long n = integer(); return n > 0 ? (size_t)n : 0; }
    string bytes(size_t n) {
        string s; s.reserve(n);
        while (s.size() < n) {
            if (pos == len && !fill()) throw std::runtime_error("the case ended early");
            size_t take = std::min(n - s.size(), len - pos);
            s.append(buf + pos, take); pos += take;
        }
        return s;
    }
};

void read(Reader &r, long long &v);
void read(Reader &r, double &v);
void read(Reader &r, bool &v);
void read(Reader &r, string &v);
void read(Reader &r, vector<bool> &v);
void read(Reader &r, ListNode *&head);
void read(Reader &r, TreeNode *&root);
template <class T> void read(Reader &r, vector<T> &v);

inline void read(Reader &r, long long &v) { v = r.integer(); }
inline void read(Reader &r, double &v) { v = r.real(); }
inline void read(Reader &r, bool &v) { v = r.token() == "1"; }
inline void read(Reader &r, string &v) { v = r.bytes(r.count()); }
template <class T> void read(Reader &r, vector<T> &v) {
    size_t n = r.count(); v.clear(); v.reserve(n);
    for (size_t i = 0; i < n; i++) { T x{}; __arena::read(r, x); v.push_back(std::move(x)); }
}
inline void read(Reader &r, vector<bool> &v) {
    size_t n = r.count(); v.assign(n, false);
    for (size_t i = 0; i < n; i++) v[i] = r.token() == "1";
}
inline void read(Reader &r, ListNode *&head) {
    vector<long long> vals(r.count());
    for (auto &x : vals) x = r.integer();
    head = nullptr;
    for (size_t i = vals.size(); i-- > 0;) head = new ListNode(vals[i], head);
}
inline void read(Reader &r, TreeNode *&root) {
    vector<TreeNode *> nodes(r.count(), nullptr);
    for (auto &node : nodes) {
        string t = r.token();
        if (t != "n") node = new TreeNode(std::strtoll(t.c_str(), nullptr, 10));
    }
    root = nodes.empty() ? nullptr : nodes[0];
    size_t i = 1;
    for (size_t head = 0; head < nodes.size() && i < nodes.size(); head++) {
        if (!nodes[head]) continue;
        nodes[head]->left = nodes[i++];
        if (i < nodes.size()) nodes[head]->right = nodes[i++];
    }
}

// --- JSON out ---------------------------------------------------------------------------------
// The UTF-8 sequence at p (strict: no overlong forms, nothing above U+10FFFF); its length, or 0
// when it is not one. Surrogates (ED A0..BF ..) pass, flagged: the wire format carries Python's
// lone surrogates that way ("surrogatepass"), and JSON writes them as \uD800..\uDFFF.
inline size_t utf8(const unsigned char *p, const unsigned char *end, unsigned &cp) {
    unsigned c = *p; size_t n; unsigned min;
    if (c < 0x80) { cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    return cp < min || cp > 0x10FFFF ? 0 : n;
}
inline void escape(string &out, unsigned cp) {
    char b[8]; std::snprintf(b, sizeof b, "\\u%04x", cp); out += b;
}
// A JSON string of ``s``. strict: a string of the program's answer (not UTF-8: unserializable);
// otherwise a message (bad bytes become U+FFFD), cut to ``limit`` characters.
inline void json_string(string &out, const string &s, bool strict, size_t limit = (size_t)-1) {
    out += '"';
    const unsigned char *p = (const unsigned char *)s.data(), *end = p + s.size();
    for (size_t chars = 0; p < end && chars < limit; chars++) {
        unsigned cp = 0;
        size_t n = utf8(p, end, cp);
        if (n == 0) {
            if (strict) throw Unserializable{"the returned string is not valid UTF-8"};
            out += "\xEF\xBF\xBD"; p++; continue;
        }
        if (cp == '"') out += "\\\"";
        else if (cp == '\\') out += "\\\\";
        else if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF)) escape(out, cp);
        else out.append((const char *)p, n);
        p += n;
    }
    out += '"';
}

void write(string &out, long long v);
void write(string &out, double v);
void write(string &out, bool v);
void write(string &out, const string &s);
void write(string &out, ListNode *head);
void write(string &out, TreeNode *root);
template <class T> void write(string &out, const vector<T> &v);

inline void write(string &out, long long v) {
    char b[24]; auto r = std::to_chars(b, b + sizeof b, v); out.append(b, r.ptr);
}
inline void write(string &out, double v) {
    if (!std::isfinite(v)) throw Unserializable{"the returned number is not finite"};
    // The shortest text that reads back as the same double, always a JSON float (1.0, -0.0).
    char b[64]; auto r = std::to_chars(b, b + sizeof b, v);
    size_t at = out.size();
    out.append(b, r.ptr);
    if (out.find_first_of(".e", at) == string::npos) out += ".0";
}
inline void write(string &out, bool v) { out += v ? "true" : "false"; }
inline void write(string &out, const string &s) { json_string(out, s, true); }
template <class T> void write(string &out, const vector<T> &v) {
    out += '[';
    bool first = true;
    for (const auto &x : v) { if (!first) out += ','; first = false; __arena::write(out, x); }
    out += ']';
}
inline void write(string &out, ListNode *head) {
    // Brent's cycle detection: a cycle is found within a few rounds of it, with no memory.
    out += '[';
    ListNode *saved = head;
    size_t power = 1, steps = 0;
    bool first = true;
    for (ListNode *node = head; node;) {
        if (!first) out += ',';
        first = false;
        __arena::write(out, node->val);
        node = node->next;
        if (node != nullptr && node == saved) throw Unserializable{"the linked list has a cycle"};
        if (++steps == power) { saved = node; power <<= 1; steps = 0; }
    }
    out += ']';
}
inline void write(string &out, TreeNode *root) {
    // LeetCode's level order: the children of every node, null for a missing one, no trailing
    // nulls. Counted first, without output: a cycle is found in the memory of the search alone.
    std::deque<TreeNode *> queue;
    if (root) queue.push_back(root);
    for (size_t nodes = queue.size(); !queue.empty(); queue.pop_front()) {
        for (TreeNode *child : {queue.front()->left, queue.front()->right}) {
            if (!child) continue;
            if (++nodes > MAX_TREE_NODES) throw Unserializable{"the tree is too large or has a cycle"};
            queue.push_back(child);
        }
    }
    out += '[';
    if (root) {
        queue.push_back(root);
        __arena::write(out, root->val);
        size_t keep = out.size();
        for (; !queue.empty(); queue.pop_front()) {
            for (TreeNode *child : {queue.front()->left, queue.front()->right}) {
                out += ',';
                if (!child) { out += "null"; continue; }
                __arena::write(out, child->val);
                keep = out.size();
                queue.push_back(child);
            }
        }
        out.resize(keep);
    }
    out += ']';
}

// The returned value as the signature's type: an int for a long long, a vector<int> for a
// vector<long long>, element by element.
template <class To> struct As {
    template <class From> static To go(From &&v) { return std::forward<From>(v); }
};
template <class T> struct As<vector<T>> {
    static vector<T> go(vector<T> &&v) { return std::move(v); }
    static vector<T> go(const vector<T> &v) { return v; }
    template <class U> static vector<T> go(const vector<U> &v) {
        vector<T> out; out.reserve(v.size());
        for (const auto &x : v) out.push_back(As<T>::go(x));
        return out;
    }
};

inline void send(int fd, const string &text) {
    const char *p = text.data(); size_t left = text.size();
    while (left) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) { if (errno == EINTR) continue; ::_exit(3); }
        p += (size_t)n; left -= (size_t)n;
    }
}
inline string demangle(const std::type_info &info) {
    int status = 0;
    char *raw = abi::__cxa_demangle(info.name(), nullptr, nullptr, &status);
    string name = status == 0 && raw ? raw : info.name();
    std::free(raw);
    // libstdc++'s ABI tags: std::ios_base::failure[abi:cxx11], std::filesystem::__cxx11::...
    for (const char *tag : {"[abi:cxx11]", "__cxx11::"}) {
        for (size_t at; (at = name.find(tag)) != string::npos;) name.erase(at, std::strlen(tag));
    }
    return name;
}
inline string error_record(const string &name, const string &message) {
    string out = "{\"event\":\"case\",\"status\":\"error\",\"error\":";
    json_string(out, name, false, 100);
    out += ",\"line\":null,\"message\":";
    json_string(out, message, false, 500);
    out += "}\n";
    return out;
}
// The name and message of the exception being handled (inside a catch block).
inline void thrown(string &name, string &message) {
    name = "exception", message = "an exception of an unknown type was thrown";
    try {
        throw;
    } catch (const std::exception &e) {
        name = demangle(typeid(e));
        try { const char *what = e.what(); message = what ? what : ""; } catch (...) { message = ""; }
    } catch (const char *text) {
        name = "const char*"; message = text ? text : "";
    } catch (const string &text) {
        name = "std::string"; message = text;
    } catch (...) {
        if (const std::type_info *type = abi::__cxa_current_exception_type()) {
            name = demangle(*type);
            message = "a value of type " + name + " was thrown";
        }
    }
}
inline string thrown_record() {
    string name, message;
    thrown(name, message);
    return error_record(name, message);
}

// The end of a program that cannot go on (std::terminate, abort(), a failed assert): the case's
// error record when a case runs, then the exit status of SIGABRT. The process is pid 1 of its
// namespace, where a signal it raises without a handler is ignored: abort() would end in its
// last resort, a SIGSEGV, and every failed assert would read "killed by SIGSEGV".
int result_fd = -1;
volatile std::sig_atomic_t in_case = 0;
const char ABORT_RECORD[] =
    "{\"event\":\"case\",\"status\":\"error\",\"error\":\"abort\",\"line\":null,\"message\":\"abort() was called\"}\n";
[[noreturn]] inline void die(const string &name, const string &message) {
    if (in_case && result_fd >= 0) {
        in_case = 0;
        try { send(result_fd, error_record(name, message)); } catch (...) {}
    }
    ::_exit(128 + SIGABRT);
}
[[noreturn]] inline void on_terminate() {
    string name = "std::terminate", message = "terminate called without an active exception";
    if (std::current_exception()) {
        try { std::rethrow_exception(std::current_exception()); } catch (...) { thrown(name, message); }
    }
    die(name, message);
}
extern "C" inline void on_abort(int) {
    if (in_case && result_fd >= 0) {
        in_case = 0;
        ssize_t ignored = ::write(result_fd, ABORT_RECORD, sizeof ABORT_RECORD - 1);
        (void)ignored;
    }
    ::_exit(128 + SIGABRT);
}
// Before the program's own static objects (this translation unit initialises in order).
const bool installed = [] {
    std::set_terminate(on_terminate);
    struct sigaction action {};
    action.sa_handler = on_abort;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGABRT, &action, nullptr);
    return true;
}();
}  // namespace __arena

// assert() as a record ("assert: solution.cpp:5: ... Assertion `x' failed."), not a bare abort.
extern "C" void __assert_fail(const char *assertion, const char *file, unsigned line, const char *function) noexcept {
    std::string where = std::string(file ? file : "") + ":" + std::to_string(line) + ": " + (function ? function : "");
    __arena::die("assert", where + ": Assertion `" + (assertion ? assertion : "") + "' failed.");
}

// What the call of the entry point, after the source, is written with: reserved names only.
// (a macro ``read(x)`` would expand even in ``__arena::read(r, x)``).
typedef __arena::Reader __arena_reader_t;
typedef std::string __arena_out_t;
template <class T> inline void __arena_get(__arena_reader_t &reader, T &value) { __arena::read(reader, value); }
template <class R, class V> inline void __arena_put(__arena_out_t &out, V &&value) {
    __arena::write(out, __arena::As<R>::go(std::forward<V>(value)));
}
void __arena_case(__arena_reader_t &__arena_reader, __arena_out_t &__arena_out);

int main() {
    using namespace __arena;
    // The cases arrive on a private copy of stdin; the program's own reads of stdin get nothing.
    int case_fd = ::dup(0);
    ::close(0);
    Reader reader(case_fd);
    if (!reader.more()) return 0;
    result_fd = (int)reader.integer();
    send(result_fd, "{\"event\":\"compiled\"}\n");
    while (reader.more()) {
        string record;
        try {
            string out;
            in_case = 1;
            __arena_case(reader, out);
            in_case = 0;
            record = "{\"event\":\"case\",\"status\":\"ok\",\"output\":" + out + "}\n";
        } catch (const Unserializable &u) {
            in_case = 0;
            record = "{\"event\":\"case\",\"status\":\"unserializable\",\"message\":";
            json_string(record, u.why, false);
            record += "}\n";
        } catch (const std::bad_alloc &) {
            in_case = 0;
            record = "{\"event\":\"case\",\"status\":\"mle\"}\n";
        } catch (...) {
            in_case = 0;
            try {
                record = thrown_record();
            } catch (const std::bad_alloc &) {
                record = "{\"event\":\"case\",\"status\":\"mle\"}\n";
            }
        }
        send(result_fd, record);
    }
    // Like the Python harness: no static destructors or atexit handlers of the program's after the last case.
    try { std::cout.flush(); } catch (...) {}
    std::fflush(nullptr);
    ::_exit(0);
}
"""

STD_EXCEPTIONS = (
    "exception bad_alloc bad_array_new_length bad_cast bad_typeid bad_function_call bad_optional_access "
    "bad_variant_access bad_any_cast bad_exception bad_weak_ptr logic_error domain_error invalid_argument "
    "length_error out_of_range future_error runtime_error range_error overflow_error underflow_error "
    "system_error regex_error ios_base::failure filesystem::filesystem_error terminate"
)
# As the driver names them (demangled, without libstdc++'s ABI tags); "exception": a thrown value
# whose type the runtime could not tell; std::terminate, abort and assert: the driver's names for
# a program that cannot go on.
BUILTIN_ERRORS = frozenset("std::" + name for name in STD_EXCEPTIONS.split(" ")) | {"exception", "abort", "assert"}
GXX_FLAGS = ("-std=gnu++17", "-O2", "-pipe", "-fmax-errors=10", "-fdiagnostics-color=never", "-w")
TOOLCHAIN_DIRS = ("/usr/bin", "/usr/include", "/usr/lib/gcc", "/usr/libexec/gcc")
# g++'s continuation lines of "In file included from ...", and what it adds when a limit killed
# one of its programs (cc1plus, as, ld).
CHAIN_INDENT = " " * 17
INCLUDE_CHAIN = f"{CHAIN_INDENT}from "
SYSTEM_PATH = re.compile(r"(?:/usr/(?:lib|include|share)|/pch)/(?:[^\s:'\"]*/)?")
KEEP_CHAIN_LINES = 4
ICE_NOISE = ("Please submit a full bug report", "See <file://", "-freport-bug")
OUT_OF_MEMORY = ("virtual memory exhausted", "out of memory allocating", "memory exhausted")
CPP_SCALARS = {"int": "long long", "float": "double", "bool": "bool", "str": "string"}


def cpp_type(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return f"vector<{cpp_type(t.item)}>"
    return CPP_SCALARS.get(t.kind, f"{t.kind}*")


def param_decl(t: SigType, name: str) -> str:
    by_ref = t.kind in ("list", "str")
    return f"{cpp_type(t)}{'&' if by_ref else ''} {name}"


@register_language
class Cpp(Language):
    key = "CPP17"
    name = "C++17"
    aliases = ("cpp", "c++", "cpp17", "c++17", "g++", "gnu++17")
    editor_mode = "text/x-c++src"
    extension = "cpp"
    # Not valgrind: valgrind counts inside the program's own process, and native code can reach
    # past it: a client-request preamble built at run time in an executable page (the build's
    # scan cannot see it) has a function run natively, uncounted (1.83 M instructions counted
    # against 46.8 M for the same work, tests/judge/languages/test_cpp.py), and a store can hit
    # valgrind's own memory. The PMU's count is kept by the kernel, out of the program's reach;
    # where the host has no PMU, CPU time, which cannot be bought either (docs/languages.md).
    meters = ("instructions", "cpu")
    builtin_errors = BUILTIN_ERRORS

    def starter_code(self, sig: Signature) -> str:
        params = ", ".join(param_decl(p.type, p.name) for p in sig.params)
        head = f"{cpp_type(sig.returns)} {sig.name}({params}) {{"
        lines = Lines()
        if any(p.type.base().kind == "ListNode" for p in sig.params) or sig.returns.kind == "ListNode":
            lines.add("// struct ListNode { long long val; ListNode *next; ... };")
        if any(p.type.kind == "TreeNode" for p in sig.params) or sig.returns.kind == "TreeNode":
            lines.add("// struct TreeNode { long long val; TreeNode *left, *right; ... };")
        if sig.style == "class":
            lines.add("class Solution {", "public:")
            lines.level = 1
            lines.add(head, "", "}")
            lines.level = 0
            lines.add("};")
        else:
            lines.add(head, "", "}")
        return lines.text()

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        sig = parse_signature(signature)
        # The signature's types, named before the source: its macros cannot change them.
        types = [f"typedef {cpp_type(p.type)} __arena_t{i};" for i, p in enumerate(sig.params)]
        types.append(f"typedef {cpp_type(sig.returns)} __arena_tr;")
        call = Lines()
        call.add("void __arena_case(__arena_reader_t &__arena_reader, __arena_out_t &__arena_out) {")
        call.level = 1
        for index in range(len(sig.params)):
            call.add(f"__arena_t{index} __arena_a{index}{{}}; __arena_get(__arena_reader, __arena_a{index});")
        args = ", ".join(f"__arena_a{index}" for index in range(len(sig.params)))
        target = f"Solution().{sig.name}" if sig.style == "class" else sig.name
        call.add(f"__arena_put<__arena_tr>(__arena_out, {target}({args}));")
        call.level = 0
        call.add("}")
        # The source starts at its own line 1 in "solution.cpp", whatever the prelude's length.
        # Two newlines after it: a backslash ending its last line splices only an empty one.
        unit = (
            f"{PRELUDE}{DRIVER}{chr(10).join(types)}\n"
            f'#line 1 "solution.cpp"\n{source}\n\n#line 1 "driver.cpp"\n{call.text()}'
        )
        return {"main.cpp": unit}

    def clean_message(self, text: str) -> str:
        """g++'s output, readable: an include chain kept to its first lines (a file that includes
        itself 200 deep filled the whole message with "from solution.cpp:1,"), and a compiler
        stopped by a limit said in plain words rather than as an internal compiler error with a
        request for a bug report."""
        lines: list[str] = []
        chain = skipped = 0
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.startswith(INCLUDE_CHAIN):
                chain += 1
                if chain > KEEP_CHAIN_LINES:
                    skipped += 1
                    continue
            else:
                if skipped:
                    lines.append(f"{CHAIN_INDENT}... and {skipped} more")
                chain = skipped = 0
            if not any(noise in line for noise in ICE_NOISE):
                lines.append(line)
        if skipped:
            lines.append(f"{CHAIN_INDENT}... and {skipped} more")
        # Headers directly in /usr/include (assert.h, unistd.h) too: clean_compiler_output strips
        # only paths with a directory below /usr/include.
        cleaned = clean_compiler_output(SYSTEM_PATH.sub("", "\n".join(lines)))
        if "File size limit exceeded" in text:
            from judge.sandbox.build import COMPILE_FILE_MB  # the sandbox imports this package

            return f"Compilation stopped: the compiled program passed the file size limit of {COMPILE_FILE_MB} MB."
        if any(words in text for words in OUT_OF_MEMORY):
            limit = self.toolchain().address_space_mb
            return f"Compilation ran out of memory (the limit is {limit} MB).\n{cleaned}"
        return cleaned

    def toolchain(self) -> Toolchain:
        mounts = tuple(path for path in TOOLCHAIN_DIRS if os.path.isdir(path))
        argv: tuple[str, ...] = (GXX, *GXX_FLAGS, "-o", "main", "main.cpp")
        header = precompiled_header()
        if header is not None:
            # Searched before the system's directories: <bits/stdc++.h> (the driver's first line)
            # is read from the precompiled header, 2-3x faster than parsing it.
            mounts, argv = (*mounts, f"{header}:{PCH_JAIL_DIR}"), (GXX, f"-I{PCH_JAIL_DIR}", *argv[1:])
        else:
            precompiled_header_later()
        return Toolchain(argv=argv, mounts=mounts, env=("PATH=/usr/bin",), identity=(os.path.realpath(GXX),))

    def prepare(self) -> None:
        precompiled_header_build()

    def program(self, box: str, memory_mb: int | None = None) -> Program:
        # No RLIMIT_AS: the memory cgroup holds the program (every page it touches, its threads'
        # and children's too). Under RLIMIT_AS, static data larger than the limit (``static char
        # a[1 << 30];``) made the kernel kill the exec with SIGSEGV, a runtime error where the
        # program is over its memory limit, even when it touched one page of the array.
        return Program(argv=("/box/main",), box=box, address_space=False)

    def noop_source(self) -> str:
        return "long long noop() { return 0; }\n"


# --- the precompiled header -------------------------------------------------------------------
# <bits/stdc++.h>, which the driver includes first, takes g++ most of a build to parse (2.7 of
# 3.6 s of CPU here); precompiled once per toolchain and host with the build's own flags, it
# takes a fraction of that. It is made on the host from the system's header (no contestant
# input), kept under JUDGE_TOOLCHAIN_DIR, and bound read-only into the compile jail. A header
# g++ finds invalid (other flags, another compiler) is ignored: the build parses the text.
PCH_ROOT = Path(os.environ.get("JUDGE_TOOLCHAIN_DIR", Path(__file__).resolve().parents[2] / "var" / "toolchains"))
PCH_JAIL_DIR = "/pch"
PCH_NAME = "bits/stdc++.h.gch"
PCH_FORMAT = 2  # the layout of the header's directory: bumped when it changes
PCH_TIMEOUT_S = 300
_pch_lock = threading.Lock()
_pch_thread: threading.Thread | None = None


def _stdcxx_header() -> Path | None:
    """The system's <bits/stdc++.h> of this g++ (None when g++ or the header is not installed)."""
    try:
        version = subprocess.run(
            [GXX, "-dumpversion"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not re.fullmatch(r"[0-9][0-9.]*", version):
        return None
    found = sorted(Path("/usr/include").glob(f"*/c++/{version}/bits/stdc++.h"))
    found += sorted(Path("/usr/include").glob(f"c++/{version}/bits/stdc++.h"))
    return found[0] if found else None


def _pch_dir() -> Path | None:
    """Where this toolchain's header goes: named by the compiler, its flags and the header."""
    header = _stdcxx_header()
    if header is None or not os.path.exists(GXX):
        return None
    parts: list[object] = [PCH_FORMAT, GXX_FLAGS]
    for path in (os.path.realpath(GXX), str(header)):
        info = os.stat(path)
        parts.append((path, info.st_size, info.st_mtime_ns))
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return PCH_ROOT / f"cpp17-{digest}"


def precompiled_header() -> str | None:
    """The directory holding the ready precompiled header, or None when there is none yet."""
    folder = _pch_dir_cached()
    if folder is None:
        return None
    for made_file in (folder / PCH_NAME, folder / "bits" / "stdc++.h"):
        try:
            if made_file.lstat().st_size == 0 or not made_file.is_file() or made_file.is_symlink():
                return None
        except OSError:
            return None
    return str(folder)


_pch_dir_memo: dict[str, Path | None] = {}


def _pch_dir_cached() -> Path | None:
    # g++ is not upgraded under a running worker often; a restart picks up a new one.
    if "dir" not in _pch_dir_memo:
        _pch_dir_memo["dir"] = _pch_dir()
    return _pch_dir_memo["dir"]


def precompiled_header_build() -> str | None:
    """Make the precompiled header if it is not there (once per host: other processes wait on
    a lock file, then find it made). Returns its directory, None when it cannot be made."""
    folder = _pch_dir_cached()
    header = _stdcxx_header()
    if folder is None or header is None:
        return None
    if precompiled_header() is not None:
        return str(folder)
    PCH_ROOT.mkdir(parents=True, exist_ok=True)
    with open(PCH_ROOT / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if precompiled_header() is not None:
            return str(folder)
        work = Path(tempfile.mkdtemp(prefix=".making-", dir=PCH_ROOT))
        try:
            (work / "bits").mkdir()
            started = time.monotonic()
            made = subprocess.run(
                [GXX, *GXX_FLAGS, "-x", "c++-header", str(header), "-o", str(work / PCH_NAME)],
                capture_output=True,
                timeout=PCH_TIMEOUT_S,
                check=False,
                env={"PATH": "/usr/bin:/bin"},
            )
            if made.returncode != 0:
                logger.warning("the C++ precompiled header failed: %s", made.stderr.decode(errors="replace")[-2000:])
                return None
            # The header's text beside it: g++ reads it where the precompiled one cannot be used
            # (an #include of it that is not the first line of the unit).
            shutil.copyfile(header, work / "bits" / "stdc++.h")
            work.chmod(0o755)
            (work / "bits").chmod(0o755)
            for made_file in (work / PCH_NAME, work / "bits" / "stdc++.h"):
                made_file.chmod(0o644)
            os.rename(work, folder)
            logger.info("C++ precompiled header made in %.1f s: %s", time.monotonic() - started, folder)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.warning("the C++ precompiled header could not be made: %s", exc)
            return None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for old in PCH_ROOT.glob("cpp17-*"):  # earlier toolchains' headers
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return str(folder)


def precompiled_header_later() -> None:
    """Have the header made in the background, once per process: the build that asked goes on
    without it (no contestant waits for it)."""
    global _pch_thread
    with _pch_lock:
        if _pch_thread is not None:
            return
        _pch_thread = threading.Thread(target=precompiled_header_build, name="cpp-pch", daemon=True)
        _pch_thread.start()
