"""Modules from toolchains other than zig cc, prebuilt and committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import assert_same, differential

from componentize.assemble import componentize

PREBUILT = Path(__file__).resolve().parent.parent / "fixtures" / "prebuilt"


@pytest.mark.parametrize(
    ("name", "args", "env", "code"),
    [("hello", [], [], 7), ("args", ["a", "b c"], [("GREETING", "hi")], 3), ("args", [], [], 0)],
)
def test_assemblyscript_runtime_owning_memory(
    name: str, args: list[str], env: list[tuple[str, str]], code: int
) -> None:
    module = (PREBUILT / "assemblyscript" / f"{name}.wasm").read_bytes()
    d = differential(module, componentize(module).component, args=args, env=env)
    assert_same(d)
    assert d.component.exit_code == code
