"""Efficiency within a language: each language's accepted programs and references form a pool of
their own, scored and calibrated apart from Python's (docs/languages.md)."""

from __future__ import annotations

import pytest

from arena.models import Participant, Problem, ReferenceCost, Submission
from arena.services.curation import problem_calibrate
from arena.services.judging import submission_judge
from judge.meters.base import fingerprint_language
from tests.conftest import load_problem
from tests.sources import TWO_SUM_OK

pytestmark = pytest.mark.django_db(transaction=True)

CPP_TWO_SUM = """class Solution {
public:
    vector<long long> twoSum(vector<long long>& nums, long long target) {
        unordered_map<long long, long long> seen;
        for (long long j = 0; j < (long long)nums.size(); j++) {
            auto it = seen.find(target - nums[j]);
            if (it != seen.end()) return {it->second, j};
            seen[nums[j]] = j;
        }
        return {};
    }
};
"""


@pytest.fixture
def two_sum_cpp(db: None) -> Problem:
    """Two Sum with its Python and C++ references."""
    return load_problem("two-sum", languages=("PY3", "CPP17"))


def test_a_cpp_submission_is_measured_and_scored_in_the_cpp_pool(two_sum_cpp: Problem, contestant: Participant) -> None:
    python = Submission.objects.create(participant=contestant, problem=two_sum_cpp, language="PY3", source=TWO_SUM_OK)
    cpp = Submission.objects.create(participant=contestant, problem=two_sum_cpp, language="CPP17", source=CPP_TWO_SUM)
    assert submission_judge(submission_id=python.pk) == "AC"
    assert submission_judge(submission_id=cpp.pk) == "AC"
    python.refresh_from_db()
    cpp.refresh_from_db()
    assert fingerprint_language(python.cost_environment) == "PY3"
    assert fingerprint_language(cpp.cost_environment) == "CPP17"
    assert cpp.cost_environment != python.cost_environment and cpp.cost is not None

    # The bank's two C++ references are calibrated in their own pool, beside Python's three.
    problem_calibrate(problem=two_sum_cpp)
    costs = ReferenceCost.objects.filter(reference__problem=two_sum_cpp)
    by_language: dict[str, set[str]] = {}
    for language, environment in costs.values_list("reference__language", "environment"):
        by_language.setdefault(language, set()).add(environment)
    assert set(by_language) == {"PY3", "CPP17"}
    assert by_language["CPP17"] == {cpp.cost_environment} and by_language["PY3"] == {python.cost_environment}
    assert costs.filter(reference__language="CPP17").count() == 2

    cpp.refresh_from_db()
    python.refresh_from_db()
    # Each is ranked among its own language's references and programs only.
    assert cpp.beyond is not None and cpp.es is not None and cpp.dps is not None
    assert python.beyond is not None and python.es is not None


def test_without_references_a_language_gets_its_es_from_the_first_accepted_program(
    two_sum_cpp: Problem, contestant: Participant
) -> None:
    two_sum_cpp.references.filter(language="CPP17").delete()
    cpp = Submission.objects.create(participant=contestant, problem=two_sum_cpp, language="CPP17", source=CPP_TWO_SUM)
    assert submission_judge(submission_id=cpp.pk) == "AC"
    cpp.refresh_from_db()
    assert cpp.es is not None, "ES ranks C++ programs among themselves from day one"
    assert cpp.beyond is None and cpp.dps is None, "Beyond and DPS wait for C++ references"


def test_native_languages_prefer_the_kernel_s_instruction_count_and_fall_back_to_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.conf import settings

    from arena.services.calibration import meter_for
    from judge.meters.instructions import InstructionsMeter

    # A host with a PMU: C++, Rust and Go are counted by the kernel; the JIT runtimes stay on cpu.
    monkeypatch.setattr(InstructionsMeter, "unavailable_reason", lambda self: "")
    for key in ("CPP17", "RUST", "GO"):
        meter = meter_for(key)
        assert (meter.name, meter.language) == ("instructions", key)
    assert {meter_for(key).name for key in ("JAVA17", "JS")} == {"cpu"}
    assert meter_for("PY3").name == settings.JUDGE_METER

    # Without one (this kind of VM): CPU time, never valgrind's in-process count.
    monkeypatch.setattr(InstructionsMeter, "unavailable_reason", lambda self: "no hardware PMU on this host")
    for key in ("CPP17", "RUST", "GO", "JAVA17", "JS"):
        meter = meter_for(key)
        assert (meter.name, meter.language) == ("cpu", key)
