"""All of issue 13's measurements in one run, each against its baseline.

Runs, one after the other, each as its own process so that one's imports
and caches do not colour the next:

1. run time per preview1 call: bench_runtime.py (component / native
   preview1, ours and the official adapter's component, every workload);
2. `componentize new`, start to finish: bench_new.py (whole-process CPU,
   ours / `wasm-tools component new --adapt`, both as PyPI's `wasm-tools`
   command and as the binary it runs), then bench_batch.py (per module in
   a batch, against the same two);
3. size: bench_size.py (bytes added over the 72 conformance modules, ours /
   official, and where our bytes go).

    PYTHONPATH=. python benches/bench_issue13.py [--runs N] [--quick] [--before COMMIT]

`--quick` takes fewer runs of each (for a look, not for a note); `--before`
also measures the package at COMMIT (a git worktree) in bench_runtime.py
and bench_new.py, interleaved with this checkout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def steps(runs: int | None, quick: bool, before: str | None) -> list[tuple[str, list[str]]]:
    def n(default: int, fast: int) -> list[str]:
        return ["--runs", str(runs if runs is not None else (fast if quick else default))]

    then = ["--before", before] if before else []
    return [
        (
            "1. run time per preview1 call",
            ["bench_runtime.py", *(then or ["--no-before"]), *n(15, 5)],
        ),
        ("2a. componentize new, one module", ["bench_new.py", *then, *n(7, 3)]),
        ("2b. componentize new, a batch", ["bench_batch.py", *n(3, 1)]),
        ("3. size", ["bench_size.py"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="runs for every bench (default: each its own)")
    parser.add_argument("--quick", action="store_true", help="fewer runs of each")
    parser.add_argument(
        "--before", metavar="COMMIT", help="run time and `new` of the package at COMMIT too"
    )
    args = parser.parse_args()
    failed = []
    for title, argv in steps(args.runs, args.quick, args.before):
        print(f"\n== {title}: {' '.join(argv)}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / argv[0]), *argv[1:]], check=False)
        print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
        if done.returncode != 0:
            failed.append(title)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
