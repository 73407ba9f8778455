"""One nsjail run of the harness, watched from outside.

Everything the jailed process writes is untrusted. CPU time and peak memory come from the
rusage of the nsjail process as reaped by ``os.wait4`` here, which includes every process of
the jail that nsjail reaped — the jailed code cannot influence it except by actually working.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from judge.sandbox.command import Instrument
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits
from judge.sandbox.pool import WARM_POOL, _Jail, _kill, _reap, _start

REPORT_TAIL_BYTES = 16 * 1024


@dataclass
class JailRun:
    records: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int | None = None
    signal: int | None = None
    wall_ms: float = 0.0
    cpu_ms: float = 0.0
    max_rss_kb: int = 0
    wall_timeout: bool = False
    output_exceeded: bool = False
    memory_limit_hit: bool = False
    protocol_error: str = ""
    stdout: bytes = b""
    stderr: bytes = b""
    jail_log: str = ""
    instrument_log: str = ""  # valgrind's report (Instrument.valgrind_args); the program can write to it too
    counter: float | None = None  # what Instrument.attach's reader returned after the reap
    # cpuacct usage when the job was handed over (Instrument.settle), None when not measured
    cpu_before_job_ms: float | None = None

    @property
    def job_cpu_ms(self) -> float | None:
        """CPU time from the hand-over of the job to the reap: the program, not the start-up."""
        return None if self.cpu_before_job_ms is None else max(0.0, self.cpu_ms - self.cpu_before_job_ms)

    @property
    def cpu_timeout(self) -> bool:
        return self.signal in (signal.SIGKILL, signal.SIGXCPU) and not self.wall_timeout

    @property
    def seccomp_violation(self) -> bool:
        return self.signal == signal.SIGSYS


SETTLE_POLL_S = 0.005
SETTLE_TIMEOUT_S = 5.0


def _settled_usage_ms(jail: _Jail) -> float | None:
    """The jail's cpuacct usage once it has stopped moving for two polls in a row (the harness
    blocks reading its job); None without cgroups or if it never settles (counted from start)."""
    previous = jail.account.usage_ms()
    quiet = 0
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while previous is not None and time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_S)
        current = jail.account.usage_ms()
        if current is None:
            return None
        quiet = quiet + 1 if current - previous < 0.01 else 0
        if quiet >= 2:
            return current
        previous = current
    return None


def run_harness(
    job: dict[str, Any],
    limits: JailLimits,
    *,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    warm: bool = False,
    instrument: Instrument | None = None,
) -> JailRun:
    """Run the harness on ``job`` (see judge/harness/harness.py) and collect what it reports.

    An instrumented run always gets a jail of its own, started for it (never a warm one).
    """
    if instrument is not None:
        warm = False
    jail = WARM_POOL.acquire(limits) if warm else _start(limits, instrument=instrument)
    cpu_before_job_ms = _settled_usage_ms(jail) if instrument is not None and instrument.settle else None
    payload = json.dumps({**job, "result_fd": jail.result_w}).encode()
    os.close(jail.result_w)
    jail.result_w = -1  # closed exactly once: a second close could hit a reused descriptor
    proc = jail.proc
    started = time.monotonic()
    run = JailRun(cpu_before_job_ms=cpu_before_job_ms)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None

    def feed() -> None:
        try:
            proc.stdin.write(payload)  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
    selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
    selector.register(jail.result_r, selectors.EVENT_READ, "result")
    selector.register(jail.log_r, selectors.EVENT_READ, "log")
    if jail.report_r >= 0:
        selector.register(jail.report_r, selectors.EVENT_READ, "report")
    buffers: dict[str, bytearray] = {
        "stdout": bytearray(),
        "stderr": bytearray(),
        "log": bytearray(),
        "report": bytearray(),
    }
    pending = bytearray()
    result_bytes = 0
    # The wall limit counts from the moment the job is handed over (a warm jail may have
    # waited before that); nsjail's own --time_limit is the backstop.
    deadline = started + limits.wall_time_s
    killed = False
    while selector.get_map():
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            run.wall_timeout = True
            _kill(proc)
            break
        for key, _ in selector.select(timeout=min(timeout, 0.5)):
            fd = key.fd
            chunk = os.read(fd, 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            name = key.data
            if name == "result":
                result_bytes += len(chunk)
                if result_bytes > limits.result_bytes:
                    run.output_exceeded = True
                    _kill(proc)
                    killed = True
                    break
                pending.extend(chunk)
                while b"\n" in pending:
                    line, _, rest = pending.partition(b"\n")
                    pending = bytearray(rest)
                    _parse_record(bytes(line), run, on_record)
            elif name == "report":
                # Only its tail matters (the final summary); the program can write here too.
                buffers[name] = (buffers[name] + chunk)[-REPORT_TAIL_BYTES:]
            else:
                buffers[name].extend(chunk)
                if name != "log" and len(buffers["stdout"]) + len(buffers["stderr"]) > limits.output_bytes:
                    run.output_exceeded = True
                    _kill(proc)
                    killed = True
                    break
        if killed:
            break
    selector.close()
    status, usage = _reap(jail)
    writer.join(timeout=1)
    run.wall_ms = (time.monotonic() - started) * 1000.0
    cgroup_ms = jail.account.usage_ms()
    peak_kb = jail.account.peak_kb()
    run.memory_limit_hit = jail.account.hit_memory_limit()
    jail.account.remove()
    run.cpu_ms = cgroup_ms if cgroup_ms is not None else (usage.ru_utime + usage.ru_stime) * 1000.0
    # The cgroup peak is what the run (nsjail's supervisor included, a few MB) added to the host;
    # ru_maxrss, the fallback, would also count the forking worker's pages from before exec.
    run.max_rss_kb = peak_kb if peak_kb is not None else int(usage.ru_maxrss)
    run.stdout = bytes(buffers["stdout"][:4096])
    run.stderr = bytes(buffers["stderr"][:4096])
    run.jail_log = buffers["log"].decode(errors="replace")[-4000:]
    run.instrument_log = buffers["report"].decode(errors="replace")
    if jail.read_counter is not None:
        run.counter = jail.read_counter()
    code = os.waitstatus_to_exitcode(status)
    # nsjail reports a signalled child as 128 + signal number.
    if 128 < code < 128 + 65:
        run.signal = code - 128
    elif code < 0:
        run.signal = -code
    else:
        run.exit_code = code
    if not run.wall_timeout and run.signal == signal.SIGKILL and run.wall_ms >= limits.wall_time_s * 1000 - 50:
        run.wall_timeout = True
    if warm:
        WARM_POOL.replenish(limits)
    if code == 255 and not run.records and "Couldn't launch" in run.jail_log:
        raise SandboxUnavailable(f"nsjail could not start the jail: {run.jail_log.strip()[-500:]}")
    return run


def _parse_record(line: bytes, run: JailRun, on_record: Callable[[dict[str, Any]], None] | None) -> None:
    try:
        record = json.loads(line)
    except ValueError:
        run.protocol_error = "unparseable line on the result channel"
        return
    if not isinstance(record, dict) or "event" not in record:
        run.protocol_error = "malformed record on the result channel"
        return
    run.records.append(record)
    if on_record is not None:
        on_record(record)
