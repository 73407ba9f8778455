"""Java 17 through the real compile jail and the real nsjail: starter code, the driver's types,
verdicts, and hostile programs.

Every build goes to a fresh artefact directory of this module, so each run of the suite compiles
for real (javac takes about 0.6 s of CPU per program): the starters of the whole bank share one
build, and the programs of the type and hostile tables are built two at a time before their
first test.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from judge.boundary import CaseAnswer, CaseError
from judge.languages import get_language
from judge.languages.java import (
    DRIVER_CLASS,
    IMPORTS,
    JAVA,
    JAVAC,
    NODE_CLASSES,
    SOLUTION_FILE,
    Java,
    call_lines,
    driver_source,
    java_type,
    uses,
)
from judge.languages.types import Signature, parse_signature, parse_type
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, build, run_harness
from judge.sandbox.pool import WARM_POOL
from judge.sandbox.run import LOAD_CPU_MS
from tests.judge.languages.host import jail_user_processes

REPO = Path(__file__).resolve().parents[3]
JAVA17 = get_language("JAVA17")

pytestmark = pytest.mark.skipif(not (os.path.exists(JAVA) and os.path.exists(JAVAC)), reason="no OpenJDK 17")

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
CORRECT = "class Solution {\n    public long add(long a, long b) {\n        return a + b;\n    }\n}\n"
MEMORY_MB = 256  # every problem of the bank, and the heap when the runner does not say


@pytest.fixture(autouse=True, scope="module")
def fresh_artifacts() -> Iterator[Path]:
    """A build cache of this module's own: every build in it is compiled for real. Not under
    pytest's tmp_path, whose parents the jail user (uid 65534) cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="codearena-java-tests-"))
    folder.chmod(0o755)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(build, "ARTIFACT_DIR", folder)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def method(body: str, *, before: str = "", throws: bool = False) -> str:
    """``add`` with ``body``: its first line is line 3 of the file (after ``before``'s lines)."""
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    clause = " throws Exception" if throws else ""
    return f"{before}class Solution {{\n    public long add(long a, long b){clause} {{\n{lines}    }}\n}}\n"


def run(source: str, *, signature: dict[str, Any] = ADD, cases: list[CaseSpec] = CASES, **kwargs: Any) -> Any:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=cases,
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 1000),
        memory_limit_kb=kwargs.pop("memory_limit_kb", MEMORY_MB * 1024),
        hidden_feedback=kwargs.pop("hidden_feedback", "error-type"),
        language="JAVA17",
    )
    return judge_job(job)


def records(source: str, signature: dict[str, Any], args: list[list[Any]]) -> list[Any]:
    """Every case's record from the driver, as the worker validated it (no grading)."""
    job = {
        "source": source,
        "signature": signature,
        "cases": [{"ordinal": i, "args": a} for i, a in enumerate(args)],
        "time_limit_ms": 2000,
        "language": "JAVA17",
    }
    run = run_harness(job, JailLimits.for_cpu(30, memory_kb=(MEMORY_MB + JAVA17.extra_memory_mb) * 1024))
    assert run.loaded, run.load
    answered = run.answered()
    assert sorted(answered) == list(range(len(args))), run.steps
    return [answered[i] for i in range(len(args))]


def prebuild(builds: list[tuple[dict[str, Any], str]]) -> None:
    """Compile these two at a time, so that their tests find them in the cache."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        for built in pool.map(lambda pair: build.build_program(JAVA17, *pair), builds):
            assert built.ok, built.message


# --- the language ---------------------------------------------------------------------------------
def test_registered_with_its_names() -> None:
    assert isinstance(JAVA17, Java)
    assert JAVA17.name == "Java 17" and JAVA17.extension == "java" and JAVA17.editor_mode == "text/x-java"
    assert set(JAVA17.aliases) == {"java", "java17", "java 17"} and JAVA17.comment == "//"
    assert JAVA17.compiled and JAVA17.meters == ("cpu",) and not JAVA17.harness
    assert {"ArithmeticException", "NullPointerException", "StackOverflowError", "OutOfMemoryError"} <= set(
        JAVA17.builtin_errors
    )
    assert {"ArrayIndexOutOfBoundsException", "NoSuchElementException", "ConcurrentModificationException"} <= set(
        JAVA17.builtin_errors
    )
    assert JAVA17.extra_memory_mb > 0 and JAVA17.load_allowance_ms > 0


def test_type_mapping() -> None:
    expected = {
        "int": "long",
        "float": "double",
        "bool": "boolean",
        "str": "String",
        "List[int]": "long[]",
        "List[float]": "double[]",
        "List[bool]": "boolean[]",
        "List[str]": "String[]",
        "List[List[int]]": "long[][]",
        "List[List[str]]": "String[][]",
        "List[List[List[int]]]": "long[][][]",
        "ListNode": "ListNode",
        "TreeNode": "TreeNode",
        "List[ListNode]": "ListNode[]",
    }
    assert {name: java_type(parse_type(name)) for name in expected} == expected


def test_starter_code_of_both_styles() -> None:
    signature = {
        "style": "class",
        "name": "mergeLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}, {"name": "new", "type": "bool"}],
        "returns": "ListNode",
    }
    starter = JAVA17.starter(signature)
    assert "class Solution {\n    public ListNode mergeLists(ListNode[] lists, boolean new_) {" in starter
    assert "return null;" in starter and "// class ListNode {" in starter and "TreeNode" not in starter
    function = JAVA17.starter({**ADD, "style": "function"})
    assert "public static long add(long a, long b) {\n        return 0;" in function
    assert "static method" in function
    tree = JAVA17.starter(
        {"name": "levels", "params": [{"name": "root", "type": "TreeNode"}], "returns": "List[List[int]]"}
    )
    assert "public long[][] levels(TreeNode root) {" in tree and "return new long[0][];" in tree
    assert "TreeNode left, right;" in tree


def test_reserved_words_cannot_be_an_entry_point() -> None:
    assert "reserved in Java" in (JAVA17.unsupported({**ADD, "name": "default"}) or "")
    assert "reserved in Java" in (JAVA17.unsupported({**ADD, "name": "wait"}) or "")
    assert JAVA17.unsupported({**ADD, "name": "count"}) is None
    assert "outside Python" in (JAVA17.unsupported({**ADD, "returns": "Dict[str, int]"}) or "")


def test_files_put_the_imports_on_the_contestant_s_first_line() -> None:
    files = JAVA17.files(ADD, CORRECT)
    assert files[SOLUTION_FILE] == IMPORTS + CORRECT
    assert "\n" not in IMPORTS
    assert set(files) == {SOLUTION_FILE, f"{DRIVER_CLASS}.java"}, "no node classes the signature does not use"
    tree = {"name": "f", "params": [{"name": "root", "type": "TreeNode"}], "returns": "ListNode"}
    assert set(JAVA17.files(tree, "")) == {SOLUTION_FILE, "ListNode.java", "TreeNode.java", f"{DRIVER_CLASS}.java"}


def test_compiler_messages_lose_the_imports_notes_and_paths() -> None:
    raw = (
        "/box/Solution.java:1: error: cannot find symbol\n"
        f"{IMPORTS}class Solution {{ long f() {{ return c; }} }}\n"
        + " "
        * (len(IMPORTS) + 34)
        + "^\n  symbol:   variable c\n  location: class Solution\n"
        "Note: Solution.java uses unchecked or unsafe operations.\n1 error\n"
    )
    assert JAVA17.clean_message(raw) == (
        "Solution.java:1: error: cannot find symbol\nclass Solution { long f() { return c; } }\n"
        + " " * 34
        + "^\n  symbol:   variable c\n  location: class Solution\n1 error"
    )
    crash = "The system is out of resources.\nConsult the following stack trace for details.\n"
    crash += "java.lang.StackOverflowError\n" + "\tat jdk.compiler/com.sun.tools.javac.Foo.bar(Foo.java:1)\n" * 500
    assert JAVA17.clean_message(crash) == "The system is out of resources.\njava.lang.StackOverflowError"
    assert JAVA17.clean_message(crash + "\tat jdk.comp") == JAVA17.clean_message(crash), "a trace cut short"
    tabs = "Solution.java:3: error: cannot find symbol\n\t\treturn a + c;\n\t\t           ^\n1 error\n"
    assert JAVA17.clean_message(tabs) == tabs.strip(), "a source line indented with tabs is kept"


# --- starter code -----------------------------------------------------------------------------------
def bank_signatures() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((REPO / "fixtures" / "problems").glob("*/problem.toml")):
        signature = tomllib.loads(path.read_text())["signature"]
        if JAVA17.unsupported(signature) is None:
            found.append((path.parent.name, signature))
    return found


class ManyEntryPoints(Java):
    """Every signature's starter in one build: each as its own class Solution<i> in Solution.java,
    and the driver that files() writes for one signature with the calls of all (the readers and
    writers of every type, the call of each entry point as files() writes it). One compile
    instead of sixty."""

    def __init__(self, signatures: list[Signature]) -> None:
        self.signatures = signatures

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        starters, calls = [], ["long which = in.integer();"]
        for index, sig in enumerate(self.signatures):
            starter = self.starter_code(sig)
            assert starter.count("class Solution {") == 1
            starters.append(starter.replace("class Solution {", f"class Solution{index} {{"))
            calls += [f"if (which == {index}) {{", *call_lines(sig, solution=f"Solution{index}"), "}"]
        files = {SOLUTION_FILE: IMPORTS + "\n".join(starters)}
        for kind, text in NODE_CLASSES.items():
            if any(uses(sig, kind) for sig in self.signatures):
                files[f"{kind}.java"] = text
        files[f"{DRIVER_CLASS}.java"] = driver_source(self.signatures, calls)
        return files


def test_the_starter_of_every_bank_problem_compiles() -> None:
    """All of them (60 problems), plus the function style, a deeper list and reserved words as
    parameter names, in one build."""
    bank = bank_signatures()
    assert len(bank) == len(list((REPO / "fixtures" / "problems").glob("*/problem.toml"))) >= 60
    extra = [
        {"style": "function", "name": "noop", "params": [], "returns": "int"},
        {"style": "function", "name": "cube", "params": [{"name": "grid", "type": "List[List[List[int]]]"}],
         "returns": "List[List[List[str]]]"},
        {"style": "class", "name": "pick", "params": [{"name": "class", "type": "List[str]"},
         {"name": "new", "type": "List[ListNode]"}, {"name": "int", "type": "List[bool]"}], "returns": "float"},
    ]  # fmt: skip
    signatures = [parse_signature(s) for _, s in bank] + [parse_signature(s) for s in extra]
    built = build.build_program(ManyEntryPoints(signatures), ADD, "")
    assert built.ok, built.message


def test_a_starter_runs_and_answers_its_default() -> None:
    outcome = run(JAVA17.starter(ADD))
    assert outcome.verdict == "WA" and "Got: 0" in outcome.message, outcome.message
    function = {**ADD, "style": "function"}
    assert run(JAVA17.starter(function), signature=function).verdict == "WA"


# --- the driver's types ----------------------------------------------------------------------------
STRINGS = [
    "",
    "hello",
    'say "hi" \\ back\\slash',
    "line\nbreak\ttab\rreturn\x00nul\x01\x1f\x7f",
    "héllo wörld ñ",
    "日本語のテキスト",
    "emoji 😀 and 𝄞",
    "  spaced  ",
    " ",
    "n",
    "1 2 3",
    "\u2028\u2029",
    "\ud800 lone",
]
FLOATS = [0.0, -0.0, 1.5, -2.25, 0.1, 1 / 3, 1e10, 1e22, 1e23, 1e-7, 1e300, -2.5e-300, 5e-324, 1.7976931348623157e308]
ROUND_TRIPS: list[tuple[str, list[Any]]] = [
    ("int", [0, -1, 1, 2**63 - 1, -(2**63), 123456789012345]),
    ("float", FLOATS),
    ("bool", [True, False]),
    ("str", STRINGS),
    # A 2 MB answer, then small ones: the driver's buffer grows, and is let go after the case.
    ("List[int]", [[], [1, -2, 3], list(range(-150_000, 150_000)), [2**63 - 1, -(2**63)]]),
    ("List[float]", [[], FLOATS]),
    ("List[bool]", [[], [True, False, True]]),
    ("List[str]", [[], STRINGS]),
    ("List[List[int]]", [[], [[]], [[1, 2], [], [3]]]),
    ("List[List[str]]", [[], [["a", "b c"], [], ["\n", "é"]]]),
    ("List[List[List[int]]]", [[[[1], []], [[2, 3]]]]),
    ("ListNode", [[], [1], [3, -1, 2**62], list(range(100_000))]),
    ("TreeNode", [[], [1], [1, None, 2, 3], [3, 9, 20, None, None, 15, 7], [1, 2, None, 3, None, 4], [0, -5, 5]]),
]


def echo(type_name: str) -> tuple[dict[str, Any], str]:
    signature = {
        "style": "class",
        "name": "echo",
        "params": [{"name": "value", "type": type_name}],
        "returns": type_name,
    }
    jt = java_type(parse_type(type_name))
    return signature, f"class Solution {{\n    public {jt} echo({jt} value) {{\n        return value;\n    }}\n}}\n"


@pytest.fixture(scope="module")
def echoes() -> None:
    prebuild([echo(type_name) for type_name, _ in ROUND_TRIPS])


@pytest.mark.parametrize(("type_name", "values"), ROUND_TRIPS, ids=[t for t, _ in ROUND_TRIPS])
def test_identity_round_trip(echoes: None, type_name: str, values: list[Any]) -> None:
    """What goes in comes back exactly: the same JSON (ints stay ints, -0.0 and the last bit of
    every float kept, every string byte for byte, lone surrogates included)."""
    signature, source = echo(type_name)
    for value, record in zip(values, records(source, signature, [[v] for v in values])):
        assert isinstance(record, CaseAnswer), record
        assert json.dumps(record.output) == json.dumps(value)


def test_a_tree_given_with_trailing_nulls_comes_back_trimmed(echoes: None) -> None:
    signature, source = echo("TreeNode")
    got = records(source, signature, [[[1, None, 2, None, None]], [[None]], [[1, 2, 3, None, None, None, None]]])
    assert [r.output for r in got] == [[1, None, 2], [], [1, 2, 3]]


def test_a_deep_tree_and_a_long_list_are_read_and_written_without_recursion(echoes: None) -> None:
    deep = [1]
    for i in range(2, 100_001):
        deep += [None, i]
    signature, source = echo("TreeNode")
    assert records(source, signature, [[deep]])[0].output == deep


def test_lists_of_linked_lists_and_nodes_built_by_the_program() -> None:
    signature = {
        "style": "class",
        "name": "mergeLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}],
        "returns": "ListNode",
    }
    source = """class Solution {
    public ListNode mergeLists(ListNode[] lists) {
        PriorityQueue<Long> heap = new PriorityQueue<>();
        for (ListNode node : lists) {
            for (; node != null; node = node.next) heap.add(node.val);
        }
        ListNode dummy = new ListNode(), tail = dummy;
        while (!heap.isEmpty()) tail = tail.next = new ListNode(heap.poll());
        return dummy.next;
    }
}
"""
    cases = [
        CaseSpec(1, "sample", [[[1, 4, 5], [1, 3, 4], [2, 6]]], [1, 1, 2, 3, 4, 4, 5, 6]),
        CaseSpec(2, "hidden", [[]], []),
        CaseSpec(3, "hidden", [[[], []]], []),
    ]
    outcome = run(source, signature=signature, cases=cases)
    assert outcome.verdict == "AC", outcome.message


def test_building_a_tree() -> None:
    signature = {"style": "class", "name": "sortedToTree", "params": [{"name": "nums", "type": "List[int]"}],
                 "returns": "TreeNode"}  # fmt: skip
    source = """class Solution {
    public TreeNode sortedToTree(long[] nums) {
        return build(nums, 0, nums.length);
    }
    private TreeNode build(long[] nums, int lo, int hi) {
        if (lo == hi) return null;
        int mid = (lo + hi) / 2;
        return new TreeNode(nums[mid], build(nums, lo, mid), build(nums, mid + 1, hi));
    }
}
"""
    cases = [CaseSpec(1, "sample", [[-10, -3, 0, 5, 9]], [0, -3, 9, -10, None, 5]), CaseSpec(2, "hidden", [[]], [])]
    outcome = run(source, signature=signature, cases=cases)
    assert outcome.verdict == "AC", outcome.message


LISTS = {"style": "class", "name": "groups", "params": [{"name": "n", "type": "int"}], "returns": "List[List[int]]"}
GROUP_CASES = [CaseSpec(1, "sample", [2], [[0], [0, 1]]), CaseSpec(2, "hidden", [0], [])]


@pytest.mark.parametrize(
    "body",
    [
        "long[][] out = new long[(int) n][];\nfor (int i = 0; i < n; i++) {\n    out[i] = new long[i + 1];\n"
        "    for (int j = 0; j <= i; j++) out[i][j] = j;\n}\nreturn out;",
        "List<List<Integer>> out = new ArrayList<>();\nfor (int i = 0; i < n; i++) {\n"
        "    List<Integer> row = new ArrayList<>();\n    for (int j = 0; j <= i; j++) row.add(j);\n"
        "    out.add(row);\n}\nreturn out;",
        "List<int[]> out = new LinkedList<>();\nfor (int i = 0; i < n; i++) out.add(IntStream.rangeClosed(0, i).toArray());\n"
        "return out;",
        "return LongStream.range(0, n).mapToObj(i -> LongStream.rangeClosed(0, i).boxed().collect(Collectors.toList()))"
        ".toArray();",
    ],
    ids=["long[][]", "List<List<Integer>>", "List<int[]>", "Object[]"],
)
def test_a_list_may_be_returned_as_any_array_or_collection(body: str) -> None:
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    source = f"class Solution {{\n    public Object groups(long n) {{\n{lines}    }}\n}}\n"
    outcome = run(source, signature=LISTS, cases=GROUP_CASES)
    assert outcome.verdict == "AC", outcome.message


def test_a_null_list_is_null_and_a_null_node_is_empty() -> None:
    source = "class Solution {\n    public long[][] groups(long n) {\n        return null;\n    }\n}\n"
    outcome = run(source, signature=LISTS, cases=GROUP_CASES)
    assert outcome.verdict == "WA" and "Got: null" in outcome.message, outcome.message
    nodes = {"style": "class", "name": "drop", "params": [{"name": "head", "type": "ListNode"}], "returns": "ListNode"}
    source = "class Solution {\n    public ListNode drop(ListNode head) {\n        return null;\n    }\n}\n"
    assert run(source, signature=nodes, cases=[CaseSpec(1, "sample", [[1, 2]], [])]).verdict == "AC"


def test_a_narrower_scalar_return_is_widened() -> None:
    source = "class Solution {\n    public int add(long a, long b) {\n        return (int) (a + b);\n    }\n}\n"
    assert run(source).verdict == "AC"


def test_values_without_json_are_unreadable_answers() -> None:
    ratio = {"style": "class", "name": "ratio", "params": [{"name": "a", "type": "float"}], "returns": "float"}
    source = "class Solution {\n    public double ratio(double a) {\n        return a / 0.0;\n    }\n}\n"
    outcome = run(source, signature=ratio, cases=[CaseSpec(1, "sample", [1.0], 1.0)])
    assert outcome.verdict == "WA" and "not finite" in outcome.message, outcome.message
    loop = {"style": "class", "name": "loop", "params": [{"name": "head", "type": "ListNode"}], "returns": "ListNode"}
    source = "class Solution {\n    public ListNode loop(ListNode head) {\n        head.next = head;\n        return head;\n    }\n}\n"
    outcome = run(source, signature=loop, cases=[CaseSpec(1, "sample", [[1]], [1])])
    assert outcome.verdict == "WA" and "cycle" in outcome.message, outcome.message
    source = (
        "class Solution {\n    public Object groups(long n) {\n        return new HashMap<Long, Long>();\n    }\n}\n"
    )
    outcome = run(source, signature=LISTS, cases=GROUP_CASES)
    assert outcome.verdict == "WA" and "HashMap" in outcome.message, outcome.message


def test_an_exception_answers_its_case_and_the_run_goes_on() -> None:
    source = "class Solution {\n    public long add(long a, long b) {\n        return b / a;\n    }\n}\n"
    first, second, third = records(source, ADD, [[1, 2], [0, 2], [2, 4]])
    assert isinstance(first, CaseAnswer) and first.output == 2
    assert isinstance(second, CaseError) and (second.error, second.line) == ("ArithmeticException", 3)
    assert second.message == "/ by zero"
    assert isinstance(third, CaseAnswer) and third.output == 2


def test_a_new_solution_per_case_and_statics_that_persist() -> None:
    source = method("calls++;\ncount++;\nreturn calls * 100 + count;", before="").replace(
        "class Solution {\n", "class Solution {\n    static long calls;\n    long count;\n"
    )
    got = records(source, ADD, [[0, 0], [0, 0], [0, 0]])
    assert [r.output for r in got] == [101, 201, 301]


# --- verdicts ---------------------------------------------------------------------------------------
def test_correct_code_is_accepted_with_time_and_memory() -> None:
    outcome = run(CORRECT)
    assert outcome.verdict == "AC", outcome.message
    assert [c.verdict for c in outcome.cases] == ["AC", "AC", "AC"]
    assert 1000 < outcome.memory_kb < JAVA17.extra_memory_mb * 1024


def test_function_style_calls_a_static_method() -> None:
    function = {**ADD, "style": "function"}
    source = CORRECT.replace("public long", "public static long")
    assert run(source, signature=function).verdict == "AC"
    assert run(CORRECT, signature=function).verdict == "AC", "an instance method works too"


def test_own_imports_classes_and_helpers() -> None:
    source = (
        "import java.util.concurrent.ConcurrentHashMap;\nimport java.util.*;\n"
        "record Pair(long x, long y) {}\nclass Solution {\n"
        "    private final Map<Long, Long> memo = new ConcurrentHashMap<>();\n"
        "    public long add(long a, long b) {\n"
        "        Pair p = new Pair(a, b);\n"
        "        return Stream.of(p.x(), p.y()).mapToLong(Long::longValue).sum() + memo.size();\n"
        "    }\n}\n"
    )
    assert run(source).verdict == "AC"


def test_printing_is_not_answering() -> None:
    printed = method('System.out.println("{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":3}");\nreturn 0;')
    outcome = run(printed)
    assert outcome.verdict == "WA" and "Got: 0" in outcome.message, outcome.message
    noisy = method('System.out.println("debug " + a);\nSystem.err.println("more");\nreturn a + b;')
    assert run(noisy).verdict == "AC"


def test_wrong_answer_on_a_sample_shows_input_expected_and_got() -> None:
    outcome = run(method("return a - b;"))
    assert outcome.verdict == "WA"
    assert outcome.message == "Input: a = 1, b = 2\nExpected: 3\nGot: -1"


def test_wrong_answer_on_a_hidden_case_reveals_nothing() -> None:
    outcome = run(method("return a == 1 ? 3 : 0;"))
    assert (outcome.verdict, outcome.message) == ("WA", "Wrong answer on a hidden test.")


def test_exception_on_a_sample_shows_name_line_and_message() -> None:
    outcome = run(method('if (a > 0) {\n    throw new IllegalArgumentException("bad input " + a);\n}\nreturn 0;'))
    assert outcome.verdict == "RTE"
    assert outcome.message == "IllegalArgumentException (line 4): bad input 1"


def test_null_pointer_messages_name_the_variable() -> None:
    outcome = run(method('String s = a > 0 ? null : "x";\nreturn s.length();'))
    assert outcome.verdict == "RTE"
    assert outcome.message.startswith("NullPointerException (line 4): ") and '"s" is null' in outcome.message


def test_exception_on_a_hidden_case_shows_only_a_builtin_name() -> None:
    outcome = run(method("int[] x = new int[3];\nreturn a == 5 ? x[(int) a] : a + b;"))
    assert (outcome.verdict, outcome.message) == ("RTE", "ArrayIndexOutOfBoundsException on a hidden test.")
    own = method("if (a == 5) throw new Leak();\nreturn a + b;", before="class Leak extends RuntimeException {}\n")
    assert run(own).message == "An exception on a hidden test.", "a class of the program's own is not named"
    quiet = run(method("return a == 5 ? a / (b - b) : a + b;"), hidden_feedback="verdict")
    assert (quiet.verdict, quiet.message) == ("RTE", "Runtime error on a hidden test.")


def test_infinite_loop_is_time_limit_exceeded() -> None:
    outcome = run(method("while (true) {\n}"))
    assert outcome.verdict == "TLE", outcome.message


def test_sleeping_is_time_limit_exceeded() -> None:
    outcome = run(method("Thread.sleep(100_000);\nreturn 0;", throws=True))
    assert outcome.verdict == "TLE" and "wall-clock" in outcome.message, outcome.message


def test_growing_the_heap_until_it_is_full_is_memory_limit_exceeded() -> None:
    outcome = run(method("List<long[]> keep = new ArrayList<>();\nwhile (true) keep.add(new long[1 << 16]);"))
    assert (outcome.verdict, outcome.message) == ("MLE", "Exceeded the memory limit of 256 MB.")


def test_one_huge_array_is_memory_limit_exceeded() -> None:
    outcome = run(method("long[] x = new long[Integer.MAX_VALUE - 8];\nreturn x.length;"))
    assert outcome.verdict == "MLE", outcome.message


def test_a_heap_kept_full_from_a_static_field_is_still_memory_limit_exceeded() -> None:
    """No allocation on the driver's error path: the record still goes out."""
    source = method("while (true) keep.add(new long[1 << 16]);").replace(
        "class Solution {\n", "class Solution {\n    static List<long[]> keep = new ArrayList<>();\n"
    )
    assert run(source).verdict == "MLE"


def test_a_nearly_full_heap_fits_the_memory_allowance() -> None:
    """200 MB of live arrays in a 256 MB problem: the JVM's own memory is the language's allowance."""
    outcome = run(
        method(
            "List<long[]> keep = new ArrayList<>();\nfor (int i = 0; i < 200; i++) keep.add(new long[1 << 17]);\nreturn a + b + keep.size() - 200;"
        )
    )
    assert outcome.verdict == "AC", outcome.message
    assert 200 * 1024 < outcome.memory_kb < (MEMORY_MB + JAVA17.extra_memory_mb) * 1024


def test_deep_recursion_works() -> None:
    source = method("return depth(100_000) - 100_000 + a + b;").replace(
        "class Solution {\n",
        "class Solution {\n    long depth(long n) {\n        return n == 0 ? 0 : 1 + depth(n - 1);\n    }\n",
    )
    assert run(source).verdict == "AC"


def test_endless_recursion_is_a_stack_overflow_runtime_error() -> None:
    outcome = run(method("return add(a, b) + 1;"))
    assert outcome.verdict == "RTE"
    assert outcome.message.startswith("StackOverflowError (line 3)"), outcome.message
    assert max(c.memory_kb for c in outcome.cases) < MEMORY_MB * 1024


def test_compile_error_shows_solution_line_and_no_jail_path() -> None:
    outcome = run("class Solution {\n    public long add(long a, long b) {\n        return a + c;\n    }\n}\n")
    assert outcome.verdict == "CE"
    assert outcome.message.startswith("Solution.java:3: error: cannot find symbol\n        return a + c;\n"), (
        outcome.message
    )
    assert "/box" not in outcome.message and "import java" not in outcome.message
    one_line = "class Solution { public long add(long a, long b) { return a + c; } }"
    first_line = run(one_line)
    assert "Solution.java:1: error" in first_line.message
    assert f"\n{one_line}\n" in first_line.message
    assert "\n" + " " * one_line.index("c;") + "^\n" in first_line.message, "the caret under the contestant's column"


def test_missing_entry_point_is_compile_error() -> None:
    outcome = run(CORRECT.replace("add(", "plus("))
    assert outcome.verdict == "CE"
    assert "cannot find symbol" in outcome.message and "method add(long,long)" in outcome.message


def test_wrong_parameter_types_are_compile_error() -> None:
    outcome = run(CORRECT.replace("long a, long b", "int a, int b"))
    assert outcome.verdict == "CE" and "incompatible types" in outcome.message, outcome.message


def test_an_empty_program_and_a_package_are_compile_errors() -> None:
    assert run("").verdict == "CE"
    outcome = run("package mine;\n" + CORRECT)
    assert outcome.verdict == "CE" and "Solution.java:1: error" in outcome.message


def test_the_build_is_cached() -> None:
    source = CORRECT + f"// {uuid.uuid4().hex}\n"
    first = build.build_program(JAVA17, ADD, source)
    again = build.build_program(JAVA17, ADD, source)
    assert first.ok and not first.cached and first.compile_ms > 0
    assert again.ok and again.cached and again.box == first.box
    assert {f"{DRIVER_CLASS}.class", "Solution.class"} <= set(os.listdir(first.box))
    broken = build.build_program(JAVA17, ADD, source + "}")
    again_broken = build.build_program(JAVA17, ADD, source + "}")
    assert not broken.ok and not broken.cached and "Solution.java" in broken.message
    assert again_broken.cached and again_broken.message == broken.message, "compile errors are cached too"


def test_the_jvm_starts_light() -> None:
    """Start-up and a trivial run stay far inside the load step and the memory allowance."""
    cases = [{"ordinal": i, "args": [i, i]} for i in range(10)]
    job = {"source": CORRECT, "signature": ADD, "cases": cases, "time_limit_ms": 1000, "language": "JAVA17"}
    run = run_harness(job, JailLimits.for_cpu(20, memory_kb=(MEMORY_MB + JAVA17.extra_memory_mb) * 1024))
    assert run.loaded and [step.record for _, step in run.steps] == [CaseAnswer(2 * i) for i in range(10)]
    assert run.load is not None and run.load.cpu_ms < LOAD_CPU_MS
    assert run.end.max_rss_kb < JAVA17.extra_memory_mb * 1024


def test_compile_time_bombs_are_compile_errors() -> None:
    deep = "class Solution { public long add(long a, long b) { return " + "+".join(["a"] * 20_000) + "; } }"
    outcome = run(deep)
    assert outcome.verdict == "CE" and "StackOverflowError" in outcome.message, outcome.message
    assert "\tat " not in outcome.message and len(outcome.message) < 200
    huge = "class Solution { static long[] t = {" + ",".join(["1"] * 100_000) + "}; " + CORRECT[16:]
    outcome = run(huge)
    assert outcome.verdict == "CE" and "code too large" in outcome.message, outcome.message


# --- hostile programs -------------------------------------------------------------------------------
UNSAFE = (
    'java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");\n'
    "f.setAccessible(true);\nsun.misc.Unsafe u = (sun.misc.Unsafe) f.get(null);\n"
)
CHILD_JVM = '"/usr/lib/jvm/java-17-openjdk-amd64/bin/java"'
# (id, body of add(), verdict, words the message must contain)
HOSTILE: list[tuple[str, str, str, str]] = [
    (
        "process-builder",
        'Process p = new ProcessBuilder("/bin/sh", "-c", "echo hi").start();\nreturn p.waitFor();',
        "RTE",
        'IOException (line 3): Cannot run program "/bin/sh": error=2, No such file or directory',
    ),
    (
        "runtime-exec",
        'Runtime.getRuntime().exec(new String[] {"/usr/bin/id"});\nreturn a + b;',
        "RTE",
        "IOException",
    ),
    # The JVM itself can be started again: inside the jail's pids and memory limits, and killed
    # with the jail (a child left waiting on its stdin does not outlive the run).
    (
        "child-jvm-left-behind",
        'if (System.getProperty("started") == null) {\n    System.setProperty("started", "once");\n'
        '    System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");\n'
        f'    new ProcessBuilder({CHILD_JVM}, "-cp", "/box", "{DRIVER_CLASS}").start();\n}}\nreturn a + b;',
        "AC",
        "All 3 tests passed.",
    ),
    (
        "thread-bomb",
        "while (true) {\n    Thread t = new Thread(() -> {\n        try { Thread.sleep(600_000); }"
        " catch (InterruptedException e) { }\n    });\n    t.start();\n}",
        "RTE",
        "OutOfMemoryError (line 7): unable to create native thread",
    ),
    (
        "busy-threads",
        "for (int i = 0; i < 3; i++) {\n    Thread t = new Thread(() -> { while (true) { } });\n"
        "    t.setDaemon(true);\n    t.start();\n}\nwhile (true) { }",
        "TLE",
        "",
    ),
    (
        "threads-left-running",
        "new Thread(() -> {\n    try { Thread.sleep(600_000); } catch (InterruptedException e) { }\n}).start();\n"
        "return a + b;",
        "AC",
        "All 3 tests passed.",
    ),
    (
        "shutdown-hook",
        "Runtime.getRuntime().addShutdownHook(new Thread(() -> { while (true) { } }));\nreturn a + b;",
        "AC",
        "All 3 tests passed.",
    ),
    (
        "jdk-internals",
        'java.lang.reflect.Field f = String.class.getDeclaredField("value");\nf.setAccessible(true);\nreturn a + b;',
        "RTE",
        "InaccessibleObjectException (line 4): Unable to make field private final byte[] java.lang.String.value",
    ),
    ("unsafe-write", UNSAFE + "u.putLong(8L, 42L);\nreturn a + b;", "RTE", "before all tests ran"),
    (
        "unsafe-native-memory",
        UNSAFE + "while (true) u.setMemory(u.allocateMemory(1 << 20), 1 << 20, (byte) 1);",
        "MLE",
        "256 MB",
    ),
    (
        "direct-buffers",
        "List<java.nio.ByteBuffer> keep = new ArrayList<>();\nwhile (true) keep.add(java.nio.ByteBuffer.allocateDirect(1 << 20));",
        "MLE",
        "256 MB",
    ),
    (
        "memory-flood",
        'List<String> keep = new ArrayList<>();\nwhile (true) keep.add("x".repeat(1 << 20));',
        "MLE",
        "256 MB",
    ),
    ("output-flood", 'while (true) System.out.println("flood flood flood flood flood flood");', "OLE", "1024 KB"),
    (
        "tmp-flood",
        'java.io.OutputStream o = new java.io.FileOutputStream("/tmp/fill");\nbyte[] chunk = new byte[1 << 20];\n'
        "while (true) o.write(chunk);",
        "RTE",
        "IOException (line 5): File too large",
    ),
    (
        "read-passwd",
        'return java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/etc/passwd")).size();',
        "RTE",
        "NoSuchFileException (line 3): /etc/passwd",
    ),
    (
        "other-builds-invisible",
        'return new java.io.File("ARTIFACTS").exists() || new java.io.File("REPO").exists() ? -1 : a + b;',
        "AC",
        "All 3 tests passed.",
    ),
    (
        "procfs-and-stdin",
        'return new java.io.File("/proc/self").exists() ? -1 : System.in.read() + 1 + a + b;',
        "AC",
        "All 3 tests passed.",
    ),
    (
        "socket",
        'new java.net.Socket("127.0.0.1", 5432);\nreturn a + b;',
        "RTE",
        "SocketException (line 3): Network is unreachable",
    ),
    (
        "write-box",
        'new java.io.FileOutputStream("/box/Solution.class").write(0);\nreturn a + b;',
        "RTE",
        "FileNotFoundException (line 3): /box/Solution.class (Read-only file system)",
    ),
    ("exit", "System.exit(0);\nreturn a + b;", "RTE", "The program exited (code 0) before all tests ran."),
    # Writing to every descriptor reaches the result pipe too: what arrives there is checked at
    # the boundary like any record, and garbage is the program's runtime error.
    (
        "garbage-on-every-descriptor",
        'java.lang.reflect.Field f = java.io.FileDescriptor.class.getDeclaredField("fd");\n'
        "f.setAccessible(true);\nfor (int fd = 3; fd < 64; fd++) {\n"
        "    java.io.FileDescriptor d = new java.io.FileDescriptor();\n    f.setInt(d, fd);\n"
        '    try { new java.io.FileOutputStream(d).write("not json\\n".getBytes()); }\n'
        "    catch (java.io.IOException e) { }\n}\nreturn a + b;",
        "RTE",
        "interfered with the judge's result channel",
    ),
]


def hostile_source(body: str) -> str:
    body = body.replace("ARTIFACTS", str(build.ARTIFACT_DIR)).replace("REPO", str(REPO))
    return method(body, throws=True)


@pytest.fixture(scope="module")
def hostile_builds(fresh_artifacts: Path) -> None:
    prebuild([(ADD, hostile_source(body)) for _, body, _, _ in HOSTILE] + [(ADD, CORRECT)])


@pytest.mark.parametrize(("body", "verdict", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_program_is_contained(hostile_builds: None, body: str, verdict: str, words: str) -> None:
    outcome = run(hostile_source(body))
    assert outcome.verdict == verdict, outcome.message
    assert words in outcome.message, outcome.message
    WARM_POOL.settle()
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert run(CORRECT).verdict == "AC", "the next submission was affected"
