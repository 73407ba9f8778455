"""The language registry and what every language shares: the names, the model's choices, the
case wire format (judge/languages/base.py), compiler messages and the signature parser.

Languages are tested generically here (whichever modules are present); each language's own
behaviour in the real jail is in its own module (test_cpp.py, ...).
"""

from __future__ import annotations

import glob
import math
import os
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arena.models import Language as LanguageChoice
from judge.languages import LANGUAGES, all_languages, get_language
from judge.languages.base import (
    INT64_MAX,
    INT64_MIN,
    MAX_MESSAGE_CHARS,
    CaseEncodingError,
    Language,
    Program,
    Toolchain,
    clean_compiler_output,
    encode_case,
)
from judge.languages.types import (
    MAX_DEPTH,
    Signature,
    SigType,
    UnsupportedSignature,
    parse_signature,
    parse_type,
    snake_case,
)

REPO = Path(__file__).resolve().parents[3]
LANGUAGE_IDS = [language.key for language in all_languages()]


def bank_signatures() -> list[tuple[str, dict[str, Any]]]:
    """Every distinct signature of the bank, with the first problem that uses it."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(glob.glob(str(REPO / "fixtures" / "problems" / "*" / "problem.toml"))):
        with open(path, "rb") as file:
            signature = tomllib.load(file)["signature"]
        found.setdefault(repr(sorted(signature.items())), (Path(path).parent.name, signature))
    return list(found.values())


BANK = bank_signatures()


def sig(*types: str, returns: str = "int") -> Signature:
    return parse_signature(
        {
            "style": "function",
            "name": "f",
            "params": [{"name": f"p{i}", "type": t} for i, t in enumerate(types)],
            "returns": returns,
        }
    )


# --- the registry -----------------------------------------------------------------------------
def test_the_bank_has_signatures() -> None:
    assert len(BANK) >= 10


@pytest.mark.parametrize("language", all_languages(), ids=LANGUAGE_IDS)
def test_every_language_has_its_names(language: Language) -> None:
    for attribute in ("key", "name", "extension", "editor_mode"):
        value = getattr(language, attribute)
        assert isinstance(value, str) and value.strip() == value and value, (attribute, value)
    assert language.key == language.key.upper() and " " not in language.key
    assert not language.extension.startswith(".")
    assert get_language(language.key) is language
    assert LANGUAGES[language.key] is language
    assert isinstance(language.aliases, tuple)
    assert all(isinstance(alias, str) and alias for alias in language.aliases)
    assert isinstance(language.builtin_errors, frozenset)
    assert isinstance(language.comment, str) and language.comment


@pytest.mark.parametrize("language", all_languages(), ids=LANGUAGE_IDS)
def test_every_language_has_a_meter_and_a_way_to_run(language: Language) -> None:
    from judge.meters.registry import METERS

    assert language.meters and all(name in METERS for name in language.meters), language.meters
    if language.harness:
        assert not language.compiled
        return
    toolchain = language.toolchain()
    if toolchain is not None:
        assert isinstance(toolchain, Toolchain)
        assert toolchain.argv and all(isinstance(arg, str) for arg in toolchain.argv)
        assert toolchain.artefact and "/" not in toolchain.artefact
    program = language.program("/tmp/some-build")
    assert isinstance(program, Program) and program.argv


@pytest.mark.parametrize("language", all_languages(), ids=LANGUAGE_IDS)
def test_every_language_writes_starter_code_for_what_it_supports(language: Language) -> None:
    for code, signature in BANK:
        if language.unsupported(signature) is not None:
            continue
        starter = language.starter(signature)
        names = (signature["name"], snake_case(signature["name"]))  # Rust's naming
        assert isinstance(starter, str) and any(name in starter for name in names), (code, starter)
        if not language.harness:
            files = language.files(signature, starter)
            assert files and all(isinstance(text, str) for text in files.values())


def test_the_keys_are_the_models_choices() -> None:
    keys = {language.key for language in all_languages()}
    choices = set(LanguageChoice.values)
    assert keys <= choices, f"modules without a model choice: {sorted(keys - choices)}"
    missing = choices - keys
    if missing:
        # Other languages are being added module by module; the choice comes first.
        pytest.skip(f"model choices without a module yet: {sorted(missing)}")
    assert keys == choices


def test_python_and_cpp_are_registered() -> None:
    assert {"PY3", "CPP17"} <= set(LANGUAGES)


def test_aliases_do_not_collide_across_languages() -> None:
    owner: dict[str, str] = {}
    for language in all_languages():
        for name in {language.key.lower(), *(alias.lower() for alias in language.aliases)}:
            assert owner.setdefault(name, language.key) == language.key, (
                f"{name!r} names both {owner[name]} and {language.key}"
            )


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown language"):
        get_language("COBOL")


# --- the case wire format ------------------------------------------------------------------------
class Wire:
    """A reader of the wire format, written from encode_case's description (the drivers' side)."""

    def __init__(self, data: bytes) -> None:
        assert data.endswith(b"\n")
        self.data, self.pos = data, 0

    def token(self) -> bytes:
        while self.data[self.pos : self.pos + 1] in (b" ", b"\n"):
            self.pos += 1
        start = self.pos
        while self.pos < len(self.data) and self.data[self.pos : self.pos + 1] not in (b" ", b"\n"):
            self.pos += 1
        token = self.data[start : self.pos]
        self.pos += 1  # the one separator
        return token

    def read(self, t: SigType) -> Any:
        if t.kind == "int":
            return int(self.token())
        if t.kind == "float":
            return float(self.token())
        if t.kind == "bool":
            token = self.token()
            assert token in (b"0", b"1")
            return token == b"1"
        if t.kind == "str":
            size = int(self.token())
            raw = self.data[self.pos : self.pos + size]
            self.pos += size
            return raw.decode("utf-8", "surrogatepass")
        if t.kind == "ListNode":
            return [int(self.token()) for _ in range(int(self.token()))]
        if t.kind == "TreeNode":
            return [None if token == b"n" else int(token) for token in (self.token() for _ in range(int(self.token())))]
        assert t.item is not None
        return [self.read(t.item) for _ in range(int(self.token()))]


def decode(signature: Signature, data: bytes) -> list[Any]:
    wire = Wire(data)
    values = [wire.read(param.type) for param in signature.params]
    # The newline ends the case: eaten as the last token's separator, or left after a string.
    assert data[wire.pos :] in (b"", b"\n"), "the case has bytes left over"
    return values


@pytest.mark.parametrize(
    ("types", "args", "wire"),
    [
        (("int",), [0], b"0\n"),
        (("int",), [-17], b"-17\n"),
        (("int",), [INT64_MIN], b"-9223372036854775808\n"),
        (("int",), [INT64_MAX], b"9223372036854775807\n"),
        (("float",), [0.1], b"0.1\n"),
        (("float",), [3], b"3.0\n"),
        (("float",), [-0.0], b"-0.0\n"),
        (("float",), [1e300], b"1e+300\n"),
        (("float",), [5e-324], b"5e-324\n"),
        (("bool",), [True], b"1\n"),
        (("bool",), [False], b"0\n"),
        (("str",), [""], b"0 \n"),
        (("str",), ["héllo"], b"6 h\xc3\xa9llo\n"),
        (("str",), ["😀"], b"4 \xf0\x9f\x98\x80\n"),
        (("str",), ["a b\n c"], b"6 a b\n c\n"),
        (("str",), ["\ud800"], b"3 \xed\xa0\x80\n"),
        (("List[int]",), [[]], b"0\n"),
        (("List[int]",), [[3, -1, 2]], b"3 3 -1 2\n"),
        (("List[List[int]]",), [[[1], [], [2, 3]]], b"3 1 1 0 2 2 3\n"),
        (("List[str]",), [["a", "", "b c"]], b"3 1 a 0  3 b c\n"),
        (("List[bool]",), [[True, False]], b"2 1 0\n"),
        (("ListNode",), [[1, 2, 3]], b"3 1 2 3\n"),
        (("ListNode",), [None], b"0\n"),
        (("TreeNode",), [[1, None, 2, 3]], b"4 1 n 2 3\n"),
        (("TreeNode",), [None], b"0\n"),
        (("TreeNode",), [[]], b"0\n"),
        (("List[ListNode]",), [[[1, 2], []]], b"2 2 1 2 0\n"),
        (("int", "str", "List[int]"), [7, "x y", [1]], b"7 3 x y 1 1\n"),
        ((), [], b"\n"),
    ],
)
def test_encode_case_writes_the_documented_tokens(types: tuple[str, ...], args: list[Any], wire: bytes) -> None:
    signature = sig(*types)
    assert encode_case(signature, args) == wire
    expected = [[] if value is None else value for value in args]
    decoded = decode(signature, wire)
    assert repr(decoded) == repr([float(v) if t == "float" else v for t, v in zip(types, expected)])


def test_the_language_method_takes_the_problems_signature_dict() -> None:
    signature = {"style": "class", "name": "f", "params": [{"name": "s", "type": "str"}], "returns": "int"}
    for language in all_languages():
        if not language.harness:
            assert language.encode_case(signature, ["é"]) == b"2 \xc3\xa9\n"


@pytest.mark.parametrize(
    ("types", "args", "words"),
    [
        (("int",), [INT64_MAX + 1], "64 bits"),
        (("int",), [INT64_MIN - 1], "64 bits"),
        (("int",), [10**30], "64 bits"),
        (("int",), [True], "not an integer"),
        (("int",), [1.0], "not an integer"),
        (("int",), ["1"], "not an integer"),
        (("int",), [None], "not an integer"),
        (("float",), [math.inf], "finite"),
        (("float",), [-math.inf], "finite"),
        (("float",), [math.nan], "finite"),
        (("float",), [True], "finite"),
        (("float",), ["0.5"], "finite"),
        (("bool",), [1], "not a boolean"),
        (("bool",), [None], "not a boolean"),
        (("str",), [b"bytes"], "not a string"),
        (("str",), [5], "not a string"),
        (("List[int]",), [5], "not a list"),
        (("List[int]",), [(1, 2)], "not a list"),
        (("List[int]",), [[1, "2"]], "not an integer"),
        (("List[int]",), [[1, True]], "not an integer"),
        (("List[int]",), [[1, 1 << 64]], "64 bits"),
        (("List[List[int]]",), [[1, 2]], "not a list"),
        (("List[str]",), [["a", 1]], "not a string"),
        (("ListNode",), [[1, None]], "not an integer"),
        (("ListNode",), [5], "not a list"),
        (("TreeNode",), ["1,2"], "level order"),
        (("TreeNode",), [[1, "2"]], "not an integer"),
        (("TreeNode",), [[1, 2.5]], "not an integer"),
        (("TreeNode",), [[1, 1 << 63]], "64 bits"),
        (("int", "int"), [1], "expected 2 arguments"),
        (("int",), [1, 2], "expected 1 arguments"),
        (("int",), (1,), "expected 1 arguments"),
    ],
)
def test_encode_case_refuses_what_the_types_cannot_hold(types: tuple[str, ...], args: Any, words: str) -> None:
    with pytest.raises(CaseEncodingError, match=words):
        encode_case(sig(*types), args)


ints = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
floats = st.floats(allow_nan=False, allow_infinity=False)
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": ints,
    "float": floats,
    "bool": st.booleans(),
    "str": texts,
    "List[int]": st.lists(ints, max_size=6),
    "List[List[int]]": st.lists(st.lists(ints, max_size=4), max_size=4),
    "List[str]": st.lists(texts, max_size=4),
    "List[List[str]]": st.lists(st.lists(texts, max_size=3), max_size=3),
    "List[bool]": st.lists(st.booleans(), max_size=6),
    "List[float]": st.lists(floats, max_size=4),
    "ListNode": st.lists(ints, max_size=6),
    "TreeNode": st.lists(st.one_of(st.none(), ints), max_size=8),
    "List[ListNode]": st.lists(st.lists(ints, max_size=3), max_size=3),
}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(VALUES)), max_size=4).flatmap(
        lambda types: st.tuples(st.just(types), st.tuples(*(VALUES[t] for t in types)))
    )
)
def test_encode_case_round_trips(case: tuple[list[str], tuple[Any, ...]]) -> None:
    types, values = case
    signature = sig(*types)
    data = encode_case(signature, list(values))
    decoded = decode(signature, data)
    assert len(decoded) == len(values)
    for got, want in zip(decoded, values):
        assert repr(got) == repr(want)  # -0.0 stays -0.0, 1.0 stays a float


# --- compiler messages -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("/box/main.cpp:3:1: error: x", "main.cpp:3:1: error: x"),
        ("In file included from /box/main.cpp:1:", "In file included from main.cpp:1:"),
        ("cd /box && make", "cd . && make"),
        ("\x1b[01;31m\x1b[Kerror:\x1b[m\x1b[K 'c' was not declared", "error: 'c' was not declared"),
        ("/usr/include/c++/12/bits/stl_vector.h:1124:7: note: here", "stl_vector.h:1124:7: note: here"),
        ("/usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h:2: note", "stddef.h:2: note"),
        ("/usr/share/rust/src/lib.rs:9: note", "lib.rs:9: note"),
        ("/usr/include/assert.h:35:22: error: nested", "assert.h:35:22: error: nested"),
        ("a\r\nb\r\n", "a\nb"),
        ("tab\there\x00\x07\x7f", "tab\there\x7f"),
        ("   \n  padded  \n\n", "padded"),
        ("", ""),
    ],
)
def test_clean_compiler_output(raw: str, clean: str) -> None:
    assert clean_compiler_output(raw) == clean


def test_clean_compiler_output_cuts_long_text_and_keeps_the_first_error() -> None:
    raw = "solution.cpp:1:1: error: first\n" + "x" * 100_000
    cleaned = clean_compiler_output(raw)
    assert cleaned.startswith("solution.cpp:1:1: error: first\n")
    assert cleaned.endswith("\n… (cut)")
    assert len(cleaned) <= MAX_MESSAGE_CHARS + len("\n… (cut)")
    assert clean_compiler_output("y" * 50, limit=10) == "y" * 10 + "\n… (cut)"


def test_clean_compiler_output_leaves_no_jail_path() -> None:
    raw = (
        "In file included from /usr/include/c++/12/algorithm:61,\n"
        "                 from /usr/include/x86_64-linux-gnu/c++/12/bits/stdc++.h:65,\n"
        "                 from /box/main.cpp:1:\n"
        "/usr/include/c++/12/bits/stl_algo.h: In instantiation of 'void std::__sort()':\n"
        "/box/solution.cpp:3:13:   required from here\n"
    )
    cleaned = clean_compiler_output(raw)
    assert "/box" not in cleaned and "/usr/" not in cleaned, cleaned
    assert "stl_algo.h: In instantiation" in cleaned and "solution.cpp:3:13:" in cleaned


# --- the signature parser ----------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "signature"), BANK, ids=[code for code, _ in BANK])
def test_every_bank_signature_parses(code: str, signature: dict[str, Any]) -> None:
    parsed = parse_signature(signature)
    assert parsed.name == signature["name"]
    assert parsed.style == signature.get("style", "class")
    assert [p.name for p in parsed.params] == [p["name"] for p in signature["params"]]
    assert str(parsed.returns) == signature["returns"].replace(" ", "")
    for language in all_languages():
        assert language.unsupported(signature) is None or isinstance(language.unsupported(signature), str)


@pytest.mark.parametrize(
    "text",
    [
        "Dict[str, int]",
        "dict",
        "Optional[int]",
        "Tuple[int, int]",
        "tuple",
        "Set[int]",
        "List[Dict[str, int]]",
        "List[Optional[int]]",
        "List[Tuple[int, int]]",
        "Any",
        "None",
        "",
        "List[]",
        "List[TreeNode]",
        "List[List[ListNode]]",
        "List[List[List[List[List[int]]]]]",
        "int; rm -rf /",
    ],
)
def test_types_no_generator_can_express_are_refused(text: str) -> None:
    with pytest.raises(UnsupportedSignature):
        parse_type(text)
    signature = {"style": "function", "name": "f", "params": [{"name": "x", "type": text}], "returns": "int"}
    with pytest.raises(UnsupportedSignature):
        parse_signature(signature)
    for language in all_languages():
        if not language.harness:
            assert language.unsupported(signature), language.key


def test_a_list_of_linked_lists_is_a_parameter_but_not_a_return() -> None:
    assert parse_type("List[ListNode]") == SigType("list", SigType("ListNode"))
    with pytest.raises(UnsupportedSignature, match="cannot be returned"):
        parse_signature({"name": "f", "params": [], "returns": "List[ListNode]"})


def test_nesting_up_to_the_limit_is_accepted() -> None:
    text = "int"
    for _ in range(MAX_DEPTH):
        text = f"List[{text}]"
    assert parse_type(text).depth == MAX_DEPTH
    with pytest.raises(UnsupportedSignature, match="nested deeper"):
        parse_type(f"List[{text}]")


@pytest.mark.parametrize(
    "signature",
    [
        {"name": "", "params": [], "returns": "int"},
        {"name": "two sum", "params": [], "returns": "int"},
        {"name": "f(); system", "params": [], "returns": "int"},
        {"name": "f", "params": [{"name": "a b", "type": "int"}], "returns": "int"},
        {"name": "f", "params": [{"name": "x;", "type": "int"}], "returns": "int"},
        {"name": "x" * 65, "params": [], "returns": "int"},
    ],
)
def test_names_that_are_not_identifiers_are_refused(signature: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSignature, match="not an identifier"):
        parse_signature(signature)


# --- the artefact cache's bounds ----------------------------------------------------------------
def _fake_build(root: Path, key: str, size: int, age_s: float) -> Path:
    entry = root / key[:2] / key
    entry.mkdir(parents=True)
    (entry / "solution").write_bytes(b"\0" * size)
    (entry / ".built").write_text("")
    stamp = time.time() - age_s
    os.utime(entry, (stamp, stamp))
    return entry


def test_the_build_cache_drops_the_least_recently_used_by_count_and_by_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from judge.sandbox import build

    monkeypatch.setattr(build, "ARTIFACT_DIR", tmp_path)
    (tmp_path / "work").mkdir()  # builds in progress are never pruned
    (tmp_path / "work" / "in-progress").mkdir()
    oldest = _fake_build(tmp_path, "aa01", 10, age_s=400)
    old = _fake_build(tmp_path, "ab02", 10, age_s=300)
    mid = _fake_build(tmp_path, "ac03", 10, age_s=200)
    newest = _fake_build(tmp_path, "ad04", 10, age_s=100)

    monkeypatch.setattr(build, "CACHE_ENTRIES", 3)
    monkeypatch.setattr(build, "CACHE_BYTES", 1 << 30)
    build._prune()
    assert [p.exists() for p in (oldest, old, mid, newest)] == [False, True, True, True]

    # A few big builds: bytes bound the cache although the count is within its limit.
    big = _fake_build(tmp_path, "ae05", 5000, age_s=0)
    monkeypatch.setattr(build, "CACHE_ENTRIES", 100)
    monkeypatch.setattr(build, "CACHE_BYTES", 5015)
    build._prune()
    assert [p.exists() for p in (old, mid, newest, big)] == [False, False, True, True]
    assert (tmp_path / "work" / "in-progress").is_dir()

    # The newest build stays even when it alone is over the bound.
    monkeypatch.setattr(build, "CACHE_BYTES", 100)
    build._prune()
    assert [p.exists() for p in (newest, big)] == [False, True]
