"""Benchmark: `componentize new` against the official toolchain, in the same run.

For a zig-built printf hello world at -Oz, the bundled example and a few
corpus programs (all -Oz), measure

- wall time (median of N) of ours, in-process (`componentize()`) and as a
  CLI process (`python -m componentize new`), and of the official toolchain
  (`jco new IN --wasi-command -o OUT`, which embeds the official preview1
  adapter), also a process;
- output size, the bytes added to the module (component - module) and the
  shim (ours: the `shim` core module; official: the adapter core module).

The baseline is the official toolchain: ratios are ours / official for the
CLI time and for the added bytes.  The issue's size target is checked for
the hello world: our added bytes <= 40% of the official adapter's.

For fairness, every component (ours and official) is run with wasmtime's
WASI 0.2 host and compared with the module under native preview1 (stdout,
stderr, exit code); the official hello world's output is printed.

jco comes from the npm registry and is installed once into benches/.cache/
(gitignored); without node/npm, or if the install fails, only ours is
measured and the script says so.

    PYTHONPATH=. python benches/bench_componentize.py [--runs N] [--no-official]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from componentize import log  # noqa: E402
from componentize.assemble import Options, componentize  # noqa: E402
from componentize.component import Sort, core_modules, decode_component, find_names  # noqa: E402
from componentize.run import RunResult, run_component  # noqa: E402
from toolchains import RunSpec, build_corpus, build_text  # noqa: E402
from toolchains.native import run_module  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "npm"
JCO_PACKAGE = "@bytecodealliance/jco"
CORPUS = ("c/args_env", "c/clocks_random", "c/stdin_echo", "cpp/classes", "cpp/iostream")
HELLO = '#include <stdio.h>\nint main(void) {\n    printf("Hello, world!\\n");\n    return 0;\n}\n'
TARGET = 0.40  # issue 4: our added bytes <= 40% of the official adapter's, hello world


@dataclass
class Program:
    label: str
    path: Path
    run: RunSpec = field(default_factory=RunSpec)


@dataclass
class Measured:
    seconds: float  # median wall time
    size: int  # component bytes
    shim: int | None  # shim / adapter core module bytes
    check: str  # "same as native" or what differed


# ---------------------------------------------------------------- programs


def programs() -> list[Program]:
    progs = [Program("hello (printf, Oz)", build_text(HELLO, name="bench-hello", opt="Oz").path)]
    example = ROOT / "examples" / "hello.wasm"
    if example.is_file():
        progs.append(Program("examples/hello.wasm", example))
    for fixture in build_corpus(opt_levels=("Oz",)):
        if fixture.name in CORPUS and fixture.run.preopen is None:
            progs.append(Program(fixture.id, fixture.path, fixture.run))
    return progs


# ---------------------------------------------------------------- the official toolchain


def find_jco() -> tuple[Path | None, str]:
    """(the jco executable, its version) or (None, why not)."""
    jco = CACHE / "node_modules" / ".bin" / "jco"
    if not jco.is_file():
        if not (shutil.which("node") and shutil.which("npm")):
            return None, "node/npm not found"
        print(f"installing {JCO_PACKAGE} from the npm registry into {CACHE} ...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", JCO_PACKAGE],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not jco.is_file():
            return None, f"npm install failed: {done.stderr.strip().splitlines()[-1:]}"
    version = subprocess.run([str(jco), "--version"], capture_output=True, text=True, check=False)
    if version.returncode != 0:
        return None, f"jco does not run: {version.stderr.strip()[:200]}"
    return jco, version.stdout.strip()


# ---------------------------------------------------------------- measuring


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    return interleaved([fn], runs)[0]


def interleaved(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median wall time of each of `fns`, run in turn `runs` times: alternating
    them lets load from other work on the machine hit all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - start)
    return [statistics.median(ts) for ts in times]


def run_checked(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")


def shim_size(component: bytes) -> int | None:
    """Our `shim` core module, or the official adapter core module, in bytes."""
    c = decode_component(component)
    names = find_names(c)
    module_names = names.sorts.get(Sort.CORE_MODULE, {}) if names else {}
    modules = [(module_names.get(m.index, ""), m.size) for m in core_modules(c)]
    ours = sum(size for name, size in modules if name == "shim")
    return ours or sum(size for name, size in modules if "adapter" in name) or None


def compare(native: RunResult, component: bytes, spec: RunSpec) -> tuple[str, RunResult]:
    got = run_component(component, args=spec.args, env=dict(spec.env), stdin=spec.stdin)
    diffs = [
        what
        for what, a, b in (
            ("stdout", native.stdout, got.stdout),
            ("stderr", native.stderr, got.stderr),
            ("exit code", native.exit_code, got.exit_code),
        )
        if a != b
    ]
    return ("same as native" if not diffs else "DIFFERS: " + ", ".join(diffs)), got


def measure_ours(prog: Program, native: RunResult, runs: int) -> Measured:
    data = prog.path.read_bytes()
    component = componentize(data, Options(wasi_version="auto")).component
    seconds = median_seconds(lambda: componentize(data, Options(wasi_version="auto")), runs)
    check, _ = compare(native, component, prog.run)
    return Measured(seconds, len(component), shim_size(component), check)


def measure_processes(
    prog: Program, jco: Path | None, tmp: Path, native: RunResult, runs: int
) -> tuple[float, tuple[Measured, RunResult] | None]:
    """Our CLI's median time, and the official toolchain's measurement if there is one."""
    ours = [sys.executable, "-m", "componentize", "new", str(prog.path), "-o", str(tmp / "o.wasm")]
    if jco is None:
        return median_seconds(lambda: run_checked(ours), runs), None
    out = tmp / "official.wasm"
    official = [str(jco), "new", str(prog.path), "--wasi-command", "-o", str(out)]
    ours_s, official_s = interleaved(
        [lambda: run_checked(ours), lambda: run_checked(official)], runs
    )
    component = out.read_bytes()
    check, got = compare(native, component, prog.run)
    return ours_s, (Measured(official_s, len(component), shim_size(component), check), got)


# ---------------------------------------------------------------- report


def kib(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024:.1f}K"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--no-official", action="store_true", help="measure only ours")
    args = parser.parse_args()
    log.configure(0)  # warnings only: the pipeline's info lines would drown the tables

    jco, jco_note = (None, "skipped (--no-official)") if args.no_official else find_jco()
    progs = programs()
    print(
        f"componentize new: median of {args.runs} runs; official = jco {jco_note}"
        if jco
        else f"componentize new: median of {args.runs} runs; official not measured: "
        f"{jco_note} (only ours is measured)"
    )

    rows: list[tuple[Program, int, Measured, float, Measured | None]] = []
    official_hello: RunResult | None = None
    with tempfile.TemporaryDirectory(prefix="bench-componentize-") as tmp:
        for prog in progs:
            spec = prog.run
            native = run_module(prog.path, args=spec.args, env=dict(spec.env), stdin=spec.stdin)
            ours = measure_ours(prog, native, args.runs)
            cli, measured = measure_processes(prog, jco, Path(tmp), native, args.runs)
            official = None
            if measured is not None:
                official, got = measured
                if official_hello is None:
                    official_hello = got
            rows.append((prog, prog.path.stat().st_size, ours, cli, official))
    print_tables(rows, jco is not None)
    print_startup(jco, args.runs)
    if official_hello is not None:
        print(
            f"\nofficial component of {progs[0].label} under wasmtime WASI 0.2: "
            f"exit {official_hello.exit_code}, stdout {official_hello.stdout!r}, "
            f"stderr {official_hello.stderr!r}"
        )


def print_startup(jco: Path | None, runs: int) -> None:
    """Process start-up alone, so the CLI times above can be read net of it."""
    ours = median_seconds(
        lambda: run_checked([sys.executable, "-m", "componentize", "--help"]), runs
    )
    line = f"\nprocess start-up alone (ms): ours `componentize --help` {ours * 1000:.0f}"
    if jco is not None:
        official = median_seconds(lambda: run_checked([str(jco), "--version"]), runs)
        line += f", official `jco --version` {official * 1000:.0f}"
    print(line)


def print_tables(
    rows: list[tuple[Program, int, Measured, float, Measured | None]], with_official: bool
) -> None:
    print("\nwall time (ms)")
    head = f"  {'program':22} {'ours (in-proc)':>14} {'ours (CLI)':>11}"
    print(head + (f" {'official':>9} {'CLI ratio':>10}" if with_official else ""))
    for prog, _, ours, cli, off in rows:
        line = f"  {prog.label:22} {ours.seconds * 1000:14.0f} {cli * 1000:11.0f}"
        if off is not None:
            line += f" {off.seconds * 1000:9.0f} {cli / off.seconds:9.2f}x"
        print(line)

    print("\nsize (bytes added = component - module; K = 1024 bytes)")
    head = f"  {'program':22} {'module':>8} {'ours':>8} {'added':>7} {'shim':>6}"
    print(
        head
        + (f" {'official':>8} {'added':>7} {'adapter':>7} {'ratio':>6}" if with_official else "")
    )
    for prog, module, ours, _, off in rows:
        line = (
            f"  {prog.label:22} {kib(module):>8} {kib(ours.size):>8} "
            f"{kib(ours.size - module):>7} {kib(ours.shim):>6}"
        )
        if off is not None:
            ratio = (ours.size - module) / (off.size - module)
            line += (
                f" {kib(off.size):>8} {kib(off.size - module):>7} {kib(off.shim):>7} {ratio:5.0%}"
            )
        print(line)

    print("\nbehaviour under wasmtime WASI 0.2 vs the module under native preview1")
    for prog, _, ours, _, off in rows:
        line = f"  {prog.label:22} ours: {ours.check:16}"
        print(line + f" official: {off.check}" if off is not None else line.rstrip())

    prog, module, ours, _, off = rows[0]
    added = ours.size - module
    if off is None:
        print(
            f"\ntarget ({prog.label}): ours adds {added} bytes; "
            "no official measurement to compare with"
        )
        return
    ratio = added / (off.size - module)
    verdict = "HOLDS" if ratio <= TARGET else "MISSED"
    print(
        f"\ntarget ({prog.label}): ours adds {added} bytes, official adds {off.size - module}: "
        f"{ratio:.1%} (target <= {TARGET:.0%}): {verdict}"
    )


if __name__ == "__main__":
    main()
