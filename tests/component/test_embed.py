"""`componentize embed`: a world written into a core module as a
`component-type` section, compared with `wasm-tools component embed` (only
an oracle here) through what wasm-tools and our reader decode from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from test_component_type import (
    ASYNC,
    DEP,
    EVERY_TYPE,
    WASM_TOOLS,
    WITH_DEP,
    WORLD_TYPES,
    _run,
    oracle,
)

from componentize.assemble.embed import embed_world
from componentize.assemble.world import embedded_world, world_of
from componentize.cli import main
from componentize.errors import InputError
from componentize.wasm import decode_module, encode_module
from componentize.wit import find_world, resolve_dir, structure
from tests.needs import needs

pytestmark = needs(WASM_TOOLS is not None, "wasm-tools (test extra) not installed")

WORLDS = [EVERY_TYPE, WORLD_TYPES, ASYNC, WITH_DEP]
IDS = ["every", "world", "async", "dep"]


def wit_dir(tmp_path: Path, wit: str) -> Path:
    root = tmp_path / "wit"
    (root / "deps" / "dep").mkdir(parents=True, exist_ok=True)
    (root / "deps" / "dep" / "log.wit").write_text(DEP)
    (root / "world.wit").write_text(wit)
    return root


def small_module(tmp_path: Path) -> Path:
    path = tmp_path / "in.wasm"
    wat = '(module (memory (export "memory") 1) (func (export "f")))'
    path.write_bytes(bytes(wasmtime.wat2wasm(wat)))
    return path


def ours(tmp_path: Path, wit: str, module: Path) -> Path:
    world = find_world(resolve_dir(wit_dir(tmp_path, wit)), "w")
    out = tmp_path / "ours.wasm"
    out.write_bytes(embed_world(module.read_bytes(), world, where=str(module)))
    return out


def theirs(tmp_path: Path, module: Path) -> Path:
    out = tmp_path / "theirs.wasm"
    _run("component", "embed", tmp_path / "wit", "--world", "w", module, "-o", out)
    return out


@pytest.mark.parametrize("wit", WORLDS, ids=IDS)
def test_embedded_world_decodes_as_wasm_tools_embeds_it(tmp_path: Path, wit: str) -> None:
    module = small_module(tmp_path)
    mine, reference = ours(tmp_path, wit, module), theirs(tmp_path, module)
    _run("validate", mine)
    assert structure(oracle(mine)) == structure(oracle(reference))
    found, expected = embedded_world(mine.read_bytes()), embedded_world(reference.read_bytes())
    assert found is not None and expected is not None
    assert structure(found[0]) == structure(expected[0])
    assert found[1].name == "w"


def test_section_is_last_and_named_like_wasm_tools(tmp_path: Path) -> None:
    module = small_module(tmp_path)
    mine, reference = ours(tmp_path, WORLD_TYPES, module), theirs(tmp_path, module)
    names = [c.name for c in decode_module(mine.read_bytes()).customs]
    assert names == [c.name for c in decode_module(reference.read_bytes()).customs]
    assert names == ["component-type"]
    assert mine.read_bytes().startswith(module.read_bytes())


@pytest.mark.parametrize("wit", WORLDS, ids=IDS)
def test_wasm_tools_makes_a_component_from_our_section(tmp_path: Path, wit: str) -> None:
    """wasm-tools' dummy module for the world, its section replaced by ours."""
    wit_dir(tmp_path, wit)
    dummy = tmp_path / "dummy.wasm"
    _run("component", "embed", "--dummy", tmp_path / "wit", "--world", "w", "-o", dummy)
    module = decode_module(dummy.read_bytes())
    module.customs[:] = [c for c in module.customs if not c.name.startswith("component-type")]
    bare = tmp_path / "bare.wasm"
    bare.write_bytes(encode_module(module))
    mine = ours(tmp_path, wit, bare)
    _run("component", "new", mine, "-o", tmp_path / "c.wasm")
    _run("validate", tmp_path / "c.wasm")


def test_a_component_is_refused(tmp_path: Path) -> None:
    world = find_world(resolve_dir(wit_dir(tmp_path, WORLD_TYPES)), "w")
    with pytest.raises(InputError, match="not a core module"):
        embed_world(b"\0asm\x0d\x00\x01\x00", world, where="c.wasm")


def _cli(*args: str | Path) -> int:
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    return int(info.value.code or 0)


def test_cli_writes_the_module(tmp_path: Path) -> None:
    module = small_module(tmp_path)
    out = tmp_path / "out.wasm"
    assert _cli("embed", wit_dir(tmp_path, WORLD_TYPES), module, "--world", "w", "-o", out) == 0
    assert structure(oracle(out)) == structure(oracle(theirs(tmp_path, module)))


def test_cli_refuses_a_missing_world_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    module = small_module(tmp_path)
    out = tmp_path / "out.wasm"
    assert _cli("embed", wit_dir(tmp_path, WORLD_TYPES), module, "--world", "x", "-o", out) == 2
    assert not out.exists()
    assert "no world `x`" in capsys.readouterr().err


def test_cli_refuses_a_component_and_writes_nothing(tmp_path: Path) -> None:
    component = tmp_path / "c.wasm"
    component.write_bytes(b"\0asm\x0d\x00\x01\x00")
    out = tmp_path / "out.wasm"
    assert _cli("embed", wit_dir(tmp_path, WORLD_TYPES), component, "-o", out) == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "encoding"),
    [("utf8", "utf8"), ("utf16", "utf16"), ("compact-utf16", "latin1+utf16")],
)
def test_encoding_option_matches_wasm_tools(tmp_path: Path, option: str, encoding: str) -> None:
    wit = wit_dir(tmp_path, EVERY_TYPE)
    module = small_module(tmp_path)
    ours_out, theirs_out = tmp_path / "ours.wasm", tmp_path / "theirs.wasm"
    with pytest.raises(SystemExit) as done:
        main(["embed", str(wit), str(module), "--encoding", option, "-o", str(ours_out)])
    assert done.value.code == 0
    _run("component", "embed", wit, module, "--encoding", option, "-o", theirs_out)
    for out in (ours_out, theirs_out):
        found = _world_encoding(out.read_bytes())
        assert found == encoding


def _world_encoding(module: bytes) -> str:
    found = world_of(module, None, None, "<test>")
    assert found is not None
    return found.string_encoding
