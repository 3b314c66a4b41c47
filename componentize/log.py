"""structlog set-up: quiet by default, `-v` for steps, JSON for machines."""

from __future__ import annotations

import logging
import sys

import structlog


def configure(verbosity: int = 0, fmt: str = "text") -> None:
    """Warnings always; `-v` adds info (pipeline steps), `-vv` debug."""
    level = logging.WARNING
    if verbosity == 1:
        level = logging.INFO
    elif verbosity >= 2:
        level = logging.DEBUG
    renderer: structlog.types.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # sys.stderr is looked up at each use, not kept: a caller that swaps it
        # (tests, embedding applications) must not leave us a closed stream.
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    return structlog.PrintLogger(file=sys.stderr)


def get(name: str) -> structlog.typing.FilteringBoundLogger:
    """A logger; used as a library (nothing configured yet), stay quiet on
    stdout: warnings only, on stderr."""
    if not structlog.is_configured():
        configure()
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
