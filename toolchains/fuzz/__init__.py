"""Mutation fuzzing of `componentize new` and `inspect` (and the WIT front end).

Seeds: the committed real-toolchain and typed fixtures, the conformance
suite's modules and the bundled example; each input is a seed mutated a
few times (truncation, bit flips, byte runs, inserted and deleted ranges,
corrupted LEB128 lengths, spliced sections, and edits of decoded imports,
exports, memories and types).  For each input:

- `componentize()` either returns a component that the (cheap) validation
  accepted, or raises a user error (`ComponentizeError`) of at most two
  lines; an `InternalError` or any other exception is a finding;
- `componentize inspect` on the input, and on the component when there is
  one, exits 0 or 2, never 3;
- a component comes only from a module wasmtime validates, and (unless
  `--quick`) compiles in full, not only as the skeleton `componentize`
  checks for speed;
- for a module wasmtime accepts, a refusal is recorded (not a finding: a
  valid module may still be one WASI cannot run, e.g. a threads build).

Before that (unless `--quick` or `--wit`), every seed runs with its own
inputs natively and as a component (`seed_runs`): stdio, exit code and the
preopens must be the same.  With `--execute`, each valid mutant that has a
`_start` runs natively and as a component too (`Execute`).

    python -m toolchains.fuzz [--seconds 1800] [--seed 1] [--wit] [--quick] [--execute]

prints throughput and every distinct finding (kind, message) with the
input that first showed it (saved under `.cache/fuzz/`).  The tests run a
short deterministic pass (`tests/test_fuzz.py`).

Modules: `mutators` (of modules and of WIT), `checks` (one input through
`new` and `inspect`; `Execute`), `seeds` (the seeds and the inputs they run
with), `differential` (a seed run natively and as a component), `driver`
(the run loop and the command line).  The names the tests use are
re-exported here.
"""

from toolchains.fuzz.checks import Execute, Findings, check, check_wit
from toolchains.fuzz.differential import check_seeds, fresh_dirs, seed_differences, seed_results
from toolchains.fuzz.driver import main, run
from toolchains.fuzz.mutators import mutants, wit_mutants
from toolchains.fuzz.seeds import (
    NOT_RUN,
    ROOT,
    SUITE,
    SeedRun,
    real_runs,
    seed_name,
    seed_paths,
    seed_runs,
    seeds,
    unaccounted_seeds,
)

__all__ = [
    "NOT_RUN",
    "ROOT",
    "SUITE",
    "Execute",
    "Findings",
    "SeedRun",
    "check",
    "check_seeds",
    "check_wit",
    "fresh_dirs",
    "main",
    "mutants",
    "real_runs",
    "run",
    "seed_differences",
    "seed_name",
    "seed_paths",
    "seed_results",
    "seed_runs",
    "seeds",
    "unaccounted_seeds",
    "wit_mutants",
]
