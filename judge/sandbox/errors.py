"""The sandbox's one error: the host, not the program, failed."""

from __future__ import annotations


class SandboxUnavailable(RuntimeError):
    """The host cannot run jails (binary missing, namespaces refused): an internal error."""
