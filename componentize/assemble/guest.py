"""The main module as the component instantiates it, and the glue around it.

The main module and the shim need each other: the module imports preview1
functions from the shim, the shim works on the module's memory.  The main
module keeps its memory defined (wasmtime compiles a large module with an
imported memory about twice as slowly, with three times the peak memory: a
2.7 MB Go module, 3.4 s / 108 MB against 7.1 s / 349 MB), so it is
instantiated first and the cycle is broken on the function side: its
preview1 imports are *stubs*, each a `call_indirect` through one slot of a
table that is filled with the shim's exports once the shim exists.

The main module's side is prepared here (`prepare`: repeated imports
renamed, memory exported, start function moved to an export); layout.py
builds the provider (stubs, the shim's memory and slots) and the one glue
module itself.  The small generated modules below, none with more than one
memory (so every host, jco included, takes them as they are), serve both
layouts or the `--adapt` one (adapter_layout.py):
- a *guest memory provider*, for a module that imports its memory (or has
  none);
- the *stubs*; *fillers*, whose element segment puts functions into slots;
- the *initializer*, whose start function calls the module's own start
  function (moved to an export, so that it runs once the stubs are filled:
  a start function may call WASI) and a reactor's `_initialize`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from componentize import wasm
from componentize.errors import UnsupportedModuleError
from componentize.shim.contract import (
    PROVIDER_GUEST_MEMORY_EXPORT,
    START_TYPE,
)

# Filler, stub and initializer modules import what they work on from this module.
GLUE_MODULE = "slot"
TABLE = "table"
# What the rewritten main module exports for the layout.
MAIN_MEMORY_EXPORT = "componentize:memory"  # when it exported its memory under no name
MAIN_START_EXPORT = "componentize:start"  # its start function, moved
WORLD_SECTION_PREFIX = "component-type"  # the world sections toolchains embed
LINK_MODULES = "pqxyz"  # the module the linked preview1 imports take (link_imports)


@dataclass(frozen=True)
class GuestMemory:
    """The memory the preview1 functions work on.

    `export` names it among the main module's exports when the module
    defines it; else the module imports it as (`import_module`, `import_name`)
    (empty when it has no memory at all) and a provider defines it.
    """

    limits: wasm.Limits
    export: str | None = None
    import_module: str = ""
    import_name: str = ""


@dataclass(frozen=True)
class Main:
    """The main module as the component instantiates it."""

    data: bytes  # no import repeated; memory exported; no start section
    memory: GuestMemory
    imports: dict[tuple[str, str], str]  # (module, name) as imported -> shim export
    start: bool  # its start function is exported as MAIN_START_EXPORT


def prepare(
    module: wasm.Module,
    data: bytes,
    served: Mapping[tuple[str, str], str],
    where: str,
    link: Mapping[str, str] | None = None,
) -> Main:
    """The main module with its repeated imports renamed (`unique_imports`),
    its memory exported, its start function moved to an export, and each of
    its preview1 imports, renamed ones too, mapped to the shim export `served`
    gives it.  With `link` (shim export -> the name the layout links it by),
    the served imports are renamed to those names (`link_imports`) and
    mapped to them.  `data` are the bytes `module` was decoded from, kept
    when nothing changes.
    """
    main, renamed = unique_imports(module)
    main = drop_world_sections(main)
    main, memory = export_memory(main, where)
    main, start = export_start(main)
    imports = {
        **served,
        **{key: served[key[0], old] for key, old in renamed.items() if (key[0], old) in served},
    }
    if link is not None:
        main, imports = link_imports(main, {key: link[e] for key, e in imports.items()})
    return Main(wasm.encode_module(main) if main is not module else data, memory, imports, start)


def link_imports(
    module: wasm.Module, served: Mapping[tuple[str, str], str]
) -> tuple[wasm.Module, dict[tuple[str, str], str]]:
    """Every served import (module, name) -> (LINK_MODULE, the name it is
    served by), the first import of each; a repeat gets that name and `~N`.

    preview1's names spelled in full would cost a component about 40 bytes
    per import, and inside a component nothing reads them: a trap names
    functions from the name section, which keeps them.  LINK_MODULE is a
    module name the module's other imports do not use.  Returns the module
    and {(LINK_MODULE, new name): the name it is served by}.
    """
    others = {i.module for i in module.imports if (i.module, i.name) not in served}
    link_module = next(m for m in _link_modules() if m not in others)
    taken: set[str] = set()
    linked: dict[tuple[str, str], str] = {}
    imports = []
    for imp in module.imports:
        target = served.get((imp.module, imp.name))
        if target is not None:
            name, n = target, 0
            while name in taken:
                n += 1
                name = f"{target}~{n}"
            taken.add(name)
            linked[link_module, name] = target
            imp = replace(imp, module=link_module, name=name)
        imports.append(imp)
    if not linked:
        return module, {}
    return replace(module, imports=imports), linked


def _link_modules() -> Iterator[str]:
    """Candidate module names for the linked imports: one character first."""
    yield from LINK_MODULES
    n = 0
    while True:
        yield f"{LINK_MODULES[0]}{n}"
        n += 1


def drop_world_sections(module: wasm.Module) -> wasm.Module:
    """The module without its `component-type*` sections: the component's
    own types say the same, so the copies would only add bytes."""
    kept = [c for c in module.customs if not c.name.startswith(WORLD_SECTION_PREFIX)]
    if len(kept) == len(module.customs):
        return module
    return replace(module, customs=kept)


def export_memory(module: wasm.Module, where: str) -> tuple[wasm.Module, GuestMemory]:
    """How the shim reaches the module's memory 0 (the one preview1 pointers
    refer to): its export, added when missing, or its import."""
    module = define_extra_memories(module)
    imported = [i for i in module.imports if isinstance(i.desc, wasm.Limits)]
    if imported:
        first = imported[0]
        assert isinstance(first.desc, wasm.Limits)
        return module, _checked(GuestMemory(first.desc, None, first.module, first.name), where)
    if not module.memories:
        return module, GuestMemory(wasm.Limits(0))
    limits = _checked(GuestMemory(module.memories[0]), where).limits
    name = next((e.name for e in module.exports if e.kind == "memory" and e.index == 0), None)
    if name is None:
        name = MAIN_MEMORY_EXPORT
        module = replace(module, exports=[*module.exports, wasm.Export(name, "memory", 0)])
    return module, GuestMemory(limits, name)


def define_extra_memories(module: wasm.Module) -> wasm.Module:
    """The module with every imported memory but the first defined instead.

    A component has no core memory to import; the component supplies the
    first imported memory (the one preview1 pointers refer to) and the
    module defines the others itself, fresh and with their own limits, as a
    host supplying new memories would.  Defined memories follow imported
    ones in the index space, so the former imports go first among the
    definitions and every memory index stays what it was."""
    memory_imports = [i for i in module.imports if isinstance(i.desc, wasm.Limits)]
    if len(memory_imports) < 2:
        return module
    extra = memory_imports[1:]
    imports = [i for i in module.imports if not any(i is e for e in extra)]
    defined = [e.desc for e in extra if isinstance(e.desc, wasm.Limits)]
    return replace(module, imports=imports, memories=[*defined, *module.memories])


def export_start(module: wasm.Module) -> tuple[wasm.Module, bool]:
    """Move the start function to an export, for the initializer to call."""
    if module.start is None:
        return module, False
    export = wasm.Export(MAIN_START_EXPORT, "func", module.start)
    return replace(module, start=None, exports=[*module.exports, export]), True


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


# ---------------------------------------------------------------- glue modules


def _code(*instructions: wasm.Instruction) -> wasm.Code:
    return wasm.Code([], wasm.encode_expr([*instructions, wasm.Instruction("end")]))


def _ins(op: str, *imm: object) -> wasm.Instruction:
    return wasm.Instruction(op, imm)


def guest_memory_module(limits: wasm.Limits) -> bytes:
    """Defines the memory of a module that imports its memory (or has none)."""
    module = wasm.Module(
        memories=[limits], exports=[wasm.Export(PROVIDER_GUEST_MEMORY_EXPORT, "memory", 0)]
    )
    return wasm.encode_module(module)


def _types(func_types: Sequence[wasm.FuncType]) -> tuple[list[wasm.TypeDef], list[int]]:
    """Each distinct type once, and the index of each of `func_types`."""
    distinct: list[wasm.TypeDef] = []
    for ft in func_types:
        if ft not in distinct:
            distinct.append(ft)
    return distinct, [distinct.index(ft) for ft in func_types]


def stub_module(func_types: Sequence[wasm.FuncType]) -> bytes:
    """Function `i` (exported as "i") calls slot `i` of the exported table."""
    types, indices = _types(func_types)
    slots = wasm.TableType("funcref", wasm.Limits(len(func_types), len(func_types)))
    codes = [
        _code(
            *(_ins("local.get", p) for p in range(len(func_types[i].params))),
            _ins("i32.const", i),
            _ins("call_indirect", indices[i], 0),
        )
        for i in range(len(func_types))
    ]
    module = wasm.Module(
        types=types,
        functions=indices,
        tables=[wasm.Table(slots)],
        exports=[wasm.Export(TABLE, "table", 0)]
        + [wasm.Export(str(i), "func", i) for i in range(len(func_types))],
        codes=codes,
    )
    return wasm.encode_module(module)


def filler_module(func_types: Sequence[wasm.FuncType], offset: int = 0) -> bytes:
    """Imports a table and functions "0".."n-1"; puts function `i` in slot
    `offset + i`."""
    types, indices = _types(func_types)
    n = len(func_types)
    module = wasm.Module(
        types=types,
        imports=[
            wasm.Import(GLUE_MODULE, TABLE, wasm.TableType("funcref", wasm.Limits(offset + n)))
        ]
        + [wasm.Import(GLUE_MODULE, str(i), wasm.FuncDesc(indices[i])) for i in range(n)],
        elements=[
            wasm.Element(
                "active", items=list(range(n)), offset=wasm.const_expr(_ins("i32.const", offset))
            )
        ],
    )
    return wasm.encode_module(module)


def initializer_module(count: int) -> bytes:
    """Imports functions "0".."count-1" of type `() -> ()` and calls them in
    order from its start function: instantiating it runs each exactly once."""
    calls = [_ins("call", i) for i in range(count)]
    module = wasm.Module(
        types=[START_TYPE],
        imports=[wasm.Import(GLUE_MODULE, str(i), wasm.FuncDesc(0)) for i in range(count)],
        functions=[0],
        start=count,
        codes=[_code(*calls)],
    )
    return wasm.encode_module(module)
