"""Benchmark: parse + resolve of the bundled wit/ (ms, median of N runs).

Baseline in the same run: just reading the same files from disk, so the
ratio says how much our front end costs over raw I/O.  Also reports
printing the resolved model back to WIT text.

    PYTHONPATH=. python benches/bench_wit.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from componentize.wit import bundled_wit_dir, print_resolve, resolve_dir
from componentize.wit.model import Version


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    wit = bundled_wit_dir()
    files = sorted(wit.rglob("*.wit"))
    size = sum(p.stat().st_size for p in files)

    def read_all() -> object:
        return [Path(p).read_text(encoding="utf-8") for p in files]

    resolved = resolve_dir(wit, all_features=True)
    base = median_ms(read_all, runs)
    full = median_ms(lambda: resolve_dir(wit, all_features=True), runs)
    gated = median_ms(lambda: resolve_dir(wit, version=Version(0, 2, 0)), runs)
    printing = median_ms(lambda: print_resolve(resolved), runs)
    print(f"wit/: {len(files)} files, {size / 1024:.1f} KiB, median of {runs} runs")
    print(f"  read files (baseline)      {base:8.2f} ms")
    print(f"  parse + resolve            {full:8.2f} ms   ({full / base:.0f}x baseline)")
    print(f"  parse + resolve @0.2.0     {gated:8.2f} ms   ({gated / base:.0f}x baseline)")
    print(f"  print resolved model       {printing:8.2f} ms   ({printing / base:.0f}x baseline)")
    print(f"  throughput                 {size / 1024 / (full / 1000):8.0f} KiB/s")


if __name__ == "__main__":
    main()
