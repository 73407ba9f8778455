"""Run untrusted code in nsjail and observe it from outside."""

from judge.sandbox.nsjail import JailLimits, JailRun, SandboxUnavailable, build_command, run_harness

__all__ = ["JailLimits", "JailRun", "SandboxUnavailable", "build_command", "run_harness"]
