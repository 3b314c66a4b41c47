"""Fixtures shared by the typed-world tests."""

from __future__ import annotations

import pytest

from . import oracle


@pytest.fixture(scope="session")
def jco_adapter(jco_available: None) -> None:
    """The official pipeline needs the preview1 adapter from the jco npm package
    (installed on first use; under CI=true a missing node/npm fails, see jco_available)."""
    oracle.adapter("reactor")
