"""The production units set explicit resource limits and a restart policy, and systemd accepts them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
UNITS = sorted(UNIT_DIR.glob("*.service"))
SIZE_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file; a key may repeat (ExecStartPre=), so each maps to its values."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: {line!r} before any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(path: Path) -> dict[str, str]:
    """The [Service] section; the last value of a key wins, as in systemd."""
    return {key: values[-1] for key, values in parse_unit(path)["Service"].items()}


def size_bytes(value: str) -> int:
    match = re.fullmatch(r"(\d+)([KMGT]?)", value)
    assert match, f"not a byte size: {value!r}"
    return int(match[1]) * SIZE_SUFFIX[match[2]]


def test_the_four_production_units_are_there() -> None:
    assert [unit.name for unit in UNITS] == [
        "codearena-beat.service",
        "codearena-judge.service",
        "codearena-maintenance.service",
        "codearena-web.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.stem)
def test_every_service_sets_descriptor_task_and_memory_limits(unit: Path) -> None:
    settings = service(unit)
    assert int(settings["LimitNOFILE"]) >= 1024
    assert int(settings["TasksMax"]) > 0
    memory_max = size_bytes(settings["MemoryMax"])
    assert memory_max >= 128 << 20
    if "MemoryHigh" in settings:
        assert size_bytes(settings["MemoryHigh"]) < memory_max


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.stem)
def test_every_service_restarts_after_a_failure_without_giving_up(unit: Path) -> None:
    settings = service(unit)
    assert settings["Restart"] in ("always", "on-failure")
    assert settings["RestartSec"]
    assert parse_unit(unit)["Unit"]["StartLimitIntervalSec"] == ["0"]


def test_the_judge_worker_has_room_for_its_jails() -> None:
    settings = service(UNIT_DIR / "codearena-judge.service")
    # ~6 descriptors per jail, up to 9 jails per Celery process, growing with -c and the warm
    # pool: out of descriptors, every run fails, so the limit stays far above the need.
    assert int(settings["LimitNOFILE"]) >= 65536
    # On a host without cgroup v1 controllers the jails live in this unit: two runs at their
    # memory limit, the worker and its warm jails must fit.
    assert size_bytes(settings["MemoryMax"]) >= 2 << 30
    # One judged program killed for memory must not stop the worker.
    assert settings["OOMPolicy"] == "continue"
    # The worker creates the jails' cgroups under /sys/fs/cgroup; a read-only view breaks that.
    assert settings.get("ProtectControlGroups", "no") == "no"
    assert settings["User"] == "root"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_every_directive(tmp_path: Path) -> None:
    # verify also checks that the programs and environment files exist, which they do only on a
    # deployed host: point the commands at /bin/true and make the environment files optional.
    for unit in UNITS:
        text = re.sub(r"^(ExecStart(?:Pre)?=)\S+", r"\1/bin/true", unit.read_text(), flags=re.M)
        text = re.sub(r"^EnvironmentFile=(?!-)", "EnvironmentFile=-", text, flags=re.M)
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
