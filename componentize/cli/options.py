"""Options every command accepts, so `-v` works before or after the command name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _set_verbosity(ctx: click.Context, _param: click.Parameter, value: int) -> int:
    if value:
        root = ctx.find_root()
        root.meta["verbose"] = root.meta.get("verbose", 0) + value
        from componentize import log  # structlog only when asked for (--version stays fast)

        log.configure(root.meta["verbose"], root.meta.get("log_format", "text"))
    return value


def _set_format(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        root = ctx.find_root()
        root.meta["log_format"] = value
        from componentize import log

        log.configure(root.meta.get("verbose", 0), value)
    return value


def logging_options(f: F) -> F:
    """`-v/--verbose` (repeatable) and `--log-format text|json`."""
    f = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_set_verbosity,
        help="Show pipeline steps (-vv: debug).",
    )(f)
    f = click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        expose_value=False,
        callback=_set_format,
        help="Log lines on stderr as text (default) or JSON.",
    )(f)
    return f
