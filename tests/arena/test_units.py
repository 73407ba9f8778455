"""Costs as pages show them, in the meter's unit."""

from __future__ import annotations

import pytest

from arena.units import cost_text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (41_200_000, "instructions", "41.2 M instructions"),
        (41_000_000, "Ir", "41.0 M instructions"),  # valgrind's Ir are instructions executed
        (2.5e9, "instructions", "2.50 G instructions"),
        (12_345, "Ir", "12.3 k instructions"),
        (999_950, "Ir", "1.00 M instructions"),  # rounded before the prefix is chosen
        (950, "instructions", "950 instructions"),
        (12.34, "ms", "12.3 ms"),
        (3, "ms", "3.00 ms"),
        (0.0123, "ms", "0.0123 ms"),
        (999.96, "ms", "1.00 s"),
        (1234, "ms", "1.23 s"),
        (0, "ms", "0 ms"),
        (5.5, "widgets", "5.50 widgets"),
        (5.5, "", "5.50"),
        (None, "ms", "—"),
        (float("nan"), "ms", "—"),
    ],
)
def test_a_cost_reads_in_its_meters_unit(value: float | None, unit: str, text: str) -> None:
    assert cost_text(value, unit) == text
