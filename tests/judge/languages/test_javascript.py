"""JavaScript (Node.js) through the real nsjail: starter code of the whole bank, every type through
the driver both ways, verdicts, and hostile programs, with the driver's hardening and without it
(the jail alone). Every run checks that no process of the jail user outlives it.

Builds go to an artefact directory of this module (a JavaScript build only writes its two files).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.languages import LANGUAGES, get_language
from judge.languages.base import CaseEncodingError, encode_case
from judge.languages.javascript import NODE, NODE_FLAGS, JavaScript, doc_type
from judge.languages.types import parse_signature, parse_type
from judge.meters.base import empty_job
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import JailLimits, build, run_harness
from tests.judge.languages.host import jail_user_processes

REPO = Path(__file__).resolve().parents[3]
JS = get_language("JS")

pytestmark = pytest.mark.skipif(not os.path.exists(NODE), reason="Node.js is not installed")

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
CORRECT = "var add = function(a, b) {\n    return a + b;\n};\n"


@pytest.fixture(autouse=True, scope="module")
def fresh_artifacts() -> Iterator[Path]:
    """A build cache of this module's own. Not under pytest's tmp_path, whose parents the jail
    user (uid 65534) cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="codearena-js-tests-"))
    folder.chmod(0o755)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(build, "ARTIFACT_DIR", folder)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    yield
    assert jail_user_processes() == [], "a process of the jail user outlived its run"


def method(body: str, *, before: str = "") -> str:
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return f"{before}var add = function(a, b) {{\n{lines}}};\n"


def run(
    source: str,
    *,
    signature: dict[str, Any] = ADD,
    cases: list[CaseSpec] = CASES,
    language: str = "JS",
    **kwargs: Any,
) -> Any:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=cases,
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 1000),
        memory_limit_kb=kwargs.pop("memory_limit_kb", 128 * 1024),
        hidden_feedback=kwargs.pop("hidden_feedback", "error-type"),
        language=language,
    )
    return judge_job(job)


def harness(source: str, signature: dict[str, Any], args: list[list[Any]], language: str = "JS") -> Any:
    payload = {
        "source": source,
        "signature": signature,
        "cases": [{"ordinal": i, "args": a} for i, a in enumerate(args, 1)],
        "time_limit_ms": 2000,
        "language": language,
    }
    return run_harness(payload, JailLimits.for_cpu(10, memory_kb=(256 + JS.extra_memory_mb) * 1024))


def records(result: Any) -> dict[int, Any]:
    """The record of every answered case of a run_harness result, by ordinal."""
    return dict(result.answered())


# --- the language ---------------------------------------------------------------------------------
def test_registered_with_its_names() -> None:
    assert JS.name == "JavaScript (Node.js)" and JS.extension == "js" and JS.editor_mode == "javascript"
    assert {"javascript", "js", "node", "nodejs"} <= set(JS.aliases)
    assert not JS.compiled and JS.meters == ("cpu",) and JS.comment == "//"
    assert {"TypeError", "RangeError", "AggregateError"} <= JS.builtin_errors
    assert "InternalError" not in JS.builtin_errors, "V8 has none (SpiderMonkey's)"
    assert JS.extra_memory_mb > 0 and JS.load_allowance_ms > 0
    assert JS.identity() == (os.path.realpath(NODE),)
    program = JS.program("/some/box")
    assert program.argv == (NODE, *NODE_FLAGS, "/box/main.js") and NODE in program.mounts
    assert not program.address_space and program.stack_mb == 64 and (program.max_pids or 0) >= 4


def test_starter_code_is_leetcode_style() -> None:
    starter = JS.starter(
        {
            "style": "class",
            "name": "twoSum",
            "params": [{"name": "nums", "type": "List[int]"}, {"name": "target", "type": "int"}],
            "returns": "List[int]",
        }
    )
    assert starter == (
        "/**\n * @param {number[]} nums\n * @param {number} target\n * @return {number[]}\n */\n"
        "var twoSum = function(nums, target) {\n    \n};\n"
    )
    nodes = JS.starter(
        {
            "style": "function",
            "name": "merge",
            "params": [{"name": "lists", "type": "List[ListNode]"}, {"name": "new", "type": "TreeNode"}],
            "returns": "ListNode",
        }
    )
    assert "function ListNode(val, next)" in nodes and "function TreeNode(val, left, right)" in nodes
    assert "@param {ListNode[]} lists" in nodes and "var merge = function(lists, new_) {" in nodes
    assert doc_type(parse_type("List[List[str]]")) == "string[][]" and doc_type(parse_type("bool")) == "boolean"
    assert JS.unsupported({**ADD, "name": "delete"}) == "delete is a reserved word in JavaScript"
    assert JS.unsupported({**ADD, "params": [{"name": "d", "type": "Dict[int, int]"}]}) is not None


def test_a_build_is_the_two_files_and_is_cached() -> None:
    built = build.build_program(JS, ADD, CORRECT)
    assert built.ok and not built.cached
    box = Path(built.box)
    assert (box / "solution.js").read_text() == CORRECT
    main = (box / "main.js").read_text()
    assert main.startswith("'use strict';") and '{"name": "add", "params": ["int", "int"], "returns": "int"}' in main
    assert build.build_program(JS, ADD, CORRECT).cached


def test_node_s_own_error_report_is_cleaned(tmp_path: Path) -> None:
    """What node --check (or an uncaught error) prints: solution.js:LINE, the line, the caret and
    the error; no jail path, no stack frames, no version line."""
    source = tmp_path / "solution.js"
    source.write_text("var add = function(a, b) {\n  return a +;\n};\n")
    result = subprocess.run([NODE, "--check", str(source)], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    text = JS.clean_message(result.stderr.replace(str(tmp_path), "/box"))
    assert text.startswith("solution.js:2\n  return a +;\n            ^\n")
    assert "SyntaxError: Unexpected token ';'" in text
    assert "/box" not in text and "    at " not in text and "Node.js v" not in text


def test_integers_beyond_the_safe_range_are_refused_when_encoded() -> None:
    """A JavaScript number holds integers exactly up to 2^53 - 1: a larger one is the judge's
    problem (CaseEncodingError), never silently rounded."""
    safe = 2**53 - 1
    assert JS.encode_case(ADD, [safe, -safe]) == b"9007199254740991 -9007199254740991\n"
    with pytest.raises(CaseEncodingError, match="9007199254740992"):
        JS.encode_case(ADD, [2**53, 1])
    nested = {**ADD, "params": [{"name": "grid", "type": "List[List[int]]"}, {"name": "t", "type": "TreeNode"}]}
    with pytest.raises(CaseEncodingError, match="-9007199254740993"):
        JS.encode_case(nested, [[[1], [2, -(2**53) - 1]], [1]])
    with pytest.raises(CaseEncodingError, match="18014398509481984"):
        JS.encode_case(nested, [[[1]], [1, None, 2**54]])
    with pytest.raises(CaseEncodingError):  # the base format's own checks come first
        JS.encode_case(ADD, [True, 1])


class Unchecked(JavaScript):
    """Sends what the base wire format takes (64-bit ints): the driver's own backstop answers."""

    key = "JS_UNCHECKED"

    def encode_case(self, signature: dict[str, Any], args: list[Any]) -> bytes:
        return encode_case(parse_signature(signature), args)


def test_the_driver_refuses_an_unsafe_integer_instead_of_rounding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LANGUAGES, Unchecked.key, Unchecked())
    result = harness(CORRECT, ADD, [[2**60, 1], [2, 3]], language=Unchecked.key)
    answered = records(result)
    assert answered[1].error == "RangeError" and "1152921504606846976" in answered[1].message
    assert answered[2].output == 5, "the stream stays in step after the refused case"


def test_the_meters_empty_program_runs() -> None:
    job = empty_job("JS")
    assert job is not None
    job = {**job, "cases": [{"ordinal": 1, "args": []}, {"ordinal": 2, "args": []}]}
    result = run_harness(job, JailLimits.for_cpu(5, memory_kb=320 * 1024))
    assert result.loaded and [r.output for r in records(result).values()] == [0, 0]


# --- (a) the starter of every problem of the bank -----------------------------------------------------
def bank() -> list[tuple[str, dict[str, Any], list[list[Any]]]]:
    found = []
    for path in sorted((REPO / "fixtures" / "problems").glob("*/problem.toml")):
        signature = tomllib.loads(path.read_text())["signature"]
        tests = json.loads((path.parent / "tests.json").read_text())
        args = [case["args"] for case in tests["samples"] + tests["hidden"]]
        found.append((path.parent.name, signature, args))
    return found


BANK = bank()


def test_the_bank_is_all_there_and_all_offered() -> None:
    assert len(BANK) >= 60
    assert [code for code, signature, _ in BANK if JS.unsupported(signature) is not None] == []


@pytest.mark.parametrize(("code", "signature", "args"), BANK, ids=[code for code, _, _ in BANK])
def test_the_starter_loads_and_reads_every_stored_case(code: str, signature: dict[str, Any], args: list[Any]) -> None:
    """The generated starter loads (no compile error) and answers every stored case of the
    problem, samples and hidden (it returns undefined: null, or [] for a node type)."""
    result = harness(JS.starter(signature), signature, args)
    assert result.loaded, result.load
    answered = records(result)
    assert len(answered) == len(args)
    empty: list[Any] | None = [] if signature["returns"] in ("ListNode", "TreeNode") else None
    assert all(getattr(record, "output", "missing") == empty for record in answered.values()), answered


# --- (b) every type through the driver, both ways ---------------------------------------------------
STRINGS = [
    "",
    "plain",
    " quote \" and \\ backslash ' ",
    "tab\tnew\nline\r\x01\x1f\x7f",
    "héllo wörld ✓ 😀 中文",
    "  ",
    "n",
    "a lone \ud800 surrogate and a real \ufffd",
    "é✓😀" * 30_000,  # 270 KB: crosses the driver's 64 KB reads inside characters
]
SAFE = 2**53 - 1
ROUND_TRIPS: list[tuple[str, list[Any]]] = [
    ("int", [0, 1, -1, SAFE, -SAFE, 10**15, -(10**12)]),
    ("float", [0.0, 1.5, -2.25, 0.1, 1e300, -1e-300, 123456789.125, 3.0, 2.5e-5, 5e-324, -0.0, 1e21, 1e16]),
    ("bool", [True, False]),
    ("str", STRINGS),
    ("List[int]", [[], [1, -2, 3], list(range(-50_000, 50_000, 7))]),
    ("List[float]", [[], [0.5, -1.25, 1e-9, 2.0]]),
    ("List[bool]", [[], [True, False, True]]),
    ("List[str]", [[], STRINGS]),
    ("List[List[int]]", [[], [[]], [[1, 2], [], [3]]]),
    ("List[List[str]]", [[], [["a", "b c"], [], ["\n", ""]]]),
    ("List[List[List[int]]]", [[[[1], []], [[2, 3]]]]),
    ("ListNode", [[], [1], [3, -1, SAFE], list(range(100_000))]),
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
    source = "var echoValue = function(value) {\n    return value;\n};\n"
    cases = [CaseSpec(ordinal=i, kind="sample", args=[v], expected=v) for i, v in enumerate(values, 1)]
    outcome = run(source, signature=signature, cases=cases)
    assert outcome.verdict == "AC", outcome.message
    assert len(outcome.cases) == len(values)


def test_the_values_have_javascript_s_types() -> None:
    signature = {
        "style": "function",
        "name": "kinds",
        "params": [
            {"name": "i", "type": "int"},
            {"name": "f", "type": "float"},
            {"name": "b", "type": "bool"},
            {"name": "s", "type": "str"},
            {"name": "l", "type": "List[List[int]]"},
            {"name": "h", "type": "ListNode"},
            {"name": "t", "type": "TreeNode"},
            {"name": "e", "type": "ListNode"},
            {"name": "r", "type": "TreeNode"},
        ],
        "returns": "List[str]",
    }
    source = """var kinds = function(i, f, b, s, l, h, t, e, r) {
    const kind = (v) => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    return [kind(i), kind(f), kind(b), kind(s), kind(l), kind(l[0]), h instanceof ListNode ? 'ListNode' : '?',
            t instanceof TreeNode ? 'TreeNode' : '?', kind(e), kind(r), String(h.next.val), String(t.left.val),
            String(t.right), String(s.length)];
};
"""
    result = harness(source, signature, [[7, 2.5, True, "héllo", [[1]], [4, 5], [1, 2], [], []]])
    assert records(result)[1].output == [
        "number", "number", "boolean", "string", "array", "array", "ListNode", "TreeNode", "null", "null",
        "5", "2", "null", "5",
    ]  # fmt: skip


def test_answers_are_written_as_their_declared_type() -> None:
    """An int type: integers (a BigInt, a double beyond 2^53 exactly as it is); a float type:
    JSON floats (3.0); typed arrays are lists; a ListNode or TreeNode may be returned as null."""
    cases: list[tuple[str, str, Any]] = [
        ("int", "return 2 ** 60;", 2**60),
        ("int", "return 12345678901234567890n;", 12345678901234567890),
        ("int", "return -0;", 0),
        ("int", "return 2.5;", 2.5),
        ("float", "return 3;", 3.0),
        ("float", "return -0;", -0.0),
        ("List[int]", "return new Int32Array([1, -2, 3]);", [1, -2, 3]),
        ("List[float]", "return new Float64Array([0.5, 2]);", [0.5, 2.0]),
        ("ListNode", "return null;", []),
        ("TreeNode", "return undefined;", []),
        ("TreeNode", "return new TreeNode(1, null, new TreeNode(2));", [1, None, 2]),
        ("ListNode", "return new ListNode(1, new ListNode(2));", [1, 2]),
        ("List[str]", "return ['a', undefined, null];", ["a", None, None]),
    ]
    for returns, body, expected in cases:
        signature = {"style": "function", "name": "answer", "params": [], "returns": returns}
        result = harness(f"var answer = function() {{\n    {body}\n}};\n", signature, [[]])
        output = records(result)[1].output
        assert output == expected and type(output) is type(expected), (returns, body, output)
    float_out = harness(
        "var answer = () => 3;", {"style": "function", "name": "answer", "params": [], "returns": "float"}, [[]]
    )
    assert isinstance(records(float_out)[1].output, float)


@pytest.mark.parametrize(
    ("returns", "body", "words"),
    [
        ("float", "return 1 / 0;", "not finite"),
        ("float", "return NaN;", "not finite"),
        ("List[int]", "return new Set([1, 2]);", "type Set"),
        ("int", "return {value: 1};", "type Object"),
        ("ListNode", "const a = new ListNode(1); a.next = a; return a;", "cycle"),
        ("List[int]", "const a = []; a.push(a); return a;", "nested too deeply"),
    ],
)
def test_an_answer_without_a_json_form_is_a_wrong_answer(returns: str, body: str, words: str) -> None:
    signature = {"style": "function", "name": "answer", "params": [{"name": "x", "type": "int"}], "returns": returns}
    outcome = run(
        f"var answer = function(x) {{\n    {body}\n}};\n", signature=signature, cases=[CaseSpec(1, "sample", [1], 1)]
    )
    assert outcome.verdict == "WA" and words in outcome.message, outcome.message


def test_an_async_function_s_promise_is_a_wrong_answer_and_its_code_never_runs_later() -> None:
    outcome = run("var add = async function(a, b) {\n    return a + b;\n};\n")
    assert outcome.verdict == "WA" and "type Promise" in outcome.message


def test_leetcode_s_node_definitions_pasted_into_the_source_are_fine() -> None:
    signature = {
        "style": "class",
        "name": "reverse",
        "params": [{"name": "head", "type": "ListNode"}],
        "returns": "ListNode",
    }
    source = """function ListNode(val, next) {
    this.val = (val===undefined ? 0 : val)
    this.next = (next===undefined ? null : next)
}
class TreeNode {
    constructor(val, left, right) { this.val = val; this.left = left; this.right = right; }
}
var reverse = function(head) {
    let previous = null;
    while (head) [head.next, previous, head] = [previous, head, head.next];
    return previous;
};
"""
    cases = [CaseSpec(1, "sample", [[1, 2, 3]], [3, 2, 1]), CaseSpec(2, "hidden", [[]], [])]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_lists_of_linked_lists_and_building_nodes() -> None:
    signature = {
        "style": "class",
        "name": "mergeKLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}],
        "returns": "ListNode",
    }
    source = """var mergeKLists = function(lists) {
    const values = [];
    for (let node of lists) {
        for (; node; node = node.next) values.push(node.val);
    }
    values.sort((x, y) => x - y);
    let head = null;
    for (let i = values.length - 1; i >= 0; i--) head = new ListNode(values[i], head);
    return head;
};
"""
    cases = [
        CaseSpec(1, "sample", [[[1, 4, 5], [1, 3, 4], [2, 6]]], [1, 1, 2, 3, 4, 4, 5, 6]),
        CaseSpec(2, "hidden", [[]], []),
        CaseSpec(3, "hidden", [[[], []]], []),
    ]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_a_deep_tree_and_a_long_list_are_read_and_written_without_recursion() -> None:
    deep: list[int | None] = [1]
    for i in range(2, 100_001):
        deep += [None, i]
    signature = {
        "style": "class",
        "name": "echo",
        "params": [{"name": "root", "type": "TreeNode"}],
        "returns": "TreeNode",
    }
    outcome = run("var echo = (root) => root;", signature=signature, cases=[CaseSpec(1, "sample", [deep], deep)])
    assert outcome.verdict == "AC", outcome.message


def solution_cases(code: str) -> list[CaseSpec]:
    tests = json.loads((REPO / "fixtures" / "problems" / code / "tests.json").read_text())
    return [CaseSpec(i, "sample", c["args"], c["expected"]) for i, c in enumerate(tests["samples"], 1)]


BANK_SOLUTIONS = {
    "two-sum": """var twoSum = function(nums, target) {
    const seen = new Map();
    for (let i = 0; i < nums.length; i++) {
        if (seen.has(target - nums[i])) return [seen.get(target - nums[i]), i];
        seen.set(nums[i], i);
    }
    return [];
};
""",
    "recalled-batches": """var removeRecalled = function(head, recalled) {
    const gone = new Set(recalled);
    const dummy = new ListNode(0, head);
    for (let node = dummy; node.next; ) {
        if (gone.has(node.next.val)) node.next = node.next.next;
        else node = node.next;
    }
    return dummy.next;
};
""",
    "rebuild-from-two-tours": """function rebuildTree(preorder, inorder) {
    const at = new Map(inorder.map((v, i) => [v, i]));
    let next = 0;
    const build = (lo, hi) => {
        if (lo > hi) return null;
        const node = new TreeNode(preorder[next++]);
        const mid = at.get(node.val);
        node.left = build(lo, mid - 1);
        node.right = build(mid + 1, hi);
        return node;
    };
    return build(0, inorder.length - 1);
}
""",
    "heaviest-tree-level": """const heaviestLevel = (root) => {
    let level = [root], best = -Infinity, answer = 0;
    for (let depth = 1; level.length; depth++) {
        const weight = level.reduce((sum, node) => sum + node.val, 0);
        if (weight > best) { best = weight; answer = depth; }
        level = level.flatMap((node) => [node.left, node.right].filter(Boolean));
    }
    return answer;
};
""",
}


@pytest.mark.parametrize("code", sorted(BANK_SOLUTIONS))
def test_solutions_of_bank_problems_are_accepted(code: str) -> None:
    signature = next(s for c, s, _ in BANK if c == code)
    outcome = run(BANK_SOLUTIONS[code], signature=signature, cases=solution_cases(code))
    assert outcome.verdict == "AC", outcome.message


# --- (c) verdicts -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        CORRECT,
        "function add(a, b) { return a + b; }",
        "const add = (a, b) => a + b;",
        "let add;\nadd = function(a, b) { return a + b; };",
        "'use strict';\nclass Solution {\n    add(a, b) { return a + b; }\n}",
        "var calls = 0;\nvar add = function(a, b) { calls++; console.log('debug', calls); return a + b; };",
        "const { inspect } = require('util');\nconst assert = require('node:assert');\n"
        "var add = function(a, b) { assert.ok(inspect(a)); return a + b; };",
    ],
    ids=["var", "declaration", "arrow", "let", "class-solution", "console-log", "allowed-modules"],
)
def test_correct_code_is_accepted(source: str) -> None:
    outcome = run(source)
    assert outcome.verdict == "AC", outcome.message
    assert [c.verdict for c in outcome.cases] == ["AC", "AC", "AC"]


def test_the_function_style_takes_the_same_code() -> None:
    assert run(CORRECT, signature={**ADD, "style": "function"}).verdict == "AC"


def test_wrong_answer_on_a_sample_shows_input_expected_and_got() -> None:
    outcome = run(method("return a - b;"))
    assert outcome.verdict == "WA"
    assert outcome.message == "Input: a = 1, b = 2\nExpected: 3\nGot: -1"


def test_wrong_answer_on_a_hidden_case_reveals_nothing() -> None:
    outcome = run(method("return a === 1 ? 3 : 0;"))
    assert outcome.verdict == "WA" and outcome.message == "Wrong answer on a hidden test."


def test_a_string_is_not_an_integer() -> None:
    outcome = run(method("return String(a + b);"))
    assert outcome.verdict == "WA" and outcome.message.endswith('Got: "3"')


def test_runtime_error_on_a_sample_shows_name_line_and_message() -> None:
    outcome = run(method("const x = null;\nreturn x.y + a;"))
    assert outcome.verdict == "RTE"
    assert outcome.message == "TypeError (line 3): Cannot read properties of null (reading 'y')"


def test_runtime_error_on_a_hidden_case_shows_a_built_in_name_only() -> None:
    body = "if (a === 1) return 3;\nnull.boom;"
    assert run(method(body)).message == "TypeError on a hidden test."
    assert run(method(body), hidden_feedback="verdict").message == "Runtime error on a hidden test."
    own = method(
        "if (a === 1) return 3;\nthrow new SecretError('the answer is ' + a);",
        before="class SecretError extends Error {}\n",
    )
    assert run(own).message == "An exception on a hidden test."


def test_throwing_a_value_that_is_no_error() -> None:
    outcome = run(method("throw 'boom ' + a;"))
    assert outcome.verdict == "RTE" and outcome.message == "Uncaught: boom 1"


def test_an_error_does_not_end_the_run() -> None:
    result = harness(method("if (a === 1) throw new RangeError('one');\nreturn a + b;"), ADD, [c.args for c in CASES])
    answered = records(result)
    assert answered[1].error == "RangeError" and answered[1].message == "one" and answered[1].line == 2
    assert answered[2].output == 12 and answered[3].output == 0


def test_infinite_loop_is_time_limit_exceeded() -> None:
    outcome = run(method("while (true) {}"))
    assert outcome.verdict == "TLE"


def test_sleeping_is_time_limit_exceeded() -> None:
    outcome = run(method("Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\nreturn a + b;"))
    assert outcome.verdict == "TLE" and "wall-clock" in outcome.message


@pytest.mark.parametrize(
    "body",
    [
        "const hoard = [];\nwhile (true) hoard.push(new Array(100000).fill(a + 0.5));",
        "const hoard = [];\nwhile (true) hoard.push({ a, b, text: 'x'.repeat(64) + hoard.length });",
        "const big = Buffer.alloc(1 << 30, 1);\nreturn big[5];",
        # Refused by the kernel at once: V8's RangeError "Array buffer allocation failed" is the
        # driver's "mle" record.
        "const huge = new ArrayBuffer(2 ** 40);\nreturn a + b;",
    ],
    ids=["arrays", "objects", "buffer", "array-buffer"],
)
def test_an_allocation_flood_is_memory_limit_exceeded(body: str) -> None:
    # Time enough to reach the limit on a loaded host (the objects keep the collector busy).
    outcome = run(method(body), time_limit_ms=5000)
    assert outcome.verdict == "MLE" and "128 MB" in outcome.message, outcome.message


def test_deep_recursion_is_a_runtime_error_and_a_deep_one_within_the_stack_runs() -> None:
    outcome = run(method("return add(a, b) + 1;"))
    assert outcome.verdict == "RTE"
    assert outcome.message == "RangeError (line 2): Maximum call stack size exceeded"
    deep = "const depth = (n) => n === 0 ? 0 : 1 + depth(n - 1);\nreturn depth(200000) - 200000 + a + b;"
    assert run(method(deep)).verdict == "AC", "200,000 frames fit in the stack"


def test_syntax_error_is_a_compile_error_with_file_line_and_caret() -> None:
    outcome = run("var add = function(a, b) {\n    return a +;\n};\n")
    assert outcome.verdict == "CE"
    assert outcome.message == (
        "SyntaxError (line 2): Unexpected token ';'\nsolution.js:2\n    return a +;\n              ^"
    )
    assert "/box" not in outcome.message


def test_a_syntax_error_on_a_long_line_shows_the_stretch_around_it() -> None:
    outcome = run("var add = function(a, b) { return " + "a + " * 100 + "; };\n")
    assert outcome.verdict == "CE" and "solution.js:1" in outcome.message
    source_line, caret = outcome.message.split("\n")[-2:]
    assert len(source_line) <= 160 and source_line[caret.index("^")] == ";"


def test_a_missing_function_is_a_compile_error() -> None:
    outcome = run("var plus = function(a, b) {\n    return a + b;\n};\n")
    assert outcome.verdict == "CE"
    assert outcome.message == "EntryPointError: a function add is required: var add = function(...) { ... };"


def test_an_error_at_the_top_level_is_a_compile_error_with_its_line() -> None:
    outcome = run("var add = function(a, b) { return a + b; };\nundefinedHelper();\n")
    assert outcome.verdict == "CE" and outcome.message == "ReferenceError (line 2): undefinedHelper is not defined"


def test_an_infinite_loop_at_the_top_level_is_time_limit_exceeded_while_loading() -> None:
    outcome = run("while (true) {}\nvar add = (a, b) => a + b;\n")
    assert outcome.verdict == "TLE"


def test_exiting_in_a_case_is_a_runtime_error() -> None:
    outcome = run(method("process.exit(0);"))
    assert outcome.verdict == "RTE" and outcome.message == "The program exited (code 0) before all tests ran."


def test_aborting_is_a_runtime_error() -> None:
    """Node is its pid namespace's init, which a signal of its own cannot end: abort()'s SIGABRT
    is ignored, and glibc falls back to a faulting instruction."""
    outcome = run(method("process.abort();"))
    assert outcome.verdict == "RTE" and outcome.message == "Killed by signal SIGSEGV."


# --- (d) hostile programs -----------------------------------------------------------------------------
HOSTILE: list[tuple[str, str, str, str]] = [
    # (id, body of add, verdict, the exact message)
    (
        "spawn-sync-binding",
        "return process.binding('spawn_sync').spawn({ file: '/bin/sh', args: ['sh'] });",
        "RTE",
        "TypeError (line 2): process.binding is not a function",
    ),
    (
        "child-process",
        "return require('child_process').execSync('id').toString();",
        "RTE",
        "Error (line 2): Cannot find module 'child_process': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    (
        "fork-bomb",
        "const cp = require('node:child_process');\nwhile (true) cp.fork('/box/main.js');",
        "RTE",
        "Error (line 2): Cannot find module 'child_process': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    (
        "dlopen",
        "process.dlopen({ exports: {} }, '/usr/lib/x86_64-linux-gnu/libc.so.6');\nreturn a + b;",
        "RTE",
        "TypeError (line 2): process.dlopen is not a function",
    ),
    (
        "worker-global",
        "while (true) new Worker('while (true) {}', { eval: true });",
        "RTE",
        "ReferenceError (line 2): Worker is not defined",
    ),
    (
        "worker-threads",
        "const { Worker } = require('worker_threads');\nwhile (true) new Worker('while (true) {}', { eval: true });",
        "RTE",
        "Error (line 2): Cannot find module 'worker_threads': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    (
        "main-module",
        "return process.mainModule.require('child_process');",
        "RTE",
        "TypeError (line 2): Cannot read properties of undefined (reading 'require')",
    ),
    (
        "builtin-module",
        "return process.getBuiltinModule('fs');",
        "RTE",
        "TypeError (line 2): process.getBuiltinModule is not a function",
    ),
    (
        "read-passwd",
        "return require('fs').readFileSync('/etc/passwd', 'utf8');",
        "RTE",
        "Error (line 2): Cannot find module 'fs': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    (
        "network",
        "require('net').connect(80, '127.0.0.1');\nreturn a + b;",
        "RTE",
        "Error (line 2): Cannot find module 'net': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    ("fetch", "fetch('http://127.0.0.1/');\nreturn a + b;", "RTE", "ReferenceError (line 2): fetch is not defined"),
    (
        "write-box",
        "require('fs').writeFileSync('/box/solution.js', 'var add = () => 0;');\nreturn a + b;",
        "RTE",
        "Error (line 2): Cannot find module 'fs': only assert, buffer, events, string_decoder, util "
        "are available in the judge",
    ),
    (
        "stdin",
        "return process.stdin.read();",
        "RTE",
        "Error (line 2): stdin is not available in the judge: the arguments are the function's parameters",
    ),
    ("memory-flood", "const x = [];\nwhile (true) x.push(new Float64Array(1 << 20).fill(1));", "MLE", "128 MB"),
    ("console-flood", "while (true) console.log('flood '.repeat(100));", "OLE", "1024 KB"),
    ("stdout-flood", "while (true) process.stdout.write('x'.repeat(1 << 16));", "OLE", "1024 KB"),
    ("stderr-flood", "while (true) console.error('flood '.repeat(100));", "OLE", "1024 KB"),
]


@pytest.mark.parametrize(("body", "verdict", "message"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_program_gets_its_exact_verdict(body: str, verdict: str, message: str) -> None:
    outcome = run(method(body))
    assert outcome.verdict == verdict, outcome.message
    if verdict == "RTE":
        assert outcome.message == message
    else:
        assert message in outcome.message, outcome.message
    assert run(CORRECT).verdict == "AC", "the next submission is judged as usual"


# Every known way from a script to Node's module loader, tried at once; the answer is 3 plus
# the number that worked.
ROUTE_PROBE = """function theirs(what) {  // what the stack's frames outside solution.js hand out
    Error.prepareStackTrace = (e, frames) => frames.filter((c) => c.getFileName() !== 'solution.js').map(what);
    const found = new Error().stack.filter((x) => x !== undefined && x !== null);
    Error.prepareStackTrace = undefined;
    return found.length ? found : null;
}
var add = function(a, b) {
    const routes = [
        () => process.mainModule.require('fs'),
        () => process.getBuiltinModule('fs'),
        () => module.require('fs'),
        () => require.main.require('fs'),
        () => require.cache,
        () => process.binding('fs'),
        () => process._linkedBinding('fs'),
        () => require('module'),
        () => require('fs'),
        () => require('node:fs'),
        () => require('v8'),
        () => require('vm').runInThisContext('require'),
        () => add.caller,
        () => theirs((c) => c.getFunction()),
        () => theirs((c) => c.getThis()),
    ];
    let reached = 0;
    for (const route of routes) {
        try { if (route()) reached++; } catch (e) { }
    }
    return reached + a + b;
};
"""


def test_no_route_reaches_the_real_require() -> None:
    outcome = run(ROUTE_PROBE)
    assert outcome.verdict == "AC", outcome.message


class Unhardened(JavaScript):
    """The driver without its hardening, with Node's own require: what the jail alone holds."""

    key = "JS_UNHARDENED"

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        files = super().files(signature, source)
        assert "  harden();\n" in files["main.js"]
        files["main.js"] = files["main.js"].replace("  harden();\n", "  globalThis.require = realRequire;\n", 1)
        return files


JAIL_ALONE: list[tuple[str, str, str, str]] = [
    (
        "read-passwd",
        "return require('fs').readFileSync('/etc/passwd', 'utf8');",
        "RTE",
        "Error (line 2): ENOENT: no such file or directory, open '/etc/passwd'",
    ),
    (
        "write-box",
        "require('fs').writeFileSync('/box/solution.js', 'var add = () => 0;');\nreturn a + b;",
        "RTE",
        "Error (line 2): EROFS: read-only file system, open 'solution.js'",
    ),
    (
        "shell",
        "return require('child_process').execSync('id').toString();",
        "RTE",
        "Error (line 2): spawnSync /bin/sh ENOENT",
    ),
    (
        "no-network-interfaces",
        "return Object.keys(require('os').networkInterfaces()).length;",
        "RTE",
        "SystemError (line 2): A system error occurred: uv_interface_addresses returned Unknown system error 97 "
        "(Unknown system error 97)",
    ),
    (
        "thread-bomb",
        "const { Worker } = require('worker_threads');\nwhile (true) new Worker('setInterval(() => {}, 1000)', { eval: true });",
        "RTE",
        "Error (line 3): EAGAIN",
    ),
    (
        "busy-children",
        "const cp = require('child_process');\nfor (let i = 0; i < 3; i++) cp.spawn('/usr/bin/node', ['-e', 'for (;;) {}']);\n"
        "while (true) {}",
        "TLE",
        "",
    ),
    (
        "addon",
        "process.dlopen({ exports: {} }, '/usr/lib/x86_64-linux-gnu/libc.so.6');\nreturn a + b;",
        "RTE",
        "Error (line 2): Cannot load native addon because loading addons is disabled.",
    ),
]


@pytest.mark.parametrize(("body", "verdict", "message"), [h[1:] for h in JAIL_ALONE], ids=[h[0] for h in JAIL_ALONE])
def test_the_jail_holds_without_the_driver_s_hardening(
    monkeypatch: pytest.MonkeyPatch, body: str, verdict: str, message: str
) -> None:
    monkeypatch.setitem(LANGUAGES, Unhardened.key, Unhardened())
    outcome = run(method(body), language=Unhardened.key)
    assert outcome.verdict == verdict, outcome.message
    if message:
        assert outcome.message == message


def test_the_routes_to_require_are_open_without_the_hardening(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe above can tell: without the hardening, it reaches Node's module loader."""
    monkeypatch.setitem(LANGUAGES, Unhardened.key, Unhardened())
    outcome = run(ROUTE_PROBE, language=Unhardened.key)
    assert outcome.verdict == "WA", outcome.message
    reached = int(outcome.message.rsplit("Got: ", 1)[1]) - 3
    assert reached >= 5, outcome.message


def test_a_fork_bomb_without_the_hardening_ends_with_its_jail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Children spawned past the pids limit fail; the ones that started die with the jail."""
    monkeypatch.setitem(LANGUAGES, Unhardened.key, Unhardened())
    source = method(
        "const cp = require('child_process');\n"
        "for (let i = 0; i < 200; i++) cp.spawn('/usr/bin/node', ['-e', 'setInterval(() => {}, 1000)']);\n"
        "return a + b;"
    )
    outcome = run(source, language=Unhardened.key)
    assert outcome.verdict == "AC", outcome.message
