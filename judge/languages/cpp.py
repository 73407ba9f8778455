"""C++17 with Debian's g++: one translation unit of the prelude, the contestant's source and the
driver, compiled with -O2 in the compile jail and run natively (cost: the deterministic meter).

Types: int is ``long long`` (64 bits, as in every other language here), float ``double``,
str ``string``, lists ``vector``, and the LeetCode node types are pointers to the structs the
prelude defines (``ListNode*``, ``TreeNode*``, with ``long long val``).
"""

from __future__ import annotations

import os
from typing import Any

from judge.languages.base import Language, Lines, Program, Toolchain, register_language
from judge.languages.types import Signature, SigType, parse_signature

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
# of judge/languages/base.py, calls the entry point and writes one JSON record per case.
DRIVER = r"""namespace arena_driver {
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
    int get() { int c = peek(); if (c >= 0) pos++; return c; }
    bool more() { int c; while ((c = peek()) == ' ' || c == '\n') pos++; return c >= 0; }
    string token() {
        if (!more()) throw runtime_error("the case ended early");
        string t; int c;
        while ((c = peek()) >= 0 && c != ' ' && c != '\n') { t.push_back((char)c); pos++; }
        if (c >= 0) pos++;  // the one separator after the token
        return t;
    }
    long long integer() { return stoll(token()); }
    string bytes(size_t n) {
        string s; s.reserve(n);
        while (s.size() < n) {
            if (pos == len && !fill()) throw runtime_error("the case ended early");
            size_t take = min(n - s.size(), len - pos);
            s.append(buf + pos, take); pos += take;
        }
        return s;
    }
};
inline void read(Reader &r, long long &v) { v = r.integer(); }
inline void read(Reader &r, double &v) { v = stod(r.token()); }
inline void read(Reader &r, bool &v) { v = r.token() == "1"; }
inline void read(Reader &r, string &v) { v = r.bytes((size_t)r.integer()); }
template <class T> void read(Reader &r, vector<T> &v) {
    long long n = r.integer(); v.clear(); v.reserve((size_t)n);
    for (long long i = 0; i < n; i++) { T x{}; read(r, x); v.push_back(std::move(x)); }
}
inline void read(Reader &r, vector<bool> &v) {
    long long n = r.integer(); v.assign((size_t)n, false);
    for (long long i = 0; i < n; i++) { bool x; read(r, x); v[(size_t)i] = x; }
}
inline void read(Reader &r, ListNode *&head) {
    long long n = r.integer(); vector<long long> vals((size_t)n);
    for (auto &x : vals) x = r.integer();
    head = nullptr;
    for (size_t i = vals.size(); i-- > 0;) head = new ListNode(vals[i], head);
}
inline void read(Reader &r, TreeNode *&root) {
    long long n = r.integer(); vector<TreeNode *> nodes((size_t)n, nullptr);
    for (auto &node : nodes) { string t = r.token(); if (t != "n") node = new TreeNode(stoll(t)); }
    root = n > 0 ? nodes[0] : nullptr;
    size_t i = 1;
    for (size_t head = 0; head < nodes.size() && i < nodes.size(); head++) {
        if (!nodes[head]) continue;
        if (i < nodes.size()) nodes[head]->left = nodes[i++];
        if (i < nodes.size()) nodes[head]->right = nodes[i++];
    }
}
inline void write(string &out, long long v) { out += to_string(v); }
inline void write(string &out, int v) { out += to_string(v); }
inline void write(string &out, double v) {
    if (!isfinite(v)) throw runtime_error("the returned number is not finite");
    char b[32]; snprintf(b, sizeof b, "%.17g", v); out += b;
}
inline void write(string &out, bool v) { out += v ? "true" : "false"; }
inline void write(string &out, const string &s) {
    out += '"';
    for (unsigned char c : s) {
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); out += b; }
        else out += (char)c;
    }
    out += '"';
}
template <class T> void write(string &out, const vector<T> &v) {
    out += '[';
    bool first = true;
    for (const auto &x : v) { if (!first) out += ','; first = false; write(out, x); }
    out += ']';
}
inline void write(string &out, ListNode *node) {
    out += '['; size_t n = 0;
    for (; node; node = node->next) {
        if (++n > 10000000) throw runtime_error("the linked list has a cycle");
        if (n > 1) out += ',';
        out += to_string(node->val);
    }
    out += ']';
}
inline void write(string &out, TreeNode *root) {
    vector<TreeNode *> queue{root}; vector<string> items;
    for (size_t head = 0; head < queue.size(); head++) {
        TreeNode *node = queue[head];
        if (!node) { items.push_back("null"); continue; }
        items.push_back(to_string(node->val));
        queue.push_back(node->left); queue.push_back(node->right);
        if (queue.size() > 20000000) throw runtime_error("the tree is too large or cyclic");
    }
    while (!items.empty() && items.back() == "null") items.pop_back();
    out += '[';
    for (size_t i = 0; i < items.size(); i++) { if (i) out += ','; out += items[i]; }
    out += ']';
}
inline void send(int fd, const string &text) {
    const char *p = text.data(); size_t left = text.size();
    while (left) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) { if (errno == EINTR) continue; _exit(3); }
        p += n; left -= (size_t)n;
    }
}
inline string error_record(const string &name, const string &message) {
    string out = "{\"event\":\"case\",\"status\":\"error\",\"error\":";
    write(out, name.substr(0, 100));
    out += ",\"line\":null,\"message\":";
    write(out, message.substr(0, 500));
    out += "}\n";
    return out;
}
inline string type_name(const std::type_info &info) {
    int status = 0;
    char *name = abi::__cxa_demangle(info.name(), nullptr, nullptr, &status);
    string text = status == 0 && name ? name : info.name();
    free(name);
    return text;
}
}  // namespace arena_driver

int main() {
    using namespace arena_driver;
    // The cases arrive on a private copy of stdin; the program's own reads of stdin get nothing.
    int case_fd = dup(0);
    close(0);
    Reader reader(case_fd);
    if (!reader.more()) return 0;
    int result_fd = (int)reader.integer();
    send(result_fd, "{\"event\":\"compiled\"}\n");
    while (reader.more()) {
        string record;
        try {
            CALL
            record = "{\"event\":\"case\",\"status\":\"ok\",\"output\":" + out + "}\n";
        } catch (const std::bad_alloc &) {
            record = "{\"event\":\"case\",\"status\":\"mle\"}\n";
        } catch (const std::exception &e) {
            record = error_record(type_name(typeid(e)), e.what());
        } catch (...) {
            record = error_record("exception", "an exception of an unknown type was thrown");
        }
        send(result_fd, record);
    }
    return 0;
}
"""

STD_EXCEPTIONS = (
    "exception bad_alloc bad_array_new_length bad_cast bad_typeid bad_function_call bad_optional_access "
    "bad_variant_access logic_error domain_error invalid_argument length_error out_of_range runtime_error "
    "range_error overflow_error underflow_error system_error"
)
BUILTIN_ERRORS = frozenset("std::" + name for name in STD_EXCEPTIONS.split(" ")) | {"exception"}
GXX_FLAGS = ("-std=gnu++17", "-O2", "-pipe", "-fmax-errors=10", "-fdiagnostics-color=never", "-w")
TOOLCHAIN_DIRS = ("/usr/bin", "/usr/include", "/usr/lib/gcc", "/usr/libexec/gcc")


def cpp_type(t: SigType) -> str:
    if t.kind == "list":
        assert t.item is not None
        return f"vector<{cpp_type(t.item)}>"
    return {"int": "long long", "float": "double", "bool": "bool", "str": "string"}.get(t.kind, f"{t.kind}*")


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
    meter = "valgrind"
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
        args = []
        call = Lines()
        for index, param in enumerate(sig.params):
            call.add(f"{cpp_type(param.type)} a{index}{{}}; read(reader, a{index});")
            args.append(f"a{index}")
        target = f"Solution().{sig.name}" if sig.style == "class" else sig.name
        call.add(f"auto result = {target}({', '.join(args)});")
        call.add(f"{cpp_type(sig.returns)} value = result;")
        call.add("string out; write(out, value);")
        driver = DRIVER.replace("CALL", "\n            ".join(call.lines))
        # The source starts at its own line 1 in "solution.cpp", whatever the prelude's length.
        unit = f'{PRELUDE}#line 1 "solution.cpp"\n{source}\n#line 1 "driver.cpp"\n{driver}'
        return {"main.cpp": unit}

    def toolchain(self) -> Toolchain:
        return Toolchain(
            argv=(GXX, *GXX_FLAGS, "-o", "main", "main.cpp"),
            mounts=tuple(path for path in TOOLCHAIN_DIRS if os.path.isdir(path)),
            env=("PATH=/usr/bin",),
            identity=(os.path.realpath(GXX),),
        )

    def program(self, box: str) -> Program:
        return Program(argv=("/box/main",), box=box)
