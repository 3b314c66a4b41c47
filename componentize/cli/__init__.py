"""The `componentize` command line: one click group, one module per command.

Every command raises its errors to one funnel, `componentize.cli.funnel`:
a `ComponentizeError` prints as one or two lines and exits with status 2,
an `InternalError` says it is a bug and exits with 3; no traceback reaches
the user either way.
"""

from __future__ import annotations

import sys

import click

from componentize import __version__
from componentize import log as logging_setup
from componentize.cli.funnel import report
from componentize.cli.options import logging_options


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="componentize")
@logging_options
def cli() -> None:
    """Turn WASI preview1 core modules into WASI 0.2 components."""


def _register() -> None:
    # Imported here so that `componentize --help` works even while a
    # command module is broken, and so the group module stays tiny.
    from componentize.cli.embed import embed
    from componentize.cli.inspect import inspect
    from componentize.cli.new import new
    from componentize.cli.run import run
    from componentize.cli.wit import wit

    for command in (new, run, inspect, wit, embed):
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    logging_setup.configure()
    _register()
    try:
        status = cli.main(args=argv, prog_name="componentize", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as error:
        sys.exit(report(error, debug="-vv" in (argv or sys.argv)))
    sys.exit(status if isinstance(status, int) else 0)
