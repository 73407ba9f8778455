"""Verdicts from the real nsjail sandbox, one behaviour per test."""

from __future__ import annotations

from typing import Any

import pytest

from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job

ADD = {"style": "class", "name": "add", "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]}
CASES = [CaseSpec(ordinal=i, kind="sample" if i == 1 else "hidden", args=[i, 10], expected=i + 10) for i in range(1, 4)]


def run(source: str, *, signature: dict[str, Any] = ADD, cases: list[CaseSpec] = CASES, **kwargs: Any) -> Any:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=cases,
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 1000),
        memory_limit_kb=kwargs.pop("memory_limit_kb", 128 * 1024),
    )
    return judge_job(job)


def method(body: str) -> str:
    return "class Solution:\n    def add(self, a, b):\n" + "".join(f"        {line}\n" for line in body.splitlines())


def test_correct_code_is_accepted_with_time_and_memory() -> None:
    outcome = run(method("return a + b"))
    assert outcome.verdict == "AC"
    assert [c.verdict for c in outcome.cases] == ["AC", "AC", "AC"]
    assert outcome.memory_kb > 1000


def test_wrong_answer_on_a_sample_shows_input_expected_and_got() -> None:
    outcome = run(method("return a - b"))
    assert outcome.verdict == "WA"
    assert "Expected: 11" in outcome.message and "Got: -9" in outcome.message
    assert "Input: a = 1, b = 10" in outcome.message, "the input as the problem page shows it"


def test_wrong_answer_on_a_hidden_case_reveals_nothing() -> None:
    outcome = run(method("return a + b if a == 1 else 0"))
    assert outcome.verdict == "WA"
    assert outcome.message == "Wrong answer on a hidden test."


def test_boolean_is_not_accepted_for_an_integer() -> None:
    cases = [CaseSpec(ordinal=1, kind="hidden", args=[0, 1], expected=1)]
    assert run(method("return True"), cases=cases).verdict == "WA"


def test_infinite_loop_is_time_limit_exceeded() -> None:
    outcome = run(method("while True:\n    pass"))
    assert outcome.verdict == "TLE"
    assert "1000 ms" in outcome.message


def test_sleeping_forever_hits_the_wall_clock_limit() -> None:
    outcome = run("import time\n" + method("time.sleep(100)"))
    assert outcome.verdict == "TLE"


def test_memory_bomb_is_memory_limit_exceeded() -> None:
    outcome = run(method("x = bytearray(512 * 1024 * 1024)\nreturn a + b"))
    assert outcome.verdict == "MLE"
    assert "128 MB" in outcome.message


def test_exception_is_runtime_error_with_type_and_line() -> None:
    outcome = run(method("return a // 0"))
    assert outcome.verdict == "RTE"
    assert outcome.message.startswith("ZeroDivisionError (line 3)")


def test_syntax_error_is_compile_error_with_line() -> None:
    outcome = run("class Solution:\n    def add(self, a, b)\n        return a\n")
    assert outcome.verdict == "CE"
    assert "SyntaxError (line 2)" in outcome.message
    assert outcome.cases == []


def test_missing_entry_point_is_compile_error() -> None:
    outcome = run("class Solution:\n    def plus(self, a, b):\n        return a + b\n")
    assert outcome.verdict == "CE"
    assert "add()" in outcome.message


def test_import_failure_at_load_is_compile_error() -> None:
    outcome = run("import numpy_not_here\n" + method("return a + b"))
    assert outcome.verdict == "CE"
    assert "ModuleNotFoundError" in outcome.message


def test_printing_without_end_is_output_limit_exceeded() -> None:
    outcome = run(method("while True:\n    print('x' * 10000)"))
    assert outcome.verdict == "OLE"


def test_exit_before_the_cases_is_not_accepted() -> None:
    assert run("import os\nos._exit(0)\n" + method("return a + b")).verdict != "AC"
    assert run(method("import sys\nsys.exit(0)")).verdict == "RTE"


def test_forged_result_lines_do_not_make_a_wrong_program_pass() -> None:
    forge = (
        "import os\n"
        "for fd in range(3, 4096):\n"
        "    try:\n"
        '        os.write(fd, b\'{"event": "case", "ordinal": 1, "status": "ok", "output": 11}\\n\')\n'
        "    except OSError:\n"
        "        pass\n"
        "return 0"
    )
    assert run(method(forge)).verdict != "AC"


def test_the_jail_has_no_network() -> None:
    body = "import socket\ns = socket.socket()\ns.settimeout(1)\ns.connect(('127.0.0.1', 5432))\nreturn a + b"
    outcome = run(method(body))
    assert outcome.verdict == "RTE"
    assert "OSError" in outcome.message or "unreachable" in outcome.message.lower()


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/passwd", "/work", "/root", "/proc/1/environ"])
def test_host_files_are_not_visible(path: str) -> None:
    body = f"open({path!r}).read()\nreturn a + b"
    outcome = run(method(body))
    assert outcome.verdict == "RTE"
    assert "Error" in outcome.message


def test_environment_is_empty() -> None:
    outcome = run(method("import os\nreturn a + b + len([k for k in os.environ if k != 'LC_CTYPE'])"))
    assert outcome.verdict == "AC"


def test_forbidden_syscall_kills_the_run() -> None:
    body = "import ctypes\nctypes.CDLL(None).ptrace(0, 0, 0, 0)\nreturn a + b"
    outcome = run(method(body))
    assert outcome.verdict == "RTE"


def test_fork_bomb_is_contained() -> None:
    body = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        break\nreturn a + b"
    outcome = run(method(body))
    # Forked copies of the harness answer too (and compete for the next case): any verdict but IE.
    assert outcome.verdict in {"AC", "WA", "RTE", "TLE"}
    assert run(method("return a + b")).verdict == "AC"


def test_linked_lists_and_trees_convert_both_ways() -> None:
    reverse = {
        "style": "class",
        "name": "reverse",
        "params": [{"name": "head", "type": "ListNode"}],
        "returns": "ListNode",
    }
    source = (
        "class Solution:\n    def reverse(self, head):\n        prev = None\n        while head:\n"
        "            head.next, prev, head = prev, head, head.next\n        return prev\n"
    )
    cases = [CaseSpec(ordinal=1, kind="sample", args=[[1, 2, 3]], expected=[3, 2, 1])]
    assert run(source, signature=reverse, cases=cases).verdict == "AC"

    mirror = {
        "style": "class",
        "name": "mirror",
        "params": [{"name": "root", "type": "TreeNode"}],
        "returns": "TreeNode",
    }
    source = (
        "class Solution:\n    def mirror(self, root):\n        if root:\n"
        "            root.left, root.right = self.mirror(root.right), self.mirror(root.left)\n        return root\n"
    )
    cases = [CaseSpec(ordinal=1, kind="sample", args=[[1, 2, 3, None, 4]], expected=[1, 3, 2, None, None, 4])]
    assert run(source, signature=mirror, cases=cases).verdict == "AC"


def test_unordered_and_float_checkers() -> None:
    sig = {"style": "function", "name": "f", "params": []}
    cases = [CaseSpec(ordinal=1, kind="hidden", args=[], expected=[[1, 2], [3]])]
    assert (
        run(
            "def f():\n    return [[3], [1, 2]]\n", signature=sig, cases=cases, checker=CheckerSpec(kind="unordered")
        ).verdict
        == "AC"
    )
    cases = [CaseSpec(ordinal=1, kind="hidden", args=[], expected=0.3)]
    assert (
        run("def f():\n    return 0.1 + 0.2\n", signature=sig, cases=cases, checker=CheckerSpec(kind="float")).verdict
        == "AC"
    )
    assert (
        run("def f():\n    return 0.31\n", signature=sig, cases=cases, checker=CheckerSpec(kind="float")).verdict
        == "WA"
    )
