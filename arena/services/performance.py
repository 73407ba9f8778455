"""Secret performance inputs: the inputs an accepted submission's cost is measured on.

Whoever knows a problem's performance inputs can answer them from a lookup table, so they are
drawn from the generator with seeds nobody outside the deployment can compute: an HMAC-SHA256
under ``settings.JUDGE_PERF_SECRET`` of the problem code, the problem's ``perf_generation``, the
scale and the input's index. The generator and the scale may be public (the open-data export
has both); the seeds are not. Rotating a problem's inputs (``arena.services.rotation``)
increments its generation, which changes every seed. Every path that draws performance inputs
(the bank, ``scale``, rotation, the importers) takes its seeds from ``performance_seed``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings

Generator = Callable[[random.Random, int], list[Any]]


def performance_seed(*, problem_code: str, generation: int, index: int, scale: int) -> int:
    """Seed of performance input ``index`` of a problem: 128 bits of an HMAC under the secret."""
    if generation < 1 or index < 0 or scale < 0:
        raise ValueError(f"no performance seed for generation {generation}, index {index}, scale {scale}")
    # A JSON array keeps the fields apart whatever characters the code holds.
    message = json.dumps(["performance-input", problem_code, generation, scale, index], separators=(",", ":"))
    digest = hmac.new(settings.JUDGE_PERF_SECRET.encode(), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:16], "big")


def performance_inputs_draw(
    *, generate: Generator, problem_code: str, generation: int, scale: int, count: int
) -> list[list[Any]]:
    """``count`` inputs from a trusted generator (curator code, run here), seeded secretly."""
    return [
        generate(
            random.Random(performance_seed(problem_code=problem_code, generation=generation, index=i, scale=scale)),
            scale,
        )
        for i in range(count)
    ]
