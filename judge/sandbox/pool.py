"""Jails, each for exactly one run: started for it, or taken ready from a warm pool."""

from __future__ import annotations

import atexit
import os
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from judge.languages.base import Program
from judge.sandbox.cgroups import RunCgroups
from judge.sandbox.command import VALGRIND_EXTRA_MB, Instrument, build_command, cgroup_v1_available
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits

RUN_ALLOWANCE_MB = 24


@dataclass
class _Jail:
    """A started nsjail whose harness is waiting for its job on stdin."""

    proc: subprocess.Popen[bytes]
    result_r: int
    result_w: int
    log_r: int
    account: RunCgroups
    limits: JailLimits
    started: float
    report_r: int = -1
    read_counter: Callable[[], float | None] | None = None

    def alive(self) -> bool:
        """Still waiting for its job? Checked without reaping, so _reap can still collect it."""
        try:
            return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def discard(self) -> None:
        _kill(self.proc)
        _reap(self)
        self.account.remove()


class _Attach:
    """Lets ``Instrument.attach`` open its counter on the nsjail process before that process execs.

    The child writes its pid and waits in preexec for a go-ahead byte; a thread here attaches
    and sends it. Popen itself cannot do this: it blocks until the child has exec'd.
    """

    def __init__(self, attach: Callable[[int], Callable[[], float | None]]) -> None:
        self.attach = attach
        self.pid_r, self.pid_w = os.pipe()
        self.go_r, self.go_w = os.pipe()
        self.reader: Callable[[], float | None] | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            data = os.read(self.pid_r, 32)
            if not data:  # the child never got to preexec
                return
            try:
                self.reader = self.attach(int(data))
            except Exception as exc:  # reported by finish(); the run must not hang on it
                self.error = exc
            try:
                os.write(self.go_w, b"1")
            except OSError:
                pass
        finally:
            os.close(self.pid_r)
            os.close(self.go_w)

    def child_wait(self) -> None:  # in the child between fork and exec: raw syscalls only
        os.write(self.pid_w, str(os.getpid()).encode())
        os.read(self.go_r, 1)

    def finish(self) -> Callable[[], float | None]:
        """In the parent once Popen has returned (or failed): the child no longer needs our ends."""
        os.close(self.pid_w)
        os.close(self.go_r)
        self.thread.join()
        if self.error is not None:
            raise SandboxUnavailable(f"cannot attach to the jail: {self.error}") from self.error
        return self.reader or (lambda: None)

    def abandon(self) -> None:
        """The jail never started: release whatever the attach opened."""
        try:
            self.finish()()
        except Exception:  # nothing to report: the start failure is what the caller raises
            pass


def _start(
    limits: JailLimits,
    *,
    wall_time_s: int | None = None,
    instrument: Instrument | None = None,
    program: Program | None = None,
) -> _Jail:
    result_r, result_w = os.pipe()
    log_r, log_w = os.pipe()
    report_r, report_w = os.pipe() if instrument is not None and instrument.valgrind_args else (-1, -1)
    # One memory cgroup limit covers every process of the run together (a program cannot split
    # its memory between a parent and its children to pass), tmpfs pages included. RLIMIT_AS,
    # per process, turns most single-process overruns into a clean MemoryError (MLE) first.
    # The allowance is nsjail's supervisor and page tables, not the program's.
    extra_mb = VALGRIND_EXTRA_MB if report_w >= 0 else 0
    account = RunCgroups(
        memory_limit_bytes=(max(16, limits.memory_kb // 1024) + RUN_ALLOWANCE_MB + extra_mb) << 20,
        max_pids=limits.max_pids if cgroup_v1_available() else 0,
    )
    pass_fds = tuple(fd for fd in (result_w, log_w, report_w) if fd >= 0)
    try:
        cmd = build_command(
            limits,
            result_fd=result_w,
            log_fd=log_w,
            wall_time_s=wall_time_s,
            instrument=instrument,
            report_fd=report_w if report_w >= 0 else None,
            program=program,
        )
    except SandboxUnavailable:
        for fd in (result_r, result_w, log_r, log_w, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        account.remove()
        raise
    attach = _Attach(instrument.attach) if instrument is not None and instrument.attach is not None else None
    enter = account.preexec()
    preexec = enter
    if attach is not None:

        def preexec() -> None:
            attach.child_wait()
            if enter is not None:
                enter()

    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
            env={},
            start_new_session=True,
            preexec_fn=preexec,
        )
    except OSError as exc:
        for fd in (result_r, result_w, log_r, log_w, report_r, report_w):
            if fd >= 0:
                os.close(fd)
        account.remove()
        if attach is not None:
            attach.abandon()
        raise SandboxUnavailable(f"cannot start nsjail: {exc}") from exc
    os.close(log_w)
    if report_w >= 0:
        os.close(report_w)
    read_counter = None
    if attach is not None:
        try:
            read_counter = attach.finish()
        except SandboxUnavailable:
            jail = _Jail(proc, result_r, result_w, log_r, account, limits, time.monotonic(), report_r)
            jail.discard()
            raise
    # result_w stays open here until the job is sent: the harness needs its number.
    return _Jail(proc, result_r, result_w, log_r, account, limits, time.monotonic(), report_r, read_counter)


class WarmPool:
    """Jails started ahead of time, one set per limits profile, each used for exactly one run.

    Starting nsjail and the interpreter costs most of a small run; a warm jail has paid that
    before the submission arrives. Isolation is unchanged: every run still gets a fresh jail.
    """

    MAX_IDLE_S = 60
    MAX_PROFILES = 4

    def __init__(self, size: int) -> None:
        self.size = size
        self._ready: dict[JailLimits, list[_Jail]] = {}
        self._refills: list[threading.Thread] = []
        self._lock = threading.Lock()

    def acquire(self, limits: JailLimits) -> _Jail:
        jail = None
        with self._lock:
            ready = self._ready.get(limits, [])
            while ready and jail is None:
                candidate = ready.pop()
                if candidate.alive() and time.monotonic() - candidate.started < self.MAX_IDLE_S:
                    jail = candidate
                else:
                    candidate.discard()
        return jail or _start(limits)

    def replenish(self, limits: JailLimits) -> None:
        """Start replacements in the background, after a run, so they do not compete with it."""
        if self.size > 0:
            thread = threading.Thread(target=self._refill, args=(limits,), daemon=True)
            with self._lock:
                self._refills = [t for t in self._refills if t.is_alive()] + [thread]
            thread.start()

    def settle(self, timeout_s: float = 10.0) -> None:
        """Wait for replacement jails being started (tests, shutdown)."""
        with self._lock:
            refills = list(self._refills)
        for thread in refills:
            thread.join(timeout_s)

    def _refill(self, limits: JailLimits) -> None:
        with self._lock:
            ready = self._ready.setdefault(limits, [])
            missing = self.size - len(ready)
            if len(self._ready) > self.MAX_PROFILES:
                for stale in [k for k in self._ready if k != limits][: len(self._ready) - self.MAX_PROFILES]:
                    for old in self._ready.pop(stale):
                        old.discard()
        for _ in range(max(0, missing)):
            try:
                jail = _start(limits, wall_time_s=limits.wall_time_s + self.MAX_IDLE_S)
            except SandboxUnavailable:
                return
            with self._lock:
                self._ready.setdefault(limits, []).append(jail)

    def clear(self) -> None:
        with self._lock:
            jails = [j for ready in self._ready.values() for j in ready]
            self._ready.clear()
        for jail in jails:
            jail.discard()


WARM_POOL = WarmPool(size=int(os.environ.get("JUDGE_WARM_JAILS", "2")))
atexit.register(WARM_POOL.clear)


def _reap(jail: _Jail) -> tuple[int, Any]:
    for stream in (jail.proc.stdin, jail.proc.stdout, jail.proc.stderr):
        if stream is not None and not stream.closed:
            try:
                stream.close()
            except OSError:
                pass
    for fd in (jail.result_r, jail.log_r, jail.result_w, jail.report_r):
        if fd >= 0:
            os.close(fd)
    jail.result_r = jail.log_r = jail.result_w = jail.report_r = -1
    try:
        _, status, usage = os.wait4(jail.proc.pid, 0)
    except ChildProcessError:  # already collected elsewhere: no rusage, the cgroups still have the figures
        code = jail.proc.returncode if jail.proc.returncode is not None else -signal.SIGKILL
        status = (code & 0xFF) << 8 if code >= 0 else -code
        return status, resource.struct_rusage((0.0, 0.0) + (0,) * 14)
    jail.proc.returncode = os.waitstatus_to_exitcode(status)
    return status, usage


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
