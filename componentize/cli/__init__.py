"""The `componentize` command line: one click group, one module per command.

Every command raises its errors to one funnel, `componentize.cli.funnel`:
a `ComponentizeError` prints as one or two lines and exits with status 2,
an `InternalError` says it is a bug and exits with 3; no traceback reaches
the user either way.
"""

from __future__ import annotations

import importlib
import sys

import click

from componentize import __version__
from componentize.cli.funnel import report
from componentize.cli.options import logging_options

# Each command is imported only when it runs (or for --help), so that
# `componentize --version` loads neither wasmtime nor the pipeline.
COMMANDS = {
    "new": "componentize.cli.new:new",
    "run": "componentize.cli.run:run",
    "inspect": "componentize.cli.inspect:inspect",
    "wit": "componentize.cli.wit:wit",
    "embed": "componentize.cli.embed:embed",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="componentize")
@logging_options
def cli() -> None:
    """Turn WASI preview1 core modules into WASI 0.2 components."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    if "componentize.log" in sys.modules:  # called again in one process: forget `-v`
        sys.modules["componentize.log"].configure()
    try:
        status = cli.main(args=argv, prog_name="componentize", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as error:
        sys.exit(report(error, debug="-vv" in (argv or sys.argv)))
    sys.exit(status if isinstance(status, int) else 0)
