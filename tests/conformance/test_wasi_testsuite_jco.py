"""The public WASI conformance suite as components under jco (Node.js), the
way JavaScript hosts run them.

The same components as the wasmtime run (`component_of`), transpiled by
stock jco (pinned, from npm; toolchains/jco.py) and run with preview2-shim's
Node host: exit code, stdout and stderr as the spec says, and stdout/stderr
as under native preview1.  Where jco's Node host itself differs from native
preview1, the test is listed below with the reason and must fail (strict
xfail: it is taken off the list the day jco fixes it).
"""

from __future__ import annotations

import pytest
from wasi_testsuite import (
    Case,
    component_of,
    discover,
    failures_against_native,
    run_case,
    suite_dir,
)

from toolchains import jco

SUITE = suite_dir()
CASES = discover(SUITE) if SUITE.is_dir() else []
# Node's host sets file times through JavaScript numbers (milliseconds, a
# bounded range), so times set to the nanosecond, or far in the future, come
# back different: the Rust tests that set an mtime and read it back fail
# there, with any adapter (the official one's components fail them too).
JCO_HOST_LIMITS = {
    "rust/fd_filestat_set": "Node host loses file-time precision and range",
    "rust/path_filestat": "Node host loses file-time precision",
    "rust/symlink_filestat": "Node host loses file-time precision",
}


@pytest.fixture(scope="module", autouse=True)
def transpiled(jco_available: None) -> None:
    """Install jco (once) and transpile every component in one Node process."""
    jco.transpile_many(component_of(c.wasm) for c in CASES)


def _params() -> list[object]:
    return [
        pytest.param(
            c, id=c.name, marks=pytest.mark.xfail(reason=JCO_HOST_LIMITS[c.name], strict=True)
        )
        if c.name in JCO_HOST_LIMITS
        else pytest.param(c, id=c.name)
        for c in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_conformance_under_jco(case: Case) -> None:
    result = run_case(case, component_of(case.wasm), jco.run_component_jco)
    failures = failures_against_native(case, result)
    assert not failures, f"{case.name} under jco: " + "; ".join(failures)


def test_jco_passes_at_least_68() -> None:
    """The issue's bar (the official adapter's components pass 65 here)."""
    assert len(CASES) - len(JCO_HOST_LIMITS) >= 68
