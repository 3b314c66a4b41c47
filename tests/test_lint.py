"""The package and the dev wing stay clean under the project's own lint and type settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)


def test_ruff() -> None:
    done = _run(
        sys.executable, "-m", "ruff", "check", "componentize", "toolchains", "tests", "benches"
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format() -> None:
    """One formatter decides the layout of the code (no hand-kept exceptions)."""
    done = _run(
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "componentize",
        "toolchains",
        "tests",
        "benches",
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    done = _run(sys.executable, "-m", "mypy", "componentize", "toolchains")
    assert done.returncode == 0, done.stdout + done.stderr
