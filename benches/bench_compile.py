"""Benchmark: wasmtime compile time and peak memory of components: ours now, before, official.

For each input (Go's `tests/fixtures/real/go/main.wasm`, 2.7 MB; the Rust
fixture `tests/fixtures/real/rust/files.wasm`; and every module of the WASI
conformance suite, summed), compile

- module     the core module itself (what native preview1 compiles: reference);
- now        its component made by this checkout's `componentize()`;
- before     its component made by the package at b0afd90 (`--before`: the
             layout before issue 10), from a temporary `git worktree`;
- official   the official adapter's component (`jco new IN --wasi-command`).

Every measurement is its own Python process that imports wasmtime, makes a
new engine (multi-memory on, as `componentize.engine.engine()`), reads the
file and compiles it once (`wasmtime.Module` / `component.Component`): wall
time and CPU time (user + sys of every thread, from `getrusage(RUSAGE_SELF)`:
wasmtime compiles functions in parallel) of the compile alone, and the
process's peak RSS.  Peak RSS is VmHWM from /proc/self/status, read before
and after the compile: "peak" is the value after, "+rss" what the compile
added.  (`getrusage(RUSAGE_SELF).ru_maxrss` is not used: on Linux a process
keeps the high-water mark of the process it was forked from across exec, so
in a child of this ~140 MiB bench it reads 140 MiB before anything is
compiled; it is still recorded in the JSON as `maxrss`.)  The processes for
the variants alternate (the order rotates every round).  Go and Rust: median
of N runs; the suite: each test's component compiled `--suite-runs` times
(default 1), the medians summed over the 72 tests (peak: the largest).

    PYTHONPATH=. python benches/bench_compile.py [--runs N] [--suite-runs M] [--before COMMIT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import variants  # noqa: E402

from componentize import log  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from wasi_testsuite import discover, suite_dir  # noqa: E402

GO = ROOT / "tests" / "fixtures" / "real" / "go" / "main.wasm"
RUST = ROOT / "tests" / "fixtures" / "real" / "rust" / "files.wasm"
KINDS = ("module", "now", "before", "official")

# One measurement: python -c _MEASURE KIND FILE -> JSON on stdout.
_MEASURE = """
import json, re, resource, sys, time
import wasmtime
from wasmtime import component as wc

def hwm():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))

kind, path = sys.argv[1], sys.argv[2]
config = wasmtime.Config()
config.wasm_multi_memory = True
engine = wasmtime.Engine(config)
data = open(path, "rb").read()
h0 = hwm()
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
if kind == "module":
    wasmtime.Module(engine, data)
else:
    wc.Component(engine, data)
t1 = time.perf_counter()
r1 = resource.getrusage(resource.RUSAGE_SELF)
h1 = hwm()
print(json.dumps({"wall": t1 - t0, "cpu": r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime,
                  "peak": h1, "added": h1 - h0, "maxrss": r1.ru_maxrss}))
"""


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # seconds
    peak: int  # KiB
    added: int  # KiB
    maxrss: int = 0  # KiB, ru_maxrss (inherits the parent's high-water mark: not used)


def measure_once(kind: str, path: Path) -> Sample:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"compiling {kind} {path} failed: {done.stderr.strip()[-1000:]}")
    return Sample(**json.loads(done.stdout))


def medians(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        int(statistics.median(s.peak for s in samples)),
        int(statistics.median(s.added for s in samples)),
    )


def measure(files: dict[str, Path], runs: int) -> dict[str, Sample]:
    """Medians per kind; the kinds' processes alternate, the order rotating each round."""
    kinds = list(files)
    samples: dict[str, list[Sample]] = {k: [] for k in kinds}
    for i in range(runs):
        for k in [kinds[(i + j) % len(kinds)] for j in range(len(kinds))]:
            samples[k].append(measure_once("module" if k == "module" else "component", files[k]))
    return {k: medians(samples[k]) for k in kinds}


def make_all(modules: list[Path], before: str, tmp: Path) -> list[dict[str, Path]]:
    """For each module, {kind: file} with the components written under tmp."""
    print(
        f"making components of {len(modules)} modules (now, before = {before}, official) ...",
        file=sys.stderr,
        flush=True,
    )
    with variants.Before(before) as old:
        olds = old.make(modules)
    officials = variants.official_many(modules)
    out = []
    for i, (module, old_c, off_c) in enumerate(zip(modules, olds, officials, strict=True)):
        files = {"module": module}
        for kind, data in (
            ("now", variants.now(module.read_bytes())),
            ("before", old_c),
            ("official", off_c),
        ):
            files[kind] = tmp / f"{i}-{kind}.wasm"
            files[kind].write_bytes(data)
        out.append(files)
    return out


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def report(label: str, got: dict[str, Sample], sizes: dict[str, int]) -> None:
    base = got["module"]
    now = got["now"]
    for kind in KINDS:
        s = got[kind]
        line = (
            f"  {label if kind == 'module' else '':14} {kind:9} {sizes[kind] / 1024:9.0f} "
            f"{s.wall * 1000:9.0f} {s.cpu * 1000:9.0f} "
            f"{mib(s.peak):>7} {mib(s.added):>7}"
        )
        if kind != "module":
            line += (
                f"   {s.wall / base.wall:6.2f}x {s.cpu / base.cpu:6.2f}x "
                f"{s.added / max(base.added, 1):6.2f}x"
            )
        if kind in ("before", "official"):
            line += (
                f"   now/{kind}: {now.wall / s.wall:5.2f}x {now.cpu / s.cpu:5.2f}x "
                f"{now.added / max(s.added, 1):5.2f}x"
            )
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs for Go and Rust")
    parser.add_argument("--suite-runs", type=int, default=1, help="runs per conformance test")
    parser.add_argument("--before", default=variants.BEFORE_COMMIT)
    parser.add_argument("--no-suite", action="store_true", help="skip the conformance suite")
    opts = parser.parse_args()
    log.configure(0)

    suite = suite_dir()
    cases = discover(suite) if suite.is_dir() and not opts.no_suite else []
    modules = [GO, RUST, *(c.wasm for c in cases)]
    with tempfile.TemporaryDirectory(prefix="bench-compile-") as tmp:
        files = make_all(modules, opts.before, Path(tmp))
        print(
            f"wasmtime compile, one process per measurement (new engine); components: "
            f"now = this checkout, before = componentize at {opts.before}, official = jco "
            f"{variants.jco_version()} new --wasi-command"
        )
        print(
            "times in ms, memory in MiB; ratios: wall, cpu, +rss over the module's; "
            "now/X: ours now over X"
        )
        print(
            f"  {'input':14} {'kind':9} {'KiB':>9} {'wall':>9} {'cpu':>9} {'peak':>7} "
            f"{'+rss':>7}   {'wall':>6}  {'cpu':>6}  {'+rss':>6}"
        )
        for label, f in (("go/main.wasm", files[0]), ("rust/files", files[1])):
            got = measure(f, opts.runs)
            report(label, got, {k: p.stat().st_size for k, p in f.items()})
        if cases:
            totals = {k: Sample(0.0, 0.0, 0, 0) for k in KINDS}
            sizes = dict.fromkeys(KINDS, 0)
            for f in files[2:]:
                got = measure(f, opts.suite_runs)
                for k in KINDS:
                    t, s = totals[k], got[k]
                    totals[k] = Sample(
                        t.wall + s.wall, t.cpu + s.cpu, max(t.peak, s.peak), t.added + s.added
                    )
                    sizes[k] += f[k].stat().st_size
            print(
                f"  (suite: sums over {len(cases)} tests, median of {opts.suite_runs} each; "
                "peak = the largest)"
            )
            report(f"suite ({len(cases)})", totals, sizes)


if __name__ == "__main__":
    main()
