"""The one wasmtime engine of a process, with the settings every use shares.

Validation (`assemble.validate`) and running (`run`) use the same engine, so
a component that validates is one that `componentize run` can run.
Engines are costly to make and safe to share.
"""

from __future__ import annotations

from functools import cache

import wasmtime


@cache
def engine() -> wasmtime.Engine:
    config = wasmtime.Config()
    # The shim keeps its state in a memory of its own, next to the guest's.
    config.wasm_multi_memory = True
    return wasmtime.Engine(config)
