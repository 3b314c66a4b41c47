"""The core modules around the guest: its memory, and the glue we generate.

The main module and the shim call each other (the module imports preview1
functions from the shim, the shim works on the module's memory).  The cycle
is broken by taking the memory out of the module: a small *provider* module
defines it, with the module's own limits, next to the shim's private memory,
and the module's memory definition becomes an import.  Two funcref tables in
the provider stand for functions that exist only later: `cabi_realloc` (the
shim's, needed by `canon lower` before the shim is instantiated) and
`_start` (the module's, called by the shim's `run`).  *Filler* modules put
those functions into their slots once they exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from componentize import wasm
from componentize.errors import UnsupportedModuleError
from componentize.shim.contract import (
    MAIN_MEMORY_IMPORT,
    PROVIDER_GUEST_MEMORY_EXPORT,
    PROVIDER_REALLOC_EXPORT,
    PROVIDER_REALLOC_TABLE_EXPORT,
    PROVIDER_SHIM_MEMORY_EXPORT,
    PROVIDER_START_TABLE_EXPORT,
    REALLOC_TYPE,
    START_TYPE,
)

# Filler modules import their table and function under this module name.
FILLER_MODULE = "slot"


@dataclass(frozen=True)
class GuestMemory:
    """The memory the preview1 functions work on, and how the module gets it."""

    limits: wasm.Limits
    import_module: str
    import_name: str


@dataclass(frozen=True)
class Main:
    """The main module as the component instantiates it."""

    data: bytes  # memory 0 imported, no import repeated
    memory: GuestMemory
    imports: dict[tuple[str, str], str]  # (module, name) as imported -> shim export


def prepare(module: wasm.Module, data: bytes, served: Mapping[tuple[str, str], str],
            where: str) -> Main:  # fmt: skip
    """The main module with its memory taken out (`take_memory`) and its
    repeated imports renamed (`unique_imports`), and each of its preview1
    imports, renamed ones too, mapped to the shim export `served` gives it.
    `data` are the bytes `module` was decoded from, kept when nothing changes.
    """
    main, memory = take_memory(module, where)
    main, renamed = unique_imports(main)
    imports = {**served, **{key: served[key[0], old] for key, old in renamed.items()
                            if (key[0], old) in served}}  # fmt: skip
    return Main(wasm.encode_module(main) if main is not module else data, memory, imports)


def take_memory(module: wasm.Module, where: str) -> tuple[wasm.Module, GuestMemory]:
    """Rewrite `module` so its memory 0 is imported; return how to provide it.

    A module that already imports its memory keeps that import unchanged.
    Only memory 0 is served: it is the one preview1 pointers refer to.
    """
    imported = [i for i in module.imports if isinstance(i.desc, wasm.Limits)]
    if len(imported) > 1:
        names = ", ".join(f"{i.module}.{i.name}" for i in imported)
        raise UnsupportedModuleError(
            f"imports {len(imported)} memories ({names}); a WASI host supplies one",
            where=f"{where}: import section",
            hint="link the module so that it imports or defines a single memory",
        )
    if imported:
        first = imported[0]
        assert isinstance(first.desc, wasm.Limits)
        return module, _checked(GuestMemory(first.desc, first.module, first.name), where)
    if not module.memories:
        return module, GuestMemory(wasm.Limits(0), *MAIN_MEMORY_IMPORT)
    limits = module.memories[0]
    rewritten = replace(
        module,
        imports=[*module.imports, wasm.Import(*MAIN_MEMORY_IMPORT, limits)],
        memories=module.memories[1:],
    )
    return rewritten, _checked(GuestMemory(limits, *MAIN_MEMORY_IMPORT), where)


def unique_imports(module: wasm.Module) -> tuple[wasm.Module, dict[tuple[str, str], str]]:
    """Rename repeated imports so every (module, name) is imported once.

    A core module may import the same function twice (Go does, for every
    preview1 function it uses: once per package that declares it), but one
    inside a component may not: its imports are supplied by name from an
    instance.  Repeats become `name~1`, `name~2`...; renaming keeps every
    function index, so no code changes.  Returns the rewritten module (the
    same object when nothing repeats) and {(module, new name): old name}.
    """
    taken = {(i.module, i.name) for i in module.imports}
    seen: set[tuple[str, str]] = set()
    renamed: dict[tuple[str, str], str] = {}
    imports = []
    for imp in module.imports:
        key = (imp.module, imp.name)
        if key in seen:
            n = 1
            while (imp.module, f"{imp.name}~{n}") in taken:
                n += 1
            new = f"{imp.name}~{n}"
            taken.add((imp.module, new))
            renamed[imp.module, new] = imp.name
            imp = replace(imp, name=new)
        seen.add(key)
        imports.append(imp)
    if not renamed:
        return module, {}
    return replace(module, imports=imports), renamed


def _checked(memory: GuestMemory, where: str) -> GuestMemory:
    if memory.limits.is64:
        raise UnsupportedModuleError(
            "the module's memory is 64-bit (memory64); preview1 is defined for 32-bit memories",
            where=f"{where}: memory 0",
            hint="build the module for wasm32",
        )
    return memory


def provider_module(memory: GuestMemory) -> bytes:
    """Memories (guest, shim), the two slot tables and the realloc trampoline."""
    slot = wasm.TableType("funcref", wasm.Limits(1, 1))
    trampoline = [wasm.Instruction("local.get", (n,)) for n in range(4)] + [
        wasm.Instruction("i32.const", (0,)),
        wasm.Instruction("call_indirect", (0, 0)),  # type 0, table 0 (realloc-table)
        wasm.Instruction("end"),
    ]
    module = wasm.Module(
        types=[REALLOC_TYPE],
        functions=[0],
        tables=[wasm.Table(slot), wasm.Table(slot)],
        memories=[memory.limits, wasm.Limits(0)],
        exports=[
            wasm.Export(PROVIDER_GUEST_MEMORY_EXPORT, "memory", 0),
            wasm.Export(PROVIDER_SHIM_MEMORY_EXPORT, "memory", 1),
            wasm.Export(PROVIDER_REALLOC_TABLE_EXPORT, "table", 0),
            wasm.Export(PROVIDER_START_TABLE_EXPORT, "table", 1),
            wasm.Export(PROVIDER_REALLOC_EXPORT, "func", 0),
        ],
        codes=[wasm.Code([], wasm.encode_expr(trampoline))],
    )
    return wasm.encode_module(module)


def filler_module(func_type: wasm.FuncType) -> bytes:
    """Imports a table and a function of `func_type`; puts the function in slot 0."""
    module = wasm.Module(
        types=[func_type],
        imports=[
            wasm.Import(FILLER_MODULE, "table", wasm.TableType("funcref", wasm.Limits(1))),
            wasm.Import(FILLER_MODULE, "func", wasm.FuncDesc(0)),
        ],
        elements=[
            wasm.Element(
                "active", items=[0], offset=wasm.const_expr(wasm.Instruction("i32.const", (0,)))
            )
        ],
    )
    return wasm.encode_module(module)


def initializer_module() -> bytes:
    """Imports a `() -> ()` function and calls it from its start function, so
    instantiating it runs a reactor's `_initialize` exactly once."""
    module = wasm.Module(
        types=[START_TYPE],
        imports=[wasm.Import(FILLER_MODULE, "func", wasm.FuncDesc(0))],
        start=0,
    )
    return wasm.encode_module(module)
