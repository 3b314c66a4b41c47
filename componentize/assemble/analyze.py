"""analyze: what a decoded core module is and what it needs.

Command or reactor, its memories, its imports (preview1/preview0 ones
checked against the spec's signatures), exports, custom sections and
producers.  Pure: takes a `Module`, returns an `Analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from componentize import wasm
from componentize.errors import WasmDecodeError
from componentize.shim import catalog

Kind = Literal["command", "reactor"]


@dataclass(frozen=True)
class ImportInfo:
    module: str
    name: str
    kind: str  # func, table, memory, global, tag
    signature: str = ""  # for functions: "(i32, i32) -> (i32)"
    # For wasi_snapshot_preview1 / wasi_unstable functions:
    expected: str = ""  # the spec's signature; "" when the name is unknown
    problem: str = ""  # "" when fine, else why it cannot be served

    @property
    def is_wasi(self) -> bool:
        return self.module in catalog.MODULES


@dataclass(frozen=True)
class MemoryInfo:
    index: int
    min: int
    max: int | None
    shared: bool
    is64: bool
    imported_from: tuple[str, str] | None  # (module, name) when imported
    exported_as: tuple[str, ...]


@dataclass(frozen=True)
class ExportInfo:
    name: str
    kind: str
    signature: str = ""  # for functions: "(i32) -> ()"


@dataclass
class Analysis:
    kind: Kind
    memories: list[MemoryInfo]
    imports: list[ImportInfo]
    exports: list[ExportInfo]
    custom_sections: list[tuple[str, int]]  # (name, size in bytes)
    producers: dict[str, dict[str, str]] = field(default_factory=dict)
    start_function: int | None = None
    warnings: list[str] = field(default_factory=list)  # about what was read for information

    @property
    def wasi_imports(self) -> list[ImportInfo]:
        return [i for i in self.imports if i.is_wasi]

    @property
    def other_imports(self) -> list[ImportInfo]:
        return [i for i in self.imports if not i.is_wasi]


def analyze(module: wasm.Module) -> Analysis:
    exports = [ExportInfo(e.name, e.kind, _export_signature(module, e)) for e in module.exports]
    names = {e.name for e in module.exports if e.kind == "func"}
    producers, warnings = _producers(module)
    return Analysis(
        kind="command" if "_start" in names else "reactor",
        memories=_memories(module),
        imports=[_import_info(module, i) for i in module.imports],
        exports=exports,
        custom_sections=[(c.name, len(c.data)) for c in module.customs],
        producers=producers.fields if producers else {},
        start_function=module.start,
        warnings=warnings,
    )


def _producers(module: wasm.Module) -> tuple[wasm.ProducersSection | None, list[str]]:
    """The producers section, read for information only: a malformed one
    is ignored with a warning (hosts never read it, so the module runs)."""
    try:
        return wasm.producers_section(module), []
    except WasmDecodeError as error:
        return None, [f"ignoring a malformed producers section ({error}); it is kept as is"]


def _memories(module: wasm.Module) -> list[MemoryInfo]:
    exported: dict[int, list[str]] = {}
    for e in module.exports:
        if e.kind == "memory":
            exported.setdefault(e.index, []).append(e.name)
    origins: list[tuple[wasm.Limits, tuple[str, str] | None]] = [
        (i.desc, (i.module, i.name)) for i in module.imports if isinstance(i.desc, wasm.Limits)
    ]
    origins += [(m, None) for m in module.memories]
    return [
        MemoryInfo(
            index=n,
            min=limits.min,
            max=limits.max,
            shared=limits.shared,
            is64=limits.is64,
            imported_from=origin,
            exported_as=tuple(exported.get(n, ())),
        )
        for n, (limits, origin) in enumerate(origins)
    ]


def _import_info(module: wasm.Module, imp: wasm.Import) -> ImportInfo:
    if not isinstance(imp.desc, wasm.FuncDesc):
        return ImportInfo(imp.module, imp.name, imp.kind)
    actual = _signature_of(module, imp)
    if imp.module not in catalog.MODULES:
        return ImportInfo(imp.module, imp.name, "func", actual)
    spec = catalog.signature(imp.module, imp.name)
    if spec is None:
        return ImportInfo(
            imp.module,
            imp.name,
            "func",
            actual,
            problem=f"`{imp.name}` is not a function of {imp.module}",
        )
    expected = str(spec)
    problem = (
        "" if expected == actual else f"signature {actual} does not match the spec's {expected}"
    )
    if not problem and imp.desc.type_index not in _plain_func_types(module):
        problem = (
            f"its type {imp.desc.type_index} is declared in a recursive type group or as a "
            "subtype, which no host's plain function type matches"
        )
    return ImportInfo(imp.module, imp.name, "func", actual, expected, problem)


def _plain_func_types(module: wasm.Module) -> set[int]:
    """Type indices equal to a plain `(func ...)`: a bare function type, or
    one final subtype without supertypes alone in its group (the same
    canonical type); others are distinct types under the GC proposal."""
    plain: set[int] = set()
    index = 0
    for entry in module.types:
        members = entry.types if isinstance(entry, wasm.RecGroup) else [entry]
        for member in members:
            if isinstance(member, wasm.FuncType) or (
                isinstance(member, wasm.SubType)
                and len(members) == 1
                and member.final
                and not member.supertypes
                and isinstance(member.composite, wasm.FuncType)
            ):
                plain.add(index)
            index += 1
    return plain


def _export_signature(module: wasm.Module, export: wasm.Export) -> str:
    if export.kind != "func":
        return ""
    ft = wasm.func_type(module, export.index)
    return str(catalog.Signature(tuple(map(str, ft.params)), tuple(map(str, ft.results))))


def _signature_of(module: wasm.Module, imp: wasm.Import) -> str:
    assert isinstance(imp.desc, wasm.FuncDesc)
    types = wasm.type_space(module)
    index = imp.desc.type_index
    if not 0 <= index < len(types) or not isinstance(types[index], wasm.FuncType):
        raise WasmDecodeError(
            f"import {imp.module}.{imp.name} names type {index}, which is not a function type",
            section="import",
        )
    ft = types[index]
    assert isinstance(ft, wasm.FuncType)
    return str(catalog.Signature(tuple(map(str, ft.params)), tuple(map(str, ft.results))))
