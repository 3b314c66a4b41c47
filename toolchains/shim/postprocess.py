"""Post-processing of the freshly linked shim (run once, at build time).

The C code reaches the guest's memory only through intrinsic imports from
`componentize:guest` (see shims/preview1/guest.h).  Here each call of one of
them becomes the matching instruction on memory 1, a second imported memory
(`componentize:guest` / `memory`, the guest's), and the intrinsic imports go
away.  `call_start` becomes `call_indirect` through slot 0 of an imported
one-slot table (`componentize:guest` / `start-table`).  The C start-up export
`componentize_init` becomes the module's start function.  Debug sections are
dropped; the function names are kept (trap backtraces stay readable).
"""

from __future__ import annotations

from collections.abc import Callable

from componentize.errors import InternalError
from componentize.shim.contract import (
    GUEST_MODULE,
    INIT_EXPORT,
    SHIM_GUEST_MEMORY_IMPORT,
    SHIM_MEMORY_IMPORT,
    SHIM_START_TABLE_IMPORT,
    START_TYPE,
)
from componentize.shim.rewrite import Refs, Renumber, collect, renumber
from componentize.wasm.decode import decode_module
from componentize.wasm.encode import encode_module
from componentize.wasm.instructions import decode_expr, encode_expr
from componentize.wasm.model import (
    Code,
    CustomSection,
    FuncType,
    Import,
    Instruction,
    Limits,
    MemArg,
    Module,
    TableType,
)
from componentize.wasm.names import decode_name_section, encode_name_section
from componentize.wasm.query import func_type, type_space

KEPT_CUSTOMS = ("name", "producers")
MODULE_NAME = "componentize-shim-preview1"

_I32, _I64 = "i32", "i64"


def _mem(op: str) -> Callable[[int], list[Instruction]]:
    return lambda _t: [Instruction(op, (MemArg(0, 0, 1),))]


# intrinsic name -> (core type, replacement for the call given the start-table's type index)
INTRINSICS: dict[str, tuple[FuncType, Callable[[int], list[Instruction]]]] = {
    "load_u8": (FuncType([_I32], [_I32]), _mem("i32.load8_u")),
    "load_u16": (FuncType([_I32], [_I32]), _mem("i32.load16_u")),
    "load_u32": (FuncType([_I32], [_I32]), _mem("i32.load")),
    "load_u64": (FuncType([_I32], [_I64]), _mem("i64.load")),
    "store_u8": (FuncType([_I32, _I32], []), _mem("i32.store8")),
    "store_u16": (FuncType([_I32, _I32], []), _mem("i32.store16")),
    "store_u32": (FuncType([_I32, _I32], []), _mem("i32.store")),
    "store_u64": (FuncType([_I32, _I64], []), _mem("i64.store")),
    "copy_in": (FuncType([_I32] * 3, []), lambda _t: [Instruction("memory.copy", (0, 1))]),
    "copy_out": (FuncType([_I32] * 3, []), lambda _t: [Instruction("memory.copy", (1, 0))]),
    "size": (FuncType([], [_I32]), lambda _t: [Instruction("memory.size", (1,))]),
    "call_start": (
        FuncType([], []),
        lambda t: [Instruction("i32.const", (0,)), Instruction("call_indirect", (t, 0))],
    ),
}


def _type_index(module: Module, ft: FuncType) -> int:
    """Index of an existing type equal to `ft`, appended if there is none."""
    for i, t in enumerate(type_space(module)):
        if t == ft:
            return i
    module.types.append(FuncType(list(ft.params), list(ft.results)))
    return len(type_space(module)) - 1


def _check_shape(m: Module) -> None:
    mems = [i for i in m.imports if i.kind == "memory"]
    if m.memories or len(mems) != 1 or (mems[0].module, mems[0].name) != SHIM_MEMORY_IMPORT:
        raise InternalError("the linked shim must import exactly one memory, env/memory")
    if m.datas or m.elements or any(i.kind == "table" for i in m.imports):
        raise InternalError("the linked shim must have no data, elements or imported tables")


def _intrinsic_imports(m: Module) -> dict[int, str]:
    """Function index -> intrinsic name, signatures checked."""
    found: dict[int, str] = {}
    funcs = [i for i in m.imports if i.kind == "func"]
    for index, imp in enumerate(funcs):
        if imp.module != GUEST_MODULE:
            continue
        if imp.name not in INTRINSICS:
            raise InternalError(f"unknown guest intrinsic {imp.name!r}")
        if func_type(m, index) != INTRINSICS[imp.name][0]:
            raise InternalError(f"guest intrinsic {imp.name!r} has the wrong signature")
        found[index] = imp.name
    return found


def postprocess(module: Module) -> Module:
    """Rewrite the linked shim in place (see the module docs) and return it."""
    _check_shape(module)
    intrinsics = _intrinsic_imports(module)
    bodies = [decode_expr(c.code) for c in module.codes]
    refs = Refs()
    for body in bodies:
        collect(body, refs)
    # wasm-ld always defines a (here empty) function table; the start table replaces it
    if refs.tables or len(module.tables) > 1:
        raise InternalError("the linked shim must not use its own function table")
    module.tables = []
    start_type = _type_index(module, START_TYPE)
    n_funcs = sum(1 for i in module.imports if i.kind == "func") + len(module.functions)
    kept = [f for f in range(n_funcs) if f not in intrinsics]
    funcs = {old: new for new, old in enumerate(kept)}
    module.codes = [
        Code(c.locals, encode_expr(_expand(body, intrinsics, funcs, start_type)))
        for c, body in zip(module.codes, bodies, strict=True)
    ]
    module.imports = [i for i in module.imports if i.module != GUEST_MODULE]
    module.imports.append(Import(*SHIM_GUEST_MEMORY_IMPORT, Limits(0)))
    if "call_start" in intrinsics.values():
        table = TableType("funcref", Limits(1))
        module.imports.append(Import(*SHIM_START_TABLE_IMPORT, table))
    for e in module.exports:
        if e.kind == "func":
            e.index = funcs[e.index]
    _set_start(module)
    module.customs = [_renumber_custom(c, funcs) for c in module.customs if c.name in KEPT_CUSTOMS]
    module.raw = {}
    return module


def _expand(
    body: list[Instruction], intrinsics: dict[int, str], funcs: dict[int, int], start_type: int
) -> list[Instruction]:
    out: list[Instruction] = []
    for ins in body:
        if ins.op in ("call", "return_call", "ref.func") and ins.imm[0] in intrinsics:
            if ins.op != "call":
                raise InternalError(f"guest intrinsic used by `{ins.op}`")
            name = intrinsics[int(ins.imm[0])]
            out.extend(INTRINSICS[name][1](start_type))
        else:
            out.append(ins)
    return renumber(out, Renumber(funcs=funcs))


def _set_start(module: Module) -> None:
    init = [e for e in module.exports if e.name == INIT_EXPORT and e.kind == "func"]
    if len(init) != 1 or module.start is not None:
        raise InternalError(f"the linked shim must export {INIT_EXPORT} and have no start")
    module.start = init[0].index
    module.exports.remove(init[0])


def _renumber_custom(c: CustomSection, funcs: dict[int, int]) -> CustomSection:
    if c.name != "name":
        return CustomSection(c.name, c.data, c.after)
    ns = decode_name_section(c.data)
    ns.module = MODULE_NAME  # the linker writes its (temporary) output file name
    ns.functions = {funcs[i]: n for i, n in ns.functions.items() if i in funcs}
    ns.locals = {}
    ns.others = []  # global/type names: not worth renumbering
    return CustomSection("name", encode_name_section(ns), c.after)


def postprocess_bytes(data: bytes) -> bytes:
    return encode_module(postprocess(decode_module(data)), reuse_original=False)
