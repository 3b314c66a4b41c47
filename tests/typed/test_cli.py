"""The post-link step on the command line, as a user runs it after a C or Rust build:

    componentize embed WIT --world typed MODULE.wasm -o EMBEDDED.wasm
    componentize new EMBEDDED.wasm -o COMPONENT.wasm
    componentize new MODULE.wasm --wit WIT --world typed -o COMPONENT.wasm
    componentize new EMBEDDED.wasm --adapt wasi_snapshot_preview1=ADAPTER -o COMPONENT.wasm

Each component runs the fixture's exports under the oracle and has the world
the official pipeline gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from componentize.cli.embed import embed
from componentize.cli.new import new
from toolchains.typed import TYPED_DIR, WIT_PATH, WORLD

from . import oracle
from .oracle import Guest

NAMES = ["clang19-legacy-reactor", "rust-cm32p2-reactor", "zig-legacy-command"]


def _cli(command: object, *argv: str) -> None:
    done = CliRunner().invoke(command, list(argv))  # type: ignore[arg-type]
    assert done.exit_code == 0, done.output + repr(done.exception)


def _check(component: bytes, name: str) -> None:
    guest = Guest(component, env={"TYPED_VAR": "v"})
    lang = oracle.variant(name).lang
    assert guest.api("greet", "cli") == f"hello, cli, from pyhost ({lang})"
    assert guest.root("version") == f"typed-{lang} 42"
    assert guest.api("getenv", "TYPED_VAR") == "v"
    assert guest.api("count-with-host", 1, 2) == 3
    assert guest.host.counters_dropped == [1001]
    oracle.every_export(guest)
    live = guest.api("live-allocations")
    oracle.every_export(guest)
    assert guest.api("live-allocations") == live
    embedded = oracle.embedded_module(name, "wasm-tools")
    official = oracle.official(embedded, oracle.variant(name).kind)
    assert oracle.normalize_world(oracle.component_wit(component)) == oracle.normalize_world(
        oracle.component_wit(official, cache=True)
    )


@pytest.mark.parametrize("name", NAMES)
def test_embed_then_new(name: str, tmp_path: Path, jco_adapter: None) -> None:
    core = TYPED_DIR / f"{name}.core.wasm"
    embedded, out = tmp_path / "embedded.wasm", tmp_path / "out.wasm"
    _cli(embed, str(WIT_PATH), "--world", WORLD, str(core), "-o", str(embedded))
    _cli(new, str(embedded), "-o", str(out))
    _check(out.read_bytes(), name)


@pytest.mark.parametrize("name", NAMES)
def test_new_with_wit(name: str, tmp_path: Path, jco_adapter: None) -> None:
    """--wit/--world in place of an embed step."""
    core = TYPED_DIR / f"{name}.core.wasm"
    out = tmp_path / "out.wasm"
    _cli(new, str(core), "--wit", str(WIT_PATH.parent), "--world", WORLD, "-o", str(out))
    _check(out.read_bytes(), name)


@pytest.mark.parametrize("name", NAMES)
def test_new_with_the_official_adapter(name: str, tmp_path: Path, jco_adapter: None) -> None:
    """Our assembly, with the official preview1 adapter in place of our shim."""
    module = TYPED_DIR / f"{name}.wasm"
    out = tmp_path / "out.wasm"
    adapter = oracle.adapter(oracle.variant(name).kind)
    _cli(new, str(module), "--adapt", f"wasi_snapshot_preview1={adapter}", "-o", str(out))
    _check(out.read_bytes(), name)
