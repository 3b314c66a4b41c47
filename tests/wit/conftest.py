from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.needs import missing

# The standard's WIT lives outside the repo, in ../shared beside the checkout.
REFERENCE = Path(
    os.environ.get(
        "COMPONENTIZE_WASI_REFERENCE",
        Path(__file__).resolve().parents[3] / "shared" / "reference" / "wasi" / "wit-0.2.12",
    )
)


@pytest.fixture(scope="session")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard's WASI 0.2.12 files laid out as a package directory:
    wasi:cli at the root, the others in deps/."""
    if not REFERENCE.is_dir():
        missing("reference WIT files not available")
    root = tmp_path_factory.mktemp("wasi-ref")
    (root / "deps").mkdir()
    shutil.copy(REFERENCE / "cli.wit", root / "cli.wit")
    for name in ("io", "clocks", "filesystem", "sockets", "random"):
        sub = root / "deps" / name
        sub.mkdir()
        shutil.copy(REFERENCE / f"{name}.wit", sub / f"{name}.wit")
    return root
