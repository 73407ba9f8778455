"""One jail running the harness, driven one step at a time and watched from outside.

The worker hands the harness its header (the source), then one case at a time, and reads one
record back per step (judge/harness/harness.py). Between steps the harness holds no case. Each
step's CPU time, wall time and peak memory are measured here from the run's cgroups, at
boundaries the worker controls, and its limits are enforced here: the worker kills the jail
when a step's CPU budget is spent, whatever the program does to its own timers.

Cleanup has exactly one place, ``JailSession.close``: kill, reap, cgroup removal and the
closing of every descriptor. It runs from ``__exit__``, so no exception can skip it, and it
is idempotent.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from judge.boundary import (
    BoundaryError,
    CaseRecord,
    LineReader,
    LoadRecord,
    Verdict,
    parse_case_record,
    parse_load_record,
)
from judge.languages.base import Program
from judge.sandbox.command import Instrument
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits
from judge.sandbox.pool import WARM_POOL, _Jail, _kill, _reap, _start

KEEP_OUTPUT_BYTES = 4096
KEEP_LOG_BYTES = 16 * 1024
REPORT_TAIL_BYTES = 16 * 1024
# How long a finished harness may take to exit once its stdin is closed.
CLOSE_GRACE_S = 2.0
# Under valgrind, exiting also runs the tool's summary and writes its output file, ~25-50x slower.
VALGRIND_CLOSE_GRACE_S = 10.0
# What is left in the meter's report pipe once the jail is dead is read, up to this much.
REPORT_DRAIN_TIMEOUT_S = 2.0
SETTLE_POLL_S = 0.005
SETTLE_TIMEOUT_S = 5.0
HOST_CPUS = os.cpu_count() or 1

R = TypeVar("R")


class JailLost(RuntimeError):
    """The jail's supervisor was killed from outside (an operator, the host's OOM killer): the
    judge's failure, retried, never a verdict against the program."""


class Stop(StrEnum):
    """Why a step ended without a valid record. The jail is dead after any of them."""

    CPU = "cpu"  # the step's CPU budget, measured by the worker
    WALL = "wall"  # the step's wall-clock budget
    OUTPUT = "output"  # stdout and stderr together over the cap
    INVALID = "invalid"  # the result pipe carried something that is not a valid record
    EXITED = "exited"  # the process ended (or closed the pipe) before answering


@dataclass
class Step:
    record: LoadRecord | CaseRecord | None
    cpu_ms: float
    wall_ms: float
    peak_kb: int | None = None
    # The kernel killed a process of the run for memory during this step.
    oom_killed: bool = False
    stop: Stop | None = None
    # For Stop.INVALID: what was wrong, and whose verdict it is (RTE, OLE or WA).
    invalid_reason: str = ""
    invalid_verdict: Verdict = Verdict.RTE


@dataclass
class JailEnd:
    """What is known once the jail is reaped."""

    exit_code: int | None = None
    signal: int | None = None
    killed_by_worker: bool = False
    oom_killed: bool = False
    memory_limit_hit: bool = False
    cpu_ms: float = 0.0
    max_rss_kb: int = 0
    wall_ms: float = 0.0
    stdout: bytes = b""
    stderr: bytes = b""
    jail_log: str = ""
    instrument_log: str = ""
    counter: float | None = None
    cpu_before_job_ms: float | None = None

    @property
    def job_cpu_ms(self) -> float | None:
        """CPU time from the hand-over of the job to the reap: the program, not the start-up."""
        return None if self.cpu_before_job_ms is None else max(0.0, self.cpu_ms - self.cpu_before_job_ms)

    @property
    def seccomp_violation(self) -> bool:
        return self.signal == signal.SIGSYS


class JailSession:
    """A jail for one run. ``with JailSession(limits) as session: session.load(...); session.case(...)``."""

    def __init__(
        self,
        limits: JailLimits,
        *,
        warm: bool = False,
        instrument: Instrument | None = None,
        program: Program | None = None,
    ) -> None:
        self.limits = limits
        # A program of another language runs from its own build directory: no warm jail has it.
        self.program = program
        self.warm = warm and instrument is None and program is None
        self.jail: _Jail = (
            WARM_POOL.acquire(limits) if self.warm else _start(limits, instrument=instrument, program=program)
        )
        self.end: JailEnd | None = None
        self.dead = False
        self._killed = False
        self._closed = False
        self._reader = LineReader()
        self._kept: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray(), "log": bytearray()}
        self._report = bytearray()
        self._output_bytes = 0
        self._started = time.monotonic()
        self._selector: selectors.BaseSelector | None = None
        valgrind = instrument is not None and bool(instrument.valgrind_args)
        self._close_grace_s = VALGRIND_CLOSE_GRACE_S if valgrind else CLOSE_GRACE_S
        try:
            cpu_before = _settled_usage_ms(self.jail) if instrument is not None and instrument.settle else None
            self._cpu_before_job_ms = cpu_before
            proc = self.jail.proc
            assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
            self._stdin_fd = proc.stdin.fileno()
            os.set_blocking(self._stdin_fd, False)
            self._selector = selectors.DefaultSelector()
            self._selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
            self._selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
            self._selector.register(self.jail.result_r, selectors.EVENT_READ, "result")
            self._selector.register(self.jail.log_r, selectors.EVENT_READ, "log")
            if self.jail.report_r >= 0:
                self._selector.register(self.jail.report_r, selectors.EVENT_READ, "report")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> JailSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- steps ------------------------------------------------------------------------------
    def load(self, *, source: str, signature: dict[str, Any], cpu_limit_ms: float, wall_limit_s: float) -> Step:
        if self.program is not None:  # a built driver: its header is the result descriptor alone
            data = b"%d\n" % self.jail.result_w
        else:
            header = {"source": source, "signature": signature, "result_fd": self.jail.result_w}
            data = json.dumps(header, separators=(",", ":")).encode() + b"\n"
        # The harness knows the pipe's number from the header; our copy of its write end goes now.
        os.close(self.jail.result_w)
        self.jail.result_w = -1
        return self._step(data, parse_load_record, cpu_limit_ms=cpu_limit_ms, wall_limit_s=wall_limit_s)

    def case(
        self, args: list[Any], *, cpu_limit_ms: float, wall_limit_s: float, record_bytes: int, wire: bytes | None = None
    ) -> Step:
        """One case: ``args`` as the harness's JSON line, or ``wire``, a driver's encoding of them."""
        data = wire if wire is not None else json.dumps({"args": args}, separators=(",", ":")).encode() + b"\n"
        self._reader.limit = record_bytes
        return self._step(data, parse_case_record, cpu_limit_ms=cpu_limit_ms, wall_limit_s=wall_limit_s)

    def _step(self, data: bytes, parse: Callable[[bytes], R], *, cpu_limit_ms: float, wall_limit_s: float) -> Step:
        if self.dead:
            raise RuntimeError("the jail of this session has stopped")
        assert self._selector is not None
        account = self.jail.account
        account.reset_peak()
        self._reader.discard()  # bytes written before this step's case was sent answer nothing
        cpu_start = account.usage_ms()
        oom_before = account.oom_kills()
        started = time.monotonic()
        deadline = started + wall_limit_s
        unsent = memoryview(data)
        self._selector.register(self._stdin_fd, selectors.EVENT_WRITE, "stdin")
        writing = True

        def finish(record: Any, stop: Stop | None, error: BoundaryError | None = None) -> Step:
            if writing:
                self._selector.unregister(self._stdin_fd)  # type: ignore[union-attr]
            now = time.monotonic()
            usage = account.usage_ms()
            cpu_ms = usage - cpu_start if usage is not None and cpu_start is not None else (now - started) * 1000
            step = Step(
                record=record,
                cpu_ms=cpu_ms,
                wall_ms=(now - started) * 1000,
                peak_kb=account.peak_kb(),
                oom_killed=account.oom_kills() > oom_before,
            )
            if stop is not None:
                step.stop = stop
                if stop is Stop.EXITED:
                    self.dead = True  # it ended by itself (or was killed from outside): close() tells
                else:
                    self._kill()
            if error is not None:
                step.invalid_reason, step.invalid_verdict = error.reason, error.verdict
            return step

        while True:
            now = time.monotonic()
            if now >= deadline:
                return finish(None, Stop.WALL)
            poll_s = deadline - now
            if cpu_start is not None:
                used = (account.usage_ms() or cpu_start) - cpu_start
                if used >= cpu_limit_ms:
                    return finish(None, Stop.CPU)
                # CPU time cannot grow faster than wall time on every core of the host.
                poll_s = min(poll_s, max(0.002, min(0.05, (cpu_limit_ms - used) / 1000 / HOST_CPUS)))
            for key, _ in self._selector.select(timeout=poll_s):
                name = key.data
                if name == "stdin":
                    try:
                        sent = os.write(self._stdin_fd, unsent[:65536])
                        unsent = unsent[sent:]
                    except BlockingIOError:
                        continue
                    except OSError:  # the harness is gone; the result pipe will say so
                        unsent = unsent[len(unsent) :]
                    if not len(unsent):
                        self._selector.unregister(self._stdin_fd)
                        writing = False
                    continue
                chunk = os.read(key.fd, 65536)
                if name == "result":
                    if not chunk:
                        self._selector.unregister(key.fileobj)
                        return finish(None, Stop.EXITED)
                    self._reader.feed(chunk)
                    try:
                        line = self._reader.next_line()
                        if line is None:
                            continue
                        # The first line is the answer. More lines can come from the program's
                        # own writes or forked copies of the harness; they answer nothing.
                        return finish(parse(line), None)
                    except BoundaryError as error:
                        return finish(None, Stop.INVALID, error)
                if not chunk:
                    self._selector.unregister(key.fileobj)
                    continue
                if not self._keep(name, chunk):
                    return finish(None, Stop.OUTPUT)

    def _keep(self, name: str, chunk: bytes) -> bool:
        """Keep a little of what the jail printed; False once stdout and stderr pass the cap."""
        if name == "report":
            # Only its tail matters (the final summary); the program can write here too.
            self._report = (self._report + chunk)[-REPORT_TAIL_BYTES:]
            return True
        kept = self._kept[name]
        if name == "log":
            self._kept[name] = (kept + chunk)[-KEEP_LOG_BYTES:]
            return True
        if len(kept) < KEEP_OUTPUT_BYTES:
            kept.extend(chunk[: KEEP_OUTPUT_BYTES - len(kept)])
        self._output_bytes += len(chunk)
        return self._output_bytes <= self.limits.output_bytes

    def _kill(self) -> None:
        self.dead = True
        if not self._killed:
            self._killed = True
            _kill(self.jail.proc)

    # --- the end ------------------------------------------------------------------------------
    def close(self) -> JailEnd:
        """Let a finished harness exit, then kill, reap, account and release everything."""
        if self.end is not None:
            return self.end
        end = JailEnd(cpu_before_job_ms=getattr(self, "_cpu_before_job_ms", None))
        jail = self.jail
        try:
            if not self.dead and self._selector is not None:
                self._drain_until_exit()
        except Exception:
            pass
        finally:
            if jail.proc.returncode is None and jail.alive():
                self._killed = True
            _kill(jail.proc)
            if self._selector is not None:
                self._selector.close()
            self._drain_report()
            status, usage = _reap(jail)
            try:
                end.wall_ms = (time.monotonic() - self._started) * 1000.0
                cgroup_ms = jail.account.usage_ms()
                peak_kb = jail.account.max_peak_kb()
                end.memory_limit_hit = jail.account.hit_memory_limit()
                end.oom_killed = jail.account.oom_kills() > 0
                end.cpu_ms = cgroup_ms if cgroup_ms is not None else (usage.ru_utime + usage.ru_stime) * 1000.0
                # The cgroup peak is what the run added to the host; ru_maxrss, the fallback, would
                # also count the forking worker's pages from before exec.
                end.max_rss_kb = peak_kb if peak_kb is not None else int(usage.ru_maxrss)
                if jail.read_counter is not None:
                    end.counter = jail.read_counter()
            finally:
                jail.account.remove()
            end.stdout = bytes(self._kept["stdout"])
            end.stderr = bytes(self._kept["stderr"])
            end.jail_log = self._kept["log"].decode(errors="replace")
            end.instrument_log = self._report.decode(errors="replace")
            end.killed_by_worker = self._killed
            if os.WIFSIGNALED(status):
                # nsjail itself died of a signal. Ours when we killed the run; otherwise someone
                # outside the jail did it, which is no verdict on the program.
                end.signal = os.WTERMSIG(status)
                if not self._killed:
                    self.end = end
                    raise JailLost(f"the jail's supervisor was killed by signal {end.signal} from outside")
            else:
                code = os.WEXITSTATUS(status)
                # nsjail reports a child killed by a signal as 128 + its number.
                if 128 < code < 128 + 65:
                    end.signal = code - 128
                else:
                    end.exit_code = code
            self.end = end
            if self.warm:
                WARM_POOL.replenish(self.limits)
        if end.exit_code == 255 and "Couldn't launch" in end.jail_log:
            raise SandboxUnavailable(f"nsjail could not start the jail: {end.jail_log.strip()[-500:]}")
        return end

    def _drain_until_exit(self) -> None:
        """Close stdin (the harness's signal to exit) and read what is left until it has."""
        assert self._selector is not None
        proc = self.jail.proc
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + self._close_grace_s
        while self._selector.get_map() and time.monotonic() < deadline:
            for key, _ in self._selector.select(timeout=max(0.0, deadline - time.monotonic())):
                if key.data == "stdin":
                    self._selector.unregister(key.fileobj)
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    self._selector.unregister(key.fileobj)
                elif key.data != "result" and not self._keep(key.data, chunk):
                    return
            if not self.jail.alive():
                return
        # Every pipe is at EOF once the jailed process has exited, a moment before nsjail itself
        # has: wait for it, so a jail that ended by itself is not counted as killed by the worker.
        while self.jail.alive() and time.monotonic() < deadline:
            time.sleep(0.002)

    def _drain_report(self) -> None:
        """Read the rest of the meter's report once the jail is killed or gone. The meter's final
        summary is the last thing its process writes before it exits, so it can still sit in the
        pipe when the jail is seen dead; every writer is gone (or going: SIGKILL was sent), so
        EOF comes soon, and the timeout bounds a jail that is slow to die."""
        fd = self.jail.report_r
        if fd < 0:
            return
        deadline = time.monotonic() + REPORT_DRAIN_TIMEOUT_S
        try:
            os.set_blocking(fd, False)
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                while (left := deadline - time.monotonic()) > 0:
                    if not selector.select(timeout=left):
                        continue
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        return
                    self._keep("report", chunk)
        except OSError:
            return


def _settled_usage_ms(jail: _Jail) -> float | None:
    """The jail's cpuacct usage once it has stopped moving for two polls in a row (the harness
    blocks reading its header); None without cgroups or if it never settles (counted from start)."""
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
