"""`include` of a world with types of its own: the including world gets its
own copies of those types (as wit-parser), so its functions refer to types of
that world and `componentize embed` encodes it as `wasm-tools component
embed` does (it failed with "type t has no interface to come from")."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import wasmtime

from componentize.assemble.embed import embed_world
from componentize.wit import find_world, model, resolve_dir, resolve_text
from tests.needs import needs

from .oracle import WASM_TOOLS

WIT = """package a:b;
interface i { type t = u8; resource r; }
world v {
  use i.{t, r};
  record rec { a: t }
  resource res { m: func(x: rec); }
  import f: func(a: t, b: rec, c: borrow<r>, d: res);
  export g: func() -> rec;
}
world w { include v; }
world x { include v with { f as f2, rec as rec2 } }
"""


def test_included_types_belong_to_the_including_world() -> None:
    r = resolve_text(WIT)
    assert r.root is not None
    v, w = r.root.worlds["v"], r.root.worlds["w"]
    for name in ("t", "r", "rec", "res"):
        assert w.types[name].owner is w and w.types[name] is not v.types[name]
    f = w.imports["f"].item
    assert isinstance(f, model.Function)
    assert [t for _, t in f.params][1] == model.TypeRef(w.types["rec"])
    method = w.imports["[method]res.m"].item
    assert isinstance(method, model.Function) and method.resource is w.types["res"]
    x = r.root.worlds["x"]
    assert "rec2" in x.types and x.types["rec2"].name == "rec2"
    f2 = x.imports["f2"].item
    assert isinstance(f2, model.Function) and f2.name == "f2"


def _wit_of(path: Path) -> str:
    done = subprocess.run(
        [WASM_TOOLS, "component", "wit", str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout


@needs(Path(WASM_TOOLS).exists(), "wasm-tools (test extra) not installed")
@pytest.mark.parametrize("world", ["w", "x"])
def test_embedded_including_world_is_what_wasm_tools_embeds(tmp_path: Path, world: str) -> None:
    (tmp_path / "wit").mkdir()
    (tmp_path / "wit" / "a.wit").write_text(WIT)
    module = tmp_path / "in.wasm"
    module.write_bytes(bytes(wasmtime.wat2wasm('(module (memory (export "memory") 1))')))
    ours, theirs = tmp_path / "ours.wasm", tmp_path / "theirs.wasm"
    chosen = find_world(resolve_dir(tmp_path / "wit"), world)
    ours.write_bytes(embed_world(module.read_bytes(), chosen, where=str(module)))
    subprocess.run(
        [WASM_TOOLS, "component", "embed", str(tmp_path / "wit"), "--world", world]
        + [str(module), "-o", str(theirs)],
        check=True,
    )
    assert _wit_of(ours) == _wit_of(theirs)
