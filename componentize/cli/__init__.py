"""The `componentize` command line: one click group (`componentize.cli.group`),
one module per command.

Every command raises its errors to one funnel, `componentize.cli.funnel`:
a `ComponentizeError` prints as one or two lines and exits with status 2,
an `InternalError` says it is a bug and exits with 3; no traceback reaches
the user either way.
"""

from __future__ import annotations

import sys

from componentize import __version__

# What click's version option prints; answered before click is imported, so
# that `componentize --version` costs little more than the interpreter.
VERSION_LINE = f"componentize, version {__version__}"


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    if (sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(VERSION_LINE)
        sys.exit(0)
    from componentize.cli.funnel import report
    from componentize.cli.group import cli

    if "componentize.log" in sys.modules:  # called again in one process: forget `-v`
        sys.modules["componentize.log"].configure()
    try:
        status = cli.main(args=argv, prog_name="componentize", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as error:
        sys.exit(report(error, debug="-vv" in (argv or sys.argv)))
    sys.exit(status if isinstance(status, int) else 0)
