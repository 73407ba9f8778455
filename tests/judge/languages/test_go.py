"""Go through the real compile jail and the real nsjail: starter code, the driver's types,
verdicts, and hostile programs (at run time and at compile time).

Every build goes to a fresh artefact directory of this module, so each run of the suite
compiles for real (``go build`` takes ~0.3-1 s per program; the starters of the whole bank are
checked in one run of the go command).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.languages import get_language
from judge.languages.base import Toolchain
from judge.languages.go import GOROOT, Go, clean_go_output, go_type, has_package_clause, solution_file
from judge.languages.types import parse_signature, parse_type
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, build, run_harness
from tests.judge.languages.host import jail_user_processes

REPO = Path(__file__).resolve().parents[3]
GO = get_language("GO")

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(GOROOT, "bin", "go")), reason="Go is not installed")

ADD = {
    "style": "class",
    "name": "add",
    "params": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}],
    "returns": "int",
}
CASES = [
    CaseSpec(ordinal=1, kind="sample", args=[1, 2], expected=3),
    CaseSpec(ordinal=2, kind="hidden", args=[5, 7], expected=12),
    CaseSpec(ordinal=3, kind="hidden", args=[-4, 4], expected=0),
]
CORRECT = "func add(a int, b int) int {\n\treturn a + b\n}\n"


@pytest.fixture(autouse=True, scope="module")
def fresh_artifacts() -> Iterator[Path]:
    """A build cache of this module's own: every build in it is compiled for real. Not under
    pytest's tmp_path, whose parents the jail user (uid 65534) cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="codearena-go-tests-"))
    folder.chmod(0o755)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(build, "ARTIFACT_DIR", folder)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def method(body: str, *, before: str = "") -> str:
    """``add`` with ``body`` (its first line is line ``before``'s lines + 2 of solution.go)."""
    lines = "".join(f"\t{line}\n" for line in body.splitlines())
    return f"{before}func add(a int, b int) int {{\n{lines}}}\n"


def run(source: str, *, signature: dict[str, Any] = ADD, cases: list[CaseSpec] = CASES, **kwargs: Any) -> Any:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=cases,
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 1000),
        memory_limit_kb=kwargs.pop("memory_limit_kb", 128 * 1024),
        hidden_feedback=kwargs.pop("hidden_feedback", "error-type"),
        language="GO",
    )
    return judge_job(job)


# --- the language ---------------------------------------------------------------------------------
def test_registered_with_its_names() -> None:
    assert GO.name == "Go" and GO.extension == "go" and GO.editor_mode == "go" and GO.comment == "//"
    assert {"go", "golang"} <= set(GO.aliases)
    assert GO.compiled and GO.meters == ("instructions", "cpu")
    assert GO.builtin_errors == {"runtime error", "panic"}
    program = GO.program("/x", memory_mb=128)
    # An address-space limit far above the memory cgroup's, only for requests of terabytes.
    assert program.argv == ("/box/main",) and program.address_space and program.address_space_mb == 2048 + 256
    assert GO.ran_out_of_memory(b"fatal error: runtime: out of memory\n") and not GO.ran_out_of_memory(b"panic: x")
    assert "GOMAXPROCS=1" in program.env


def test_types_and_starter() -> None:
    assert go_type(parse_type("int")) == "int" and go_type(parse_type("float")) == "float64"
    assert go_type(parse_type("bool")) == "bool" and go_type(parse_type("str")) == "string"
    assert go_type(parse_type("List[List[int]]")) == "[][]int" and go_type(parse_type("List[str]")) == "[]string"
    assert go_type(parse_type("ListNode")) == "*ListNode" and go_type(parse_type("TreeNode")) == "*TreeNode"
    assert go_type(parse_type("List[ListNode]")) == "[]*ListNode"
    signature = {
        "style": "class",
        "name": "mergeLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}, {"name": "type", "type": "bool"}],
        "returns": "ListNode",
    }
    starter = GO.starter(signature)
    assert "func mergeLists(lists []*ListNode, type_ bool) *ListNode {\n\n\treturn nil\n}\n" in starter
    assert " * type ListNode struct {" in starter and "TreeNode" not in starter and "package" not in starter
    # LeetCode's Go has no Solution type: both styles are a top-level function.
    assert (
        GO.starter({**ADD, "style": "function"}) == GO.starter(ADD) == "func add(a int, b int) int {\n\n\treturn 0\n}\n"
    )
    tree = GO.starter(
        {"style": "class", "name": "f", "params": [{"name": "root", "type": "TreeNode"}], "returns": "str"}
    )
    assert " * type TreeNode struct {" in tree and 'return ""' in tree
    for reserved in ("main", "init", "range", "len", "string", "TreeNode", "arena_send"):
        assert GO.unsupported({**ADD, "name": reserved}) is not None, reserved
    assert GO.unsupported(ADD) is None


def test_package_clause_is_added_on_the_first_line() -> None:
    assert has_package_clause("package main\n") and has_package_clause("// x\n/* y\n*/ package  main")
    assert not has_package_clause("func f() {}\n") and not has_package_clause("// package main\nfunc f() {}")
    assert not has_package_clause("packages := 1")
    body = 'import "sort"\nfunc f() {}\n'
    assert solution_file(body).startswith("package main; /*line solution.go:1:1*/import")
    assert solution_file(body).count("\n") == body.count("\n")
    assert solution_file("package main\n" + body) == "package main\n" + body
    assert solution_file("\ufeff" + body) == solution_file(body)
    files = GO.files(ADD, CORRECT)
    assert set(files) == {"main.go", "solution.go", "types.go"} and files["types.go"] == "package main\n"


def test_compiler_messages_keep_the_solution_and_explain_the_driver() -> None:
    raw = (
        "# command-line-arguments\n./solution.go:3:9: undefined: x\n/box/solution.go:4:2: y\n"
        "./main.go:512:30: undefined: add\n"
        "./main.go:513:25: cannot use add(arena_a0, arena_a1) (value of type []int) as type int in variable declaration\n"
        "./main.go:512:33: cannot use arena_a1 (variable of type int) as type string in argument to add\n"
    )
    assert clean_go_output(raw).splitlines() == [
        "solution.go:3:9: undefined: x",
        "solution.go:4:2: y",
        "judge's driver: a function add() is required (a top-level func: Go has no Solution type here)",
        "judge's driver: add returns []int, the problem's return type is int",
        "judge's driver: parameter 2 of add is string, the problem gives int",
    ]


# --- the bank ---------------------------------------------------------------------------------------
def bank_signatures() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((REPO / "fixtures" / "problems").glob("*/problem.toml")):
        signature = tomllib.loads(path.read_text())["signature"]
        assert GO.unsupported(signature) is None, path
        found.append((path.parent.name, signature))
    return found


class EveryStarter(Go):
    """Starters with their drivers, one package each (``p0/``...), exactly as files() writes them,
    all built by one run of the go command in the compile jail. A package is one combination of
    types: its driver calls the first signature's entry point, and its solution.go holds the
    starters of every signature of that combination (one driver build per combination)."""

    def __init__(self, groups: list[list[dict[str, Any]]]) -> None:
        self.groups = groups

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        return {
            f"p{index}/{name}": text
            for index, group in enumerate(self.groups)
            for name, text in Go.files(self, group[0], "\n".join(self.starter(each) for each in group)).items()
        }

    def toolchain(self) -> Toolchain:
        own = Go.toolchain(self)
        # One go build of many main packages links each of them into the directory named by -o.
        packages = [f"./p{index}" for index in range(len(self.groups))]
        return Toolchain(
            argv=(own.argv[0], "build", "-o", "bin/", *packages),
            mounts=own.mounts,
            env=own.env,
            identity=own.identity,
            address_space_mb=own.address_space_mb,
            max_pids=own.max_pids,
            cpu_time_s=60,
        )


def test_the_starter_of_every_bank_problem_compiles_with_its_driver(fresh_artifacts: Path) -> None:
    """All of them (60 problems, 37 distinct type combinations), plus the function style, no
    parameters, a keyword as a parameter name and a list of linked lists, in one run of go."""
    bank = bank_signatures()
    assert len(bank) >= 37
    extra: list[dict[str, Any]] = [
        {"style": "function", "name": "noop", "params": [], "returns": "int"},
        {"style": "class", "name": "match", "params": [{"name": "type", "type": "List[str]"}], "returns": "float"},
        {"style": "class", "name": "k", "params": [{"name": "l", "type": "List[ListNode]"}], "returns": "List[bool]"},
    ]
    groups: dict[tuple[tuple[str, ...], str], list[dict[str, Any]]] = {}
    for signature in [s for _, s in bank] + extra:
        sig = parse_signature(signature)
        groups.setdefault((tuple(str(p.type) for p in sig.params), str(sig.returns)), []).append(signature)
    assert len(groups) >= 37 + len(extra)
    work = fresh_artifacts / "work" / "every-starter"
    many = EveryStarter(list(groups.values()))
    for name, text in many.files({}, "").items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    (work / "bin").mkdir()
    for path in [work, *work.iterdir()]:
        path.chmod(0o777)  # the compiler runs as uid 65534
    message = build.compile_in_jail(many, many.toolchain(), work)
    assert message is None, message
    assert sorted(path.name for path in (work / "bin").iterdir()) == sorted(f"p{i}" for i in range(len(groups)))


def test_starter_code_runs_and_gives_the_zero_value() -> None:
    outcome = run(GO.starter(ADD))
    assert outcome.verdict == "WA"
    assert outcome.message.endswith("Got: 0"), outcome.message


# --- every type through the driver, both ways --------------------------------------------------------
STRINGS = ["", "plain", ' quote " and \\ backslash ', "tab\tnew\nline\r\x01\x1f\x7f", "héllo wörld ✓ 😀", "  ", "n"]
ROUND_TRIPS: list[tuple[str, list[Any]]] = [
    ("int", [0, 1, -1, 2**63 - 1, -(2**63), 10**18]),
    ("float", [0.0, 1.5, -2.25, 0.1, 1e300, -1e-300, 123456789.125, 3.0, 2.5e-5, 1e21, -0.0]),
    ("bool", [True, False]),
    ("str", STRINGS),
    ("List[int]", [[], [1, -2, 3], list(range(-50_000, 50_000, 7))]),
    ("List[float]", [[], [0.5, -1.25, 1e-9, 7.0]]),
    ("List[bool]", [[], [True, False, True]]),
    ("List[str]", [[], STRINGS]),
    ("List[List[int]]", [[], [[]], [[1, 2], [], [3]]]),
    ("List[List[str]]", [[["a", "b c"], [], ["\n"]]]),
    ("List[List[List[int]]]", [[[[1], []], [[2, 3]]]]),
    ("ListNode", [[], [1], [3, -1, 2**62], list(range(100_000))]),
    ("TreeNode", [[], [1], [1, None, 2, 3], [3, 9, 20, None, None, 15, 7], [1, 2, None, 3, None, 4], [0, -5, 5]]),
]


@pytest.mark.parametrize(("type_name", "values"), ROUND_TRIPS, ids=[t for t, _ in ROUND_TRIPS])
def test_identity_round_trip(type_name: str, values: list[Any]) -> None:
    signature = {
        "style": "class",
        "name": "echoValue",
        "params": [{"name": "value", "type": type_name}],
        "returns": type_name,
    }
    go = go_type(parse_type(type_name))
    source = f"func echoValue(value {go}) {go} {{\n\treturn value\n}}\n"
    cases = [CaseSpec(ordinal=i, kind="sample", args=[v], expected=v) for i, v in enumerate(values, 1)]
    outcome = run(source, signature=signature, cases=cases)
    assert outcome.verdict == "AC", outcome.message
    assert len(outcome.cases) == len(values)


def test_floats_stay_floats_and_integers_wrap() -> None:
    """2.0 is written as 2.0 (a float, like Python's json), and int arithmetic wraps at 64 bits."""
    payload = {
        "source": "func half(x float64, n int) float64 {\n\treturn x/2 + float64(n+1-n-1)\n}\n",
        "signature": {
            "style": "function",
            "name": "half",
            "params": [{"name": "x", "type": "float"}, {"name": "n", "type": "int"}],
            "returns": "float",
        },
        "cases": [{"ordinal": 1, "args": [4.0, 2**63 - 1]}, {"ordinal": 2, "args": [1e-320, 0]}],
        "time_limit_ms": 1000,
        "language": "GO",
    }
    answered = run_harness(payload, JailLimits.for_cpu(5, memory_kb=128 * 1024)).answered()
    assert type(answered[1].output) is float and answered[1].output == 2.0  # type: ignore[union-attr]
    assert answered[2].output == 5e-321  # type: ignore[union-attr]
    cases = [CaseSpec(1, "sample", [2**63 - 1, 1], -(2**63))]
    assert run(CORRECT, cases=cases).verdict == "AC"


def test_node_types_exist_only_where_the_problem_uses_them() -> None:
    outcome = run(method("var p *ListNode\nreturn p.Val"))
    assert outcome.verdict == "CE" and outcome.message == "solution.go:2:9: undefined: ListNode"
    # So a problem without trees may have a TreeNode of the contestant's own.
    own = "type TreeNode struct {\n\tLeft, Right *TreeNode\n}\n\n" + method("return a + b + len([]TreeNode{})")
    assert run(own).verdict == "AC"


def test_nil_results_are_empty() -> None:
    for returns in ("List[int]", "ListNode", "TreeNode", "List[List[str]]"):
        signature = {"style": "function", "name": "nothing", "params": [], "returns": returns}
        source = f"func nothing() {go_type(parse_type(returns))} {{\n\treturn nil\n}}\n"
        assert run(source, signature=signature, cases=[CaseSpec(1, "sample", [], [])]).verdict == "AC", returns


def test_a_deep_tree_and_a_long_list_are_read_and_written_without_recursion() -> None:
    """A chain of 100,000 tree nodes (the driver's own code never recurses)."""
    deep: list[Any] = [1]
    for i in range(2, 100_001):
        deep += [None, i]
    signature = {
        "style": "class",
        "name": "echo",
        "params": [{"name": "root", "type": "TreeNode"}],
        "returns": "TreeNode",
    }
    source = "func echo(root *TreeNode) *TreeNode {\n\treturn root\n}\n"
    outcome = run(source, signature=signature, cases=[CaseSpec(1, "sample", [deep], deep)])
    assert outcome.verdict == "AC", outcome.message


def test_lists_of_linked_lists_and_building_nodes() -> None:
    signature = {
        "style": "class",
        "name": "mergeKLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}],
        "returns": "ListNode",
    }
    source = """import "sort"

func mergeKLists(lists []*ListNode) *ListNode {
	values := []int{}
	for _, list := range lists {
		for ; list != nil; list = list.Next {
			values = append(values, list.Val)
		}
	}
	sort.Ints(values)
	var head *ListNode
	for i := len(values) - 1; i >= 0; i-- {
		head = &ListNode{Val: values[i], Next: head}
	}
	return head
}
"""
    cases = [
        CaseSpec(1, "sample", [[[1, 4, 5], [1, 3, 4], [2, 6]]], [1, 1, 2, 3, 4, 4, 5, 6]),
        CaseSpec(2, "hidden", [[]], []),
        CaseSpec(3, "hidden", [[[], []]], []),
    ]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_building_a_tree() -> None:
    signature = {
        "style": "class",
        "name": "sortedToTree",
        "params": [{"name": "nums", "type": "List[int]"}],
        "returns": "TreeNode",
    }
    source = """func sortedToTree(nums []int) *TreeNode {
	if len(nums) == 0 {
		return nil
	}
	mid := len(nums) / 2
	return &TreeNode{Val: nums[mid], Left: sortedToTree(nums[:mid]), Right: sortedToTree(nums[mid+1:])}
}
"""
    cases = [CaseSpec(1, "sample", [[-10, -3, 0, 5, 9]], [0, -3, 9, -10, None, 5]), CaseSpec(2, "hidden", [[]], [])]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_non_finite_float_and_cyclic_list_are_unreadable() -> None:
    signature = {"style": "class", "name": "ratio", "params": [{"name": "a", "type": "float"}], "returns": "float"}
    source = "func ratio(a float64) float64 {\n\treturn a / (a - a)\n}\n"
    outcome = run(source, signature=signature, cases=[CaseSpec(1, "sample", [1.0], 1.0)])
    assert outcome.verdict == "WA" and "not finite" in outcome.message
    signature = {
        "style": "class",
        "name": "loop",
        "params": [{"name": "head", "type": "ListNode"}],
        "returns": "ListNode",
    }
    source = "func loop(head *ListNode) *ListNode {\n\thead.Next = head\n\treturn head\n}\n"
    outcome = run(source, signature=signature, cases=[CaseSpec(1, "sample", [[1]], [1])])
    assert outcome.verdict == "WA" and "cycle" in outcome.message


def test_invalid_utf8_in_a_string_is_replaced() -> None:
    signature = {"style": "function", "name": "bytes", "params": [], "returns": "str"}
    source = 'func bytes() string {\n\treturn "a\\xffb\\xc3"\n}\n'
    assert run(source, signature=signature, cases=[CaseSpec(1, "sample", [], "a\ufffdb\ufffd")]).verdict == "AC"


# --- verdicts ---------------------------------------------------------------------------------------
def test_correct_code_is_accepted_with_time_and_memory() -> None:
    outcome = run(CORRECT)
    assert outcome.verdict == "AC", outcome.message
    assert [c.verdict for c in outcome.cases] == ["AC", "AC", "AC"]
    assert 500 < outcome.memory_kb < 16 * 1024


def test_package_clause_imports_helpers_and_function_style() -> None:
    source = (
        'package main\n\nimport (\n\t"sort"\n\t"strings"\n)\n\nfunc max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n'
        "\treturn b\n}\n\nfunc addTwo(a int, b int) int {\n\tx := []int{b, a}\n\tsort.Ints(x)\n"
        '\treturn max(x[0], x[1]) + min(x) + len(strings.TrimSpace(" "))\n}\n\nfunc min(x []int) int {\n\treturn x[0]\n}\n'
    )
    assert run(source, signature={**ADD, "style": "function", "name": "addTwo"}).verdict == "AC"
    # Imports on the first line of a file without a package clause.
    assert run('import "math"\n' + method("return a + b + int(math.Abs(0))")).verdict == "AC"


def test_wrong_answer_on_a_sample_shows_input_expected_and_got() -> None:
    outcome = run(method("return a - b"))
    assert outcome.verdict == "WA"
    assert outcome.message == "Input: a = 1, b = 2\nExpected: 3\nGot: -1"


def test_wrong_answer_on_a_hidden_case_reveals_nothing() -> None:
    outcome = run(method("if a == 1 {\n\treturn 3\n}\nreturn 0"))
    assert outcome.verdict == "WA" and outcome.message == "Wrong answer on a hidden test."


def test_index_out_of_range_on_a_sample_shows_message_and_line() -> None:
    outcome = run(method("v := []int{a, b}\nreturn v[a+b]"))
    assert outcome.verdict == "RTE"
    assert outcome.message == "runtime error (line 3): index out of range [3] with length 2"


def test_runtime_error_on_a_hidden_case_shows_the_name_only() -> None:
    body = "if a == 1 {\n\treturn 3\n}\nv := []int{}\nreturn v[a]"
    assert run(method(body)).message == "runtime error on a hidden test."
    assert run(method(body), hidden_feedback="verdict").message == "Runtime error on a hidden test."
    body = 'if a == 1 {\n\treturn 3\n}\npanic(fmt.Sprintf("secret %d", a))'
    assert run(method(body, before='import "fmt"\n')).message == "panic on a hidden test."


def test_panics_nil_pointers_and_division_by_zero() -> None:
    assert run(method('panic(fmt.Sprint("custom ", a))', before='import "fmt"\n')).message == "panic (line 3): custom 1"
    assert (
        run(method('panic(errors.New("an error"))', before='import "errors"\n')).message == "panic (line 3): an error"
    )
    assert run(method("panic(struct{ X int }{a})")).message == "panic (line 2): {1}"
    assert run(method("panic(nil)")).message == "panic (line 2): panic(nil)"
    outcome = run(method("var m map[int]int\nm[a] = b\nreturn 0"))
    assert outcome.message == "runtime error (line 3): assignment to entry in nil map"
    outcome = run(method("var p *struct{ v int }\nreturn p.v + a"))
    assert outcome.message == "runtime error (line 3): invalid memory address or nil pointer dereference"
    outcome = run(method("return a / (b - 2)"))
    assert outcome.message == "runtime error (line 2): integer divide by zero"


def test_a_panic_does_not_end_the_run() -> None:
    """recover: the next case runs in the same process (a measurement runs every case)."""
    payload = {
        "source": method('if a == 1 {\n\tpanic("one")\n}\nreturn a + b'),
        "signature": ADD,
        "cases": [{"ordinal": c.ordinal, "args": c.args} for c in CASES],
        "time_limit_ms": 1000,
        "language": "GO",
    }
    answered = run_harness(payload, JailLimits.for_cpu(5, memory_kb=128 * 1024)).answered()
    assert answered[1].error == "panic" and answered[1].message == "one" and answered[1].line == 3  # type: ignore[union-attr]
    assert answered[2].output == 12 and answered[3].output == 0  # type: ignore[union-attr]


def test_infinite_loop_is_time_limit_exceeded() -> None:
    assert run(method("for {\n}")).verdict == "TLE"


def test_sleeping_is_time_limit_exceeded() -> None:
    outcome = run(method("time.Sleep(100 * time.Second)\nreturn a + b", before='import "time"\n'))
    assert outcome.verdict == "TLE" and "wall-clock" in outcome.message


def test_growing_a_slice_until_out_of_memory_is_memory_limit_exceeded() -> None:
    outcome = run(
        method("var v [][]byte\nfor {\n\tv = append(v, bytes.Repeat([]byte{1}, 1<<20))\n}", before='import "bytes"\n')
    )
    assert outcome.verdict == "MLE" and "128 MB" in outcome.message


def test_one_huge_allocation_is_memory_limit_exceeded() -> None:
    outcome = run(method("v := make([]byte, 1<<30)\nfor i := range v {\n\tv[i] = 7\n}\nreturn int(v[12345])"))
    assert outcome.verdict == "MLE" and "128 MB" in outcome.message


def test_an_allocation_beyond_the_address_space_is_memory_limit_exceeded_at_once() -> None:
    """The address-space limit refuses 64 TiB at once (without it the kernel spent seconds of CPU
    refusing it: a TLE); Go's fatal "out of memory" (exit code 2) is then MLE by the runtime's
    own words."""
    outcome = run(method("v := make([]byte, 1<<46)\nreturn int(v[12345])"))
    assert (outcome.verdict, outcome.message) == ("MLE", "Exceeded the memory limit of 128 MB.")
    assert outcome.cases[0].time_ms < 500
    outcome = run(method("v := make([]int, 1<<62)\nreturn v[0]"))
    assert outcome.message == "runtime error (line 2): makeslice: len out of range"


def test_deep_recursion_stops_at_the_stack_limit_and_is_a_runtime_error() -> None:
    """The driver caps goroutine stacks at the jail's stack limit (64 MB for 128 MB): Go's
    fatal "stack overflow", exit code 2, well inside the memory limit."""
    outcome = run(
        method(
            "return f(1 << 40)",
            before="func f(n int) int {\n\tif n == 0 {\n\t\treturn 0\n\t}\n\treturn f(n-1) + 1\n}\n",
        )
    )
    assert outcome.verdict == "RTE" and outcome.message == "The program exited (code 2) before all tests ran."
    assert outcome.memory_kb < 128 * 1024


def test_a_recursion_a_million_deep_is_fine() -> None:
    before = "func f(n int) int {\n\tif n == 0 {\n\t\treturn 0\n\t}\n\treturn f(n-1) + 1\n}\n"
    assert run(method("return f(1000000) - 1000000 + a + b", before=before)).verdict == "AC"


def test_compile_error_shows_solution_line_and_column_and_no_jail_path() -> None:
    outcome = run(method('var x int = "a"\nreturn x + undefinedName'))
    assert outcome.verdict == "CE"
    assert outcome.message.splitlines() == [
        'solution.go:2:14: cannot use "a" (untyped string constant) as int value in variable declaration',
        "solution.go:3:13: undefined: undefinedName",
    ]
    # Line 1 of a file without a package clause keeps its own columns.
    outcome = run("func add(a int, b int) int { return a + c }\n")
    assert outcome.message == "solution.go:1:41: undefined: c"
    assert "/box" not in outcome.message and "command-line-arguments" not in outcome.message


def test_unused_imports_and_variables_are_compile_errors_as_in_go() -> None:
    outcome = run('import "sort"\n' + CORRECT)
    assert outcome.verdict == "CE" and outcome.message == 'solution.go:1:8: imported and not used: "sort"'
    outcome = run(method("x := 1\nreturn a + b"))
    assert outcome.verdict == "CE" and outcome.message == "solution.go:2:2: x declared but not used"


def test_cgo_is_a_compile_error_that_says_so() -> None:
    """The go command leaves a cgo file out silently; the message says why the function is missing."""
    outcome = run('import "C"\n' + CORRECT)
    assert outcome.verdict == "CE"
    assert outcome.message.startswith('cgo (import "C") is not available: the judge builds Go without C')
    assert "a function add() is required" in outcome.message


def test_missing_entry_point_is_compile_error() -> None:
    outcome = run("func plus(a int, b int) int {\n\treturn a + b\n}\n")
    assert outcome.verdict == "CE"
    assert (
        outcome.message
        == "judge's driver: a function add() is required (a top-level func: Go has no Solution type here)"
    )
    outcome = run("type Solution struct{}\n\nfunc (Solution) add(a int, b int) int {\n\treturn a + b\n}\n")
    assert outcome.verdict == "CE" and "a function add() is required" in outcome.message


def test_wrong_parameter_or_return_types_are_compile_errors() -> None:
    outcome = run("func add(a int32, b int) int {\n\treturn int(a) + b\n}\n")
    assert (
        outcome.verdict == "CE"
        and outcome.message == "judge's driver: parameter 1 of add is int32, the problem gives int"
    )
    outcome = run("func add(a int, b int) int64 {\n\treturn int64(a + b)\n}\n")
    assert (
        outcome.verdict == "CE"
        and outcome.message == "judge's driver: add returns int64, the problem's return type is int"
    )


def test_the_build_is_cached() -> None:
    source = CORRECT + f"// {uuid.uuid4().hex}\n"
    first = build.build_program(GO, ADD, source)
    again = build.build_program(GO, ADD, source)
    assert first.ok and not first.cached and again.cached and again.box == first.box
    assert os.path.getsize(os.path.join(first.box, "main")) < 4 << 20


# --- hostile programs -------------------------------------------------------------------------------
ERRNO = 'import (\n\t"errors"\n\t"syscall"\n)\n\nfunc errno(err error) int {\n\tvar e syscall.Errno\n\tif errors.As(err, &e) {\n\t\treturn -int(e)\n\t}\n\treturn -1000\n}\n\n'
SYSCALL = 'import "syscall"\n\n'
# (id, source, verdict, words the message must contain)
HOSTILE: list[tuple[str, str, str, str]] = [
    # fork() by raw syscall works, up to the pids limit (the runtime's own threads count too);
    # the children pause until the jail dies.
    (
        "fork-by-syscall",
        method(
            "for {\n\tr, _, e := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)\n\tif e != 0 {\n\t\tbreak\n\t}\n"
            "\tif r == 0 {\n\t\tfor {\n\t\t\tsyscall.RawSyscall(syscall.SYS_PAUSE, 0, 0, 0)\n\t\t}\n\t}\n\tforks++\n}\n"
            "if forks < 1 || forks > 14 {\n\treturn -forks\n}\nreturn a + b",
            before=SYSCALL + "var forks int\n\n",
        ),
        "AC",
        "",
    ),
    (
        "unshare-by-syscall",
        method("syscall.RawSyscall(syscall.SYS_UNSHARE, syscall.CLONE_NEWUSER, 0, 0)\nreturn a + b", before=SYSCALL),
        "RTE",
        "forbidden system call",
    ),
    (
        "mount-by-syscall",
        method("syscall.Syscall6(syscall.SYS_MOUNT, 0, 0, 0, 0, 0, 0)\nreturn a + b", before=SYSCALL),
        "RTE",
        "forbidden system call",
    ),
    (
        "ptrace-by-syscall",
        method("syscall.RawSyscall(syscall.SYS_PTRACE, 0, 0, 0)\nreturn a + b", before=SYSCALL),
        "RTE",
        "forbidden system call",
    ),
    (
        "clone-new-user-namespace",
        method(
            "syscall.RawSyscall(syscall.SYS_CLONE, syscall.CLONE_NEWUSER|uintptr(syscall.SIGCHLD), 0, 0)\nreturn a + b",
            before=SYSCALL,
        ),
        "RTE",
        "forbidden system call",
    ),
    (
        "fork-exec-shell",
        method(
            '_, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "id"}, nil)\nreturn errno(err)', before=ERRNO
        ),
        "WA",
        "Got: -2",  # ENOENT
    ),
    (
        "os-exec",
        method('err := exec.Command("/box/main").Run()\npanic(err)', before='import "os/exec"\n'),
        "RTE",
        "open /dev/null: no such file or directory",
    ),
    (
        "goroutines-are-not-threads",
        method(
            "var wg sync.WaitGroup\nfor i := 0; i < 10000; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\ttime.Sleep(time.Millisecond)\n"
            "\t\twg.Done()\n\t}()\n}\nwg.Wait()\nreturn a + b",
            before='import (\n\t"sync"\n\t"time"\n)\n',
        ),
        "AC",
        "",
    ),
    (
        "goroutine-bomb",
        method("for {\n\tgo func() {\n\t\tselect {}\n\t}()\n}"),
        "MLE",
        "128 MB",
    ),
    (
        "thread-bomb",
        method(
            "for i := 0; i < 1000; i++ {\n\tgo func() {\n\t\truntime.LockOSThread()\n\t\ttime.Sleep(time.Hour)\n\t}()\n}\n"
            "time.Sleep(time.Second)\nreturn a + b",
            before='import (\n\t"runtime"\n\t"time"\n)\n',
        ),
        "RTE",
        "exited (code 2)",
    ),
    (
        "busy-goroutines-on-many-cores",
        method(
            "runtime.GOMAXPROCS(4)\nfor i := 0; i < 3; i++ {\n\tgo func() {\n\t\tfor {\n\t\t}\n\t}()\n}\nfor {\n}",
            before='import "runtime"\n',
        ),
        "TLE",
        "limit",  # CPU or, on a loaded host, wall clock
    ),
    ("memory-flood", method("v := []int{}\nfor {\n\tv = append(v, len(v))\n}"), "MLE", "128 MB"),
    (
        "memory-leak-no-gc",
        method(
            "debug.SetGCPercent(-1)\nfor {\n\tsink = make([]byte, 4096)\n\tsink[0] = 1\n}",
            before='import "runtime/debug"\n\nvar sink []byte\n\n',
        ),
        "MLE",
        "128 MB",
    ),
    (
        "output-flood",
        method('for {\n\tfmt.Println(strings.Repeat("x", 1000))\n}', before='import (\n\t"fmt"\n\t"strings"\n)\n'),
        "OLE",
        "output limit",
    ),
    (
        "stderr-flood",
        method(
            'for {\n\tos.Stderr.WriteString(strings.Repeat("x", 1000))\n}', before='import (\n\t"os"\n\t"strings"\n)\n'
        ),
        "OLE",
        "output limit",
    ),
    (
        "read-passwd",
        method(
            '_, err := os.ReadFile("/etc/passwd")\nreturn errno(err)',
            before=ERRNO.replace("import (", 'import (\n\t"os"'),
        ),
        "WA",
        "Got: -2",
    ),
    (
        "read-repository",
        method(
            f'_, err := os.ReadFile("{REPO / "manage.py"}")\nreturn errno(err)',
            before=ERRNO.replace("import (", 'import (\n\t"os"'),
        ),
        "WA",
        "Got: -2",
    ),
    (
        "list-root-and-environment",
        method(
            'entries, _ := os.ReadDir("/")\nnames := []string{}\nfor _, e := range entries {\n\tnames = append(names, e.Name())\n}\n'
            'if strings.Join(names, ",") != "box,lib,lib64,tmp,usr" || strings.Join(os.Environ(), ",") != "GOMAXPROCS=1,GOTRACEBACK=none" {\n'
            '\tpanic(strings.Join(names, ",") + " " + strings.Join(os.Environ(), ","))\n}\nreturn a + b',
            before='import (\n\t"os"\n\t"strings"\n)\n',
        ),
        "AC",
        "",
    ),
    (
        "network-loopback",
        method(
            '_, err := net.Dial("tcp", "127.0.0.1:5432")\nreturn errno(err)',
            before=ERRNO.replace("import (", 'import (\n\t"net"'),
        ),
        "WA",
        "Got: -101",  # ENETUNREACH: no interface at all
    ),
    (
        "write-box",
        method(
            'err := os.WriteFile("/box/main", []byte("x"), 0o755)\nif err == nil {\n\terr = os.WriteFile("/box/new", []byte("x"), 0o755)\n}\nreturn errno(err)',
            before=ERRNO.replace("import (", 'import (\n\t"os"'),
        ),
        "WA",
        "Got: -30",  # EROFS
    ),
    (
        "read-stdin",
        method(
            "buf := make([]byte, 100)\nn, err := os.Stdin.Read(buf)\nif n > 0 || err == nil {\n\treturn -1\n}\nreturn a + b",
            before='import "os"\n',
        ),
        "AC",
        "",
    ),
    (
        "read-stdin-before-the-driver",
        'import "os"\n\nvar stolen = func() int {\n\tbuf := make([]byte, 100)\n\tn, _ := os.Stdin.Read(buf)\n\treturn n\n}()\n\n'
        + method("return a + b + stolen"),
        "AC",
        "",
    ),
    (
        "forge-records",
        method(
            'for fd := 3; fd < 64; fd++ {\n\tsyscall.Write(fd, []byte(`{"event":"case","status":"ok","output":3}` + "\\n"))\n}\nreturn 0',
            before=SYSCALL,
        ),
        "WA",
        "",
    ),
    (
        "garbage-on-result-channel",
        method(
            'for fd := 3; fd < 64; fd++ {\n\tsyscall.Write(fd, []byte("\\x00garbage\\n"))\n}\nreturn a + b',
            before=SYSCALL,
        ),
        "RTE",
        "result channel",
    ),
    ("exit-early", method("os.Exit(0)\nreturn 0", before='import "os"\n'), "RTE", "before all tests"),
    (
        "exit-at-load",
        'import "os"\n\nfunc init() {\n\tos.Exit(0)\n}\n\n' + CORRECT,
        "CE",
        "stopped the judge while loading",
    ),
    (
        "panic-in-a-goroutine",
        method('go func() {\n\tpanic("away")\n}()\ntime.Sleep(time.Second)\nreturn a + b', before='import "time"\n'),
        "RTE",
        "exited (code 2)",
    ),
    (
        "kill-everything",
        method("syscall.Kill(-1, syscall.SIGKILL)\nreturn a + b", before=SYSCALL),
        "AC",
        "",
    ),
    (
        "background-process",
        method(
            "r, _, _ := syscall.RawSyscall(syscall.SYS_FORK, 0, 0, 0)\nif r == 0 {\n\tfor {\n\t\tsyscall.RawSyscall(syscall.SYS_PAUSE, 0, 0, 0)\n\t}\n}\nreturn a + b",
            before=SYSCALL,
        ),
        "AC",
        "",
    ),
    # At compile time: the go command reads files of the compile jail only.
    ("cgo", 'import "C"\n\n' + CORRECT, "CE", "a function add() is required"),
    (
        "embed-passwd",
        'import _ "embed"\n\n//go:embed /etc/passwd\nvar p string\n\n' + CORRECT,
        "CE",
        "invalid pattern syntax",
    ),
    (
        "embed-parent",
        'import _ "embed"\n\n//go:embed ../../etc\nvar p string\n\n' + CORRECT,
        "CE",
        "invalid pattern syntax",
    ),
    (
        "import-outside",
        'import "github.com/evil/pkg"\n\n' + method("return pkg.X"),
        "CE",
        'cannot find package "github.com/evil/pkg"',
    ),
    ("import-relative", 'import "../../etc"\n\n' + method("return etc.X"), "CE", "solution.go:1:8"),
    ("redeclare-main", CORRECT + "\nfunc main() {\n}\n", "CE", "main redeclared"),
    ("redeclare-driver", CORRECT + "\nfunc arena_send(fd int, b []byte) {\n}\n", "CE", "arena_send redeclared"),
]


@pytest.mark.parametrize(("source", "verdict", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_program(source: str, verdict: str, words: str) -> None:
    outcome = run(source)
    assert outcome.verdict == verdict, outcome.message
    assert words in outcome.message, outcome.message
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert run(CORRECT).verdict == "AC", "the next submission was affected"
