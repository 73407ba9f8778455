"""Compiling a submission: the compiler runs in a jail of its own, and its artefact is cached.

The compile jail is the run jail's sibling (judge/sandbox/command.py): the same namespaces, no
network, uid 65534, the same seccomp policy, with the toolchain's directories bound read-only,
the build directory writable at /box, and limits of its own: CPU time, wall clock, memory (one
cgroup for the compiler and every process it starts), processes, file size and output. A build
that breaks any of them is a compile error with a plain message; the host only ever reads the
compiler's output (capped) and checks the artefact with lstat.

The artefact cache is keyed by the language, the toolchain's identity and every file of the
build (the contestant's source and the generated driver), so a resubmission, a rejudge and
every performance run of the same source reuse one build. Compile errors are cached too.
A build is made in a private directory and renamed into place: two workers compiling the same
source at once both succeed, and one of the directories wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from judge.languages.base import Build, Language, Program, Toolchain
from judge.sandbox.cgroups import RunCgroups
from judge.sandbox.command import build_command, cgroup_v1_available
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits

ARTIFACT_DIR = Path(os.environ.get("JUDGE_ARTIFACT_DIR", Path(__file__).resolve().parents[2] / "var" / "artifacts"))
# The compiler's combined stdout and stderr: what is kept, and what kills the build.
KEEP_OUTPUT_BYTES = 64 * 1024
MAX_OUTPUT_BYTES = 4 << 20
COMPILE_FILE_MB = 64
COMPILE_TMPFS_BYTES = 256 << 20
# How long nsjail may take to exit once the compiler's output and its log are at EOF.
EXIT_GRACE_S = 2.0
# How many builds the cache keeps, and how many bytes at most (the least recently used go first):
# a build may reach COMPILE_FILE_MB per file, so the count alone would let a stream of large
# builds fill the disk.
CACHE_ENTRIES = int(os.environ.get("JUDGE_ARTIFACT_ENTRIES", "2000"))
CACHE_BYTES = int(os.environ.get("JUDGE_ARTIFACT_BYTES", str(4 << 30)))
CE_FILE = ".compile-error"
OK_FILE = ".built"


def build_key(language: Language, files: dict[str, str]) -> str:
    toolchain = language.toolchain()
    identity = [] if toolchain is None else [_identity(path) for path in toolchain.identity]
    # The command too: a changed flag must not reuse the builds (or compile errors) of the old one.
    command = [] if toolchain is None else [list(toolchain.argv), list(toolchain.env), list(toolchain.mounts)]
    blob = json.dumps([language.key, identity, command, sorted(files.items())], separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _identity(path: str) -> list[object]:
    try:
        st = os.stat(path)
        return [path, st.st_size, int(st.st_mtime)]
    except OSError:
        return [path, None]


def build_program(language: Language, signature: dict, source: str) -> Build:
    """The built program of ``source`` (from the cache when it was built before)."""
    files = language.files(signature, source)
    key = build_key(language, files)
    final = ARTIFACT_DIR / key[:2] / key
    cached = _cached(final)
    if cached is not None:
        return cached
    work = ARTIFACT_DIR / "work" / uuid.uuid4().hex
    work.mkdir(parents=True)
    try:
        for name, text in files.items():
            (work / name).write_text(text, encoding="utf-8", errors="surrogatepass")
        # The compiler runs as uid 65534: it may write here, and nowhere else.
        os.chmod(work, 0o777)
        toolchain = language.toolchain()
        started = time.monotonic()
        message = None if toolchain is None else compile_in_jail(language, toolchain, work)
        if message is not None:
            message = language.compile_hint(source, message)
        compile_ms = (time.monotonic() - started) * 1000.0
        for path in work.iterdir():  # the compiler's files become root's: no jail's uid owns a cached build
            os.lchown(path, 0, 0)
        if message is None and toolchain is not None and not _is_regular(work / toolchain.artefact):
            message = "The compiler produced no program."
        if message is None and toolchain is not None and _client_request(work / toolchain.artefact):
            message = CLIENT_REQUEST_MESSAGE
        marker = work / (OK_FILE if message is None else CE_FILE)
        marker.write_text(message or "", encoding="utf-8")
        os.chmod(work, 0o755)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(work, final)
        except OSError:  # another worker built the same source first: theirs stands
            shutil.rmtree(work, ignore_errors=True)
        _prune()
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    built = _cached(final)
    if built is None:
        raise SandboxUnavailable("the build directory vanished")
    built.cached, built.compile_ms = False, compile_ms
    return built


def _cached(final: Path) -> Build | None:
    if _is_regular(final / OK_FILE):
        os.utime(final)  # the cache drops the least recently used builds first
        return Build(ok=True, box=str(final), cached=True)
    if _is_regular(final / CE_FILE):
        return Build(ok=False, message=(final / CE_FILE).read_text(encoding="utf-8"), cached=True)
    return None


# Valgrind's client-request preamble on amd64 (rolq $3, $13, $61, $51 of %rdi): a program that
# contains it can ask the valgrind meter to run a function natively, uncounted, or to write into
# its log. Refused at build time (docs/security.md says what this does not cover).
CLIENT_REQUEST_PREAMBLE = bytes.fromhex("48c1c70348c1c70d48c1c73d48c1c733")
CLIENT_REQUEST_MESSAGE = "The program contains a valgrind client request, which the judge does not accept."
SCAN_CHUNK = 1 << 20


def _client_request(path: Path) -> bool:
    """Does the artefact contain the client-request preamble anywhere (read without following links)?"""
    overlap = len(CLIENT_REQUEST_PREAMBLE) - 1
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as file:
        tail = b""
        while chunk := file.read(SCAN_CHUNK):
            if CLIENT_REQUEST_PREAMBLE in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _is_regular(path: Path) -> bool:
    try:
        return path.lstat().st_size >= 0 and path.is_file() and not path.is_symlink()
    except OSError:
        return False


def _prune() -> None:
    """Drop the least recently used builds until the cache holds at most CACHE_ENTRIES of them
    and CACHE_BYTES in all (the newest build always stays)."""
    try:
        entries = [p for shard in ARTIFACT_DIR.iterdir() if shard.name != "work" for p in shard.iterdir()]
    except OSError:
        return
    sized = sorted(((_mtime(p), _size(p), p) for p in entries), key=lambda entry: entry[0])
    total = sum(size for _, size, _ in sized)
    count = len(sized)
    for _, size, old in sized[:-1]:
        if count <= CACHE_ENTRIES and total <= CACHE_BYTES:
            break
        shutil.rmtree(old, ignore_errors=True)
        count, total = count - 1, total - size


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (links not followed; iterative, so no depth of
    directories a build left behind can exhaust the stack)."""
    total = 0
    pending = [str(path)]
    while pending:
        try:
            with os.scandir(pending.pop()) as found:
                for entry in found:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
    return total


def compile_limits(toolchain: Toolchain) -> JailLimits:
    return JailLimits(
        cpu_time_s=toolchain.cpu_time_s,
        wall_time_s=2 * toolchain.cpu_time_s + 5,
        memory_kb=(toolchain.address_space_mb or toolchain.memory_mb) * 1024,
        output_bytes=MAX_OUTPUT_BYTES,
        max_pids=toolchain.max_pids,
        file_size_kb=COMPILE_FILE_MB * 1024,
        open_files=256,
        tmpfs_bytes=COMPILE_TMPFS_BYTES,
    )


def compile_in_jail(language: Language, toolchain: Toolchain, work: Path) -> str | None:
    """Run the compiler on ``work``; None when it succeeded, else the message to show."""
    limits = compile_limits(toolchain)
    program = Program(
        argv=toolchain.argv,
        box=str(work),
        mounts=toolchain.mounts,
        env=toolchain.env,
        address_space=toolchain.address_space_mb is not None,
        writable=True,
        stack_mb=64,
    )
    log_r, log_w = os.pipe()
    account = RunCgroups(
        memory_limit_bytes=(toolchain.memory_mb + 64) << 20,
        max_pids=limits.max_pids if cgroup_v1_available() else 0,
    )
    try:
        cmd = build_command(limits, result_fd=None, log_fd=log_w, program=program)
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(log_w,),
            env={},
            start_new_session=True,
            preexec_fn=account.preexec(),
        )
    except BaseException:
        os.close(log_r)
        os.close(log_w)
        account.remove()
        raise
    os.close(log_w)
    output = bytearray()
    log = bytearray()
    total = 0
    flooded = out_of_time = False
    deadline = time.monotonic() + limits.wall_time_s
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            selector.register(log_r, selectors.EVENT_READ)
            while selector.get_map() and time.monotonic() < deadline:
                for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    elif key.fileobj is not proc.stdout:
                        log = (log + chunk)[-16384:]
                    else:
                        total += len(chunk)
                        if len(output) < KEEP_OUTPUT_BYTES:
                            output.extend(chunk[: KEEP_OUTPUT_BYTES - len(output)])
                if total > MAX_OUTPUT_BYTES:
                    flooded = True
                    break
    finally:
        out_of_time = time.monotonic() >= deadline
        if not flooded and not out_of_time:
            # Every pipe is at EOF a moment before nsjail itself has exited: killing it then would
            # turn a good build into a failed one.
            try:
                proc.wait(timeout=EXIT_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        killed_by_us = flooded or out_of_time or proc.returncode is None
        _killpg(proc)
        status = proc.wait()
        os.close(log_r)
        if proc.stdout is not None:
            proc.stdout.close()
        cpu_ms = account.usage_ms()
        oom = account.oom_kills() > 0 or account.hit_memory_limit()
        account.remove()
    if status == 255 and not output:
        # nsjail's own failure (it could not build the jail): the judge's problem, never cached.
        raise SandboxUnavailable(f"nsjail could not start the compiler: {log.decode(errors='replace')[-500:]}")
    if status < 0 and not killed_by_us:
        # nsjail was killed from outside (an operator, the host's OOM killer): no verdict, never cached.
        raise SandboxUnavailable(f"the compile jail was killed by signal {-status} from outside")
    text = language.clean_message(output.decode("utf-8", errors="replace"))
    if flooded:
        return "Compilation stopped: the compiler's output passed 4 MB.\n" + text
    if out_of_time or status == 128 + signal.SIGXCPU or -status == signal.SIGXCPU:
        return f"Compilation took too long (the limit is {toolchain.cpu_time_s} s CPU).\n" + text
    if cpu_ms is not None and cpu_ms >= toolchain.cpu_time_s * 1000 * 0.95:
        return f"Compilation took too long (the limit is {toolchain.cpu_time_s} s CPU).\n" + text
    if status != 0 and oom:
        return f"Compilation ran out of memory (the limit is {toolchain.memory_mb} MB).\n" + text
    if status != 0:
        return text or f"Compilation failed (exit status {status})."
    return None


def _killpg(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
