"""A module's skeleton: the same types, imports, exports and definitions,
every function body `unreachable`, no data.

A component's validity depends on its core modules' imports and exports,
not on their code; so the component check compiles the component with
skeletons instead (a few milliseconds instead of compiling every function),
after each real module was validated on its own, which is cheap
(`assemble.validate`).
"""

from __future__ import annotations

from dataclasses import replace

from componentize.wasm.model import Code, Module

UNREACHABLE_BODY = b"\x00\x0b"  # unreachable, end


def skeleton(module: Module) -> Module:
    """`module` with every body trapping and without data segments (so
    no data count either) or custom sections."""
    return replace(
        module,
        codes=[Code([], UNREACHABLE_BODY) for _ in module.codes],
        datas=[],
        data_count=None,
        customs=[],
        raw={},
    )
