"""`componentize run COMPONENT.wasm [--dir HOST[::GUEST]]... [--env K=V]... [-- ARGS...]`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from componentize.cli.funnel import Command
from componentize.errors import InputError
from componentize.files import wasm_kind
from componentize.run import load_wasm, run_component


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


@click.command("run", cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("component", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--dir",
    "dirs",
    multiple=True,
    metavar="HOST[::GUEST]",
    help="Preopen a host directory, under GUEST (default: HOST) in the component.",
)
@click.option("--env", "envs", multiple=True, metavar="K=V", help="Set an environment variable.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(
    ctx: click.Context,
    component: Path,
    dirs: tuple[str, ...],
    envs: tuple[str, ...],
    args: tuple[str, ...],
) -> None:
    """Run a command component with wasmtime's WASI 0.2 host.

    Stdio is inherited; the exit status is the component's.  Arguments
    after `--` are passed to the component (argv[0] is the file name).
    """
    data, where = load_wasm(component)
    if wasm_kind(data, where=where) == "module":
        raise InputError(
            "this is a core module, not a component",
            where=where,
            hint=f"run `componentize new {component} -o OUT.wasm` first, then run OUT.wasm",
        )
    result = run_component(
        component,
        args=args,
        env=[parse_env(spec) for spec in envs],
        dirs=[parse_dir(spec) for spec in dirs],
        capture=False,
        program_name=component.name,
    )
    if result.message:
        click.echo(f"error: {result.message}", err=True)
    ctx.exit(result.exit_code)
