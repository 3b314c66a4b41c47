"""wasi_unstable entry points at the edges the differential tests cannot
reach (toolchains.native's bridge over preview1 differs there)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from wasmtime import component as wc

from componentize.assemble import componentize
from componentize.engine import engine
from componentize.run import run_component

from .wat_program import Program

PAGES = 2  # Program's memory
END = PAGES * 65536


def test_filestat_buffer_ending_at_the_end_of_memory() -> None:
    # preview0's filestat is 56 bytes: a buffer in the last 56 bytes of
    # memory is valid (the bridge, which lets preview1 write 64, traps).
    p = Program(["fd_filestat_get"])
    out = END - 56
    body = f"""{p.say("stat")}
      (call $u32 (call $fd_filestat_get (call $open {p.text("f")} (i32.const 0)) (i32.const {out})))
      (call $u32 (i32.load8_u (i32.const {out + 16})))
      (call $u32 (i32.load (i32.const {out + 20})))
      (call $u64 (i64.load (i32.const {out + 24})))
      (call $nl)"""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "f").write_bytes(b"12345")
        r = run_component(componentize(p.module(body)).component, dirs=[(tmp, ".")])
    assert (r.outcome, r.stdout) == ("returned", b"stat 0 4 1 5\n")


def test_preview0_stdio_module_imports_only_stdio() -> None:
    p = Program(["proc_exit"], open_helper=False)
    component = componentize(p.module(f"{p.say('hi')} (call $proc_exit (i32.const 7))")).component
    names = wc.Component(engine(), component).type.imports(engine())
    assert {name.partition("@")[0] for name in names} <= {
        "wasi:cli/exit",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:io/streams",
        "wasi:io/error",
    }
    r = run_component(component)
    assert (r.exit_code, r.stdout) == (7, b"hi")
