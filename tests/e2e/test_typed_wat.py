"""Typed worlds, edge by edge, with small hand-written modules (WAT): both
core name conventions, a command that also exports functions, a reactor
with `_initialize` and preview1 calls, a wasip2-style direct WASI import,
an imported memory, UTF-16 strings, and the refusals.  Each component is
run under wasmtime's component API with host functions in Python, and
compared with the official pipeline (`wasm-tools component new`, an oracle
here only): same results, same component-level world.

The real-compiler fixtures (C, Rust) are in tests/typed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import wasmtime
from wasmtime import component as wc

from componentize.assemble import Options, componentize
from componentize.assemble.embed import embed_world
from componentize.assemble.world import pick_world
from componentize.cli import main
from componentize.errors import ComponentizeError
from componentize.run import run_component
from componentize.wit import resolve_dir

WASM_TOOLS = shutil.which("wasm-tools")

WIT = """
package test:quick@0.1.0;

interface host {
  record point { x: u32, y: u32 }
  log: func(msg: string);
  add: func(a: u32, b: u32) -> u32;
}

interface api {
  use host.{point};
  greet: func(name: string) -> string;
  sum: func(p: point) -> u32;
  resource counter {
    constructor(start: u32);
    next: func() -> u32;
  }
}

world w {
  import host;
  import tick: func() -> u32;
  export api;
  export hello: func() -> u32;
}
"""

# The core names of each convention (assemble/typed.py has the table).
LEGACY = {
    "HOST": "test:quick/host@0.1.0",
    "ROOT": "$root",
    "EXPORTED": "[export]test:quick/api@0.1.0",
    "NEW": "[resource-new]counter",
    "API": "test:quick/api@0.1.0#",
    "POST": "cabi_post_test:quick/api@0.1.0#greet",
    "DTOR": "test:quick/api@0.1.0#[dtor]counter",
    "HELLO": "hello",
    "REALLOC": "cabi_realloc",
    "MEMORY": "memory",
}
TARGET = {
    "HOST": "cm32p2|test:quick/host@0.1",
    "ROOT": "cm32p2",
    "EXPORTED": "cm32p2|_ex_test:quick/api@0.1",
    "NEW": "counter_new",
    "API": "cm32p2|test:quick/api@0.1|",
    "POST": "cm32p2|test:quick/api@0.1|greet_post",
    "DTOR": "cm32p2|test:quick/api@0.1|counter_dtor",
    "HELLO": "cm32p2||hello",
    "REALLOC": "cm32p2_realloc",
    "MEMORY": "cm32p2_memory",
}

REALLOC_FUNC = """(func $realloc (export "{REALLOC}")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (if (i32.and (i32.ne (local.get $old) (i32.const 0))
                 (i32.le_u (local.get $size) (local.get $old_size)))
      (then (return (local.get $old))))
    (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $bump (i32.add (local.get $p) (local.get $size)))
    (if (local.get $old)
      (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))"""

MODULE = """
(module
  (import "{HOST}" "log" (func $log (param i32 i32)))
  (import "{HOST}" "add" (func $add (param i32 i32) (result i32)))
  (import "{ROOT}" "tick" (func $tick (result i32)))
  (import "{EXPORTED}" "{NEW}" (func $new (param i32) (result i32)))
  (memory (export "{MEMORY}") 1)
  (global $bump (mut i32) (i32.const 1024))
  (global $drops (mut i32) (i32.const 0))
  (global $posts (mut i32) (i32.const 0))
  {REALLOC_FUNC}
  (func (export "{API}greet") (param i32 i32) (result i32)
    (call $log (local.get 0) (local.get 1))
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "{POST}") (param i32)
    (global.set $posts (i32.add (global.get $posts) (i32.const 1))))
  (func (export "{API}sum") (param i32 i32) (result i32)
    (call $add (local.get 0) (local.get 1)))
  (func (export "{API}[constructor]counter") (param i32) (result i32)
    (local $p i32)
    (local.set $p (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.const 4)))
    (i32.store (local.get $p) (local.get 0))
    (call $new (local.get $p)))
  (func (export "{API}[method]counter.next") (param i32) (result i32)
    (i32.store (local.get 0) (i32.add (i32.load (local.get 0)) (i32.const 1)))
    (i32.load (local.get 0)))
  (func (export "{DTOR}") (param i32)
    (global.set $drops (i32.add (global.get $drops) (i32.const 1))))
  (func (export "{HELLO}") (result i32)
    (i32.add (i32.mul (call $tick) (i32.const 100))
             (i32.add (i32.mul (global.get $drops) (i32.const 10)) (global.get $posts))))
)
"""


def wat(text: str, names: dict[str, str] | None = None) -> bytes:
    """`text` with `{REALLOC_FUNC}` and the `names` of a convention filled in."""
    text = text.replace("{REALLOC_FUNC}", REALLOC_FUNC)
    for key, value in {"REALLOC": "cabi_realloc", **(names or {})}.items():
        text = text.replace("{" + key + "}", value)
    return bytes(wasmtime.wat2wasm(text))


def wit_dir(root: Path, text: str, name: str = "world.wit") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    return root


def embedded(module: bytes, wit: Path, world: str | None = None) -> bytes:
    resolve = resolve_dir(str(wit))
    return embed_world(module, pick_world(resolve, world, str(wit)))


def ours(module: bytes, **options: Any) -> bytes:
    return componentize(module, Options(**options)).component


def official(module: bytes, tmp: Path, adapter: Path | None = None) -> bytes:
    assert WASM_TOOLS is not None, "wasm-tools comes with the test extra"
    src, out = tmp / "official-in.wasm", tmp / "official-out.wasm"
    src.write_bytes(module)
    argv = [WASM_TOOLS, "component", "new", str(src), "-o", str(out)]
    if adapter is not None:
        argv += ["--adapt", f"wasi_snapshot_preview1={adapter}"]
    subprocess.run(argv, check=True, capture_output=True)
    return out.read_bytes()


def component_wit(component: bytes, tmp: Path) -> str:
    assert WASM_TOOLS is not None
    path = tmp / "for-wit.wasm"
    path.write_bytes(component)
    done = subprocess.run(
        [WASM_TOOLS, "component", "wit", str(path)], check=True, capture_output=True, text=True
    )
    return done.stdout


# --------------------------------------------------------------------------
# the oracle: wasmtime's component API


@dataclass
class Host:
    """Host functions and what they received."""

    logs: list[str] = field(default_factory=list)
    adds: list[tuple[int, int]] = field(default_factory=list)

    def define(self, linker: wc.Linker, host_name: str = "test:quick/host@0.1.0") -> None:
        with linker.root() as root:
            with root.add_instance(host_name) as host:
                host.add_func("log", lambda _s, msg: self.logs.append(msg))
                host.add_func("add", self._add)
            root.add_func("tick", lambda _s: 7)

    def _add(self, _store: Any, a: int, b: int) -> int:
        self.adds.append((a, b))
        return a + b + 1000


@dataclass
class Running:
    store: wasmtime.Store
    instance: wc.Instance

    def func(self, name: str, interface: str | None = None) -> Callable[..., Any]:
        parent = None
        if interface is not None:
            parent = self.instance.get_export_index(self.store, interface)
            assert parent is not None, f"no export {interface}"
        index = self.instance.get_export_index(self.store, name, parent)
        assert index is not None, f"no export {name}"
        func = self.instance.get_func(self.store, index)
        assert func is not None

        def call(*args: Any) -> Any:
            result = func(self.store, *args)
            func.post_return(self.store)
            return result

        return call


def instantiate(component: bytes, define: Callable[[wc.Linker], None] = lambda _l: None) -> Running:
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wc.Linker(engine)
    linker.add_wasip2()
    define(linker)
    instance = linker.instantiate(store, wc.Component(engine, component))
    return Running(store, instance)


def point(x: int, y: int) -> wc.Record:
    value = wc.Record()
    value.x, value.y = x, y  # type: ignore[attr-defined]
    return value


def exercise(component: bytes) -> tuple[list[object], Host]:
    """Call every export of world `w`; the results and what the host saw."""
    host = Host()
    run = instantiate(component, host.define)
    api = "test:quick/api@0.1.0"
    results: list[object] = [
        run.func("greet", api)("héllo, wörld ✓"),
        run.func("sum", api)(point(1, 2)),
    ]
    counter = run.func("[constructor]counter", api)(41)
    nxt = run.func("[method]counter.next", api)
    results += [nxt(counter), nxt(counter)]
    counter.drop(run.store)  # the destructor runs: drops = 1
    results.append(run.func("hello")())  # 7 * 100 + drops * 10 + post-returns of greet
    return results, host


EXPECTED = ["héllo, wörld ✓", 1003, 42, 43, 711]


@pytest.fixture(scope="module")
def quick_wit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wit_dir(tmp_path_factory.mktemp("quick") / "wit", WIT)


@pytest.fixture(scope="module", params=["legacy", "target"])
def quick_module(request: pytest.FixtureRequest, quick_wit: Path) -> bytes:
    names = LEGACY if request.param == "legacy" else TARGET
    return embedded(wat(MODULE, names), quick_wit)


def test_every_export_lifted_and_import_lowered(quick_module: bytes) -> None:
    results, host = exercise(ours(quick_module))
    assert results == EXPECTED
    assert host.logs == ["héllo, wörld ✓"]
    assert host.adds == [(1, 2)]


def test_same_results_and_world_as_the_official_pipeline(
    quick_module: bytes, tmp_path: Path
) -> None:
    theirs = official(quick_module, tmp_path)
    mine = ours(quick_module)
    assert exercise(theirs)[0] == exercise(mine)[0] == EXPECTED
    assert component_wit(mine, tmp_path) == component_wit(theirs, tmp_path)


def test_wit_on_the_command_line_equals_embedding(quick_wit: Path) -> None:
    plain = wat(MODULE, LEGACY)
    by_option = ours(plain, wit=str(quick_wit), world="w")
    assert by_option == ours(embedded(plain, quick_wit))
    assert exercise(by_option)[0] == EXPECTED


def test_cli_new_with_wit(quick_wit: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(MODULE, LEGACY))
    with pytest.raises(SystemExit) as done:
        main(["new", str(src), "--wit", str(quick_wit), "--world", "w", "-o", str(out)])
    assert done.value.code == 0
    assert exercise(out.read_bytes())[0] == EXPECTED


def test_without_the_world_the_imports_are_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ComponentizeError) as caught:
        ours(wat(MODULE, LEGACY))
    assert "test:quick/host@0.1.0.log" in str(caught.value)
    assert "--wit" in caught.value.hint


# --------------------------------------------------------------------------
# mismatches between the world and the module


def refusal(quick_wit: Path, module_text: str) -> str:
    with pytest.raises(ComponentizeError) as caught:
        ours(embedded(wat(module_text, LEGACY), quick_wit))
    return str(caught.value)


def test_wrong_core_signature_names_both_signatures(quick_wit: Path) -> None:
    good = '(func (export "{API}sum") (param i32 i32) (result i32)'
    text = MODULE.replace(good, '(func (export "{API}sum") (param i32) (result i32) (local.get 0)')
    text = text.replace("(call $add (local.get 0) (local.get 1)))", "(drop (i32.const 0)))", 1)
    message = refusal(quick_wit, text)
    assert "test:quick/api@0.1.0#sum" in message
    assert "(i32) -> (i32)" in message and "(i32, i32) -> (i32)" in message


def test_missing_export_is_named(quick_wit: Path) -> None:
    text = MODULE.replace('(export "{HELLO}")', "")
    message = refusal(quick_wit, text)
    assert "`hello`" in message and "no `hello`" in message


def test_unknown_import_of_a_world_interface_is_named(quick_wit: Path) -> None:
    text = MODULE.replace('(import "{HOST}" "add"', '(import "{HOST}" "nope"')
    message = refusal(quick_wit, text)
    assert "`nope`" in message and "test:quick/host@0.1.0" in message


def test_wrong_import_signature(quick_wit: Path) -> None:
    text = MODULE.replace('"log" (func $log (param i32 i32))', '"log" (func $log (param i32))')
    text = text.replace("(call $log (local.get 0) (local.get 1))", "(call $log (local.get 0))")
    message = refusal(quick_wit, text)
    assert "test:quick/host@0.1.0.log" in message and "(i32, i32) -> ()" in message


def test_cli_refusal_exits_2_and_writes_nothing(quick_wit: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(MODULE.replace('(export "{HELLO}")', ""), LEGACY))
    with pytest.raises(SystemExit) as done:
        main(["new", str(src), "--wit", str(quick_wit), "-o", str(out)])
    assert done.value.code == 2
    assert not out.exists()


# --------------------------------------------------------------------------
# commands, reactors, memories, WASI, encodings

COMMAND_WIT = """
package test:cmd@0.1.0;

world w {
  export reverse: func(names: list<string>) -> list<string>;
}
"""

COMMAND = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hi from _start\\n")
  (global $bump (mut i32) (i32.const 4096))
  {REALLOC_FUNC}
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 100))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "reverse") (param $p i32) (param $n i32) (result i32)
    (local $out i32) (local $i i32)
    (local.set $out (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
    (global.set $bump (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 8))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i64.store
        (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 8)))
        (i64.load (i32.add (local.get $p)
          (i32.mul (i32.sub (i32.sub (local.get $n) (local.get $i)) (i32.const 1)) (i32.const 8)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store (i32.const 32) (local.get $out))
    (i32.store (i32.const 36) (local.get $n))
    (i32.const 32))
)
"""


def test_command_keeps_run_and_exports_the_world(tmp_path: Path) -> None:
    wit = wit_dir(tmp_path / "wit", COMMAND_WIT)
    component = ours(wat(COMMAND), wit=str(wit))
    result = run_component(component, args=[], capture=True)
    assert result.exit_code == 0 and result.stdout == b"hi from _start\n"
    assert instantiate(component).func("reverse")(["a", "bé", "c"]) == ["c", "bé", "a"]
    world = component_wit(component, tmp_path)
    assert "export wasi:cli/run@" in world and "export reverse: func" in world


REACTOR_WIT = """
package test:lib@0.1.0;

world w {
  export state: func() -> u32;
  export noise: func() -> u32;
}
"""

REACTOR = """
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "{MEMORY}") 1)
  (global $state (mut i32) (i32.const 0))
  (func (export "{INIT}") (global.set $state (i32.add (global.get $state) (i32.const 41))))
  (func (export "state") (result i32) (global.get $state))
  (func (export "noise") (result i32)
    (drop (call $random (i32.const 64) (i32.const 4)))
    (i32.or (i32.load (i32.const 64)) (i32.const 1)))
)
"""


@pytest.mark.parametrize("init", ["_initialize", "cm32p2_initialize"])
def test_reactor_initializes_once_and_uses_preview1(tmp_path: Path, init: str) -> None:
    wit = wit_dir(tmp_path / "wit", REACTOR_WIT)
    module = wat(REACTOR, {"MEMORY": "memory", "INIT": init})
    result = componentize(module, Options(wit=str(wit)))
    assert not result.warnings
    run = instantiate(result.component)
    assert run.func("state")() == 41
    assert run.func("noise")() & 1 == 1
    assert run.func("state")() == 41


IMPORTED_MEMORY = """
(module
  (import "env" "memory" (memory 1))
  (import "$root" "shout" (func $shout (param i32 i32)))
  (data (i32.const 200) "from imported memory")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "go") (call $shout (i32.const 200) (i32.const 20)))
)
"""

IMPORTED_MEMORY_WIT = """
package test:mem@0.1.0;

world w {
  import shout: func(s: string);
  export go: func();
}
"""


def test_module_importing_its_memory(tmp_path: Path) -> None:
    wit = wit_dir(tmp_path / "wit", IMPORTED_MEMORY_WIT)
    heard: list[str] = []

    def define(linker: wc.Linker) -> None:
        with linker.root() as root:
            root.add_func("shout", lambda _s, text: heard.append(text))

    run = instantiate(ours(wat(IMPORTED_MEMORY), wit=str(wit)), define)
    run.func("go")()
    assert heard == ["from imported memory"]


def test_direct_wasi_import_shares_the_shims_instance(tmp_path: Path) -> None:
    root = tmp_path / "wit"
    (root / "deps").mkdir(parents=True)
    (root / "deps" / "random.wit").write_text(
        "package wasi:random@0.2.3;\ninterface random {\n  get-random-u64: func() -> u64;\n}\n"
    )
    wit_dir(
        root,
        "package test:p2@0.1.0;\n"
        "world w {\n  import wasi:random/random@0.2.3;\n  export roll: func() -> u64;\n}\n",
    )
    module = wat(
        """(module
          (import "wasi:random/random@0.2.3" "get-random-u64" (func $r (result i64)))
          (import "wasi_snapshot_preview1" "random_get" (func $rg (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "roll") (result i64)
            (drop (call $rg (i32.const 0) (i32.const 8)))
            (i64.xor (call $r) (i64.load (i32.const 0)))))"""
    )
    component = ours(module, wit=str(root))
    world = component_wit(component, tmp_path)
    assert world.count("import wasi:random/random@") == 1, world
    assert "import wasi:random/random@0.2.3;" in world
    assert isinstance(instantiate(component).func("roll")(), int)


UTF16 = """
(module
  (import "$root" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  {REALLOC_FUNC}
  ;; echo: logs the string, returns its length in code units and the bytes back
  (func (export "echo") (param i32 i32) (result i32)
    (call $log (local.get 0) (local.get 1))
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "units") (param i32 i32) (result i32) (local.get 1))
)
"""

UTF16_WIT = """
package test:enc@0.1.0;

world w {
  import log: func(s: string);
  export echo: func(s: string) -> string;
  export units: func(s: string) -> u32;
}
"""


def test_utf16_world_passes_code_units(tmp_path: Path) -> None:
    wit = wit_dir(tmp_path / "wit", UTF16_WIT)
    assert WASM_TOOLS is not None
    src, out = tmp_path / "m.wasm", tmp_path / "e.wasm"
    src.write_bytes(wat(UTF16))
    subprocess.run(
        [WASM_TOOLS, "component", "embed", str(wit), str(src), "--encoding", "utf16"]
        + ["-o", str(out)],
        check=True,
        capture_output=True,
    )
    logged: list[str] = []

    def define(linker: wc.Linker) -> None:
        with linker.root() as root:
            root.add_func("log", lambda _s, text: logged.append(text))

    for component in (ours(out.read_bytes()), official(out.read_bytes(), tmp_path)):
        logged.clear()
        run = instantiate(component, define)
        text = "a€𝄞"  # 1 + 1 + 2 UTF-16 code units
        assert run.func("units")(text) == 4
        assert run.func("echo")(text) == text
        assert logged == [text]


NESTED_WIT = """
package test:types@0.1.0;

interface shapes {
  enum color { red, green }
  flags perms { read, write }
  record dot { at: tuple<u32, u32>, color: color }
  variant shape { circle(dot), none }
  type dots = list<dot>;
  paint: func(s: shape, p: perms) -> option<dot>;
  count: func(d: dots) -> u32;
}

world w {
  record cfg { name: string, level: u8 }
  import shapes;
  import get-cfg: func() -> cfg;
  export shapes;
  export level: func(c: cfg) -> u8;
}
"""

NESTED = """
(module
  (import "$root" "get-cfg" (func $get (param i32)))
  (import "test:types/shapes@0.1.0" "count" (func $count (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 2048))
  (func (export "test:types/shapes@0.1.0#paint") (param i32 i32 i32 i32 i32) (result i32)
    (i32.store8 (i32.const 64) (i32.const 0)) (i32.const 64))
  (func (export "test:types/shapes@0.1.0#count") (param i32 i32) (result i32)
    (call $count (local.get 0) (local.get 1)))
  (func (export "level") (param i32 i32 i32) (result i32)
    (call $get (i32.const 128))
    (i32.add (local.get 2) (i32.load8_u (i32.const 136))))
)
"""


def test_named_types_nested_in_an_exported_interface_and_world_types(tmp_path: Path) -> None:
    """Records in variants, enums in records, a list alias, world-level
    records in both directions: all named as WIT names them."""
    wit = wit_dir(tmp_path / "wit", NESTED_WIT)
    module = embedded(wat(NESTED), wit)
    counted: list[int] = []

    def define(linker: wc.Linker) -> None:
        def get_cfg(_store: Any) -> wc.Record:
            cfg = wc.Record()
            cfg.name, cfg.level = "host", 5  # type: ignore[attr-defined]
            return cfg

        with linker.root() as root:
            root.add_func("get-cfg", get_cfg)
            with root.add_instance("test:types/shapes@0.1.0") as shapes:
                shapes.add_func("count", lambda _s, dots: counted.append(len(dots)) or len(dots))
                shapes.add_func("paint", lambda _s, _shape, _perms: None)

    mine, theirs = ours(module), official(module, tmp_path)
    assert component_wit(mine, tmp_path) == component_wit(theirs, tmp_path)
    for component in (mine, theirs):
        run = instantiate(component, define)
        cfg = wc.Record()
        cfg.name, cfg.level = "guest", 3  # type: ignore[attr-defined]
        assert run.func("level")(cfg) == 8
        dot = wc.Record()
        dot.at, dot.color = (1, 2), "red"  # type: ignore[attr-defined]
        assert run.func("count", "test:types/shapes@0.1.0")([dot, dot, dot]) == 3
    assert counted == [3, 3]
