"""The README's typed-world example runs as written, on the committed fixture."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.typed import oracle

ROOT = Path(__file__).resolve().parent.parent


def fresh_checkout_command() -> str:
    text = (ROOT / "README.md").read_text()
    found = re.search(r"On a fresh checkout.*?```sh\n(.*?)\n```", text, re.S)
    assert found, "the README lost its typed-world example"
    return found.group(1)


def test_typed_world_example(tmp_path: Path) -> None:
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    bindir = Path(sys.executable).parent  # the venv's `componentize`
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["bash", "-c", fresh_checkout_command()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "typed.component.wasm").stat().st_size > 0
    assert "export test:typed/api@0.1.0;" in done.stdout
    assert "import test:typed/host@0.1.0;" in done.stdout
    guest = oracle.Guest((tmp_path / "typed.component.wasm").read_bytes())
    assert guest.api("greet", "README") == "hello, README, from pyhost (c)"
