"""The one error type of the fixture toolchain (missing compiler, bad profile, failed build)."""

from __future__ import annotations

from componentize.errors import ComponentizeError


class ToolchainError(ComponentizeError):
    """A compiler is missing or wrong, a profile is bad, or a compile failed.
    Its messages carry tool output in full (for the developer reading it)."""

    max_part = None
