"""Read-only questions about a `Module`: index spaces, imports, exports, custom sections.

In every index space the imported entities come first, in import order, then
the module's own definitions.
"""

from __future__ import annotations

from collections.abc import Iterator

from componentize.errors import WasmDecodeError

from .model import (
    CompositeType,
    CustomSection,
    Export,
    ExternKind,
    FuncDesc,
    FuncType,
    Import,
    Limits,
    MemoryType,
    Module,
    NameSection,
    ProducersSection,
)
from .names import decode_name_section, decode_producers_section
from .types import typedef_entries


def iter_imports(module: Module, kind: ExternKind | None = None) -> Iterator[Import]:
    """Imports in order, optionally only those of one kind."""
    for imp in module.imports:
        if kind is None or imp.kind == kind:
            yield imp


def export_map(module: Module) -> dict[str, Export]:
    return {e.name: e for e in module.exports}


def imported_count(module: Module, kind: ExternKind) -> int:
    return sum(1 for _ in iter_imports(module, kind))


def type_space(module: Module) -> list[CompositeType]:
    """The type index space: one composite type per index (rec groups flattened)."""
    out: list[CompositeType] = []
    for t in module.types:
        out.extend(typedef_entries(t))
    return out


def func_type_indices(module: Module) -> list[int]:
    """The type index of every function in the function index space."""
    out = [i.desc.type_index for i in module.imports if isinstance(i.desc, FuncDesc)]
    out.extend(module.functions)
    return out


def func_type(module: Module, func_index: int) -> FuncType:
    """The signature of function `func_index` (imports first).

    Raises `WasmDecodeError` when the index or its type is out of range or not a
    function type: the module is then invalid.
    """
    indices = func_type_indices(module)
    if not 0 <= func_index < len(indices):
        raise WasmDecodeError(f"function index {func_index} out of range ({len(indices)})")
    types = type_space(module)
    t_index = indices[func_index]
    if not 0 <= t_index < len(types) or not isinstance(types[t_index], FuncType):
        raise WasmDecodeError(f"function {func_index} has an invalid type index {t_index}")
    result = types[t_index]
    assert isinstance(result, FuncType)
    return result


def memory_space(module: Module) -> list[MemoryType]:
    out = [i.desc for i in module.imports if isinstance(i.desc, Limits)]
    return out + list(module.memories)


def find_custom(module: Module, name: str) -> CustomSection | None:
    """The first custom section called `name`, or None."""
    for c in module.customs:
        if c.name == name:
            return c
    return None


def name_section(module: Module) -> NameSection | None:
    """The decoded `name` section; None when absent.  Malformed: `WasmDecodeError`."""
    c = find_custom(module, "name")
    return None if c is None else decode_name_section(c.data, c.offset)


def producers_section(module: Module) -> ProducersSection | None:
    """The decoded `producers` section; None when absent.  Malformed: `WasmDecodeError`."""
    c = find_custom(module, "producers")
    return None if c is None else decode_producers_section(c.data, c.offset)
