"""The click group of the `componentize` command line; one module per command.

`componentize.cli.main` runs it (and answers `--version` without it).
"""

from __future__ import annotations

import importlib

import click

from componentize import __version__
from componentize.cli import VERSION_LINE
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
@click.version_option(__version__, message=VERSION_LINE)
@logging_options
def cli() -> None:
    """Turn WASI preview1 core modules into WASI 0.2 components."""
