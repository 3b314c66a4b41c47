"""The `componentize` command line: one click group, one module per command.

Every command funnels user errors through `main`: a `ComponentizeError`
prints as one or two lines and exits with status 2, an `InternalError`
says it is a bug; no traceback reaches the user either way.
"""

from __future__ import annotations

import sys

import click

from componentize import __version__
from componentize import log as logging_setup
from componentize.cli.options import logging_options
from componentize.errors import ComponentizeError, InternalError

EXIT_USAGE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="componentize")
@logging_options
def cli() -> None:
    """Turn WASI preview1 core modules into WASI 0.2 components."""


def _register() -> None:
    # Imported here so that `componentize --help` works even while a
    # command module is broken, and so the group module stays tiny.
    from componentize.cli.inspect import inspect
    from componentize.cli.new import new
    from componentize.cli.run import run
    from componentize.cli.wit import wit

    for command in (new, run, inspect, wit):
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    logging_setup.configure()
    _register()
    try:
        status = cli.main(args=argv, prog_name="componentize", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as usage:
        usage.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except ComponentizeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_USAGE)
    except InternalError as bug:
        click.echo(str(bug), err=True)
        sys.exit(3)
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(1)
    except Exception as bug:  # noqa: BLE001 - last line of defence, reported as a bug
        if "-vv" in (argv or sys.argv):
            raise
        click.echo(str(InternalError(f"{type(bug).__name__}: {bug} (rerun with -vv)")), err=True)
        sys.exit(3)
    sys.exit(status if isinstance(status, int) else 0)
