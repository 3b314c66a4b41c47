"""The quick fuzz pass (toolchains/fuzz/): mutated real modules through
`componentize new` and `inspect`, mutated WIT through the front end, with a
fixed seed, so a failure reproduces.  Longer runs: `python -m
toolchains.fuzz --seconds 1800` (README, "Fuzzing")."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import wasmtime
from cached_runs import component_of, run_native
from needs import needs

from componentize.assemble import componentize
from componentize.engine import engine
from componentize.errors import ComponentizeError
from componentize.run import run_component
from toolchains import fuzz


def describe(findings: fuzz.Findings) -> str:
    return "\n".join(f"{kind}: {message}" for kind, message in findings.found)


def test_modules_never_end_in_an_internal_error() -> None:
    # every component compiled in full (wasmtime's disk cache: the inputs
    # are the same each session, so only the first one compiles)
    findings = fuzz.run(math.inf, seed=20261130, limit=1000, compile_on=engine(cached=True))
    assert findings.inputs == 1000
    assert not findings.found, describe(findings)
    # the pass reaches every outcome, so it checks what it claims
    assert findings.components > 50 and findings.user_errors > 50
    assert findings.compiled == findings.components


def test_valid_mutants_run_as_natively() -> None:
    """Every mutant that converts and has a `_start` runs natively and as a
    component, with no inputs and bounded fuel: exit code, trap or not,
    stdout and stderr the same (toolchains/fuzz/checks.py `Execute`)."""
    findings = fuzz.run(math.inf, seed=7, limit=300, execute=fuzz.Execute(cached=True))
    assert not findings.found, describe(findings)
    assert findings.ran > 15  # the pass runs what it claims to


def test_out_of_bounds_access_traps_as_natively() -> None:
    """Found by the runs above (fixed in 475adb1): `componentize run` took
    a component's out-of-bounds access for an error, exit 1."""
    module = bytes(
        wasmtime.wat2wasm(
            """(module
              (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
              (memory (export "memory") 1)
              (func (export "_start") (drop (i32.load (i32.const 0x10000)))))"""
        )
    )
    native = run_native(module)
    component = run_component(componentize(module).component)
    assert (native.exit_code, native.outcome) == (134, "trap")
    assert (component.exit_code, component.outcome) == (134, "trap")


def test_wit_never_crashes_the_front_end() -> None:
    findings = fuzz.run(math.inf, seed=20261130, limit=2000, wit=True)
    assert not findings.found, describe(findings)
    assert findings.user_errors > 100


FOUND = Path(__file__).resolve().parent / "fixtures" / "fuzz"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        # a typed module whose cm32p2_initialize takes a parameter (was an
        # internal error: the initializer calls it with none)
        ("init-with-param.wasm", "`cm32p2_initialize` has core type (i32) -> ()"),
        # a component-type section naming its world `...@0.1n0` (was a ValueError)
        ("bad-world-version.wasm", "invalid interface version"),
        # world sections with a parameter named `aGe` (was an internal error)
        # and a type index out of range (was an IndexError)
        ("world-name-not-kebab.wasm", "`aGe` is not in kebab case"),
        ("world-type-index-out-of-range.wasm", "type index out of bounds"),
        # a shared memory with file reads, which the shim lowers on the
        # module's memory (was an internal error: wasmtime's shared-flag check)
        ("shared-memory-direct-read.wasm", "the shim's file reads are lowered"),
    ],
)
def test_findings_of_the_long_run_are_user_errors(name: str, message: str) -> None:
    with pytest.raises(ComponentizeError, match=re.escape(message)):
        componentize((FOUND / name).read_bytes())


# ---------------------------------------------------------------- the seeds, run

SEED_RUNS = fuzz.seed_runs()


@needs(fuzz.SUITE.is_dir(), f"the WASI conformance suite is not at {fuzz.SUITE}")
def test_every_seed_is_run_or_says_why_not() -> None:
    assert fuzz.unaccounted_seeds() == []
    names = [fuzz.seed_name(path) for path in fuzz.seed_paths()]
    for prefix in fuzz.NOT_RUN:  # no reason outlives its seeds
        assert any(name.startswith(prefix) for name in names), prefix
    run = {r.name.split("#")[0] for r in SEED_RUNS}
    # real fixtures, C and AssemblyScript conformance tests, the example
    assert len(run) > 55, sorted(run)
    assert {n.split("/")[0] for n in run} == {"examples", "tests", "wasi-testsuite"}


@pytest.mark.parametrize("run", SEED_RUNS, ids=[r.name for r in SEED_RUNS])
def test_seed_runs_as_it_does_natively(run: fuzz.SeedRun) -> None:
    """stdout, stderr, exit code and the preopens after the run, with the
    seed's own inputs (its fixture's runs or its conformance spec)."""
    component = component_of(run.path.read_bytes())
    assert fuzz.seed_differences(run, component, native_runner=run_native) == []


def test_a_seed_run_sees_a_wrong_component() -> None:
    """The check can fail: another program's component differs."""
    run = next(r for r in SEED_RUNS if r.name.startswith("tests/fixtures/real/clang19/args_env"))
    hello = component_of((fuzz.ROOT / "examples" / "hello.wasm").read_bytes())
    found = fuzz.seed_differences(run, hello, native_runner=run_native)
    assert any(line.startswith("stdout:") for line in found), found
