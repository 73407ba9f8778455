"""C++17 through the real compile jail and the real nsjail: the starter code of the bank, every
type through the driver, verdicts and their messages, hostile programs at run time and at
compile time, and the artefact cache.

Every build goes to a fresh artefact directory of this module, so each run of the suite
compiles for real (g++ takes ~1.5 s per program on bits/stdc++.h). The programs of the
parametrised tests that are selected are compiled up front, several at a time.
"""

from __future__ import annotations

import glob
import hashlib
import os
import platform
import re
import shutil
import tempfile
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from judge.languages import get_language
from judge.languages.base import INT64_MAX, INT64_MIN
from judge.languages.cpp import BUILTIN_ERRORS, GXX, cpp_type, param_decl
from judge.languages.types import parse_signature
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob, JudgeOutcome
from judge.runner import judge_job
from judge.sandbox import JailLimits, build, run_harness
from judge.sandbox.command import nsjail_binary
from judge.sandbox.pool import WARM_POOL
from tests.judge.languages.host import jail_user_processes

REPO = Path(__file__).resolve().parents[3]
CPP = get_language("CPP17")
X86_64 = platform.machine() == "x86_64"

pytestmark = pytest.mark.skipif(not os.path.exists(GXX), reason="g++ is not installed")

ADD = {
    "style": "class",
    "name": "add",
    "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
    "returns": "int",
}
CASES = (
    CaseSpec(ordinal=1, kind="sample", args=[1, 2], expected=3),
    CaseSpec(ordinal=2, kind="hidden", args=[5, 7], expected=12),
    CaseSpec(ordinal=3, kind="hidden", args=[-4, 4], expected=0),
    CaseSpec(ordinal=4, kind="performance", args=[10**6, 1], expected=10**6 + 1),
)
CORRECT = "class Solution {\npublic:\n    long long add(long long a, long long b) {\n        return a + b;\n    }\n};\n"
TIME_LIMIT_MS = 500
MEMORY_MB = 128
# A busy program on a loaded host can run out of wall clock (2 x CPU + 1 s) before CPU time.
TLE = (
    f"Exceeded the time limit of {TIME_LIMIT_MS} ms CPU per test.",
    "Exceeded the wall-clock limit (the program waited instead of working).",
)
TLE_LOADING = ("Exceeded the time limit while loading.", TLE[1])
WALL = "Exceeded the wall-clock limit (the program waited instead of working)."
MLE = f"Exceeded the memory limit of {MEMORY_MB} MB."
OLE = "Printed more than the output limit of 1024 KB."
FORBIDDEN = "Killed: a forbidden system call was made."
INTERFERED = "The program interfered with the judge's result channel: "


def method(body: str, *, before: str = "") -> str:
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{before}class Solution {{\npublic:\n    long long add(long long a, long long b) {{\n{lines}    }}\n}};\n"


def run(
    source: str,
    *,
    signature: dict[str, Any] = ADD,
    cases: tuple[CaseSpec, ...] | list[CaseSpec] = CASES,
    **kwargs: Any,
) -> JudgeOutcome:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=list(cases),
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", TIME_LIMIT_MS),
        memory_limit_kb=kwargs.pop("memory_limit_kb", MEMORY_MB * 1024),
        hidden_feedback=kwargs.pop("hidden_feedback", "error-type"),
        language="CPP17",
    )
    assert not kwargs, kwargs
    return judge_job(job)


def function_signature(type_name: str, returns: str | None = None) -> dict[str, Any]:
    return {
        "style": "function",
        "name": "identity",
        "params": [{"name": "x", "type": type_name}],
        "returns": returns or type_name,
    }


# --- the tables the tests are parametrised over ---------------------------------------------
@dataclass(frozen=True)
class Expect:
    """A program and its exact verdict. ``message``: the exact message, or a tuple of the exact
    messages it may be (a TLE on a loaded host), or a compiled pattern it must fully match."""

    id: str
    source: str
    verdict: str
    message: str | tuple[str, ...] | re.Pattern[str] = ""
    signature: dict[str, Any] = field(default_factory=lambda: ADD)
    cases: tuple[CaseSpec, ...] = CASES
    hidden_feedback: str = "error-type"
    only_x86_64: bool = False

    def check(self, outcome: JudgeOutcome) -> None:
        assert (outcome.verdict, self.id) == (self.verdict, self.id), outcome.message
        if isinstance(self.message, re.Pattern):
            assert self.message.fullmatch(outcome.message), outcome.message
        elif isinstance(self.message, tuple):
            assert outcome.message in self.message, outcome.message
        elif self.verdict == "AC":
            assert outcome.message == f"All {len(self.cases)} tests passed."
        else:
            assert outcome.message == self.message

    def judge(self) -> JudgeOutcome:
        if self.only_x86_64 and not X86_64:
            pytest.skip("x86-64 system call numbers")
        return run(self.source, signature=self.signature, cases=self.cases, hidden_feedback=self.hidden_feedback)


def params(table: list[Expect]) -> Any:
    return pytest.mark.parametrize("case", table, ids=[case.id for case in table])


THROWS_BEFORE = """#include <stdexcept>
struct SecretLeak : std::exception {
    const char *what() const noexcept override { return "leak"; }
};
struct Sneaky : std::out_of_range {
    Sneaky() : std::out_of_range("sneaky") {}
};
struct NullWhat : std::exception {
    const char *what() const noexcept override { return nullptr; }
};
"""

VERDICTS: list[Expect] = [
    Expect("accepted", CORRECT, "AC"),
    Expect(
        "accepted-function-style",
        "long long add(long long a, long long b) { return a + b; }\n",
        "AC",
        signature={**ADD, "style": "function"},
    ),
    Expect(
        "accepted-struct-with-helpers",
        "struct Solution {\n    long long twice(long long x) { return 2 * x; }\n"
        "    long long add(long long a, long long b) { return twice(a + b) / 2; }\n};\n",
        "AC",
    ),
    Expect(
        "accepted-int-parameters-and-return",
        "class Solution { public: int add(int a, int b) { return a + b; } };",
        "AC",
        cases=CASES[:3],
    ),
    Expect(
        "common-macros-do-not-reach-the-driver",
        "#define int long long\n#define S second\n#define F first\n#define N 100005\n#define out cout\n"
        "#define read(x) cin >> x\n#define write(x) cout << x\n#define string std::string\n#define v vector\n"
        "#define all(x) (x).begin(), (x).end()\n#define endl '\\n'\n"
        "class Solution { public: int add(int a, int b) { v<int> xs{(int)a, (int)b}; return accumulate(all(xs), 0LL); } };\n",
        "AC",
    ),
    Expect("wrong-answer-on-a-sample", method("return a - b;"), "WA", "Input: a = 1, b = 2\nExpected: 3\nGot: -1"),
    Expect(
        "wrong-answer-on-a-hidden-test", method("return a == 1 ? a + b : 0;"), "WA", "Wrong answer on a hidden test."
    ),
    Expect(
        "wrong-answer-on-a-performance-input",
        method("return a < 1000 ? a + b : -1;"),
        "WA",
        "Wrong answer on a performance input.",
    ),
    Expect(
        "out-of-range-on-a-sample-shows-the-message",
        method("vector<long long> v(a);\nreturn v.at(5);"),
        "RTE",
        "std::out_of_range: vector::_M_range_check: __n (which is 5) >= this->size() (which is 1)",
    ),
    Expect(
        "out-of-range-on-a-hidden-test-shows-the-name",
        method("if (a == 1) return a + b;\nvector<long long> v(2);\nreturn v.at(a);"),
        "RTE",
        "std::out_of_range on a hidden test.",
    ),
    Expect(
        "out-of-range-on-a-hidden-test-with-verdict-feedback",
        method("if (a == 1) return a + b;\nreturn vector<int>().at(0);"),
        "RTE",
        "Runtime error on a hidden test.",
        hidden_feedback="verdict",
    ),
    Expect(
        "invalid-argument-on-a-hidden-test",
        method('if (a == 1) return a + b;\nreturn stoll("x");'),
        "RTE",
        "std::invalid_argument on a hidden test.",
    ),
    Expect(
        "error-on-a-performance-input",
        method('if (a < 1000) return a + b;\nthrow runtime_error("big");'),
        "RTE",
        "Runtime error on a performance input.",
    ),
    Expect(
        "own-exception-class-on-a-sample",
        method("throw SecretLeak();", before=THROWS_BEFORE),
        "RTE",
        "SecretLeak: leak",
    ),
    Expect(
        "own-exception-class-on-a-hidden-test",
        method("if (a == 1) return a + b;\nthrow SecretLeak();", before=THROWS_BEFORE),
        "RTE",
        "An exception on a hidden test.",
    ),
    Expect(
        "own-subclass-of-a-builtin-on-a-hidden-test",
        method("if (a == 1) return a + b;\nthrow Sneaky();", before=THROWS_BEFORE),
        "RTE",
        "An exception on a hidden test.",
    ),
    Expect("what-returning-null", method("throw NullWhat();", before=THROWS_BEFORE), "RTE", "NullWhat: "),
    Expect("throw-an-int", method("throw 42;"), "RTE", "int: a value of type int was thrown"),
    Expect(
        "throw-an-int-on-a-hidden-test",
        method("if (a == 1) return a + b;\nthrow 42;"),
        "RTE",
        "An exception on a hidden test.",
    ),
    Expect("throw-a-c-string", method('throw "boom";'), "RTE", "const char*: boom"),
    Expect("throw-a-string", method('throw string("boom");'), "RTE", "std::string: boom"),
    Expect(
        "message-not-utf8-with-control",
        method('throw runtime_error("\\xff\\xfe bad \\x01 control \\xe2\\x82");'),
        "RTE",
        "std::runtime_error: \ufffd\ufffd bad \ufffd control \ufffd\ufffd",
    ),
    Expect(
        "long-message-is-cut",
        method("throw runtime_error(string(100000, 'x'));"),
        "RTE",
        "std::runtime_error: " + "x" * 500,
    ),
    Expect(
        "system-error-with-errno",
        method('throw system_error(ENOENT, generic_category(), "open");'),
        "RTE",
        "std::system_error: open: No such file or directory",
    ),
    Expect("time-limit", method("volatile long long x = 0;\nwhile (true) x++;"), "TLE", TLE),
    Expect(
        "time-limit-in-a-static-initializer",
        method(
            "return a + b;",
            before="static long long spin() { volatile long long x = 0; while (true) x++; }\nstatic long long spun = spin();\n",
        ),
        "TLE",
        TLE_LOADING,
    ),
    Expect("sleeping-forever", method("sleep(3600);\nreturn a + b;"), "TLE", WALL),
    Expect("memory-vector-growth", method("vector<long long> v;\nwhile (true) v.push_back(1);"), "MLE", MLE),
    Expect(
        "memory-one-huge-allocation-touched",
        method("size_t n = size_t(1) << 30;\nchar *p = new char[n];\nmemset(p, 1, n);\nreturn a + b + p[n / 2] - 1;"),
        "MLE",
        MLE,
    ),
    Expect(
        "memory-huge-static-array-touched",
        method(
            "for (size_t i = 0; i < sizeof big; i += 4096) big[i] = 1;\nreturn a + b + big[4096] - 1;",
            before="static volatile char big[1 << 30];\n",
        ),
        "MLE",
        MLE,
    ),
    Expect(
        "memory-huge-static-array-mostly-untouched",
        method("big[a] = 1;\nreturn a + b + big[a] - 1;", before="static volatile char big[1 << 30];\n"),
        "AC",
    ),
    Expect("memory-bad-alloc-is-memory-limit", method("throw bad_alloc();"), "MLE", MLE),
    Expect(
        "stack-overflow",
        method(
            "return a + b + deep(a * 1000000000LL);",
            before="long long deep(long long n) { volatile char pad[512]; pad[0] = (char)n; return n == 0 ? 0 : deep(n - 1) + pad[0]; }\n",
        ),
        "RTE",
        "Killed by signal SIGSEGV.",
    ),
    Expect(
        "null-dereference-on-a-hidden-test",
        method("if (a == 1) return a + b;\nvolatile long long *p = nullptr;\nreturn *p;"),
        "RTE",
        "Killed.",
    ),
    Expect("abort", method("abort();"), "RTE", "abort: abort() was called"),
    Expect("abort-on-a-hidden-test", method("if (a != 1) abort();\nreturn a + b;"), "RTE", "abort on a hidden test."),
    Expect(
        "failed-assert",
        method("assert(a > 100);\nreturn a + b;"),
        "RTE",
        "assert: solution.cpp:4: long long int Solution::add(long long int, long long int): Assertion `a > 100' failed.",
    ),
    Expect(
        "failed-assert-on-a-hidden-test", method("assert(a == 1);\nreturn a + b;"), "RTE", "assert on a hidden test."
    ),
    Expect(
        "throw-from-noexcept-terminates",
        method("return a + b + boom();", before='long long boom() noexcept { throw std::length_error("deep"); }\n'),
        "RTE",
        "std::length_error: deep",
    ),
    Expect(
        "joinable-thread-destroyed-terminates",
        method("std::thread t([] {});\nreturn a + b;"),
        "RTE",
        "std::terminate: terminate called without an active exception",
    ),
    Expect(
        "exception-in-a-thread-on-a-hidden-test",
        method('if (a == 1) return a + b;\nstd::thread([] { throw std::overflow_error("t"); }).join();\nreturn 0;'),
        "RTE",
        "std::overflow_error on a hidden test.",
    ),
    Expect(
        "heap-corruption",
        method("char *volatile p = (char *)malloc(16);\nfree(p);\nfree(p);\nreturn a + b;"),
        "RTE",
        "abort: abort() was called",
    ),
    Expect(
        "exception-in-a-static-initializer",
        method("return a + b;", before='static long long early = (throw std::runtime_error("early"), 1);\n'),
        "RTE",
        "Killed by signal SIGABRT.",
    ),
    Expect("exit-in-a-sample", method("exit(7);"), "RTE", "The program exited (code 7) before all tests ran."),
    Expect(
        "exit-in-a-hidden-test",
        method("if (a == 1) return a + b;\nexit(7);"),
        "RTE",
        "The program exited before all tests ran.",
    ),
    Expect(
        "compile-error",
        method("return a + c;"),
        "CE",
        "solution.cpp: In member function 'long long int Solution::add(long long int, long long int)':\n"
        "solution.cpp:4:20: error: 'c' was not declared in this scope",
    ),
    Expect(
        "compile-error-in-a-library-template",
        method("vector<pair<int, int>> v{{2, 1}, {1, 2}};\nsort(v.begin(), v.end(), 5);\nreturn a + b;"),
        "CE",
        re.compile(
            r"(?s)(?!.*/usr/)(?!.*/box)In file included from .*solution\.cpp:5:13:   required from here\n.*error: .*"
        ),
    ),
    Expect(
        "missing-method",
        "class Solution {\npublic:\n    long long sub(long long a, long long b) { return a - b; }\n};\n",
        "CE",
        re.compile(
            r"(?s)driver\.cpp: In function .*driver\.cpp:4:\d+: error: 'class Solution' has no member named 'add'.*"
        ),
    ),
    Expect(
        "missing-class",
        "long long add(long long a, long long b) { return a + b; }\n",
        "CE",
        re.compile(r"(?s).*driver\.cpp:4:\d+: error: 'Solution' was not declared in this scope.*"),
    ),
    Expect(
        "own-main",
        CORRECT + "int main() { return 0; }\n",
        "CE",
        re.compile(
            r"(?s)solution\.cpp:7:5: error: redefinition of 'int main\(\)'\nmain\.cpp:\d+:5: note: 'int main\(\)' previously defined here.*"
        ),
    ),
    Expect(
        "wrong-parameter-type",
        "class Solution { public: long long add(string a, long long b) { return b; } };\n",
        "CE",
        re.compile(r"(?s).*driver\.cpp:4:\d+: error: .*"),
    ),
    Expect(
        "empty-source",
        "",
        "CE",
        re.compile(r"(?s).*driver\.cpp:4:\d+: error: 'Solution' was not declared in this scope.*"),
    ),
    Expect(
        "unterminated-comment-swallowing-the-driver",
        CORRECT + "/* never closed\n",
        "CE",
        re.compile(r"(?s)solution\.cpp:7:1: error: unterminated comment.*"),
    ),
    Expect("backslash-at-the-end-splices-nothing", CORRECT + "// the end \\", "AC"),
    Expect(
        "host-files-invisible-to-the-compiler",
        "".join(
            f'#if __has_include("{path}")\n#error "{path} is visible"\n#endif\n'
            for path in (
                "/etc/passwd",
                "/etc/shadow",
                "/work",
                str(REPO / "manage.py"),
                "/proc/self/environ",
                "/dev/null",
            )
        )
        + CORRECT,
        "AC",
    ),
    Expect(
        "second-interp-section",
        '__attribute__((section(".interp"))) const char evil_interp[] = "/box/main.cpp";\n'
        'asm(".section .interp,\\"a\\"\\n.asciz \\"/nonexistent/ld.so\\"\\n.previous");\n' + CORRECT,
        "AC",
        only_x86_64=True,
    ),
    Expect(
        "client-request-preamble",
        method(
            'asm volatile("rolq $3, %%rdi; rolq $13, %%rdi\\n\\trolq $61, %%rdi; rolq $51, %%rdi\\n\\txchgq %%rbx, %%rbx" ::: "rdi", "memory");\nreturn a + b;'
        ),
        "CE",
        "The program contains a valgrind client request, which the judge does not accept.",
        only_x86_64=True,
    ),
]


@params(VERDICTS)
def test_verdict(case: Expect) -> None:
    case.check(case.judge())


def test_builtin_error_names_are_the_runtimes_own() -> None:
    assert {"std::out_of_range", "std::bad_alloc", "std::system_error", "std::ios_base::failure"} <= BUILTIN_ERRORS
    assert all(name in ("exception", "abort", "assert") or name.startswith("std::") for name in BUILTIN_ERRORS)
    assert not any(name in BUILTIN_ERRORS for name in ("SecretLeak", "int", "const char*", "std::string"))


# --- hostile programs: each verdict exact, and the host unaffected afterwards ----------------
RAW_SYSCALL = """#include <sys/syscall.h>
static long raw_syscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
    long ret;
    register long r10 asm("r10") = d;
    register long r8 asm("r8") = e;
    asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return ret;
}
"""
NET = "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
CONNECT = (
    "int s = socket(AF_INET, SOCK_STREAM, 0);\nsockaddr_in addr{};\naddr.sin_family = AF_INET;\n"
    'addr.sin_port = htons({port});\ninet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);\n'
    'if (connect(s, (sockaddr *)&addr, sizeof addr) != 0) throw system_error(errno, generic_category(), "connect");\n'
    "return a + b;"
)
FORGE = (
    "for (int fd = 3; fd < 64; fd++) {{\n    const char record[] = {record};\n"
    "    if (::write(fd, record, sizeof record - 1)) {{}}\n}}\n{then}"
)
READ_NOTHING = (
    "for (const char *path : {PATHS}) {\n"
    '    if (FILE *f = fopen(path, "r")) { fclose(f); throw runtime_error(string("readable: ") + path); }\n'
    '    if (access(path, F_OK) == 0) throw runtime_error(string("visible: ") + path);\n}\nreturn a + b;'
)
SECRETS = [
    "/etc/passwd",
    "/etc/shadow",
    "/work",
    "/work/main/config/settings/base.py",
    str(REPO / "config" / "settings" / "base.py"),
    str(REPO / "var" / "secret_key"),
    str(REPO / ".env"),
    "/proc/self/environ",
    "/proc/1/environ",
    "/dev/zero",
    "/usr/bin/g++",
    "/box/../etc/passwd",
    "/sys/fs/cgroup",
    "/tmp/codearena-runs",
    "/var/run/postgresql",
]
WRITE_BOX = (
    "#include <fcntl.h>\n#include <sys/stat.h>\n"
    # The build is read-only and root's: refused as EROFS, or as EACCES/EPERM before the mount is consulted.
    "static bool denied() { return errno == EROFS || errno == EACCES || errno == EPERM; }\n",
    'int failures = 0;\nfailures += open("/box/main.cpp", O_WRONLY | O_TRUNC) < 0 && denied();\n'
    'failures += open("/box/new-file", O_WRONLY | O_CREAT, 0644) < 0 && denied();\n'
    'failures += open("/box/main", O_WRONLY) < 0 && (errno == ETXTBSY || denied());\n'
    'failures += chmod("/box/main", 0777) != 0 && denied();\n'
    'failures += unlink("/box/main.cpp") != 0 && denied();\n'
    'failures += rename("/box/main.cpp", "/box/x") != 0 && denied();\n'
    'failures += mkdir("/box/d", 0755) != 0 && denied();\n'
    'failures += symlink("/etc", "/box/l") != 0 && denied();\n'
    'if (failures != 8) throw runtime_error("wrote into /box: " + to_string(failures));\n'
    "return a + b;",
)

HOSTILE: list[Expect] = [
    # raw system calls (no libc wrapper, no errno): refused by seccomp, or harmless
    Expect(
        "raw-fork",
        method(
            "long pid = raw_syscall(SYS_fork);\nif (pid == 0) raw_syscall(SYS_exit, 0);\nreturn pid > 0 ? a + b : -1;",
            before=RAW_SYSCALL,
        ),
        "AC",
        only_x86_64=True,
    ),
    Expect(
        "raw-clone-new-user-namespace",
        method("raw_syscall(SYS_clone, 0x10000000 | SIGCHLD);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-unshare",
        method("raw_syscall(SYS_unshare, 0x10000000);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-setns",
        method("raw_syscall(SYS_setns, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-mount",
        method(
            'raw_syscall(SYS_mount, (long)"none", (long)"/tmp", (long)"tmpfs", 0, 0);\nreturn a + b;',
            before=RAW_SYSCALL,
        ),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-chroot",
        method('raw_syscall(SYS_chroot, (long)"/tmp");\nreturn a + b;', before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-ptrace",
        method("raw_syscall(SYS_ptrace, 0, 0, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-io-uring-setup",
        method(
            "char params[120] = {};\nraw_syscall(SYS_io_uring_setup, 8, (long)params);\nreturn a + b;",
            before=RAW_SYSCALL,
        ),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-kexec-load",
        method("raw_syscall(SYS_kexec_load, 0, 0, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-bpf",
        method("raw_syscall(SYS_bpf, 0, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-perf-event-open",
        method("raw_syscall(SYS_perf_event_open, 0, 0, -1, -1, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-keyctl",
        method("raw_syscall(SYS_keyctl, 0, 0, 0, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-open-by-handle",
        method("raw_syscall(SYS_open_by_handle_at, 0, 0, 0);\nreturn a + b;", before=RAW_SYSCALL),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    Expect(
        "raw-socket-netlink-is-refused",
        method("return raw_syscall(SYS_socket, 16, 3, 0) == -EAFNOSUPPORT ? a + b : -1;", before=RAW_SYSCALL),
        "AC",
        only_x86_64=True,
    ),
    Expect(
        "raw-clone3-is-refused",
        method(
            "char args[88] = {};\nreturn raw_syscall(435, (long)args, 88) == -ENOSYS ? a + b : -1;", before=RAW_SYSCALL
        ),
        "AC",
        only_x86_64=True,
    ),
    Expect(
        "raw-x32-call-is-unknown",
        method("return raw_syscall(0x40000000 | SYS_getpid) == -ENOSYS ? a + b : -1;", before=RAW_SYSCALL),
        "AC",
        only_x86_64=True,
    ),
    Expect(
        "int-0x80-32-bit-call",
        method('long ret;\nasm volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");\nreturn a + b + ret * 0;'),
        "RTE",
        FORBIDDEN,
        only_x86_64=True,
    ),
    # processes, threads, memory, output
    Expect(
        "fork-bomb",
        method('for (;;) if (fork() < 0) throw system_error(errno, generic_category(), "fork");'),
        "RTE",
        "std::system_error: fork: Resource temporarily unavailable",
    ),
    Expect("fork-bomb-spinning", method("for (;;) fork();"), "TLE", TLE),
    Expect(
        "thread-bomb",
        method("for (;;) std::thread([] { sleep(60); }).detach();"),
        "RTE",
        "std::system_error: Resource temporarily unavailable",
    ),
    Expect(
        "busy-threads",
        method(
            "for (int i = 0; i < 3; i++) std::thread([] { volatile long x = 0; for (;;) x++; }).detach();\nvolatile long y = 0;\nfor (;;) y++;"
        ),
        "TLE",
        TLE,
    ),
    Expect(
        "memory-flood",
        method("vector<char *> v;\nfor (;;) { char *p = new char[1 << 20]; memset(p, 1, 1 << 20); v.push_back(p); }"),
        "MLE",
        MLE,
    ),
    # 80 MB in each of two processes: one limit for the run together
    Expect(
        "memory-split-across-fork",
        method(
            "size_t n = size_t(80) << 20;\nchar *p = new char[n];\nmemset(p, 1, n);\npid_t child = fork();\n"
            "if (child == 0) {\n    char *q = new char[n];\n    memset(q, 2, n);\n    _exit(q[n - 1]);\n}\nint status = 0;\n"
            "waitpid(child, &status, 0);\nreturn a + b + p[n - 1] - 1;",
            before="#include <sys/wait.h>\n",
        ),
        "MLE",
        MLE,
    ),
    Expect(
        "mmap-a-terabyte-and-touch-a-page",
        method(
            "char *p = (char *)mmap(nullptr, 1ULL << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);\n"
            "if (p == MAP_FAILED) return a + b;\np[1 << 20] = 1;\nreturn a + b + p[1 << 20] - 1;",
            before="#include <sys/mman.h>\n",
        ),
        "AC",
    ),
    Expect("stdout-flood-cout", method("string s(10000, 'x');\nfor (;;) cout << s << endl;"), "OLE", OLE),
    Expect("stdout-flood-printf", method("for (;;) printf(\"%s\\n\", string(10000, 'y').c_str());"), "OLE", OLE),
    Expect("stderr-flood", method("for (;;) cerr << string(10000, 'e');"), "OLE", OLE),
    # RLIMIT_FSIZE: SIGXFSZ is ignored by a namespace's pid 1 (the program), the write fails instead
    Expect(
        "fill-tmp",
        method(
            'FILE *f = fopen("/tmp/fill", "wb");\nstring s(65536, \'x\');\nfor (;;) if (fwrite(s.data(), 1, s.size(), f) != s.size() || fflush(f) != 0)\n'
            '    throw system_error(errno, generic_category(), "/tmp/fill");'
        ),
        "RTE",
        "std::system_error: /tmp/fill: File too large",
    ),
    Expect(
        "many-tmp-files",
        method(
            'string s(4096, \'x\');\nfor (int i = 0; i < 10000; i++) {\n    FILE *f = fopen(("/tmp/f" + to_string(i)).c_str(), "wb");\n'
            '    if (!f || fwrite(s.data(), 1, s.size(), f) != s.size() || fclose(f) != 0) throw system_error(errno, generic_category(), "/tmp");\n}\nreturn a + b;'
        ),
        "RTE",
        "std::system_error: /tmp: No space left on device",
    ),
    # the result descriptor: the worker grades outside, and validates every byte
    Expect(
        "forged-ok-for-a-wrong-answer",
        method(
            FORGE.format(record='"{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":12}\\n"', then="return 0;")
        ),
        "WA",
        "Input: a = 1, b = 2\nExpected: 3\nGot: 12",
    ),
    Expect(
        "forged-ok-then-the-real-answer",
        method(
            FORGE.format(
                record='"{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":3}\\n"',
                then="return a == 1 ? 3 : -1;",
            )
        ),
        "WA",
        "Wrong answer on a hidden test.",
    ),
    Expect(
        "forged-garbage",
        method(FORGE.format(record='"\\x01garbage\\n"', then="return a + b;")),
        "RTE",
        INTERFERED + "a record is not valid JSON.",
    ),
    Expect(
        "forged-nul-garbage",
        method(FORGE.format(record='"\\0\\xff\\n"', then="return a + b;")),
        "RTE",
        INTERFERED + "a record is not valid JSON.",
    ),
    Expect(
        "forged-record-fields",
        method(
            FORGE.format(
                record='"{\\"event\\":\\"case\\",\\"status\\":\\"error\\",\\"error\\":[1],\\"line\\":\\"7\\",\\"message\\":{}}\\n"',
                then="return a + b;",
            )
        ),
        "RTE",
        INTERFERED + "a text field is not a string.",
    ),
    Expect(
        "forged-load-record-in-a-case",
        method(FORGE.format(record='"{\\"event\\":\\"compiled\\"}\\n"', then="return a + b;")),
        "RTE",
        INTERFERED + "unexpected record while a test ran.",
    ),
    Expect(
        "forged-unknown-status",
        method(FORGE.format(record='"{\\"event\\":\\"case\\",\\"status\\":\\"ac\\"}\\n"', then="return a + b;")),
        "RTE",
        INTERFERED + "a record with an unknown status.",
    ),
    Expect(
        "forged-nan",
        method(
            FORGE.format(
                record='"{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":NaN}\\n"', then="return a + b;"
            )
        ),
        "WA",
        "The return value cannot be read: NaN is not valid JSON.",
    ),
    Expect(
        "forged-time-then-spin",
        method(
            FORGE.format(
                record='"{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":3,\\"time_ms\\":-1}\\n"',
                then="volatile long x = 0;\nfor (;;) x++;",
            )
        ),
        "TLE",
        TLE,
    ),
    Expect(
        "forged-unterminated-giant-line",
        method(
            FORGE.format(record='"["', then="").replace(
                "    if (::write(fd, record, sizeof record - 1)) {}",
                "    for (int i = 0; i < (8 << 20); i += 4096) if (::write(fd, string(4096, '[').data(), 4096) < 0) break;",
            )
            + "return a + b;"
        ),
        "OLE",
        "The returned value is far larger than the output limit for this test.",
    ),
    Expect(
        "forged-record-flood",
        method(
            FORGE.format(record='"{}\\n"', then="").replace(
                "    if (::write(fd, record, sizeof record - 1)) {}",
                '    string many;\n    for (int i = 0; i < 100000; i++) many += "{}\\n";\n    if (::write(fd, many.data(), many.size())) {}',
            )
            + "return a + b;"
        ),
        "RTE",
        INTERFERED + "a record is not an object with an event.",
    ),
    # nothing of the host is visible
    Expect(
        "read-secrets", method(READ_NOTHING.replace("{PATHS}", "{" + ", ".join(f'"{p}"' for p in SECRETS) + "}")), "AC"
    ),
    Expect(
        "list-root",
        method(
            'DIR *d = opendir("/");\nset<string> seen;\nwhile (auto *e = readdir(d)) seen.insert(e->d_name);\n'
            'set<string> want{".", "..", "box", "lib", "lib64", "tmp", "usr"};\nif (seen != want) { string s; for (auto &x : seen) s += x + " "; throw runtime_error(s); }\nreturn a + b;',
            before="#include <dirent.h>\n",
        ),
        "AC",
    ),
    Expect(
        "environment-is-empty",
        method("extern char **environ;\nif (environ && environ[0]) throw runtime_error(environ[0]);\nreturn a + b;"),
        "AC",
    ),
    Expect(
        "connect-postgres",
        method(CONNECT.replace("{port}", "5432"), before=NET),
        "RTE",
        "std::system_error: connect: Network is unreachable",
    ),
    Expect(
        "connect-redis",
        method(CONNECT.replace("{port}", "6379"), before=NET),
        "RTE",
        "std::system_error: connect: Network is unreachable",
    ),
    Expect(
        "udp-outside",
        method(
            "int s = socket(AF_INET, SOCK_DGRAM, 0);\nsockaddr_in addr{};\naddr.sin_family = AF_INET;\naddr.sin_port = htons(53);\n"
            'inet_pton(AF_INET, "8.8.8.8", &addr.sin_addr);\nif (sendto(s, "x", 1, 0, (sockaddr *)&addr, sizeof addr) < 0) throw system_error(errno, generic_category(), "sendto");\nreturn a + b;',
            before=NET,
        ),
        "RTE",
        "std::system_error: sendto: Network is unreachable",
    ),
    Expect("write-into-box", method(WRITE_BOX[1], before=WRITE_BOX[0]), "AC"),
    Expect(
        "write-into-box-message",
        method(
            'if (open("/box/main.cpp", O_WRONLY | O_TRUNC) < 0) throw system_error(errno, generic_category(), "/box/main.cpp");\nreturn a + b;',
            before="#include <fcntl.h>\n",
        ),
        "RTE",
        "std::system_error: /box/main.cpp: Read-only file system",
    ),
    Expect(
        "write-usr",
        method(
            'if (!fopen("/usr/evil", "w")) throw system_error(errno, generic_category(), "/usr/evil");\nreturn a + b;'
        ),
        "RTE",
        "std::system_error: /usr/evil: Read-only file system",
    ),
    # uid 0 does not exist in the jail's user namespace
    Expect(
        "setuid-root",
        method("return setuid(0) != 0 && errno == EINVAL && getuid() == 65534 && geteuid() == 65534 ? a + b : -1;"),
        "AC",
    ),
    Expect(
        "kill-everything",
        method("kill(-1, SIGKILL);\nkill(0, SIGKILL);\nkill(getppid() ? getppid() : 1, SIGKILL);\nreturn a + b;"),
        "AC",
    ),
    Expect(
        "exec-itself",
        method(
            'char *argv[] = {(char *)"/box/main", nullptr};\nexecv("/box/main", argv);\nthrow system_error(errno, generic_category(), "execv");'
        ),
        "RTE",
        "The program exited (code 0) before all tests ran.",
    ),
    Expect(
        "exec-a-shell",
        method(
            'char *argv[] = {(char *)"sh", nullptr};\nexecv("/bin/sh", argv);\nthrow system_error(errno, generic_category(), "execv");'
        ),
        "RTE",
        "std::system_error: execv: No such file or directory",
    ),
    # stdin: the driver reads its cases from a private copy
    Expect(
        "break-stdin",
        method("close(0);\ndup2(2, 0);\nstring s;\ncin >> s;\nchar c;\nreturn read(0, &c, 1) > 0 ? -1 : a + b;"),
        "AC",
    ),
    Expect("read-stdin", method("char c;\nreturn read(0, &c, 1) < 0 && errno == EBADF ? a + b : -1;"), "AC"),
    Expect(
        "close-every-descriptor",
        method("for (int fd = 0; fd < 1024; fd++) if (fd != 1 && fd != 2) close(fd);\nreturn a + b;"),
        "RTE",
        "The program exited (code 3) before all tests ran.",
    ),
    Expect(
        "stdin-closed-before-main",
        method("return a + b;", before="static int gone = (close(0), 0);\n"),
        "CE",
        "The program stopped the judge while loading.",
    ),
    Expect("background-process", method("if (fork() == 0) { sleep(60); _exit(0); }\nreturn a + b;"), "AC"),
    # valgrind's client request, built at run time: the build's scan cannot see it, and natively it does nothing
    Expect(
        "client-request-built-at-run-time",
        method("return a + b + (long long)jit_request(0x1001, 0);", before="#include <sys/mman.h>\n" + "{JIT}"),
        "AC",
        only_x86_64=True,
    ),
]

# A client request assembled at run time in an executable page: the preamble is nowhere in the
# binary. "0x1001" asks "running on valgrind?" (0 natively), "0x1101" runs a function natively.
JIT_REQUEST = r"""
static long jit_request(unsigned long request, unsigned long arg1) {
    static const unsigned char code[] = {
        0x48 ^ 0x5a, 0x89 ^ 0x5a, 0xf8 ^ 0x5a,  // mov %rdi, %rax (the argument block)
        0x31 ^ 0x5a, 0xd2 ^ 0x5a,                // xor %edx, %edx (the result without valgrind)
        0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x03 ^ 0x5a, 0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x0d ^ 0x5a,
        0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x3d ^ 0x5a, 0x48 ^ 0x5a, 0xc1 ^ 0x5a, 0xc7 ^ 0x5a, 0x33 ^ 0x5a,
        0x48 ^ 0x5a, 0x87 ^ 0x5a, 0xdb ^ 0x5a,  // xchg %rbx, %rbx
        0x48 ^ 0x5a, 0x89 ^ 0x5a, 0xd0 ^ 0x5a,  // mov %rdx, %rax
        0xc3 ^ 0x5a,                            // ret
    };
    static unsigned char *page = nullptr;
    if (!page) {
        void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::runtime_error("mmap");
        page = (unsigned char *)p;
        for (size_t i = 0; i < sizeof code; i++) page[i] = code[i] ^ 0x5a;
    }
    volatile unsigned long args[6] = {request, arg1, 0, 0, 0, 0};
    return ((long (*)(volatile unsigned long *))page)(args);
}
"""
HOSTILE = [
    Expect(**{**case.__dict__, "source": case.source.replace("{JIT}", JIT_REQUEST)}) if "{JIT}" in case.source else case
    for case in HOSTILE
]


def test_the_hostile_suite_is_large() -> None:
    assert len(HOSTILE) >= 50


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def host_guard(fresh_artifacts: Path) -> Iterator[None]:
    """The host before and after: no process of the jail user left, files outside the jail and
    every earlier build untouched, no build directory left half-made, the next program judged."""
    canary = Path(tempfile.gettempdir()) / f"codearena-canary-{uuid.uuid4().hex}"
    canary.write_text("untouched")
    watched = [REPO / "manage.py", REPO / "pyproject.toml"]
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in watched]
    correct = build.build_program(CPP, ADD, CORRECT)
    assert correct.ok
    built_before = tree_digest(Path(correct.box))
    yield
    WARM_POOL.settle()
    deadline = time.monotonic() + 5
    while jail_user_processes() and time.monotonic() < deadline:  # a killed jail takes a moment to go
        time.sleep(0.05)
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert canary.read_text() == "untouched"
    canary.unlink()
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in watched] == digests
    assert tree_digest(Path(correct.box)) == built_before, "a build in the cache changed"
    assert not any((fresh_artifacts / "work").glob("*")), "a build directory was left behind"
    assert run(CORRECT).verdict == "AC", "the next submission was affected"


@params(HOSTILE)
def test_hostile_program_is_contained(host_guard: None, case: Expect) -> None:
    case.check(case.judge())


def test_writing_into_box_leaves_the_artefact_unchanged(host_guard: None) -> None:
    source = method(WRITE_BOX[1], before=WRITE_BOX[0])
    built = build.build_program(CPP, ADD, source)
    assert built.ok and built.cached  # prebuilt with the hostile table
    before = tree_digest(Path(built.box))
    assert set(before) == {".built", "main", "main.cpp"}
    assert run(source).verdict == "AC"
    assert tree_digest(Path(built.box)) == before


# --- (a) the starter code of every signature of the bank compiles ----------------------------
def bank_signatures() -> list[tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(glob.glob(str(REPO / "fixtures" / "problems" / "*" / "problem.toml"))):
        with open(path, "rb") as file:
            signature = tomllib.load(file)["signature"]
        found.setdefault(repr(sorted(signature.items())), (Path(path).parent.name, signature))
    return list(found.values())


def test_the_starter_of_every_bank_signature_compiles() -> None:
    signatures = bank_signatures()
    assert len(signatures) >= 10
    for code, signature in signatures:
        assert CPP.unsupported(signature) is None, code

    def build_starter(item: tuple[str, dict[str, Any]]) -> tuple[str, str]:
        code, signature = item
        built = build.build_program(CPP, signature, CPP.starter(signature))
        return code, "" if built.ok else built.message or "failed"

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        failures = [(code, message) for code, message in pool.map(build_starter, signatures) if message]
    assert failures == []


def test_starter_code_shape() -> None:
    signature = {
        "style": "class",
        "name": "merge",
        "params": [{"name": "lists", "type": "List[ListNode]"}, {"name": "root", "type": "TreeNode"}],
        "returns": "ListNode",
    }
    assert CPP.starter(signature) == (
        "// struct ListNode { long long val; ListNode *next; ... };\n"
        "// struct TreeNode { long long val; TreeNode *left, *right; ... };\n"
        "class Solution {\npublic:\n    ListNode* merge(vector<ListNode*>& lists, TreeNode* root) {\n\n    }\n};\n"
    )
    function = {**ADD, "style": "function"}
    assert CPP.starter(function) == "long long add(long long a, long long b) {\n\n}\n"
    sig = parse_signature({"name": "f", "params": [{"name": "g", "type": "List[List[str]]"}], "returns": "List[bool]"})
    assert cpp_type(sig.returns) == "vector<bool>"
    assert param_decl(sig.params[0].type, "g") == "vector<vector<string>>& g"


# --- (b) every type through the driver: identity programs, exact output -----------------------
@dataclass(frozen=True)
class RoundTrip:
    type_name: str
    values: tuple[Any, ...]  # each value, or (value, what it reads back as) for a Tree
    source: str = ""
    returns: str | None = None

    @property
    def id(self) -> str:
        return self.type_name

    @property
    def signature(self) -> dict[str, Any]:
        return function_signature(self.type_name, self.returns)

    @property
    def program(self) -> str:
        if self.source:
            return self.source
        t = parse_signature(self.signature)
        return f"{cpp_type(t.returns)} identity({param_decl(t.params[0].type, 'x')}) {{ return x; }}\n"

    def pairs(self) -> list[tuple[Any, Any]]:
        return [value if self.type_name == "TreeNode" else (value, value) for value in self.values]


STRINGS = (
    "",
    "a",
    "héllo wörld",
    "😀 中文 עברית",
    'quotes " and \\ backslashes \\" \\\\',
    "new\nlines\r\nand\ttabs",
    "\x00\x01\x02\x1f\x7f nul and control",
    "  leading and trailing  ",
    "3 1 2 3\n",
    "\u2028\u2029 separators",
    "\ud800 lone surrogate",
    "x" * 10000,
)
ROUND_TRIPS = [
    RoundTrip("int", (0, 1, -1, INT64_MIN, INT64_MAX, 2**53 + 1)),
    RoundTrip(
        "float",
        (
            0.0,
            -0.0,
            0.1,
            1.0,
            -1.5,
            1e300,
            -1e300,
            1e-7,
            1e16,
            1e15,
            5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            123456789012345680.0,
            1 / 3,
        ),
    ),
    RoundTrip("bool", (True, False)),
    RoundTrip("str", STRINGS),
    RoundTrip("List[int]", ([], [1, -2, 3], [INT64_MIN, INT64_MAX], list(range(1000)))),
    RoundTrip("List[List[int]]", ([], [[]], [[1, 2], [], [3]], [[INT64_MAX], [INT64_MIN, 0]])),
    RoundTrip("List[float]", ([], [0.5, -0.0, 1e300, 5e-324])),
    RoundTrip("List[str]", ([], [""], ["a b", "c\nd", "é", '"', "\\"], list(STRINGS))),
    RoundTrip("List[List[str]]", ([], [[]], [["x"], [], ["", "y z", "😀"]])),
    RoundTrip("List[bool]", ([], [True], [True, False, True, False, False])),
    RoundTrip("ListNode", ([], [1], [1, 2, 3], [-5, INT64_MAX, INT64_MIN], list(range(10000)))),
    RoundTrip(
        "TreeNode",
        (
            ([], []),
            ([1], [1]),
            ([1, None, 2, 3], [1, None, 2, 3]),
            ([1, 2, 3, None, None, 4, 5], [1, 2, 3, None, None, 4, 5]),
            ([1, 2, None], [1, 2]),
            ([1, None, None], [1]),
            (
                [5, 4, 8, 11, None, 13, 4, 7, 2, None, None, None, 1],
                [5, 4, 8, 11, None, 13, 4, 7, 2, None, None, None, 1],
            ),
            ([INT64_MIN, None, INT64_MAX], [INT64_MIN, None, INT64_MAX]),
            ([0] + [None, 0] * 3000, [0] + [None, 0] * 3000),
        ),
    ),
    RoundTrip(
        "List[ListNode]",
        ([], [[]], [[1, 2], [], [3]]),
        returns="List[List[int]]",
        source="vector<vector<long long>> identity(vector<ListNode*>& x) {\n"
        "    vector<vector<long long>> out;\n"
        "    for (ListNode *node : x) { out.emplace_back(); for (; node; node = node->next) out.back().push_back(node->val); }\n"
        "    return out;\n}\n",
    ),
    RoundTrip(
        "List[int]",
        ([], [1, -2, 3]),
        source="vector<int> identity(vector<long long>& x) { return vector<int>(x.begin(), x.end()); }\n",
    ),
]


@pytest.mark.parametrize("case", ROUND_TRIPS, ids=[f"{c.id}-{i}" for i, c in enumerate(ROUND_TRIPS)])
def test_identity_round_trip(case: RoundTrip) -> None:
    pairs = case.pairs()
    job = {
        "source": case.program,
        "signature": case.signature,
        "cases": [{"ordinal": i, "args": [value]} for i, (value, _) in enumerate(pairs, 1)],
        "time_limit_ms": 2000,
        "language": "CPP17",
    }
    result = run_harness(job, JailLimits.for_cpu(5 + len(pairs), memory_kb=256 * 1024))
    answers = result.answered()
    got = [getattr(answers.get(i), "output", answers.get(i)) for i in range(1, len(pairs) + 1)]
    # repr: -0.0 is not 0.0, 1.0 is not 1, a lone surrogate is itself
    assert [repr(g) for g in got] == [repr(want) for _, want in pairs]
    cases = [
        CaseSpec(ordinal=i, kind="hidden", args=[value], expected=want) for i, (value, want) in enumerate(pairs, 1)
    ]
    outcome = run(case.program, signature=case.signature, cases=cases, time_limit_ms=2000, memory_limit_kb=256 * 1024)
    assert (outcome.verdict, outcome.message) == ("AC", f"All {len(cases)} tests passed.")


def unreadable(source: str, type_name: str, args: list[Any]) -> JudgeOutcome:
    cases = [CaseSpec(ordinal=1, kind="sample", args=args, expected=args[0] if args else None)]
    return run(source, signature=function_signature(type_name), cases=cases)


def test_returned_values_without_json_are_wrong_answers() -> None:
    assert unreadable("double identity(double x) { return x / 0.0; }", "float", [1.0]).message == (
        "The return value cannot be read: the returned number is not finite"
    )
    assert unreadable('double identity(double x) { return std::nan(""); }', "float", [1.0]).message == (
        "The return value cannot be read: the returned number is not finite"
    )
    assert unreadable("string identity(string& x) { return x.substr(0, 1); }", "str", ["é"]).message == (
        "The return value cannot be read: the returned string is not valid UTF-8"
    )
    assert unreadable('string identity(string& x) { return "\\xc0\\xaf overlong"; }', "str", ["a"]).message == (
        "The return value cannot be read: the returned string is not valid UTF-8"
    )
    cycle = (
        "ListNode* identity(ListNode* x) { ListNode *t = x; while (t->next) t = t->next; t->next = x->next; return x; }"
    )
    outcome = unreadable(cycle, "ListNode", [list(range(1, 101))])
    assert (outcome.verdict, outcome.message) == ("WA", "The return value cannot be read: the linked list has a cycle")
    self_loop = "ListNode* identity(ListNode* x) { x->next = x; return x; }"
    assert (
        unreadable(self_loop, "ListNode", [[1]]).message
        == "The return value cannot be read: the linked list has a cycle"
    )
    tree = "TreeNode* identity(TreeNode* x) { x->left = x; return x; }"
    outcome = unreadable(tree, "TreeNode", [[1]])
    assert (outcome.verdict, outcome.message) == (
        "WA",
        "The return value cannot be read: the tree is too large or has a cycle",
    )


# --- (e) compiler bombs in the compile jail ----------------------------------------------------
@dataclass(frozen=True)
class Bomb:
    id: str
    source: str
    message: str | re.Pattern[str]


def macro_bomb(levels: int) -> str:
    lines = ["#define A0 x"] + [f"#define A{i} A{i - 1} A{i - 1}" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nint exploded() {{ return 0\nA{levels}\n; }}\n" + CORRECT


OUT_OF_TIME_OR_MEMORY = re.compile(
    r"(?s)(Compilation took too long \(the limit is 20 s CPU\)\.|Compilation ran out of memory \(the limit is 1024 MB\)\.)\n.*"
)
FILE_SIZE = "Compilation stopped: the compiled program passed the file size limit of 64 MB."
CC1PLUS = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus"
BOMBS = [
    *(
        Bomb(
            f"include-{Path(path).name}",
            f'#include "{path}"\n' + CORRECT,
            f"solution.cpp:1:10: fatal error: {path}: No such file or directory\ncompilation terminated.",
        )
        for path in (
            "/dev/zero",
            "/dev/urandom",
            "/proc/self/environ",
            "/etc/shadow",
            "/etc/passwd",
            str(REPO / "config/settings/base.py"),
        )
    ),
    Bomb(
        "include-itself",
        '#include "main.cpp"\n' + CORRECT,
        re.compile(
            r"(?s)In file included from .*                 \.\.\. and \d+ more\n.*#include nested depth 200 exceeds maximum of 200.*"
        ),
    ),
    Bomb(
        "template-instantiation-bomb",
        "template <int N, int M> struct Bomb { static const long long v = Bomb<N - 1, 2 * M>::v + Bomb<N - 1, 2 * M + 1>::v; };\n"
        "template <int M> struct Bomb<0, M> { static const long long v = 1; };\nconst long long bomb = Bomb<30, 0>::v;\n"
        + CORRECT,
        OUT_OF_TIME_OR_MEMORY,
    ),
    Bomb("macro-explosion", macro_bomb(34), OUT_OF_TIME_OR_MEMORY),
    Bomb(
        "constexpr-loop",
        "constexpr long long spin() { long long s = 0; for (long long i = 0; i < (1LL << 40); i++) s += i; return s; }\n"
        "constexpr long long spun = spin();\n" + CORRECT,
        re.compile(
            r"(?s).*solution\.cpp.*'constexpr' (loop iteration count|evaluation operation count) exceeds limit.*"
        ),
    ),
    Bomb("gigabyte-constant-array", "int big_array[1 << 28] = {1};\n" + CORRECT, FILE_SIZE),
    Bomb("gigabyte-section", '__attribute__((section(".huge"))) char huge_section[1 << 30];\n' + CORRECT, FILE_SIZE),
    Bomb(
        "incbin-a-missing-file",
        'asm(".incbin \\"/etc/passwd\\"");\n' + CORRECT,
        "{standard input}: Assembler messages:\n{standard input}:4: Error: file not found: /etc/passwd",
    ),
    Bomb(
        "incbin-the-compiler-three-times",
        f'asm(".incbin \\"{CC1PLUS}\\"\\n.incbin \\"{CC1PLUS}\\"\\n.incbin \\"{CC1PLUS}\\"");\n' + CORRECT,
        FILE_SIZE,
    ),
    Bomb("fill-directive", 'asm(".fill 0x10000000, 4, 0");\n' + CORRECT, FILE_SIZE),
]


@pytest.mark.parametrize("case", BOMBS, ids=[b.id for b in BOMBS])
def test_compiler_bomb_is_a_compile_error(host_guard: None, fresh_artifacts: Path, case: Bomb) -> None:
    if ("incbin" in case.id or "fill" in case.id) and not X86_64:
        pytest.skip("x86-64 assembler")
    if case.id == "incbin-the-compiler-three-times" and not os.path.exists(CC1PLUS):
        pytest.skip("Debian's g++ 12 paths")
    started = time.monotonic()
    built = build.build_program(CPP, ADD, case.source)
    elapsed = time.monotonic() - started
    toolchain = CPP.toolchain()
    assert toolchain is not None
    assert elapsed < build.compile_limits(toolchain).wall_time_s + 10
    assert not built.ok and not built.cached
    if isinstance(case.message, re.Pattern):
        assert case.message.fullmatch(built.message), built.message
    else:
        assert built.message == case.message
    assert "/box" not in built.message and "/usr/include" not in built.message
    # What is cached of a compile error: the source and the message, nothing the compiler left.
    entry = next(
        p
        for p in fresh_artifacts.glob("*/*")
        if p.is_dir() and (p / build.CE_FILE).exists() and (p / build.CE_FILE).read_text() == built.message
    )
    assert {p.name for p in entry.iterdir()} == {build.CE_FILE, "main.cpp"}
    # the judge says the same, from the cache
    outcome = run(case.source)
    assert (outcome.verdict, outcome.message) == ("CE", built.message)


def test_pragmas_change_code_generation_only(fresh_artifacts: Path) -> None:
    source = (
        '#pragma GCC optimize("O3,unroll-loops")\n#pragma GCC optimize("-fdump-tree-all")\n'
        '#pragma GCC optimize("-fprofile-generate")\n#pragma GCC optimize("-fstack-usage")\n'
        '__attribute__((optimize("-fdump-rtl-all"))) long long helper(long long x) { return x; }\n' + CORRECT
    )
    built = build.build_program(CPP, ADD, source)
    assert built.ok, built.message
    assert {p.name for p in Path(built.box).iterdir()} == {".built", "main", "main.cpp"}, (
        "the compiler wrote extra files"
    )
    assert run(source).verdict == "AC"


def test_a_program_of_the_largest_allowed_size_is_built(fresh_artifacts: Path) -> None:
    """Static data up to the file size limit makes a program that big in the cache (each such
    build costs that much disk until the cache drops it)."""
    built = build.build_program(
        CPP, ADD, "char blob[48 << 20] = {1};\n" + CORRECT.replace("a + b", "a + b + blob[0] - 1")
    )
    assert built.ok, built.message
    assert (Path(built.box) / "main").stat().st_size > 48 << 20


# --- (f) the artefact cache ---------------------------------------------------------------------
def unique(source: str) -> str:
    return f"// {uuid.uuid4().hex}\n{source}"


def test_the_same_source_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    source = unique(CORRECT)
    first = build.build_program(CPP, ADD, source)
    assert first.ok and not first.cached and first.compile_ms > 0
    box = Path(first.box)
    made = box.stat().st_ino, (box / "main").stat().st_mtime_ns

    def no_compiler(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(build, "compile_in_jail", no_compiler)
    second = build.build_program(CPP, ADD, source)
    assert (second.ok, second.cached, second.box, second.compile_ms) == (True, True, first.box, 0.0)
    assert (box.stat().st_ino, (box / "main").stat().st_mtime_ns) == made
    assert run(source).verdict == "AC"  # the judge takes it from the cache too
    # another signature is another build
    with pytest.raises(AssertionError, match="compiled again"):
        build.build_program(CPP, {**ADD, "style": "function"}, source)


def test_a_compile_error_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    source = unique(method("return a + c;"))
    first = build.build_program(CPP, ADD, source)
    assert not first.ok and not first.cached and "'c' was not declared" in first.message
    monkeypatch.setattr(build, "compile_in_jail", lambda *a, **k: pytest.fail("compiled again"))
    second = build.build_program(CPP, ADD, source)
    assert (second.ok, second.cached, second.message) == (False, True, first.message)
    outcome = run(source)
    assert (outcome.verdict, outcome.message) == ("CE", first.message)


def test_two_threads_building_the_same_source_both_succeed(fresh_artifacts: Path) -> None:
    source = unique(CORRECT)
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def builder() -> None:
        barrier.wait()
        results.append(build.build_program(CPP, ADD, source))

    threads = [threading.Thread(target=builder) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 3 and all(r.ok for r in results), [r.message for r in results]
    assert len({r.box for r in results}) == 1
    assert not any((fresh_artifacts / "work").glob("*")), "a losing build directory was left behind"
    assert run(source).verdict == "AC"


def test_a_built_program_belongs_to_root_and_is_not_writable_by_the_jail_user() -> None:
    built = build.build_program(CPP, ADD, CORRECT)
    box = Path(built.box)
    assert box.stat().st_uid == 0 and box.stat().st_mode & 0o022 == 0
    for path in box.iterdir():
        assert path.stat().st_mode & 0o022 == 0, path


def test_the_artefact_is_owned_by_root() -> None:
    built = build.build_program(CPP, ADD, CORRECT)
    assert (Path(built.box) / "main").stat().st_uid == 0


SLOW_EXIT_NSJAIL = """#!/bin/bash
# nsjail, then a moment between closing its output (and its log) and exiting, as under load
log=""
previous=""
for arg in "$@"; do
    if [ "$previous" = "--log_fd" ]; then log="$arg"; fi
    previous="$arg"
done
"{real}" "$@"
status=$?
exec 1>&- 2>&-
if [ -n "$log" ]; then eval "exec $log>&-"; fi
sleep 1
exit $status
"""


def test_a_compile_jail_that_is_slow_to_exit_still_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = Path(tempfile.mkdtemp(prefix="codearena-slow-nsjail-"))
    try:
        wrapper = folder / "nsjail"
        wrapper.write_text(SLOW_EXIT_NSJAIL.replace("{real}", nsjail_binary()))
        wrapper.chmod(0o755)
        monkeypatch.setenv("NSJAIL_BIN", str(wrapper))
        built = build.build_program(CPP, ADD, unique(CORRECT))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert built.ok, built.message


# --- measurement: which meters native code cannot fool -----------------------------------------
FORGE_SIGNATURE = {"style": "function", "name": "work", "params": [{"name": "n", "type": "int"}], "returns": "int"}
FORGE_COMMON = (
    "#include <sys/mman.h>\n" + JIT_REQUEST + "static long long g_n, g_out;\n"
    "static long long burn(long long n) { long long s = 0; for (long long i = 0; i < n; i++) { s += i * i ^ (s >> 3); "
    'asm volatile("" : "+r"(s)); } return s; }\n'
    "static long native_burn(long) { g_out = burn(g_n); return 0; }\n"
)
HONEST_WORK = FORGE_COMMON + "long long work(long long n) { return burn(n) == -1 ? -1 : 0; }\n"
# The same work, run through valgrind's CLIENT_CALL0 request (0x1101): natively, outside valgrind.
NATIVE_WORK = FORGE_COMMON + (
    "long long work(long long n) { g_n = n; g_out = -1; jit_request(0x1101, (unsigned long)&native_burn); "
    "return g_out == -1 ? -1 : 0; }\n"
)


def measured(meter: Any, source: str) -> float:
    payload = {
        "source": source,
        "signature": FORGE_SIGNATURE,
        "cases": [{"ordinal": 1, "args": [5_000_000]}],
        "time_limit_ms": 60_000,
        "language": "CPP17",
    }
    sample = meter.measure_once(payload, JailLimits.for_cpu(120, memory_kb=256 * 1024))
    answer = sample.run.answered().get(1)
    if sample.failure is not None or getattr(answer, "output", None) != 0:
        pytest.fail(f"the measured run failed: {sample.failure} {answer}")
    return float(sample.cost)


@pytest.mark.skipif(not X86_64, reason="x86-64 machine code")
@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="native code can build valgrind's client-request preamble at run time (the build's scan sees only "
    "the binary) and have valgrind run any function natively, uncounted: ~100x fewer instructions counted. "
    "This is why native languages are not measured by valgrind (docs/languages.md)",
)
def test_the_valgrind_meter_counts_work_run_through_a_client_request() -> None:
    from judge.meters.valgrind import ValgrindMeter

    meter = ValgrindMeter()
    if not meter.available():
        pytest.skip(meter.unavailable_reason())
    honest_count = measured(meter, HONEST_WORK)
    if honest_count < 20_000_000:
        pytest.fail(f"the honest work counted only {honest_count:.0f} instructions")
    assert measured(meter, NATIVE_WORK) > 0.5 * honest_count


@pytest.mark.skipif(not X86_64, reason="x86-64 machine code")
def test_the_pmu_count_native_languages_use_counts_work_run_through_a_client_request() -> None:
    """The kernel counts every instruction the jail retires, wherever the program jumps."""
    from judge.meters.instructions import InstructionsMeter

    meter = InstructionsMeter().for_language("CPP17")
    if not meter.available():
        pytest.skip(meter.unavailable_reason())
    honest_count = measured(meter, HONEST_WORK)
    if honest_count < 20_000_000:
        pytest.fail(f"the honest work counted only {honest_count:.0f} instructions")
    assert measured(meter, NATIVE_WORK) > 0.9 * honest_count


# --- the tables' programs, built before their tests ---------------------------------------------
@pytest.fixture(autouse=True, scope="module")
def fresh_artifacts() -> Iterator[Path]:
    """A build cache of this module's own: every build in it is compiled for real. Not under
    pytest's tmp_path, whose parents the jail user (uid 65534) cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="codearena-cpp-tests-"))
    folder.chmod(0o755)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(build, "ARTIFACT_DIR", folder)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True, scope="module")
def prebuilt(request: pytest.FixtureRequest, fresh_artifacts: Path) -> None:
    """Compile the programs of the selected table tests several at a time (g++ is single-threaded)."""
    programs: dict[str, tuple[dict[str, Any], str]] = {}
    for item in request.session.items:
        if getattr(item, "module", None) is not request.module:
            continue
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        if isinstance(case, Expect):
            programs[case.source] = (case.signature, case.source)
        elif isinstance(case, RoundTrip):
            programs[case.program] = (case.signature, case.program)
    if len(programs) < 2:
        return
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(lambda program: build.build_program(CPP, *program), programs.values()))
