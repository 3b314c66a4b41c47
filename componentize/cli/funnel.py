"""The one place the command line turns an error into a message and an exit status.

Commands raise; they never print an error or pick an exit status themselves.
`report` prints the error (never a traceback) and says which status it means.
Commands are `Command`s, whose errors reach `report` however they are invoked:
from the `componentize` group (`componentize.cli.main`, which sends what
escapes click there too) or alone, as the tests do.
"""

from __future__ import annotations

from typing import Any

import click

from componentize.errors import ComponentizeError, InternalError, WitError

EXIT_FAILURE = 1
"""Aborted, interrupted, or stdout closed under us."""
EXIT_USAGE = 2
"""A user error (bad arguments, bad input, a module we refuse); nothing was written."""
EXIT_INTERNAL = 3
"""A bug in componentize."""


def report(error: BaseException, *, debug: bool = False) -> int:
    """Print `error` as the command line shows it; return the exit status.

    An exception that is none of ours is reported as an `InternalError`,
    unless `debug` (`-vv`) asks for its traceback: then it is re-raised.
    """
    if isinstance(error, click.exceptions.Exit):
        return error.exit_code
    if isinstance(error, click.ClickException):
        error.show()
        return EXIT_USAGE
    if isinstance(error, click.exceptions.Abort):
        click.echo("aborted", err=True)
        return EXIT_FAILURE
    if isinstance(error, WitError):
        # `file:line:col: message`, the form editors and compilers use.
        click.echo(str(error), err=True)
        return EXIT_USAGE
    if isinstance(error, ComponentizeError):
        click.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    if isinstance(error, InternalError):
        click.echo(str(error), err=True)
        return EXIT_INTERNAL
    if isinstance(error, (BrokenPipeError, KeyboardInterrupt)):
        return EXIT_FAILURE
    if debug:
        raise error
    click.echo(str(InternalError(f"{type(error).__name__}: {error} (rerun with -vv)")), err=True)
    return EXIT_INTERNAL


class Command(click.Command):
    """A click command whose `ComponentizeError`s and `InternalError`s go
    through `report` even when it runs alone, outside `componentize.cli.main`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ComponentizeError, InternalError) as error:
            ctx.exit(report(error))
