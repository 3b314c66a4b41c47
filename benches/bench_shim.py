"""Shim size per preview1 function, and with all of them, against the official adapter.

    PYTHONPATH=. python benches/bench_shim.py [--adapter PATH]

For each shim export: the bytes it adds to a shim gc'd to nothing (start-up
and `cabi_realloc`); shared code counts in every function that reaches it.
Then the shim gc'd to all 46 preview1 functions (+ `run`), and the ratio to
the official preview1 command adapter when its file is found (in the jco
npm package that benches/bench_componentize.py installs under
benches/.cache, or at --adapter).  The issue 5 target: ratio <= 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from componentize import shim
from componentize.shim.sizes import function_sizes, gc_size

ADAPTER_GLOB = "**/jco/lib/wasi_snapshot_preview1.command.wasm"
CACHE = Path(__file__).parent / ".cache"


def find_adapter(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    return next(iter(sorted(CACHE.glob(ADAPTER_GLOB))), None) if CACHE.is_dir() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", help="path of the official preview1 command adapter")
    args = parser.parse_args()

    module = shim.load_shim_module()
    base = gc_size(module, set())
    preview1 = [n for n in shim.PREVIEW1_FUNCTIONS if n in set(shim.shim_exports(module))]
    print(f"shim gc'd to nothing: {base} bytes; full prebuilt shim: {len(shim.load_shim())} bytes")
    sizes = function_sizes(module)
    print(f"{'function':<26} {'bytes':>7}")
    for name in sorted(preview1, key=lambda n: -sizes[n]):
        print(f"{name:<26} {sizes[name]:>7}")

    everything = gc_size(module, {*preview1, shim.RUN_EXPORT})
    print(f"\nall {len(preview1)} preview1 functions + run: {everything} bytes")
    adapter = find_adapter(args.adapter)
    if adapter is None or not adapter.is_file():
        print("official adapter not found (run benches/bench_componentize.py once to fetch jco)")
        return
    size = adapter.stat().st_size
    ratio = everything / size
    verdict = "holds" if ratio <= 1 else "MISSED"
    print(f"official adapter ({adapter.name}): {size} bytes")
    print(f"ours/official = {ratio:.2f} (target <= 1: {verdict})")


if __name__ == "__main__":
    main()
