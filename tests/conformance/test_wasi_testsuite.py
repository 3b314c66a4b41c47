"""The public WASI conformance suite, componentized and run under WASI 0.2.

Each of the suite's preview1 tests is componentized and run as a component in
wasmtime's WASI 0.2 host with its spec's args, env and root preopen (a fresh
copy each run); exit code, stdout and stderr must be what the spec expects.
The module also runs under wasmtime's native preview1, which must pass too
(that checks this runner reads the specs as the suite means them), and the
component's stdout and stderr must be the native run's, byte for byte, also
where the spec does not say what they are.
"""

from __future__ import annotations

import os

import pytest
from wasi_testsuite import (
    Case,
    component_of,
    discover,
    failures_against_native,
    run_case,
    spec_failures,
    suite_dir,
)

SUITE = suite_dir()
CASES = discover(SUITE) if SUITE.is_dir() else []
EXPECTED_CASES = 72


def test_suite_is_present() -> None:
    """Under CI the suite must be there; elsewhere its absence only skips."""
    if not SUITE.is_dir():
        message = f"the WASI conformance suite is not at {SUITE} (COMPONENTIZE_WASI_TESTSUITE)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert len(CASES) == EXPECTED_CASES


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conformance(case: Case) -> None:
    assert not case.proposals, f"needs proposals {case.proposals}"
    wrong = spec_failures(case, run_case(case))
    assert not wrong, f"native preview1 fails this test, so the runner is wrong: {wrong}"
    result = run_case(case, component_of(case.wasm))
    failures = failures_against_native(case, result)
    assert not failures, f"{case.name} as a component: " + "; ".join(failures)
