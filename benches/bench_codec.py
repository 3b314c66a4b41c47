"""Benchmark: decode + encode of a core module with componentize.wasm, in MB/s.

Usage (from the repository root):

    PYTHONPATH=. python benches/bench_codec.py                # largest corpus fixture
    PYTHONPATH=. python benches/bench_codec.py FILE.wasm -n 50

Without FILE it builds (or reuses, cached) the fixture corpus through
`toolchains.build_corpus()` and takes its largest module.  It prints the time
of `decode_module`, `encode_module` (unchanged module: sections copied),
a canonical re-encode, and decoding every function body to instructions, each
against two baselines measured in the same run: a plain `bytes` copy of the
file and `wasmtime.Module.validate` of it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime

from componentize.wasm import decode_expr, decode_module, encode_module


def best_of(n: int, fn: Callable[[], object]) -> float:
    """Median wall time of `n` runs, in seconds (median: robust to a noisy shared machine)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def largest_fixture() -> Path:
    try:
        from toolchains import build_corpus
    except ImportError:
        sys.exit("no FILE given and toolchains/ is not importable; pass a .wasm file")
    fixtures = build_corpus()
    return max((Path(f.path) for f in fixtures), key=lambda p: p.stat().st_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("-n", type=int, default=20, help="runs per measurement (median)")
    args = parser.parse_args()
    path = args.file or largest_fixture()
    data = path.read_bytes()
    mb = len(data) / 1e6
    module = decode_module(data)
    assert encode_module(module) == data, "round trip is not byte-identical"

    copy = best_of(args.n, lambda: bytes(bytearray(data)))
    engine = wasmtime.Engine()
    validate = best_of(max(3, args.n // 4), lambda: wasmtime.Module.validate(engine, data))
    dec = best_of(args.n, lambda: decode_module(data))
    enc = best_of(args.n, lambda: encode_module(module))
    both = best_of(args.n, lambda: encode_module(decode_module(data)))
    canon = best_of(max(3, args.n // 4), lambda: encode_module(module, reuse_original=False))
    code_bytes = sum(len(c.code) for c in module.codes)
    bodies = best_of(3, lambda: [decode_expr(c.code) for c in module.codes])

    print(
        f"module: {path} ({len(data):,} bytes, {len(module.codes)} functions, "
        f"{code_bytes:,} bytes of code)"
    )
    print(f"{'measurement':34} {'ms':>9} {'MB/s':>9} {'x copy':>8} {'x validate':>11}")

    def row(label: str, seconds: float, size_mb: float = mb) -> None:
        print(
            f"{label:34} {seconds * 1e3:9.2f} {size_mb / seconds:9.1f} "
            f"{seconds / copy:8.1f} {seconds / validate:11.2f}"
        )

    row("baseline: bytes copy", copy)
    row("baseline: wasmtime validate", validate)
    row("decode_module", dec)
    row("encode_module (unchanged)", enc)
    row("decode + encode", both)
    row("encode_module (canonical)", canon)
    row("decode all bodies (instructions)", bodies, code_bytes / 1e6)
    print(
        f"\ndecode+encode: {mb / both:.1f} MB/s; "
        f"{both / validate:.2f}x the time wasmtime takes to validate the same module"
    )


if __name__ == "__main__":
    main()
