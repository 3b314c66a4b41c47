"""`componentize run [OPTIONS] COMPONENT.wasm [ARGS...]`: run a command component
(or a core module, componentized in memory) under wasmtime's WASI 0.2 host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from componentize.assemble import Options, componentize
from componentize.cli.funnel import Command
from componentize.errors import InputError
from componentize.files import wasm_kind
from componentize.run import Limits, invoke_component, load_wasm, run_component


def parse_dir(spec: str) -> tuple[str, str]:
    """`HOST[::GUEST]` -> (host, guest); the guest name defaults to HOST as given."""
    host, sep, guest = spec.partition("::")
    if not host or (sep and not guest):
        raise InputError(f"bad --dir `{spec}`", hint="write --dir HOST or --dir HOST::GUEST")
    if not os.path.isdir(host):
        raise InputError("no such directory", where=host, hint="--dir takes an existing directory")
    return host, guest if sep else host


def parse_env(spec: str) -> tuple[str, str]:
    """`K=V`, or `K` alone to pass the host's value of K (as wasmtime does)."""
    key, sep, value = spec.partition("=")
    if not key:
        raise InputError(f"bad --env `{spec}`", hint="write --env NAME=VALUE")
    if sep:
        return key, value
    if key not in os.environ:
        raise InputError(f"--env {key}: not set in this environment", hint="write --env NAME=VALUE")
    return key, os.environ[key]


@click.command(
    "run",
    cls=Command,
    context_settings={"help_option_names": ["-h", "--help"], "allow_interspersed_args": False},
)
@click.argument("component", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    metavar="HOST[::GUEST]",
    help="Preopen a host directory, under GUEST (default: HOST) in the component.",
)
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="K=V",
    help="Set an environment variable (`--env K` alone passes the host's K).",
)
@click.option("--argv0", help="argv[0] of the program (default: the file name).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Stop the program (a trap, exit 134) after this much wall-clock time.",
)
@click.option(
    "--fuel",
    type=click.IntRange(min=1),
    help="Stop the program (a trap, exit 134) after about this many wasm instructions.",
)
@click.option(
    "--invoke",
    "call",
    metavar="'NAME(ARGS)'",
    help="Call this export instead of wasi:cli/run, arguments in WAVE (as wasmtime run "
    "--invoke), e.g. 'greet(\"you\")' or 'api#greet(\"you\")'; prints the result.",
)
@click.option(
    "--wasi-version",
    default="auto",
    show_default=True,
    help="For a core module: the WASI 0.2.N of the component made from it.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(
    ctx: click.Context,
    component: Path,
    dirs: tuple[str, ...],
    envs: tuple[str, ...],
    argv0: str | None,
    timeout: float | None,
    fuel: int | None,
    call: str | None,
    wasi_version: str,
    args: tuple[str, ...],
) -> None:
    """Run a command component (or a core module, componentized in memory)
    with wasmtime's WASI 0.2 host.

    Options go before the file; everything after it is the program's
    arguments (a leading `--` is dropped).  Stdio is inherited; the exit
    status is the program's.  Compiled code is kept in wasmtime's cache, so
    running the same component again compiles nothing.
    """
    data, where = load_wasm(component)
    target: bytes | Path = component  # by path, so messages name the file
    if wasm_kind(data, where=where) == "module":
        options = Options(wasi_version=wasi_version, source=where, validate=False)
        result = componentize(data, options)
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        target = result.component
    if args[:1] == ("--",):
        args = args[1:]
    common: dict[str, Any] = {
        "args": args,
        "env": [parse_env(spec) for spec in envs],
        "dirs": [parse_dir(spec) for spec in dirs],
        "capture": False,
        "program_name": argv0 or component.name,
        "limits": Limits(timeout, fuel),
        "compile_cache": True,
    }
    if call is not None:
        ran, printed = invoke_component(target, call, **common)
        if printed is not None:
            click.echo(printed)
    else:
        ran = run_component(target, **common)
    if ran.message:
        click.echo(f"error: {ran.message}", err=True)
    ctx.exit(ran.exit_code)
