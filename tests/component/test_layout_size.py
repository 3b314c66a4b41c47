"""What the component adds around a module, kept small (issue 13, size;
benches/bench_size.py measures it over the conformance suite): interfaces
imported in grouped sections, whole instances passed to the shim and the
glue instead of an alias per item, one glue module, and the shim's function
names kept for traps."""

from __future__ import annotations

import pytest
import wasmtime
import wasmtime.component as wc
from component_support import Wasi

from componentize import run, wasm
from componentize.assemble import Options, componentize
from componentize.assemble.core_modules import short_name
from componentize.assemble.guest import LINK_MODULES
from componentize.component import ComponentBuilder, WitEncoder, decode_component, find_names
from componentize.component.model import (
    AliasSection,
    CoreInstanceSection,
    CoreInstantiate,
    CoreModuleSection,
    ImportSection,
    Section,
    TypeSection,
)
from componentize.component.sorts import AliasCoreExport, Sort
from componentize.engine import engine
from componentize.shim.sizes import bundled_names

# A command whose fd_write is given an iovec far outside its memory: the
# shim traps reading it.
TRAPS_IN_SHIM = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 0x7fff0000))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""

HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 0))))
"""


def _component(wat: str) -> bytes:
    return componentize(wasmtime.wat2wasm(wat), Options(wasi_version="auto")).component


def _kinds(sections: list[Section]) -> list[str]:
    return [type(s).__name__ for s in sections]


def test_import_grouped_puts_independent_interfaces_in_one_section(wasi: Wasi) -> None:
    b = ComponentBuilder()
    encoder = WitEncoder(b)
    write = "[method]output-stream.blocking-write-and-flush"
    encoder.import_grouped(
        [
            (wasi.error, [], [wasi.error_res], None),
            (wasi.streams, [write], [wasi.output_stream], None),
            (wasi.stdout, ["get-stdout"], [], None),
            (wasi.stderr, ["get-stderr"], [], None),
        ]
    )
    # error; streams (uses error's resource); stdout and stderr (use
    # streams' output-stream) together: three groups, not four.
    assert _kinds(b.sections) == [
        "TypeSection",
        "ImportSection",
        "AliasSection",
        "TypeSection",
        "ImportSection",
        "AliasSection",
        "TypeSection",
        "ImportSection",
    ]
    last = b.sections[-1]
    assert isinstance(last, ImportSection)
    assert [i.name.name for i in last.imports] == ["wasi:cli/stdout@0.2.0", "wasi:cli/stderr@0.2.0"]
    wc.Component(engine(), b.finish())  # valid


def test_layout_passes_whole_instances() -> None:
    c = decode_component(_component(HELLO))
    names = find_names(c)
    assert names is not None
    modules = names.sorts[Sort.CORE_MODULE]
    assert list(modules.values()) == ["provider", "main", "shim", "glue"]
    # Only what a canon option needs (the shim's memory and realloc) and the
    # lifted `run` are aliased out of core instances: every import of the
    # main module, the shim and the glue is supplied by a whole instance.
    aliased = [
        a.name
        for s in c.sections
        if isinstance(s, AliasSection)
        for a in s.aliases
        if isinstance(a, AliasCoreExport)
    ]
    assert len(aliased) == 3, aliased
    instantiations = [
        i
        for s in c.sections
        if isinstance(s, CoreInstanceSection)
        for i in s.instances
        if isinstance(i, CoreInstantiate)
    ]
    main = instantiations[1]
    assert [name for name, _ in main.args] == [LINK_MODULES[0]]
    assert main.args[0][1] == 0  # the provider (its stubs) itself


def test_preview1_is_linked_by_slot_names_and_traps_keep_names() -> None:
    """The main module's preview1 imports, the provider's stubs and the
    shim's exports they call are all named by slot ("0", "1"...): the
    preview1 names would cost about 40 bytes per import.  The main module's
    own name section still names the imported functions."""
    c = decode_component(_component(HELLO))
    cores = [wasm.decode_module(s.module) for s in c.sections if isinstance(s, CoreModuleSection)]
    provider, main, shim = cores[:3]
    assert [(i.module, i.name) for i in main.imports] == [("p", "0"), ("p", "1")]
    assert {"0", "1"} <= {e.name for e in provider.exports}
    assert {"0", "1"} <= {e.name for e in shim.exports}
    assert not any("fd_write" in e.name for m in cores for e in m.exports)
    # slot 0 is fd_write (sorted by preview1 name), the stub calling slot 0
    assert bundled_names(shim)["0"] == "fd_write" and bundled_names(shim)["1"] == "proc_exit"


REPEATED = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $a (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $b (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $a (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $b (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""


def test_a_repeated_import_is_one_stub_under_two_names() -> None:
    """Go imports a preview1 function once per package; a component may not
    import one name twice, so the repeat is linked as `0~1`, which the
    provider exports for the same stub: no inline instance for the main module."""
    component = _component(REPEATED)
    c = decode_component(component)
    cores = [wasm.decode_module(s.module) for s in c.sections if isinstance(s, CoreModuleSection)]
    provider, main = cores[:2]
    assert [(i.module, i.name) for i in main.imports] == [("p", "0"), ("p", "0~1")]
    exported = {e.name: e.index for e in provider.exports if e.kind == "func"}
    assert exported["0~1"] == exported["0"]
    result = run.run_component(component)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"hi\n", b"hi\n")


def test_shim_imports_are_renamed_but_its_names_stay() -> None:
    c = decode_component(_component(HELLO))
    cores = [s.module for s in c.sections if isinstance(s, CoreModuleSection)]
    shim = wasm.decode_module(cores[2])
    assert all(len(i.module) == 1 for i in shim.imports)
    names = [s for s in shim.customs if s.name == "name"]
    assert names, "the shim keeps its name section"


def test_trap_in_the_shim_names_its_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    # The run's message drops wasmtime's backtrace; the error it classifies has it.
    seen: list[str] = []
    classify = run.classify

    def spy(e: Exception) -> object:
        seen.append(str(e))
        return classify(e)

    monkeypatch.setattr(run, "classify", spy)
    result = run.run_component(_component(TRAPS_IN_SHIM))
    assert result.outcome == "trap"
    assert any("!shim_fd_write" in text for text in seen), seen


def test_added_bytes_beyond_the_shim_stay_small() -> None:
    """Everything but the shim module: types, imports, glue, canons, names."""
    data = wasmtime.wat2wasm(HELLO)
    component = _component(HELLO)
    c = decode_component(component)
    cores = [s.module for s in c.sections if isinstance(s, CoreModuleSection)]
    around = len(component) - len(data) - len(cores[2])
    types = sum(1 for s in c.sections if isinstance(s, TypeSection))
    assert types <= 4  # interfaces imported in dependency groups, + `run`
    assert around <= 1250, around  # 1,192 when written, 2,118 before (commit bbaa2de)


def test_short_names_are_distinct() -> None:
    names = [short_name(n) for n in range(62 * 63 + 1)]
    assert len(set(names)) == len(names)
    assert all(len(n) == 1 for n in names[:62]) and all(len(n) == 2 for n in names[62:-1])


COLLIDING = """
(module
  (import "p" "0" (func $own (param i32) (result i32)))
  (import "wasi_unstable" "fd_write" (func $w0 (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w1 (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w0 (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $w1 (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $own (i32.const 7)))))
"""


def test_linked_imports_take_a_module_name_the_module_does_not_use() -> None:
    """A module importing `p.0` itself (served here by an import rule) keeps
    that import; its preview1 and preview0 `fd_write`, one shim export,
    are linked from the next free module name as one stub."""
    options = Options(wasi_version="auto", import_rules=("p.0=zero",))
    component = componentize(wasmtime.wat2wasm(COLLIDING), options).component
    c = decode_component(component)
    main = wasm.decode_module([s.module for s in c.sections if isinstance(s, CoreModuleSection)][1])
    assert [(i.module, i.name) for i in main.imports] == [("p", "0"), ("q", "0"), ("q", "0~1")]
    result = run.run_component(component)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"hi\n", b"hi\n")
