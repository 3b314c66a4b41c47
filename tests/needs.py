"""What a test needs from outside the repository (reference WIT, wasm-tools,
the conformance suite): skipped without it on a developer's machine, a
failure under CI=true, where everything the README installs must be there."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> None:
    """Inside a test or fixture: fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
    pytest.skip(reason)


def needs(available: bool, reason: str) -> pytest.MarkDecorator:
    """A mark for a module or test: skip without it, fail at collection in CI."""
    if not available and IN_CI:
        pytest.fail(f"{reason} (required under CI=true)", pytrace=False)
    return pytest.mark.skipif(not available, reason=reason)
