"""The live page formats costs in JavaScript: it must read exactly as the server renders them."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

import pytest

from arena.units import cost_text
from tests.conftest import REPO

UNITS_JS = REPO / "frontend" / "static" / "frontend" / "js" / "units.js"
RUN = "const {costText} = require(process.argv[1]); const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
RUN += "console.log(JSON.stringify(cases.map(([value, unit]) => costText(value, unit))));"


def test_units_js_formats_every_cost_as_arena_units_does() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: `make assets` needs it too")
    rng = random.Random(7)
    values = [10 ** rng.uniform(-3, 10) for _ in range(2000)]
    values += [float(f"{10 ** rng.uniform(-3, 10):.4g}") for _ in range(2000)]  # exact ties at 3 digits
    values += [rng.randint(1, 100_000) * 1e6 for _ in range(1000)]  # valgrind's quanta of 10⁶ Ir
    values += [0, 999.5, 999.95, 999_950, 39_250, 1_005_000_000, 268.5, -39_250]
    cases = [(value, unit) for value in values for unit in ("ms", "Ir", "instructions", "widgets", "")]
    cases += [(None, "ms")]
    result = subprocess.run(
        [node, "-e", RUN, str(UNITS_JS)], input=json.dumps(cases), capture_output=True, text=True, check=True
    )
    differing = [
        (case, js, cost_text(*case)) for case, js in zip(cases, json.loads(result.stdout)) if js != cost_text(*case)
    ]
    assert not differing, differing[:10]
