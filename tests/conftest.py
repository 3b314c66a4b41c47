"""Shared fixtures: the compiled C/C++ corpus and one-off C builds (logic in toolchains/)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # `toolchains` and `componentize` without installing
    sys.path.insert(0, str(REPO_ROOT))

from toolchains import Fixture, build, build_corpus, build_text  # noqa: E402

BuildC = Callable[..., Path]


@pytest.fixture(scope="session")
def corpus() -> list[Fixture]:
    """Every corpus program at O0, O2 and Oz; built once per session, cached across runs."""
    return build_corpus()


@pytest.fixture(scope="session")
def build_c() -> BuildC:
    """Compile one C program (hosted profile, cached) and return the .wasm path.

    `build_c(source, opt="O2", **options)`: a `Path` is a file; a `str` is source
    text (`suffix=".cpp"` for C++).  Other options go to `toolchains.build`.
    """

    def build_one(source: str | Path, opt: str = "O2", **options: object) -> Path:
        if isinstance(source, Path):
            return build([source], opt=opt, **options).path  # type: ignore[arg-type]
        return build_text(source, opt=opt, **options).path  # type: ignore[arg-type]

    return build_one


@pytest.fixture(scope="session")
def jco_available() -> None:
    """node/npm present (jco installs from npm on first use).  Under CI=true
    their absence fails the test: CI must run what the jco tests check."""
    from toolchains import jco

    reason = jco.unavailable_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
