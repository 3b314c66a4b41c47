"""`componentize.shim.deny` on the shim module itself: the rewrite keeps the
shim valid and portable, removes exactly the denied imports, and the
capability bits agree with the C."""

from __future__ import annotations

import re
from pathlib import Path

import wasmtime

from componentize import shim
from componentize.shim import deny
from componentize.shim.contract import CAPABILITIES_FUNCTION, CAPABILITY_BITS, SHIM_WASI_VERSION
from componentize.wasm import encode_module
from componentize.wasm.instructions import decode_expr
from componentize.wasm.model import Module
from componentize.wasm.names import decode_name_section
from componentize.wasm.portable import js_host_problems
from componentize.wasm.query import imported_count

SHIM_H = Path(__file__).resolve().parents[2] / "shims" / "preview1" / "shim.h"
EVERYTHING = shim.available_exports()


def _names(module: Module) -> dict[int, str]:
    [section] = [c for c in module.customs if c.name == "name"]
    return decode_name_section(section.data).functions


def test_capability_bits_match_shim_h() -> None:
    c_bits = {m[1]: int(m[2]) for m in re.finditer(r"(CAP_\w+) = (\d+)", SHIM_H.read_text())}
    assert sorted(c_bits.values()) == sorted(CAPABILITY_BITS.values())
    assert c_bits["CAP_FILESYSTEM"] == CAPABILITY_BITS["wasi:filesystem/preopens"]
    assert c_bits["CAP_WALL_CLOCK"] == CAPABILITY_BITS["wasi:clocks/wall-clock"]
    assert c_bits["CAP_STDOUT"] == CAPABILITY_BITS["wasi:cli/stdout"]


def test_nothing_denied_is_the_same_shim() -> None:
    full = shim.prepare(EVERYTHING, SHIM_WASI_VERSION)
    assert shim.prepare(EVERYTHING, SHIM_WASI_VERSION, frozenset()) == full


def test_denying_everything_leaves_only_exit() -> None:
    denied = deny.expand(["wasi:cli", "wasi:clocks", "wasi:filesystem", "wasi:io", "wasi:random"])
    module = shim.prepare(EVERYTHING, SHIM_WASI_VERSION, denied)
    assert {i for i, _ in shim.wasi_imports(module)} == {f"wasi:cli/exit@{SHIM_WASI_VERSION}"}
    data = encode_module(module)
    config = wasmtime.Config()
    config.wasm_multi_memory = True
    wasmtime.Module.validate(wasmtime.Engine(config), data)
    assert js_host_problems(module) == []
    names = _names(module)
    n_imported = imported_count(module, "func")
    [caps] = [i for i, n in names.items() if n == CAPABILITIES_FUNCTION]
    body = decode_expr(module.codes[caps - n_imported].code)
    assert body[0].imm == (deny.capability_mask(denied),)
    assert deny.capability_mask(denied) == -2048  # 0xfffff800: the eleven CAP_* bits clear
    stubs = [n for n in names.values() if n.startswith("denied_")]
    assert "denied_wasi_filesystem_preopens_get_directories_is_not_supported" in stubs
    assert len(stubs) == len(shim.wasi_imports(shim.prepare(EVERYTHING, SHIM_WASI_VERSION))) - 2


def test_denied_imports_are_dropped_exactly() -> None:
    keep = frozenset({"fd_write", "clock_time_get", "random_get"})
    before = shim.wasi_calls(keep)
    after = shim.wasi_calls(keep, deny.expand(["wasi:random", "wasi:clocks/wall-clock"]))
    gone = {i.partition("@")[0] for i, _ in set(before) - set(after)}
    assert gone == {"wasi:random/random", "wasi:clocks/wall-clock"}
    assert set(after) < set(before)


def test_exports_keep_their_functions() -> None:
    """Defined functions keep their indices; only the imports move."""
    keep = frozenset({"fd_write", "path_open", "fd_prestat_get"})
    full = shim.prepare(keep, SHIM_WASI_VERSION)
    trimmed = shim.prepare(keep, SHIM_WASI_VERSION, deny.expand(["wasi:filesystem"]))
    assert [(e.name, e.index) for e in full.exports] == [(e.name, e.index) for e in trimmed.exports]
    full_names, trimmed_names = _names(full), _names(trimmed)
    n = imported_count(full, "func")
    assert {i: full_names[i] for i in full_names if i >= n} == {
        i: trimmed_names[i] for i in trimmed_names if i >= n
    }
