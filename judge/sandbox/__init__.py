"""Run untrusted code in nsjail and observe it from outside."""

from judge.sandbox.command import build_command
from judge.sandbox.errors import SandboxUnavailable
from judge.sandbox.limits import JailLimits
from judge.sandbox.run import JailRun, run_harness

__all__ = ["JailLimits", "JailRun", "SandboxUnavailable", "build_command", "run_harness"]
