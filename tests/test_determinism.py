"""Byte-identical output for identical input: repeated in one process, and
across processes with another working directory and hash seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from componentize.assemble import componentize
from componentize.run import run_component

ROOT = Path(__file__).resolve().parent.parent
INPUTS = [
    ROOT / "tests" / "fixtures" / "real" / "go" / "main.wasm",
    ROOT / "tests" / "fixtures" / "real" / "rust" / "stdio.wasm",
    ROOT / "tests" / "fixtures" / "prebuilt" / "assemblyscript" / "abort-no-wasi-shim.wasm",
]


@pytest.mark.parametrize("path", INPUTS[1:], ids=lambda p: p.name)
def test_same_bytes_in_one_process(path: Path) -> None:
    data = path.read_bytes()
    first = componentize(data).component
    for _ in range(20):
        assert componentize(data).component == first


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_same_bytes_across_processes_and_hash_seeds(path: Path, tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "4242"):
        where = tmp_path / f"cwd-{seed}"
        where.mkdir()
        out = where / "out.wasm"
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-m", "componentize", "new", str(path), "-o", str(out)]
        done = subprocess.run(argv, cwd=where, env=env, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] == componentize(path.read_bytes()).component
    assert run_component(outputs[0]).outcome in ("returned", "exit")
