"""The one wasmtime engine of a process, with the settings every use shares.

Validation (`assemble.validate`) and running (`run`) use the same engine
settings, so a component that validates is one that `componentize run` can
run; running may add a compile cache and limits, which change no rule.
Engines are costly to make and safe to share.
"""

from __future__ import annotations

from functools import cache

import wasmtime


@cache
def engine(*, cached: bool = False, limits: bool = False) -> wasmtime.Engine:
    """The engine; `cached` keeps compiled code in wasmtime's on-disk cache
    (so running a component again compiles nothing), `limits` adds fuel and
    epoch interruption (time limits), which cost some speed."""
    config = wasmtime.Config()
    # The shim keeps its state in a memory of its own, next to the guest's.
    config.wasm_multi_memory = True
    # WIT's map<K, V> (component type 0x63) in worlds we read and components
    # we build; older wasmtime-py releases lack the switch.
    if hasattr(type(config), "wasm_component_model_map"):
        config.wasm_component_model_map = True
    # A module built with a shared memory (atomics, wasm32-wasip1-threads)
    # runs single-threaded as a component; its memory is still shared.
    config.shared_memory = True
    if cached:
        config.cache = True
    if limits:
        config.consume_fuel = True
        config.epoch_interruption = True
    return wasmtime.Engine(config)


def cause_of(message: str) -> str:
    """The "Caused by" lines of a wasmtime error, joined; else its first line."""
    lines = message.strip().splitlines()
    if "Caused by:" in lines:
        rest = lines[lines.index("Caused by:") + 1 :]
        return "; ".join(line.strip() for line in rest if line.strip())
    return lines[0].strip() if lines else ""
