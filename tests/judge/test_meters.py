"""Cost meters through the real sandbox: the registry, the fallback when the host lacks a PMU,
valgrind's determinism, the perf plumbing, and how the cpu meter copes with disturbed runs."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.test import Client
from django.test.utils import override_settings

from judge import meters
from judge.boundary import CaseAnswer, Compiled
from judge.meters import (
    METERS,
    PERF_COUNT_SW_TASK_CLOCK,
    PERF_TYPE_SOFTWARE,
    CpuMeter,
    InstructionsMeter,
    PerfError,
    Sample,
    ValgrindMeter,
    get_meter,
    measure_cost,
    meter_status,
    perf,
    register_meter,
    registry,
)
from judge.protocol import CaseSpec, CheckerSpec, JudgeJob
from judge.sandbox import JailLimits, JailRun, run_harness
from judge.sandbox.session import Step

SUM_SQUARES = {"style": "class", "name": "run", "params": [{"name": "n", "type": "int"}]}


def loop_job(body: str, *, n: int) -> JudgeJob:
    source = "class Solution:\n    def run(self, n):\n" + "".join(f"        {line}\n" for line in body.splitlines())
    return JudgeJob(
        source=source,
        signature=SUM_SQUARES,
        cases=[CaseSpec(ordinal=1, kind="performance", args=[n], expected=sum(i * i for i in range(n)))],
        checker=CheckerSpec(),
        time_limit_ms=2000,
        memory_limit_kb=256 * 1024,
    )


LINEAR = "s = 0\nfor i in range(n):\n    s += i * i\nreturn s"
# The same answer with every term recomputed three times: three times the work.
TRIPLED = "s = 0\nfor i in range(n):\n    for _ in range(3):\n        t = i * i\n    s += t\nreturn s"


@pytest.fixture
def no_pmu(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The kernel of a VM without a hardware PMU: perf_event_open fails with ENOENT."""

    def refuse(**kwargs: Any) -> int:
        raise PerfError(errno.ENOENT, "ENOENT (No such file or directory)")

    monkeypatch.setattr(perf, "perf_event_open", refuse)
    monkeypatch.setattr(registry, "_STATUS", {})  # the fallback warning is logged once per process
    perf.perf_unavailable_reason.cache_clear()
    yield
    perf.perf_unavailable_reason.cache_clear()


def test_the_registry_knows_the_three_meters_and_refuses_unknown_names() -> None:
    assert {"cpu", "instructions", "valgrind"} <= set(METERS)
    assert (get_meter("cpu").name, get_meter("cpu").unit) == ("cpu", "ms")
    assert ValgrindMeter.unit == "Ir" and InstructionsMeter.unit == "instructions"
    with pytest.raises(ValueError, match="unknown cost meter 'sundial'"):
        get_meter("sundial")


@pytest.fixture
def restored_registry() -> Iterator[None]:
    """register_meter writes into the one registry every module reads: undo a test's plug-ins."""
    saved = dict(METERS)
    yield
    METERS.clear()
    METERS.update(saved)


def test_a_registered_plugin_is_what_get_meter_returns(restored_registry: None) -> None:
    @register_meter
    class Steps(CpuMeter):
        name = "steps"
        unit = "steps"

    meter = get_meter("steps")
    assert isinstance(meter, Steps) and meter.fingerprint().startswith("steps/")


def test_without_a_pmu_instructions_falls_back_to_cpu_and_says_why(
    no_pmu: None, caplog: pytest.LogCaptureFixture
) -> None:
    meter = InstructionsMeter()
    assert not meter.available()
    assert "no hardware PMU" in meter.unavailable_reason()
    assert "ENOENT" in meter.unavailable_reason()
    with caplog.at_level(logging.WARNING, logger="judge.meters"):
        fallback = get_meter("instructions")
    assert fallback.name == "cpu"
    assert any("'instructions' is unavailable" in r.getMessage() and "PMU" in r.getMessage() for r in caplog.records)
    status = meter_status("instructions")
    assert (status.configured, status.active, status.unit) == ("instructions", "cpu", "ms")
    assert "no hardware PMU" in status.fallback_reason


@pytest.mark.django_db
def test_healthz_shows_the_meter_in_use_and_the_reason_for_a_fallback(no_pmu: None, client: Client) -> None:
    with override_settings(JUDGE_METER="instructions"):
        meter = client.get("/healthz").json()["checks"]["meter"]
    assert meter["ok"] is True
    assert (meter["configured"], meter["active"], meter["unit"]) == ("instructions", "cpu", "ms")
    assert "no hardware PMU" in meter["fallback_reason"]
    with override_settings(JUDGE_METER="cpu"):
        meter = client.get("/healthz").json()["checks"]["meter"]
    assert meter["active"] == "cpu" and "fallback_reason" not in meter


def test_a_refused_perf_event_names_the_paranoid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**kwargs: Any) -> int:
        raise PerfError(errno.EACCES, "EACCES (Permission denied)")

    monkeypatch.setattr(perf, "perf_event_open", refuse)
    perf.perf_unavailable_reason.cache_clear()
    try:
        assert "perf_event_paranoid" in InstructionsMeter().unavailable_reason()
    finally:
        perf.perf_unavailable_reason.cache_clear()


class TaskClockMeter(InstructionsMeter):
    """The instructions meter's plumbing with a software event every Linux kernel has: the
    task clock (ns) of every thread and process of the jail."""

    name = "task-clock-test"
    unit = "ns"
    event_type: ClassVar[int] = PERF_TYPE_SOFTWARE
    event_config: ClassVar[int] = PERF_COUNT_SW_TASK_CLOCK
    event_name: ClassVar[str] = "PERF_COUNT_SW_TASK_CLOCK"


def test_the_perf_counter_follows_every_process_the_jail_starts() -> None:
    meter = TaskClockMeter()
    if not meter.available():
        pytest.skip(meter.unavailable_reason())
    work = "s = 0\nfor i in range(2_000_000):\n    s += i * i\n"
    forking = (
        "import os\npids = []\nfor _ in range(2):\n    pid = os.fork()\n    if pid == 0:\n"
        + "".join(f"        {line}\n" for line in work.splitlines())
        + "        os._exit(0)\n    pids.append(pid)\nfor pid in pids:\n    os.waitpid(pid, 0)\nreturn n"
    )
    job = loop_job(forking, n=3)
    payload = {"source": job.source, "signature": job.signature, "cases": [{"ordinal": 1, "args": [3]}],
               "time_limit_ms": 4000}  # fmt: skip
    run = run_harness(payload, JailLimits.for_cpu(5, memory_kb=256 * 1024), instrument=meter.instrument())
    assert [getattr(record, "output", None) for record in run.answered().values()] == [3]
    assert run.counter is not None
    # The work ran in two forked children, not in the process nsjail started. The run's cpuacct
    # cgroup counts every task; the counter, opened before nsjail existed, must see the same.
    counter_ms = run.counter / 1e6
    assert run.cpu_ms > 100
    # Without the children the counter would hold the start-up alone (~15% of the run). What
    # the cgroup counts beyond the task clock (the tasks' exits, nsjail's set-up before the
    # counter runs) grows with the host's load: 10.6% under a full test run.
    assert abs(counter_ms - run.cpu_ms) < 0.25 * run.cpu_ms


def test_valgrind_counts_are_deterministic_and_grow_with_the_work() -> None:
    meter = get_meter("valgrind")
    assert meter.name == "valgrind", meter_status("valgrind").fallback_reason
    linear = loop_job(LINEAR, n=20_000)
    first = measure_cost(linear, linear.cases, repeats=3, meter=meter)
    second = measure_cost(linear, linear.cases, repeats=3, meter=meter)
    assert first.ok and second.ok, (first.message, second.message)
    assert (first.unit, first.meter) == ("Ir", "valgrind")
    assert len(first.samples) == 1  # deterministic: one run, whatever the repeats
    # The raw counts differ by a few hundred instructions at most (the harness formats its own
    # timings); the cost, in whole quanta, is the same.
    assert abs(first.samples[0] - second.samples[0]) < 0.01 * ValgrindMeter.quantum_ir
    assert first.cost == second.cost > 0
    tripled = loop_job(TRIPLED, n=20_000)
    slower = measure_cost(tripled, tripled.cases, repeats=1, meter=meter)
    assert slower.ok and slower.cost > 2 * first.cost


def test_valgrind_still_checks_the_answers() -> None:
    wrong = loop_job("return -1", n=1000)
    result = measure_cost(wrong, wrong.cases, repeats=1, meter=get_meter("valgrind"))
    assert not result.ok and result.message == "Wrong answer on a performance input."


class DisturbedCpuMeter(CpuMeter):
    """The cpu meter's statistic on a host where another job lands on the second run: it takes 80%
    longer. The runs are real (their answers are checked); their costs are set, since a real
    shared host adds noise of its own (up to 1.9x from run to run on some VMs here)."""

    name = "cpu-disturbed-test"
    COSTS: ClassVar[list[float]] = [20.0, 36.0, 20.2, 20.1, 20.3]

    def __init__(self) -> None:
        self.runs = 0

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        sample = super().measure_once(payload, limits)
        self.runs += 1
        return Sample(self.COSTS[self.runs - 1], sample.run)

    def baseline(self) -> float:
        return 1.0


def test_a_disturbed_cpu_run_does_not_move_the_cost() -> None:
    job = loop_job(LINEAR, n=300_000)
    meter = DisturbedCpuMeter()
    result = measure_cost(job, job.cases, repeats=3, meter=meter)
    assert result.ok and (result.unit, result.meter) == ("ms", "cpu-disturbed-test")
    # The cost is the confirmed minimum: three runs, the two smallest agree within 2%, and the
    # disturbed one is ignored.
    assert result.samples == [20.0, 36.0, 20.2] and result.settled
    assert result.cost == pytest.approx(20.0 - 1.0)


def test_the_cpu_meter_measures_until_its_minimum_is_confirmed() -> None:
    meter = CpuMeter()
    assert not meter.enough([100.0, 120.0, 130.0], repeats=3)  # the two smallest disagree by 20%
    assert meter.enough([100.0, 101.0, 180.0], repeats=3)  # a disturbed run does not hold it up
    assert meter.enough([100.0, 120.0, 130.0, 125.0, 140.0, 150.0, 135.0], repeats=3)  # 2 x 3 + 1 runs at most
    assert not meter.enough([100.0, 100.0], repeats=3)
    assert meter.enough([100.0], repeats=1)
    assert meter.summarize([130.0, 100.0, 101.0]) == 100.0
    # Settled: the minimum was confirmed, not merely the last of the runs allowed.
    assert meter.settled([100.0, 101.0, 180.0], repeats=3)
    assert not meter.settled([100.0, 120.0, 130.0, 125.0, 140.0, 150.0, 135.0], repeats=3)
    assert meter.settled([100.0], repeats=1)


def test_every_measurement_records_its_meter_and_unit_and_the_fingerprint_names_the_meter() -> None:
    job = loop_job(LINEAR, n=300_000)
    result = measure_cost(job, job.cases, repeats=2, meter=get_meter("cpu"))
    assert result.ok and (result.meter, result.unit) == ("cpu", "ms") and result.cost > 0
    prints = {name: cls().fingerprint() for name, cls in METERS.items()}
    assert all(print_.startswith(name) and len(print_) <= 64 for name, print_ in prints.items())
    assert len(set(prints.values())) == len(prints)


def test_a_slow_meter_gets_proportionally_more_time() -> None:
    payload = {"time_limit_ms": 1000, "cases": []}
    limits = JailLimits.for_cpu(3, memory_kb=128 * 1024)
    scaled_payload, scaled = ValgrindMeter().scaled_limits(payload, limits)
    assert scaled_payload["time_limit_ms"] == 1000 * ValgrindMeter.slowdown
    assert scaled.cpu_time_s == 3 * ValgrindMeter.slowdown and scaled.memory_kb == limits.memory_kb
    assert CpuMeter().scaled_limits(payload, limits) == (payload, limits)


def test_the_cpu_meter_counts_from_the_hand_over_and_still_sees_hidden_children() -> None:
    from judge.sandbox.command import Instrument

    limits = JailLimits.for_cpu(5, memory_kb=256 * 1024)
    empty = run_harness(meters.EMPTY_JOB, limits, instrument=Instrument(settle=True))
    assert empty.end.cpu_before_job_ms is not None and empty.job_cpu_ms is not None
    # The interpreter's start-up happens before the hand-over and is left out.
    assert empty.end.cpu_before_job_ms > 5 * empty.job_cpu_ms
    # Work done in a child process after the hand-over counts like the harness's own.
    work = "s = 0\nfor i in range(3_000_000):\n    s += i * i\n"
    hidden = "import os\npid = os.fork()\nif pid == 0:\n" + "".join(f"    {line}\n" for line in work.splitlines())
    hidden += "    os._exit(0)\nos.waitpid(pid, 0)\nreturn n"

    def job_cpu_ms(body: str) -> float:
        job = loop_job(body, n=3)
        payload = {"source": job.source, "signature": job.signature, "cases": [{"ordinal": 1, "args": [3]}],
                   "time_limit_ms": 4000}  # fmt: skip
        run = run_harness(payload, limits, instrument=Instrument(settle=True))
        assert [getattr(record, "output", None) for record in run.answered().values()] == [3]
        assert run.job_cpu_ms is not None
        return run.job_cpu_ms

    # The same work in the program's own process, as the yardstick (no fixed figure: hosts differ).
    direct = job_cpu_ms(work + "return n")
    assert direct > 5 * empty.job_cpu_ms
    assert job_cpu_ms(hidden) > 0.6 * direct, "the child's work is counted"


def test_valgrind_works_in_a_worker_with_many_descriptors_open() -> None:
    """Valgrind answers EBADF for descriptors near RLIMIT_NOFILE; a busy worker's pipes land there."""
    import os

    held = [os.open("/dev/null", os.O_RDONLY) for _ in range(60)]
    try:
        linear = loop_job(LINEAR, n=20_000)
        result = measure_cost(linear, linear.cases, repeats=1, meter=get_meter("valgrind"))
    finally:
        for fd in held:
            os.close(fd)
    assert result.ok, result.message


class TurnTakingMeter(CpuMeter):
    """Records which program each run was of; the program named "wrong" answers wrongly, and
    the program named "noisy" needs five runs before its minimum is confirmed."""

    name = "cpu-turns-test"
    COSTS: ClassVar[dict[str, list[float]]] = {"steady": [10.0, 10.1, 10.0], "noisy": [20.0, 30.0, 40.0, 45.0, 20.2]}

    def __init__(self) -> None:
        self.order: list[str] = []

    def measure_once(self, payload: dict[str, Any], limits: JailLimits) -> Sample:
        program = payload["source"]
        self.order.append(program)
        runs = self.order.count(program)
        (n,) = payload["cases"][0]["args"]  # the expected answer never enters the jail
        expected = sum(i * i for i in range(n))
        output = expected + 1 if program == "wrong" else expected
        run = JailRun(limits, load=Step(Compiled(), 0.0, 0.0), steps=[(1, Step(CaseAnswer(output), 0.0, 0.0))])
        return Sample(self.COSTS.get(program, [5.0] * 9)[runs - 1], run)

    def baseline(self) -> float:
        return 1.0


def test_interleaved_measurement_takes_turns_until_each_program_has_enough() -> None:
    job = loop_job(LINEAR, n=10)
    jobs = [JudgeJob(**{**job.__dict__, "source": name}) for name in ("steady", "noisy", "wrong")]
    meter = TurnTakingMeter()
    steady, noisy, wrong = meters.measure_interleaved(jobs, job.cases, repeats=3, meter=meter)
    # One run of each in turn; the wrong one stops at its first run, the steady one after its
    # third, the noisy one goes on alone until its two smallest samples agree.
    assert meter.order == ["steady", "noisy", "wrong", "steady", "noisy", "steady", "noisy", "noisy", "noisy"]
    assert steady.ok and steady.cost == 9.0 and steady.samples == [10.0, 10.1, 10.0]
    assert noisy.ok and noisy.cost == 19.0 and len(noisy.samples) == 5
    assert not wrong.ok and wrong.message == "Wrong answer on a performance input."
