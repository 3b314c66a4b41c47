"""README claims, checked as stated: the component imports exactly what the
module's preview1 calls need (not a subset: the whole set, pinned for real
programs); memory limits are kept, an imported memory stays imported, a
64-bit one is refused, end to end; logging is quiet by default, `-v` shows
steps, `-vv` debug, `--log-format json` gives JSON lines.  Every component
made here is run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime

from componentize import wasm
from componentize.assemble import componentize
from componentize.component import decode_component
from componentize.component.model import CoreModuleSection
from componentize.component.summary import component_imports
from componentize.errors import UnsupportedModuleError
from componentize.run import run_component

ROOT = Path(__file__).resolve().parent.parent
V = "@0.2.12"
TERMINALS = {f"wasi:cli/terminal-{t}{V}" for t in ("input", "output", "stdin", "stdout", "stderr")}
STDIO = {f"wasi:cli/{s}{V}" for s in ("environment", "exit", "stderr", "stdout")}
STREAMS = {f"wasi:io/error{V}", f"wasi:io/streams{V}"}

EXACT = {
    # wasi-libc's start-up asks for preopens and whether stdio is a terminal
    "examples/hello.wasm": STDIO
    | STREAMS
    | TERMINALS
    | {f"wasi:filesystem/preopens{V}", f"wasi:filesystem/types{V}"},
    # Rust's std reads stdin and writes stdout/stderr; no files, no terminals
    "tests/fixtures/real/rust/stdio.wasm": STDIO | STREAMS | {f"wasi:cli/stdin{V}"},
    "tests/fixtures/real/clang19/files.wasm": STDIO
    | STREAMS
    | TERMINALS
    | {
        f"wasi:cli/stdin{V}",
        f"wasi:clocks/wall-clock{V}",
        f"wasi:filesystem/preopens{V}",
        f"wasi:filesystem/types{V}",
    },
}


@pytest.mark.parametrize("path", sorted(EXACT))
def test_imports_exactly_what_the_calls_need(path: str) -> None:
    component = componentize((ROOT / path).read_bytes()).component
    imports = {name for name, _ in component_imports(decode_component(component))}
    assert imports == EXACT[path]
    assert run_component(component, args=["x"]).outcome in ("returned", "exit")


def _main_module(component: bytes) -> wasm.Module:
    """The module that exports `_start` (the shim and the glue do not)."""
    for section in decode_component(component).sections:
        if isinstance(section, CoreModuleSection):
            module = wasm.decode_module(section.module)
            if any(e.name == "_start" for e in module.exports):
                return module
    raise AssertionError("no main module")


HELLO_WAT = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  {memory}
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""


def test_memory_limits_are_kept() -> None:
    module = bytes(wasmtime.wat2wasm(HELLO_WAT.format(memory='(memory (export "memory") 2 5)')))
    component = componentize(module).component
    assert _main_module(component).memories == [wasm.Limits(2, 5)]
    assert run_component(component).stdout == b"hi\n"


def test_an_imported_memory_stays_imported() -> None:
    text = HELLO_WAT.format(memory='(import "env" "memory" (memory 1 3))')
    component = componentize(bytes(wasmtime.wat2wasm(text))).component
    main = _main_module(component)
    assert not main.memories
    assert [(i.module, i.name, i.desc) for i in main.imports if i.kind == "memory"] == [
        ("env", "memory", wasm.Limits(1, 3))
    ]
    assert run_component(component).stdout == b"hi\n"


def test_a_64_bit_memory_is_refused() -> None:
    text = '(module (memory (export "memory") i64 1) (func (export "_start")))'
    with pytest.raises(UnsupportedModuleError, match="64-bit"):
        componentize(bytes(wasmtime.wat2wasm(text)))


def _new(*options: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "componentize", *options]
    argv += ["new", str(ROOT / "examples" / "hello.wasm"), "-o", str(tmp / "out.wasm")]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)


def test_logging_levels_and_json(tmp_path: Path) -> None:
    assert _new(tmp=tmp_path).stderr == ""
    steps = _new("-v", tmp=tmp_path).stderr
    assert "analyzed" in steps and "planned" in steps and "written" in steps
    assert "debug" not in steps
    lines = _new("-v", "--log-format", "json", tmp=tmp_path).stderr.splitlines()
    events = [json.loads(line) for line in lines]
    assert {e["event"] for e in events} >= {"analyzed", "planned", "assembled", "written"}
    assert all(e["level"] == "info" for e in events)
    assert run_component(tmp_path / "out.wasm").exit_code == 0
