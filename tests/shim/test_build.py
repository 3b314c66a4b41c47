"""The shim build: deterministic, and the committed binary is what the sources give."""

from __future__ import annotations

import pytest

from componentize.shim import load_shim
from componentize.shim.build import SOURCE_DIR, _compile_direct, build
from componentize.shim.postprocess import postprocess_bytes

pytest.importorskip("ziglang")


def test_build_is_deterministic_and_committed() -> None:
    _, first = build()  # through toolchains/ when present
    second = postprocess_bytes(_compile_direct(sorted(SOURCE_DIR.glob("*.c"))))  # fresh compile
    assert first == second
    assert first == load_shim(), "run `python -m componentize.shim.build` and commit"
