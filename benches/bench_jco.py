"""Benchmark: the WASI conformance suite under jco/Node, ours against the official adapter.

Every test of the suite (72 `wasm32-wasip1` modules) is made into a
component two ways:

- ours       this checkout's `componentize()`;
- official   the official preview1 adapter's component, `jco new IN
             --wasi-command` (the pinned jco 1.35 of `toolchains/jco.py`).

(Components from before issue 10, e.g. at b0afd90, do not transpile with
jco 1.35 at all: "unsupported section found in module using multiple
memories".)

Transpiling (`jco transpile` of all 72 components in one Node process, the
pinned jco-transpile through `toolchains/jco_driver.mjs`, fresh output
directories) is timed on its own, `--transpile-runs` times, ours and official
alternating.  Running: each test is run as the conformance tests run it
(`toolchains.jco.run_component_jco`: one Node process per run,
preview2-shim's WASIShim, the spec's args and env, a fresh copy of its root
dir preopened as "/", not timed), wall time of the process; the two
components of a test run one after the other (which goes first alternates),
test after test, and the whole suite `--runs` times.  Printed: the total over
the suite (median of the runs' totals), ratio ours / official, how many tests
give the spec's exit code and output with each, and the tests with the
largest and smallest ratios.  Node's own start-up (`node -e 0`) is printed
for scale: it is most of every run.

    PYTHONPATH=. python benches/bench_jco.py [--runs N] [--transpile-runs M]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import variants  # noqa: E402

from componentize import log  # noqa: E402
from componentize.run import RunResult  # noqa: E402
from toolchains import jco  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from wasi_testsuite import Case, discover, fresh_copy, suite_dir  # noqa: E402

KINDS = ("ours", "official")


def transpile_seconds(components: list[bytes]) -> float:
    """One Node process transpiling every component into fresh directories."""
    prefix = jco.ensure_jco()
    with tempfile.TemporaryDirectory(prefix="bench-jco-transpile-") as tmp:
        jobs = []
        for i, component in enumerate(components):
            path = Path(tmp) / f"c{i}.wasm"
            path.write_bytes(component)
            jobs.append((str(path), str(Path(tmp) / f"out{i}")))
        spec = Path(tmp) / "jobs.json"
        spec.write_text(json.dumps(jobs))
        t0 = time.perf_counter()
        done = subprocess.run(
            ["node", str(prefix / jco.DRIVER.name), "transpile", str(spec)],
            capture_output=True,
            text=True,
            check=False,
            cwd=prefix,
        )
        seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"transpile failed: {done.stderr.strip()[-2000:]}")
    return seconds


def run_once(case: Case, component: bytes) -> tuple[float, RunResult]:
    with tempfile.TemporaryDirectory(prefix="bench-jco-") as tmp:
        dirs = [(fresh_copy(case.root, Path(tmp)), "/")] if case.root else []
        t0 = time.perf_counter()
        result = jco.run_component_jco(
            component, args=case.args, env=case.env, dirs=dirs, program_name=case.wasm.name
        )
        return time.perf_counter() - t0, result


def passes(case: Case, result: RunResult) -> bool:
    return result.exit_code == case.exit_code and all(
        expected is None or getattr(result, stream) == expected.encode()
        for stream, expected in (("stdout", case.stdout), ("stderr", case.stderr))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the whole suite")
    parser.add_argument("--transpile-runs", type=int, default=3)
    opts = parser.parse_args()
    log.configure(0)

    suite = suite_dir()
    if not suite.is_dir():
        sys.exit(f"no conformance suite at {suite} (set COMPONENTIZE_WASI_TESTSUITE)")
    cases = discover(suite)
    print(f"making components of {len(cases)} tests ...", file=sys.stderr, flush=True)
    comps = {
        "ours": [variants.now(c.wasm.read_bytes()) for c in cases],
        "official": variants.official_many([c.wasm for c in cases]),
    }
    jco.transpile_many(comps["ours"] + comps["official"])  # the runs use these (untimed)

    transpile: dict[str, list[float]] = {k: [] for k in KINDS}
    for i in range(opts.transpile_runs):
        for k in KINDS[i % 2 :] + KINDS[: i % 2]:
            transpile[k].append(transpile_seconds(comps[k]))

    times: dict[str, list[list[float]]] = {k: [[] for _ in cases] for k in KINDS}
    first: dict[str, list[RunResult]] = {k: [] for k in KINDS}
    for r in range(opts.runs):
        for n, case in enumerate(cases):
            for k in KINDS[(r + n) % 2 :] + KINDS[: (r + n) % 2]:
                seconds, result = run_once(case, comps[k][n])
                times[k][n].append(seconds)
                if r == 0:
                    first[k].append(result)
        print(f"  run {r + 1}/{opts.runs} done", file=sys.stderr, flush=True)

    node = []
    for _ in range(10):
        t0 = time.perf_counter()
        subprocess.run(["node", "-e", "0"], check=True)
        node.append(time.perf_counter() - t0)

    totals = {
        k: [sum(times[k][n][r] for n in range(len(cases))) for r in range(opts.runs)] for k in KINDS
    }
    med = {k: statistics.median(totals[k]) for k in KINDS}
    tmed = {k: statistics.median(transpile[k]) for k in KINDS}
    ok = {k: sum(passes(c, res) for c, res in zip(cases, first[k], strict=True)) for k in KINDS}
    print(
        f"WASI conformance suite ({len(cases)} tests) under jco {variants.jco_version()} / "
        f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}; "  # noqa: E501
        "ours = this checkout, official = jco new --wasi-command"
    )
    print(f"  {'':28} {'ours':>9} {'official':>9} {'ratio':>7}")
    print(
        f"  {'transpile all (s), median':28} {tmed['ours']:9.2f} {tmed['official']:9.2f} "
        f"{tmed['ours'] / tmed['official']:6.2f}x   ({opts.transpile_runs} runs)"
    )
    print(
        f"  {'run all (s), median total':28} {med['ours']:9.2f} {med['official']:9.2f} "
        f"{med['ours'] / med['official']:6.2f}x   ({opts.runs} runs)"
    )
    for k in KINDS:
        print(f"    {k} totals: " + " ".join(f"{t:.2f}" for t in totals[k]))
    print(
        f"  {'per test (ms), median':28} "
        + " ".join(f"{med[k] / len(cases) * 1000:9.0f}" for k in KINDS)
    )
    print(f"  {'spec exit code + output':28} {ok['ours']:9d} {ok['official']:9d}")
    print(f"  node -e 0 alone: {statistics.median(node) * 1000:.0f} ms (median of 10)")

    per = sorted(
        (
            statistics.median(times["ours"][n]) / statistics.median(times["official"][n]),
            c.name,
            statistics.median(times["ours"][n]),
            statistics.median(times["official"][n]),
        )
        for n, c in enumerate(cases)
    )
    print("  per-test ratio ours/official (median ms): min, quartiles, max; extremes:")
    ratios = [p[0] for p in per]
    q = statistics.quantiles(ratios, n=4)
    print(f"    {ratios[0]:.2f}x  {q[0]:.2f}x  {q[1]:.2f}x  {q[2]:.2f}x  {ratios[-1]:.2f}x")
    for ratio, name, ours, off in per[:3] + per[-3:]:
        print(f"    {name:32} {ours * 1000:6.0f} {off * 1000:6.0f}  {ratio:.2f}x")


if __name__ == "__main__":
    main()
