"""Running a dataset's code while importing it: only ever in the sandbox.

Everything an importer takes from a dataset is untrusted: solutions and generators run in the
jail, and the values they give back are brought to the form the harness compares them in.
"""

from __future__ import annotations

from typing import Any

from arena.ingest.spec import ImportSkip
from arena.services.performance import performance_seed
from judge.reference import ReferenceAnswer, run_reference

GENERATOR_TIME_MS = 2000  # per draw, times GENEROUS_FACTOR
GENERATOR_ENTRY = "__codearena_generate"

# One input's outcome in a reference run: its output, or why there is none.
RunResult = ReferenceAnswer


def plain(value: Any) -> Any:
    """A Python value as the harness would send it back: what an expected output must look like.

    Mirrors ``_plain`` in judge/harness/harness.py (tuples become lists, dict keys strings, sets
    sorted lists, non-finite floats their repr), so a literal from a dataset compares with a
    sandbox output on equal terms.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((plain(v) for v in value), key=repr)
    raise ImportSkip(f"a value of type {type(value).__name__} has no JSON form")


def json_argument(value: Any) -> tuple[Any, bool]:
    """An input argument as JSON. Returns (value, changed): tuples become lists (changed=True);
    anything JSON cannot carry faithfully (sets, non-string dict keys, bytes, NaN) is refused."""
    if value is None or isinstance(value, bool | int | str):
        return value, False
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ImportSkip(f"input {value!r} is not a finite number, which JSON cannot carry")
        return value, False
    if isinstance(value, list | tuple):
        items = [json_argument(v) for v in value]
        return [v for v, _ in items], isinstance(value, tuple) or any(c for _, c in items)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ImportSkip(f"input dict {_short(value)} has non-string keys, which JSON turns into strings")
        entries = {k: json_argument(v) for k, v in value.items()}
        return {k: v for k, (v, _) in entries.items()}, any(c for _, c in entries.values())
    raise ImportSkip(f"input {_short(value)} ({type(value).__name__}) has no JSON form")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sandbox_run(
    *, source: str, signature: dict[str, Any], inputs: list[list[Any]], time_limit_ms: int
) -> list[RunResult]:
    """Run a dataset solution on every input in ONE jail (generous limits) and report each input.

    Raises ImportSkip when the source does not even load. Inputs the run never reached (after a
    time-out, a crash of the interpreter) come back as failures, never as silence.
    """
    run = run_reference(source=source, signature=signature, inputs=inputs, time_limit_ms=time_limit_ms)
    if run.load_error:
        raise ImportSkip(f"does not load: {run.load_error[:200]}")
    return run.answers


def performance_inputs_in_jail(
    *, generator_source: str, problem_code: str, generation: int, scale: int, count: int, arity: int
) -> tuple[list[list[Any]], list[str]]:
    """Draw ``count`` performance inputs from a dataset's ``generate(rng, scale)`` in the sandbox,
    seeded secretly (``performance_seed``). Returns the inputs that are lists of ``arity``
    arguments and, for each draw that is not, why."""
    runner = generator_source + (
        f"\n\ndef {GENERATOR_ENTRY}(seed, scale):\n    import random\n    return generate(random.Random(seed), scale)\n"
    )
    signature = {
        "style": "function",
        "name": GENERATOR_ENTRY,
        "params": [{"name": "seed", "type": "int"}, {"name": "scale", "type": "int"}],
    }
    seeds = [
        performance_seed(problem_code=problem_code, generation=generation, index=i, scale=scale) for i in range(count)
    ]
    results = sandbox_run(
        source=runner, signature=signature, inputs=[[seed, scale] for seed in seeds], time_limit_ms=GENERATOR_TIME_MS
    )
    inputs: list[list[Any]] = []
    problems: list[str] = []
    for index, result in enumerate(results):
        if not result.ok:
            problems.append(f"generator draw {index}: {result.error}")
        elif not isinstance(result.output, list) or len(result.output) != arity:
            problems.append(f"generator draw {index}: does not give {arity} argument(s)")
        else:
            inputs.append(result.output)
    return inputs, problems


def returns_none_source(signature: dict[str, Any]) -> str:
    """A program with the right entry point that answers None to everything: must never be AC."""
    name = signature["name"]
    if signature.get("style", "class") == "class":
        return f"class Solution:\n    def {name}(self, *args, **kwargs):\n        return None\n"
    return f"def {name}(*args, **kwargs):\n    return None\n"
