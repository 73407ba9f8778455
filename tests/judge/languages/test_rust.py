"""Rust through the real compile jail and the real nsjail: starter code, the driver's types,
verdicts, and hostile programs (at run time and at compile time).

Every build goes to a fresh artefact directory of this module, so each run of the suite
compiles for real (rustc takes 1-3 s per program; the starters of the whole bank share one).
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
from judge.languages.rust import MAIN, RUSTC, Rust, rust_type, solution_module
from judge.languages.types import parse_signature, parse_type
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.runner import judge_job
from judge.sandbox import build
from judge.sandbox.pool import WARM_POOL
from tests.judge.languages.host import jail_user_processes

REPO = Path(__file__).resolve().parents[3]
RUST = get_language("RUST")

pytestmark = pytest.mark.skipif(not os.path.exists(RUSTC), reason="Debian's rustc is not installed")

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
CORRECT = "impl Solution {\n    pub fn add(a: i64, b: i64) -> i64 {\n        a + b\n    }\n}\n"


@pytest.fixture(autouse=True, scope="module")
def fresh_artifacts() -> Iterator[Path]:
    """A build cache of this module's own: every build in it is compiled for real. Not under
    pytest's tmp_path, whose parents the jail user (uid 65534) cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="codearena-rust-tests-"))
    folder.chmod(0o755)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(build, "ARTIFACT_DIR", folder)
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def method(body: str, *, before: str = "") -> str:
    lines = "".join(f"        {line}\n" for line in body.splitlines())
    return f"{before}impl Solution {{\n    pub fn add(a: i64, b: i64) -> i64 {{\n{lines}    }}\n}}\n"


def run(source: str, *, signature: dict[str, Any] = ADD, cases: list[CaseSpec] = CASES, **kwargs: Any) -> Any:
    job = JudgeJob(
        source=source,
        signature=signature,
        cases=cases,
        checker=kwargs.pop("checker", CheckerSpec()),
        time_limit_ms=kwargs.pop("time_limit_ms", 1000),
        memory_limit_kb=kwargs.pop("memory_limit_kb", 128 * 1024),
        hidden_feedback=kwargs.pop("hidden_feedback", "error-type"),
        language="RUST",
    )
    return judge_job(job)


# --- the language ---------------------------------------------------------------------------------
def test_registered_with_its_names() -> None:
    assert RUST.name == "Rust" and RUST.extension == "rs" and RUST.editor_mode == "rust"
    assert {"rust", "rs", "rustc"} <= set(RUST.aliases)
    assert RUST.compiled and RUST.meters == ("instructions", "cpu") and "panic" in RUST.builtin_errors


def test_types_and_starter() -> None:
    assert rust_type(parse_type("List[List[int]]")) == "Vec<Vec<i64>>"
    assert rust_type(parse_type("ListNode")) == "Option<Box<ListNode>>"
    assert rust_type(parse_type("TreeNode")) == "Option<Rc<RefCell<TreeNode>>>"
    assert rust_type(parse_type("List[ListNode]")) == "Vec<Option<Box<ListNode>>>"
    assert rust_type(parse_type("str")) == "String" and rust_type(parse_type("float")) == "f64"
    signature = {
        "style": "class",
        "name": "mergeLists",
        "params": [{"name": "listHeads", "type": "List[ListNode]"}, {"name": "type", "type": "bool"}],
        "returns": "ListNode",
    }
    starter = RUST.starter(signature)
    assert (
        "pub fn merge_lists(list_heads: Vec<Option<Box<ListNode>>>, r#type: bool) -> Option<Box<ListNode>> {" in starter
    )
    assert "64-bit" in starter and "pub struct ListNode" in starter and "TreeNode" not in starter
    function = RUST.starter({**ADD, "style": "function"})
    assert "impl Solution" not in function and "\nfn add(a: i64, b: i64) -> i64 {" in function


def bank_signatures() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((REPO / "fixtures" / "problems").glob("*/problem.toml")):
        signature = tomllib.loads(path.read_text())["signature"]
        if RUST.unsupported(signature) is None:
            found.append((path.parent.name, signature))
    return found


class ManyEntryPoints(Rust):
    """Every signature's starter in one crate: each in a module of its own, as files() writes it
    for one (same module wrapper, same include!, same call of the entry point), with a Solution
    of its own so that equal method names do not collide. One compile instead of sixty."""

    def __init__(self, signatures: list[dict[str, Any]]) -> None:
        self.signatures = signatures

    def files(self, signature: dict[str, Any], source: str) -> dict[str, str]:
        modules, files = [], {}
        for index, each in enumerate(self.signatures):
            name = "solution" if index == 0 else f"p{index}"
            modules.append(solution_module(parse_signature(each), name=name, path=f"{name}.rs", own_struct=True))
            files[f"{name}.rs"] = self.starter(each)
        files["main.rs"] = MAIN.replace("SOLUTION_MODULE\n", "\n".join(modules))
        return files


def test_the_starter_of_every_bank_problem_compiles() -> None:
    """All of them (60 problems, 37 distinct type combinations), plus the function style and
    keywords as names, in one crate."""
    bank = bank_signatures()
    assert len(bank) >= 37
    combinations = {
        (tuple(str(p.type) for p in parse_signature(s).params), str(parse_signature(s).returns)) for _, s in bank
    }
    assert len(combinations) >= 37
    extra = [
        {"style": "function", "name": "noop", "params": [], "returns": "int"},
        {"style": "class", "name": "match", "params": [{"name": "type", "type": "List[str]"}], "returns": "float"},
    ]
    signatures = [s for _, s in bank] + extra
    built = build.build_program(ManyEntryPoints(signatures), signatures[0], "")
    assert built.ok, built.message


def test_starter_code_runs_and_panics_with_todo() -> None:
    outcome = run(RUST.starter(ADD))
    assert outcome.verdict == "RTE"
    assert outcome.message.startswith("panic (line 5): not yet implemented"), outcome.message


# --- every type through the driver, both ways --------------------------------------------------------
STRINGS = ["", "plain", ' quote " and \\ backslash ', "tab\tnew\nline\r\x01\x1f", "héllo wörld ✓ 😀", "  ", "n"]
ROUND_TRIPS: list[tuple[str, list[Any]]] = [
    ("int", [0, 1, -1, 2**63 - 1, -(2**63), 10**18]),
    ("float", [0.0, 1.5, -2.25, 0.1, 1e300, -1e-300, 123456789.125, 3.0, 2.5e-5]),
    ("bool", [True, False]),
    ("str", STRINGS),
    ("List[int]", [[], [1, -2, 3], list(range(-50_000, 50_000, 7))]),
    ("List[float]", [[], [0.5, -1.25, 1e-9]]),
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
    rust = rust_type(parse_type(type_name))
    source = f"impl Solution {{\n    pub fn echo_value(value: {rust}) -> {rust} {{\n        value\n    }}\n}}\n"
    cases = [CaseSpec(ordinal=i, kind="sample", args=[v], expected=v) for i, v in enumerate(values, 1)]
    outcome = run(source, signature=signature, cases=cases)
    assert outcome.verdict == "AC", outcome.message
    assert len(outcome.cases) == len(values)


def test_a_deep_tree_and_a_long_list_are_read_written_and_freed() -> None:
    """A chain of 100,000 tree nodes: built and written without recursion in the driver."""
    deep = [1]
    for i in range(2, 100_001):
        deep += [None, i]
    signature = {
        "style": "class",
        "name": "echo",
        "params": [{"name": "root", "type": "TreeNode"}],
        "returns": "TreeNode",
    }
    tree = "Option<Rc<RefCell<TreeNode>>>"
    source = f"impl Solution {{\n    pub fn echo(root: {tree}) -> {tree} {{\n        root\n    }}\n}}\n"
    outcome = run(source, signature=signature, cases=[CaseSpec(1, "sample", [deep], deep)])
    assert outcome.verdict == "AC", outcome.message


def test_lists_of_linked_lists_and_building_nodes() -> None:
    signature = {
        "style": "class",
        "name": "mergeLists",
        "params": [{"name": "lists", "type": "List[ListNode]"}],
        "returns": "ListNode",
    }
    source = """use std::cmp::Reverse;
impl Solution {
    pub fn merge_lists(lists: Vec<Option<Box<ListNode>>>) -> Option<Box<ListNode>> {
        let mut heap = BinaryHeap::new();
        for mut list in lists {
            while let Some(mut node) = list {
                list = node.next.take();
                heap.push(Reverse(node.val));
            }
        }
        let mut values = Vec::new();
        while let Some(Reverse(v)) = heap.pop() {
            values.push(v);
        }
        let mut head = None;
        for v in values.into_iter().rev() {
            let mut node = ListNode::new(v);
            node.next = head;
            head = Some(Box::new(node));
        }
        head
    }
}
"""
    cases = [
        CaseSpec(1, "sample", [[[1, 4, 5], [1, 3, 4], [2, 6]]], [1, 1, 2, 3, 4, 4, 5, 6]),
        CaseSpec(2, "hidden", [[]], []),
        CaseSpec(3, "hidden", [[[], []]], []),
    ]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_building_a_tree_with_rc_refcell() -> None:
    signature = {
        "style": "class",
        "name": "sortedToTree",
        "params": [{"name": "nums", "type": "List[int]"}],
        "returns": "TreeNode",
    }
    source = """impl Solution {
    pub fn sorted_to_tree(nums: Vec<i64>) -> Option<Rc<RefCell<TreeNode>>> {
        fn build(nums: &[i64]) -> Option<Rc<RefCell<TreeNode>>> {
            if nums.is_empty() {
                return None;
            }
            let mid = nums.len() / 2;
            let mut node = TreeNode::new(nums[mid]);
            node.left = build(&nums[..mid]);
            node.right = build(&nums[mid + 1..]);
            Some(Rc::new(RefCell::new(node)))
        }
        build(&nums)
    }
}
"""
    cases = [CaseSpec(1, "sample", [[-10, -3, 0, 5, 9]], [0, -3, 9, -10, None, 5]), CaseSpec(2, "hidden", [[]], [])]
    assert run(source, signature=signature, cases=cases).verdict == "AC"


def test_non_finite_float_is_unreadable() -> None:
    signature = {"style": "class", "name": "ratio", "params": [{"name": "a", "type": "float"}], "returns": "float"}
    source = "impl Solution {\n    pub fn ratio(a: f64) -> f64 {\n        a / 0.0\n    }\n}\n"
    outcome = run(source, signature=signature, cases=[CaseSpec(1, "sample", [1.0], 1.0)])
    assert outcome.verdict == "WA"
    assert "not finite" in outcome.message


# --- verdicts ---------------------------------------------------------------------------------------
def test_correct_code_is_accepted() -> None:
    outcome = run(CORRECT)
    assert outcome.verdict == "AC", outcome.message
    assert [c.verdict for c in outcome.cases] == ["AC", "AC", "AC"]


def test_private_method_and_own_imports_and_own_solution_struct() -> None:
    source = "use std::collections::HashMap;\nuse std::rc::Rc;\nstruct Solution;\n" + method(
        "let m: HashMap<i64, i64> = HashMap::new();\na + b + m.len() as i64"
    ).replace("pub fn", "fn")
    assert run(source).verdict == "AC"


def test_free_function_style() -> None:
    signature = {**ADD, "style": "function", "name": "addTwo"}
    source = "fn add_two(a: i64, b: i64) -> i64 {\n    a + b\n}\n"
    assert run(source, signature=signature).verdict == "AC"


def test_wrong_answer_on_a_sample_shows_input_expected_and_got() -> None:
    outcome = run(method("a - b"))
    assert outcome.verdict == "WA"
    assert (
        "Input: a = 1, b = 2" in outcome.message and "Expected: 3" in outcome.message and "Got: -1" in outcome.message
    )


def test_wrong_answer_on_a_hidden_case_reveals_nothing() -> None:
    outcome = run(method("if a == 1 { 3 } else { 0 }"))
    assert outcome.verdict == "WA"
    assert outcome.message == "Wrong answer on a hidden test."


def test_integers_wrap_like_a_release_build() -> None:
    cases = [CaseSpec(1, "sample", [2**63 - 1, 1], -(2**63))]
    assert run(method("a + b"), cases=cases).verdict == "AC"


def test_panic_on_a_sample_shows_message_and_line() -> None:
    outcome = run(method("let v = vec![a, b];\nv[(a + b) as usize]"))
    assert outcome.verdict == "RTE"
    assert outcome.message == "panic (line 4): index out of bounds: the len is 2 but the index is 3"


def test_panic_on_a_hidden_case_shows_the_name_only() -> None:
    body = "if a == 1 { return 3; }\nlet v: Vec<i64> = Vec::new();\nv[a as usize]"
    assert run(method(body)).message == "panic on a hidden test."
    assert run(method(body), hidden_feedback="verdict").message == "Runtime error on a hidden test."


def test_unwrap_and_explicit_panics_and_division_by_zero() -> None:
    assert run(method('panic!("custom {}", a)')).message == "panic (line 3): custom 1"
    outcome = run(method("let x: Option<i64> = None;\nx.unwrap()"))
    assert outcome.message == "panic (line 4): called `Option::unwrap()` on a `None` value"
    outcome = run(method("a / (b - 2)"))
    assert outcome.message == "panic (line 3): attempt to divide by zero"


def test_a_panic_does_not_end_the_run(tmp_path: Path) -> None:
    """catch_unwind: the next case runs in the same process (a measurement runs every case)."""
    from judge.sandbox import JailLimits, run_harness

    payload = {
        "source": method('if a == 1 { panic!("one") }\na + b'),
        "signature": ADD,
        "cases": [{"ordinal": c.ordinal, "args": c.args} for c in CASES],
        "time_limit_ms": 1000,
        "language": "RUST",
    }
    result = run_harness(payload, JailLimits.for_cpu(5, memory_kb=128 * 1024))
    answered = result.answered()
    assert answered[1].error == "panic" and answered[1].message == "one"  # type: ignore[union-attr]
    assert answered[2].output == 12 and answered[3].output == 0  # type: ignore[union-attr]


def test_infinite_loop_is_time_limit_exceeded() -> None:
    outcome = run(method("loop {}"))
    assert outcome.verdict == "TLE"


def test_sleeping_is_time_limit_exceeded() -> None:
    outcome = run(method("std::thread::sleep(std::time::Duration::from_secs(100));\na + b"))
    assert outcome.verdict == "TLE" and "wall-clock" in outcome.message


def test_growing_a_vector_until_out_of_memory_is_memory_limit_exceeded() -> None:
    outcome = run(method("let mut v: Vec<Vec<u8>> = Vec::new();\nloop {\n    v.push(vec![1u8; 1 << 20]);\n}"))
    assert outcome.verdict == "MLE" and "128 MB" in outcome.message


def test_one_huge_allocation_is_memory_limit_exceeded() -> None:
    outcome = run(method("let v = vec![7u8; 1 << 33];\nv[12345] as i64"))
    assert outcome.verdict == "MLE" and "128 MB" in outcome.message


def test_deep_recursion_overflows_the_stack_and_is_a_runtime_error() -> None:
    source = method(
        "f(1 << 40)",
        before=(
            "fn f(n: i64) -> i64 {\n    let a = [n; 64];\n"
            "    let x = unsafe { std::ptr::read_volatile(&a[(n % 64) as usize]) };\n"
            "    if n == 0 { 0 } else { x + f(n - 1) }\n}\n"
        ),
    )
    outcome = run(source)
    assert outcome.verdict == "RTE"
    assert outcome.message in ("Killed by signal SIGSEGV.", "Killed by signal SIGABRT."), outcome.message


def test_compile_error_shows_solution_line_and_no_jail_path() -> None:
    outcome = run(method('let x: i64 = "a";\nx + undefined_name'))
    assert outcome.verdict == "CE"
    assert "solution.rs:3:22" in outcome.message and "solution.rs:4:13" in outcome.message
    assert "/box" not in outcome.message and "\x1b[" not in outcome.message
    assert "For more information" not in outcome.message


def test_missing_entry_point_is_compile_error() -> None:
    outcome = run("impl Solution {\n    pub fn plus(a: i64, b: i64) -> i64 {\n        a + b\n    }\n}\n")
    assert outcome.verdict == "CE"
    assert "no function or associated item named `add`" in outcome.message


def test_wrong_parameter_types_are_compile_error() -> None:
    outcome = run("impl Solution {\n    pub fn add(a: i32, b: i32) -> i32 {\n        a + b\n    }\n}\n")
    assert outcome.verdict == "CE"
    assert "mismatched types" in outcome.message and "solution.rs:2" in outcome.message


def test_the_build_is_cached() -> None:
    source = CORRECT + f"// {uuid.uuid4().hex}\n"
    first = build.build_program(RUST, ADD, source)
    again = build.build_program(RUST, ADD, source)
    assert first.ok and not first.cached and again.cached and again.box == first.box
    assert os.path.getsize(os.path.join(first.box, "main")) < 2 << 20, "the artefact is stripped"


def test_compiler_messages_are_cleaned() -> None:
    raw = (
        "warning: unused variable: `x`\n --> /box/solution.rs:2:9\n\n"
        + "".join(
            f"\x1b[0m\x1b[1m\x1b[38;5;9merror[E0425]\x1b[0m: cannot find value `v{i}`\n --> /box/solution.rs:{i}:5\n\n"
            for i in range(1, 13)
        )
        + "error: aborting due to 12 previous errors\n\n"
        "Some errors have detailed explanations: E0425.\n"
        "For more information about an error, try `rustc --explain E0425`.\n"
    )
    text = RUST.clean_message(raw)
    assert "warning" not in text and "/box" not in text and "\x1b" not in text and "rustc --explain" not in text
    assert "--> solution.rs:1:5" in text and "--> solution.rs:10:5" in text and "solution.rs:11:5" not in text
    assert text.endswith("… (2 more errors)\n\nerror: aborting due to 12 previous errors"), text


def test_costs_are_counted_by_valgrind() -> None:
    """The default meter counts a Rust program's instructions: the same count on every run, and
    twice the work is twice the count."""
    from judge.meters import get_meter, measure_cost

    meter = get_meter("valgrind")
    if meter.name != "valgrind":
        pytest.skip("valgrind is not installed")
    if hasattr(meter, "for_language"):
        meter = meter.for_language("RUST")
    signature = {"style": "class", "name": "sumTo", "params": [{"name": "n", "type": "int"}], "returns": "int"}
    source = (
        "impl Solution {\n    pub fn sum_to(n: i64) -> i64 {\n        let mut s = 0i64;\n"
        "        for i in 0..n {\n            s = s.wrapping_add(i * i % 7);\n        }\n        s\n    }\n}\n"
    )
    costs = []
    for n in (1_000_000, 1_000_000, 2_000_000):
        cases = [CaseSpec(1, "performance", [n], sum(i * i % 7 for i in range(n)))]
        job = JudgeJob(source, signature, cases, CheckerSpec(), 1000, 256 * 1024, language="RUST")
        result = measure_cost(job, cases, repeats=1, meter=meter)
        assert result.ok, result.message
        costs.append(result.cost)
    assert costs[0] == costs[1] > 0
    assert 1.8 < costs[2] / costs[0] < 2.2, costs


# --- hostile programs -------------------------------------------------------------------------------
SYSCALL = """unsafe fn sys(n: i64, a: i64, b: i64, c: i64) -> i64 {
    let r: i64;
    std::arch::asm!("syscall", inlateout("rax") n => r, in("rdi") a, in("rsi") b, in("rdx") c,
        lateout("rcx") _, lateout("r11") _, options(nostack));
    r
}
"""
FORK_BOMB = method(
    "let mut n = 0;\nloop {\n    let r = unsafe { sys(57, 0, 0, 0) };\n"
    "    if r == 0 {\n        loop {\n            unsafe { sys(34, 0, 0, 0) };\n        }\n    }\n"
    "    if r < 0 {\n        break;\n    }\n    n += 1;\n}\n1000 + n",
    before=SYSCALL,
)


def errno_of(expression: str) -> str:
    """A method body: 1 when the io::Result ``expression`` is Ok, else minus its errno."""
    return f"match {expression} {{\n    Ok(_) => 1,\n    Err(e) => -(e.raw_os_error().unwrap_or(0) as i64),\n}}"


LIST_ROOT = """let mut names: Vec<String> = std::fs::read_dir("/")
    .unwrap()
    .map(|e| e.unwrap().file_name().into_string().unwrap())
    .collect();
names.sort();
assert_eq!(names, ["box", "lib", "lib64", "tmp", "usr"]);
a + b"""
FORGE = """let record = b"{\\"event\\":\\"case\\",\\"status\\":\\"ok\\",\\"output\\":3}\\n";
for fd in 3..64 {
    unsafe { sys(1, fd, record.as_ptr() as i64, record.len() as i64) };
}
0"""
CLIENT_REQUEST = """unsafe {
    std::arch::asm!(
        "rol rdi, 3", "rol rdi, 13", "rol rdi, 61", "rol rdi, 51", "xchg rbx, rbx",
        inout("rdi") 0u64 => _, options(nostack),
    );
}
a + b"""
# (id, source, verdict, words the message must contain)
HOSTILE: list[tuple[str, str, str, str]] = [
    (
        "unshare-by-syscall",
        method("unsafe { sys(272, 0x10000000, 0, 0) }", before=SYSCALL),
        "RTE",
        "forbidden system call",
    ),
    ("mount-by-syscall", method("unsafe { sys(165, 0, 0, 0) }", before=SYSCALL), "RTE", "forbidden system call"),
    ("ptrace-by-syscall", method("unsafe { sys(101, 0, 0, 0) }", before=SYSCALL), "RTE", "forbidden system call"),
    (
        "clone-new-user-namespace",
        method("unsafe { sys(56, 0x10000000 | 17, 0, 0) }", before=SYSCALL),
        "RTE",
        "forbidden system call",
    ),
    (
        "process-command",
        method(
            'let out = std::process::Command::new("/bin/sh").arg("-c").arg("id").output();\n'
            "out.unwrap().status.code().unwrap() as i64"
        ),
        "RTE",
        "NotFound",
    ),
    (
        "thread-bomb",
        method("loop {\n    std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_secs(3600)));\n}"),
        "RTE",
        "failed to spawn thread",
    ),
    ("memory-flood", method("let mut v: Vec<u64> = Vec::new();\nloop { v.push(v.len() as u64); }"), "MLE", "128 MB"),
    (
        "memory-forget",
        method("loop {\n    std::mem::forget(vec![1u8; 4096]);\n}"),
        "MLE",
        "128 MB",
    ),
    ("output-flood", method('loop {\n    println!("{}", "x".repeat(1000));\n}'), "OLE", "output limit"),
    ("stderr-flood", method('loop {\n    eprintln!("{}", "x".repeat(1000));\n}'), "OLE", "output limit"),
    (
        "read-passwd",
        method(errno_of('std::fs::read_to_string("/etc/passwd")')),
        "WA",
        "Got: -2",  # ENOENT
    ),
    (
        "read-repository",
        method(errno_of(f'std::fs::read("{REPO / "manage.py"}")')),
        "WA",
        "Got: -2",
    ),
    (
        "list-root",
        method(LIST_ROOT),
        "AC",
        "",
    ),
    (
        "environment",
        method("assert_eq!(std::env::vars_os().count(), 0);\na + b"),
        "AC",
        "",
    ),
    (
        "network-loopback",
        method(errno_of('std::net::TcpStream::connect("127.0.0.1:5432")')),
        "WA",
        "Got: -101",  # ENETUNREACH: no interface at all
    ),
    (
        "network-outside",
        method(errno_of('std::net::UdpSocket::bind("0.0.0.0:0").and_then(|s| s.send_to(b"x", "1.1.1.1:53"))')),
        "WA",
        "Got: -101",
    ),
    (
        "write-box",
        method(errno_of('std::fs::write("/box/main", b"x").and(std::fs::write("/box/new", b"x"))')),
        "WA",
        "Got: -30",  # EROFS
    ),
    (
        "read-stdin",
        method(
            "let mut s = String::new();\nlet _ = std::io::stdin().read_line(&mut s);\n"
            "if s.is_empty() { a + b } else { -1 }"
        ),
        "AC",
        "",
    ),
    (
        "forge-records",
        method(FORGE, before=SYSCALL),
        "WA",
        "",
    ),
    (
        "exit-early",
        method("std::process::exit(0)"),
        "RTE",
        "before all tests",
    ),
    (
        "abort",
        method("std::process::abort()"),
        "RTE",
        # The program is pid 1 of its namespace: SIGABRT cannot kill it, and glibc's abort()
        # ends in a faulting instruction.
        "Killed by signal SIGSEGV",
    ),
    (
        "valgrind-client-request",
        method(CLIENT_REQUEST),
        "CE",
        "valgrind client request",
    ),
    # At compile time: rustc reads files of the compile jail only.
    (
        "include-passwd",
        'const P: &str = include_str!("/etc/passwd");\n' + method("P.len() as i64"),
        "CE",
        "couldn't read /etc/passwd",
    ),
    (
        "include-dev-zero",
        'const Z: &[u8] = include_bytes!("/dev/zero");\n' + method("Z.len() as i64"),
        "CE",
        "couldn't read /dev/zero",
    ),
    (
        "include-environ",
        'const E: &str = include_str!("/proc/self/environ");\n' + method("E.len() as i64"),
        "CE",
        "couldn't read /proc/self/environ",
    ),
    (
        "include-repository",
        f'const S: &str = include_str!("{REPO / "config/settings/base.py"}");\n' + method("S.len() as i64"),
        "CE",
        "couldn't read",
    ),
    (
        "macro-bomb",
        "macro_rules! bomb {\n    ($($t:tt)*) => { bomb!($($t)* $($t)*); };\n}\nbomb!(x);\n" + CORRECT,
        "CE",
        "Compilation",
    ),
]


@pytest.mark.parametrize(("source", "verdict", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_program_is_contained(source: str, verdict: str, words: str) -> None:
    outcome = run(source)
    assert outcome.verdict == verdict, outcome.message
    assert words in outcome.message, outcome.message
    WARM_POOL.settle()
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert run(CORRECT).verdict == "AC", "the next submission was affected"


def test_fork_by_raw_syscall_is_held_by_the_pids_limit() -> None:
    """fork() by a raw syscall works, up to the pids limit (16 processes); the children pause
    until the jail dies, and none outlives it. The answer is 1000 + the children forked."""
    outcome = run(FORK_BOMB)
    assert outcome.verdict == "WA", outcome.message
    forked = int(outcome.message.rsplit("Got: ", 1)[1]) - 1000
    assert 0 < forked < 16, outcome.message
    WARM_POOL.settle()
    assert jail_user_processes() == [], "a process of the jail user outlived its run"
    assert run(CORRECT).verdict == "AC", "the next submission was affected"
