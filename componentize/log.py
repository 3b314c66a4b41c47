"""structlog set-up: quiet by default, `-v` for steps, JSON for machines.

structlog (which imports asyncio) is loaded only once something is to be
logged: until `configure` asks for steps, `get` hands out a logger whose
info and debug calls do nothing, so a quiet run does not pay for it.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import structlog

_level = logging.WARNING  # what `configure` last asked for
_format = "text"


class Logger(Protocol):
    def debug(self, event: str, **kw: Any) -> Any: ...
    def info(self, event: str, **kw: Any) -> Any: ...
    def warning(self, event: str, **kw: Any) -> Any: ...


class _Quiet:
    """Info and debug dropped without loading structlog; warnings still go
    through it (they always show)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, event: str, **kw: Any) -> None:
        return None

    def info(self, event: str, **kw: Any) -> None:
        return None

    def warning(self, event: str, **kw: Any) -> Any:
        return _structlog_logger(self.name).warning(event, **kw)


def configure(verbosity: int = 0, fmt: str = "text") -> None:
    """Warnings always; `-v` adds info (pipeline steps), `-vv` debug."""
    global _level, _format
    _level, _format = logging.WARNING, fmt
    if verbosity == 1:
        _level = logging.INFO
    elif verbosity >= 2:
        _level = logging.DEBUG
    if _level == logging.WARNING and "structlog" not in sys.modules:
        return  # nothing but warnings: structlog is set up when the first comes
    _setup()


def _setup() -> None:
    import structlog

    renderer: structlog.types.Processor
    if _format == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_level),
        # sys.stderr is looked up at each use, not kept: a caller that swaps it
        # (tests, embedding applications) must not leave us a closed stream.
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    import structlog

    return structlog.PrintLogger(file=sys.stderr)


def _structlog_logger(name: str) -> Any:
    import structlog

    if not structlog.is_configured():
        _setup()
    return structlog.get_logger(name)


def get(name: str) -> Logger:
    """A logger; used as a library (nothing configured), quiet: warnings
    only, on stderr."""
    if _level == logging.WARNING:
        return _Quiet(name)
    logger: Logger = _structlog_logger(name)
    return logger
