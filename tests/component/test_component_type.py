"""Worlds embedded in core modules (`component-type*` custom sections),
decoded into our WIT model and compared with what wasm-tools prints for the
same module (wasm-tools, from the test extra, is only an oracle here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from componentize.assemble.world import embedded_world
from componentize.component import decode_component
from componentize.component.world_of import component_world
from componentize.errors import InputError
from componentize.wit import find_world, print_resolve, resolve_text, structure
from componentize.wit import model as m
from tests.needs import needs

WASM_TOOLS = shutil.which("wasm-tools")
pytestmark = needs(WASM_TOOLS is not None, "wasm-tools (test extra) not installed")

EVERY_TYPE = """
package ex:a@1.0.0;

interface types {
  record point { x: s32, y: s32 }
  resource blob {
    constructor(init: list<u8>);
    get: func() -> list<u8>;
    merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
    set: func(p: point, more: option<blob>);
  }
  enum color { red, green }
  flags perms { read, write, exec }
  variant shape { circle(f32), square(tuple<f64, f64>), none }
  type id = u64;
  type ids = list<id>;
  record all {
    a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64,
    j: f32, k: f64, l: char, m: string, n: list<list<string>>,
    o: option<option<u8>>, p: result, q: result<u8>, r: result<_, string>,
    s: tuple<u8, color, perms>, t: ids,
  }
}

interface api {
  use types.{point, blob, color as colour, all};
  f: func(p: point, b: borrow<blob>) -> result<option<tuple<u8, string>>, string>;
  g: func(a: all, c: colour) -> list<blob>;
  h: func();
}

interface more {
  use api.{point};
  record line { a: point, b: point }
  draw: func(l: line) -> bool;
}

world w {
  import api;
  import more;
  export types;
  import g: func(x: u32) -> u64;
  export h: func();
  export ex: interface { k: func() -> bool; }
  import im: interface {
    use types.{blob};
    mk: func() -> blob;
  }
}
"""

WORLD_TYPES = """
package ex:b;

world w {
  type id = u32;
  record cfg { a: id, b: list<string> }
  enum mode { fast, slow }
  resource handle {
    constructor();
    name: func() -> string;
  }
  import set: func(c: cfg, m: mode) -> result;
  import open: func() -> handle;
  export get: func() -> option<cfg>;
}
"""


def _run(*args: str | Path) -> str:
    assert WASM_TOOLS is not None
    done = subprocess.run([WASM_TOOLS, *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def embed(tmp_path: Path, wit: str, world: str = "w") -> Path:
    (tmp_path / "wit").mkdir(exist_ok=True)
    (tmp_path / "wit" / "world.wit").write_text(wit)
    core = tmp_path / "in.wasm"
    core.write_bytes(bytes(wasmtime.wat2wasm("(module)")))
    out = tmp_path / "out.wasm"
    _run("component", "embed", tmp_path / "wit", "--world", world, core, "-o", out)
    return out


def oracle(path: Path) -> m.Resolve:
    """What wasm-tools says the module's world is, parsed by our parser."""
    return resolve_text(_run("component", "wit", path), "wasm-tools.wit")


def package_structure(resolve: m.Resolve, name: str) -> Any:
    return structure(resolve)[name]


@pytest.mark.parametrize(("wit", "package"), [(EVERY_TYPE, "ex:a@1.0.0"), (WORLD_TYPES, "ex:b")])
def test_embedded_world_matches_wasm_tools(tmp_path: Path, wit: str, package: str) -> None:
    path = embed(tmp_path, wit)
    found = embedded_world(path.read_bytes())
    assert found is not None
    resolve, world = found
    assert world.name == "w"
    theirs = oracle(path)
    assert package_structure(resolve, package) == package_structure(theirs, package)
    # our printing of our decoding reads back to the same structure
    again = resolve_text(print_resolve(resolve), "ours.wit")
    assert structure(again) == structure(resolve)


def test_embedded_world_matches_source(tmp_path: Path) -> None:
    """Every interface and world item the world uses comes back as written."""
    source = resolve_text(EVERY_TYPE)
    resolve, _ = embedded_world(embed(tmp_path, EVERY_TYPE).read_bytes()) or (None, None)
    assert resolve is not None
    ours = package_structure(resolve, "ex:a@1.0.0")
    want = package_structure(source, "ex:a@1.0.0")
    assert ours[3]["w"] == want[3]["w"]
    for name in ("types", "api", "more"):
        assert ours[2][name] == want[2][name]


def test_module_without_world() -> None:
    assert embedded_world(bytes(wasmtime.wat2wasm("(module)"))) is None


def test_world_found_by_name(tmp_path: Path) -> None:
    found = embedded_world(embed(tmp_path, WORLD_TYPES).read_bytes())
    assert found is not None
    assert find_world(found[0], "w") is found[1]


def test_cli_prints_the_world(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from componentize.cli.wit import wit

    path = embed(tmp_path, EVERY_TYPE)
    result = CliRunner().invoke(wit, [str(path)])
    assert result.exit_code == 0, result.output
    printed = resolve_text(result.stdout, "printed.wit")
    want = package_structure(oracle(path), "ex:a@1.0.0")
    assert package_structure(printed, "ex:a@1.0.0") == want
    world = CliRunner().invoke(wit, [str(path), "--world", "w"])
    assert world.exit_code == 0 and world.stdout.startswith("package ex:a@1.0.0")


def _two_sections(tmp_path: Path, first: str, second: str) -> bytes:
    """A module with both worlds' component-type sections."""
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    one = embed(tmp_path / "1", first)
    two = embed(tmp_path / "2", second)
    return one.read_bytes() + _custom(two.read_bytes())


def _custom(module: bytes) -> bytes:
    """The raw bytes (id, size, payload) of the module's component-type section."""
    from componentize.wasm import decode_module

    custom = next(c for c in decode_module(module).customs if c.name == "component-type")
    assert custom.raw is not None
    return custom.raw.source[custom.raw.start : custom.raw.end]


def test_two_sections_merge_into_one_world(tmp_path: Path) -> None:
    first = EVERY_TYPE
    second = EVERY_TYPE.replace("world w {", "world w {\n  export extra: func(p: u8);", 1)
    resolve, world = embedded_world(_two_sections(tmp_path, first, second)) or (None, None)
    assert resolve is not None and world is not None
    assert "extra" in world.exports and "h" in world.exports and "api" not in world.exports
    assert world.imports["ex:a/api@1.0.0"].item is resolve.interface("ex:a/api@1.0.0")


def test_conflicting_sections_are_an_error(tmp_path: Path) -> None:
    first = WORLD_TYPES
    second = WORLD_TYPES.replace("export get: func() -> option<cfg>;", "export get: func();")
    with pytest.raises(InputError, match="export 'get' differs") as info:
        embedded_world(_two_sections(tmp_path, first, second), where="m.wasm")
    assert "m.wasm" in str(info.value) and "hint" in str(info.value)


ASYNC = """
package ex:d;

interface io {
  resource conn {
    read: async func(n: u32) -> stream<u8>;
    close: static async func(c: conn);
  }
  fetch: async func(url: string) -> future<result<list<u8>, string>>;
  signal: func() -> future;
}

world w {
  import io;
  export serve: async func(s: stream<string>) -> stream;
}
"""

DEP = """
package ex:dep@0.1.0;

interface log {
  enum level { info, warn }
  write: func(l: level, msg: string);
}
"""

WITH_DEP = """
package ex:e;

interface app {
  use ex:dep/log@0.1.0.{level};
  run: func(l: level) -> s32;
}

world w {
  import ex:dep/log@0.1.0;
  export app;
}
"""


def test_async_future_stream(tmp_path: Path) -> None:
    path = embed(tmp_path, ASYNC)
    resolve, _ = embedded_world(path.read_bytes()) or (None, None)
    assert resolve is not None
    assert package_structure(resolve, "ex:d") == package_structure(oracle(path), "ex:d")


def test_world_using_another_package(tmp_path: Path) -> None:
    (tmp_path / "wit" / "deps" / "dep").mkdir(parents=True)
    (tmp_path / "wit" / "deps" / "dep" / "log.wit").write_text(DEP)
    path = embed(tmp_path, WITH_DEP)
    resolve, world = embedded_world(path.read_bytes()) or (None, None)
    assert resolve is not None and world is not None
    assert resolve.root is world.package and str(resolve.packages[-1].name) == "ex:e"
    theirs = oracle(path)
    for name in ("ex:e", "ex:dep@0.1.0"):
        assert package_structure(resolve, name) == package_structure(theirs, name)


# --------------------------------------------------------------------------
# the world of a component made by anyone


def dummy_component(tmp_path: Path, wit: str) -> Path:
    """A component made by wasm-tools (wit-component) for the world `w`."""
    (tmp_path / "wit").mkdir()
    (tmp_path / "wit" / "world.wit").write_text(wit)
    module, component = tmp_path / "dummy.wasm", tmp_path / "c.wasm"
    _run("component", "embed", "--dummy", tmp_path / "wit", "--world", "w", "-o", module)
    _run("component", "new", module, "-o", component)
    return component


def assert_component_world(path: Path) -> m.World:
    resolve, world = component_world(decode_component(path.read_bytes()))
    assert str(resolve.root.name if resolve.root else "") == "root:component"
    assert structure(resolve) == structure(oracle(path))
    return world


@pytest.mark.parametrize("wit", [EVERY_TYPE, WORLD_TYPES, ASYNC], ids=["every", "world", "async"])
def test_component_world_matches_wasm_tools(tmp_path: Path, wit: str) -> None:
    world = assert_component_world(dummy_component(tmp_path, wit))
    assert world.name == "root" and world.exports


def test_world_of_our_own_component(tmp_path: Path) -> None:
    from componentize.assemble import Options, componentize

    examples = Path(__file__).resolve().parents[2] / "examples"
    path = tmp_path / "hello.component.wasm"
    path.write_bytes(componentize((examples / "hello.wasm").read_bytes(), Options()).component)
    world = assert_component_world(path)
    assert any(key.startswith("wasi:cli/run@") for key in world.exports)


def test_cli_prints_a_component_world(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from componentize.cli.wit import wit

    path = dummy_component(tmp_path, WORLD_TYPES)
    result = CliRunner().invoke(wit, [str(path)])
    assert result.exit_code == 0, result.output
    assert structure(resolve_text(result.stdout)) == structure(oracle(path))
