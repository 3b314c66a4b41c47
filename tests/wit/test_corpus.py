"""Every case of `cases/` against wasm-tools (the reference parser, from the
test extra): the same accept/refuse decision; our refusals are `file:line:col`
errors at the token wasm-tools names (where it names one); what we accept
resolves to the model wasm-tools prints, and prints and re-parses to the same
model, printing being a fixpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from componentize.wit import resolve_dir, resolve_text, structure
from tests.needs import needs

from .oracle import WASM_TOOLS, cases, ours, round_trips, theirs

pytestmark = needs(Path(WASM_TOOLS).exists(), "wasm-tools (test extra) not installed")

# Refusals we locate at another token than wasm-tools, on purpose.
ELSEWHERE = {
    "err-include-rename-missing.wit": "we name the missing name, wasm-tools the included world",
    "err-nested-package-dup.wit": "wasm-tools lists both definitions, we name the second",
}

# Where wasm-tools accepts what we refuse (or the reverse), and why we differ.
DIVERGES: dict[str, str] = {}


def _id(case: Path) -> str:
    return case.name


@pytest.mark.parametrize("case", cases(), ids=_id)
def test_same_decision_as_wasm_tools(case: Path) -> None:
    if case.name in DIVERGES:
        pytest.xfail(DIVERGES[case.name])
    want, got = theirs(case), ours(case)
    assert not got.crashed, got.message
    assert got.ok == want.ok, (got.message or "accepted", want.message or "accepted")
    if got.ok:
        assert round_trips(case)
        # the same packages, interfaces, worlds and types as wasm-tools prints
        assert structure(resolve_dir(case)) == structure(resolve_text(want.message, "wt.wit"))
        return
    assert got.location is not None, got.message
    if want.location is not None and case.name not in ELSEWHERE:
        assert got.location == want.location, (got.message, want.message)
