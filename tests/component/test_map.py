"""`map<K, V>` through every layer: the binary type (0x63) our embed writes
and reads back, as wasm-tools embeds and decodes it, and its canonical ABI,
which is `list<tuple<K, V>>`'s (CanonicalABI.md `despecialize`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from test_component_type import WASM_TOOLS, _run, oracle

from componentize.abi import (
    PtrType,
    alignment,
    contains_list_or_string,
    despecialize,
    elem_size,
    flatten_functype,
    flatten_type,
)
from componentize.assemble.embed import embed_world
from componentize.assemble.world import embedded_world
from componentize.wit import find_world, resolve_dir, resolve_text, structure
from componentize.wit import model as m
from tests.needs import needs

pytestmark = needs(WASM_TOOLS is not None, "wasm-tools (test extra) not installed")

MAPS = """
package ex:maps@0.1.0;

interface store {
  record entry { tags: map<string, list<u8>>, counts: map<u32, option<s64>> }
  resource bag;
  get: func(m: map<string, entry>) -> map<char, tuple<bool, string>>;
  handles: func(m: map<u64, bag>) -> option<map<s8, bag>>;
}

world w {
  import store;
  export sum: func(m: map<s16, f64>) -> map<bool, u16>;
}
"""


def _module(tmp_path: Path) -> Path:
    path = tmp_path / "in.wasm"
    path.write_bytes(bytes(wasmtime.wat2wasm('(module (memory (export "memory") 1))')))
    return path


def test_embedded_map_world_reads_back_as_wasm_tools_reads_it(tmp_path: Path) -> None:
    (tmp_path / "wit").mkdir()
    (tmp_path / "wit" / "maps.wit").write_text(MAPS)
    world = find_world(resolve_dir(tmp_path / "wit"), "w")
    module = _module(tmp_path)
    mine, theirs = tmp_path / "ours.wasm", tmp_path / "theirs.wasm"
    mine.write_bytes(embed_world(module.read_bytes(), world, where=str(module)))
    _run("component", "embed", tmp_path / "wit", "--world", "w", module, "-o", theirs)
    _run("validate", mine)
    assert structure(oracle(mine)) == structure(oracle(theirs))
    found, expected = embedded_world(mine.read_bytes()), embedded_world(theirs.read_bytes())
    assert found is not None and expected is not None
    assert structure(found[0]) == structure(expected[0])


PAIRS = [
    ("map<string, u32>", "list<tuple<string, u32>>"),
    ("map<u8, list<s64>>", "list<tuple<u8, list<s64>>>"),
    ("map<char, option<f64>>", "list<tuple<char, option<f64>>>"),
    ("map<bool, map<u64, string>>", "list<tuple<bool, list<tuple<u64, string>>>>"),
]


def _type(text: str) -> m.Type:
    r = resolve_text(f"package a:b;\ninterface i {{ type t = {text}; f: func(x: t) -> t; }}")
    assert r.root is not None
    body = r.root.interfaces["i"].types["t"].body
    assert isinstance(body, m.Alias)
    return body.target


@pytest.mark.parametrize(("as_map", "as_list"), PAIRS)
@pytest.mark.parametrize("ptr", ["i32", "i64"])
def test_map_lays_out_as_a_list_of_pairs(as_map: str, as_list: str, ptr: PtrType) -> None:
    a, b = _type(as_map), _type(as_list)
    assert isinstance(a, m.MapType)
    assert flatten_type(a, ptr=ptr) == flatten_type(b, ptr=ptr)
    assert elem_size(a, ptr=ptr) == elem_size(b, ptr=ptr)
    assert alignment(a, ptr=ptr) == alignment(b, ptr=ptr)
    assert contains_list_or_string(a)
    pair, list_pair = despecialize(a).element, despecialize(b).element  # type: ignore[union-attr]
    assert isinstance(pair, m.TupleType)  # the element is a (key, value) tuple
    assert elem_size(pair, ptr=ptr) == elem_size(list_pair, ptr=ptr)
    assert flatten_type(pair, ptr=ptr) == flatten_type(list_pair, ptr=ptr)


def test_map_function_signature_is_the_list_one() -> None:
    r = resolve_text(
        "package a:b;\ninterface i {\n"
        "  f: func(m: map<string, u32>) -> map<u8, string>;\n"
        "  g: func(m: list<tuple<string, u32>>) -> list<tuple<u8, string>>;\n}"
    )
    assert r.root is not None
    fns = r.root.interfaces["i"].functions
    for context in ("lift", "lower"):
        assert flatten_functype(fns["f"], context) == flatten_functype(fns["g"], context)
