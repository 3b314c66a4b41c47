"""Post-processing of the freshly linked shim (run once, at build time).

The C code reaches the guest's memory only through intrinsic imports from
`componentize:guest` (see shims/preview1/guest.h).  Here each call of one of
them becomes the matching instruction on memory 1, a second imported memory
(`componentize:guest` / `memory`, the guest's), and the intrinsic imports go
away.  A load or store at `p + K` (K a constant, and the sum does not wrap:
an object of the shim's memory, a range of the guest's that the C checked
first) takes K as its offset (`_fold_offset`).
`call_start` becomes `call_indirect` through slot 0 of an imported one-slot
table (`componentize:guest` / `start-table`).  Debug sections and
`producers` are dropped; the function names are kept (trap backtraces stay
readable).

Then the module is made one that JS hosts (jco) transpile although it has two
memories (`componentize.wasm.portable`, checked at the end: the build fails
if anything remains):

* the stack pointer, the only global wasm-ld defines, becomes the import
  SHIM_STACK_POINTER_IMPORT (mut i32; still global 0);
* there is no start function: the C start-up stays exported as INIT_EXPORT,
  which the assembler calls once before anything else (it sets the stack
  pointer itself);
* memory 0 grows through the import SHIM_MEMORY_GROW_IMPORT, which the C
  declares and calls (core.c), so no memory.grow is left;
* each `memory.copy d s` and `memory.fill m` becomes a call of a function
  appended to the module (`memory_copy_<d>_<s>`, `memory_fill_<m>`; only
  those used), which moves 8 bytes a step from the end down while 8 remain,
  then bytes (a copy within one memory goes up when dst < src, as memmove).
  Within one memory it checks the bounds first, as the instruction does.
  A copy between the memories comes only from the intrinsics copy_in and
  copy_out, whose callers have checked the guest's range (guest.h) and pass
  private ranges the shim allocated: no checks, so the two helpers that
  nearly every component keeps stay small (the shim's C copies nothing
  within its own memory);
* `i64.load8/16/32_s/u` becomes the i32 load and `i64.extend_i32_s/u`,
  `i64.store8/16/32` becomes `i32.wrap_i64` and the i32 store (same memarg).
"""

from __future__ import annotations

from collections.abc import Callable

from componentize.errors import InternalError
from componentize.shim.contract import (
    GUEST_MODULE,
    INIT_EXPORT,
    MEMORY_GROW_TYPE,
    SHIM_GUEST_MEMORY_IMPORT,
    SHIM_MEMORY_GROW_IMPORT,
    SHIM_MEMORY_IMPORT,
    SHIM_STACK_POINTER_IMPORT,
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
    GlobalType,
    Import,
    Instruction,
    Limits,
    Local,
    MemArg,
    Module,
    TableType,
)
from componentize.wasm.names import decode_name_section, encode_name_section
from componentize.wasm.opcodes import BY_NAME
from componentize.wasm.portable import js_host_problems
from componentize.wasm.query import func_type, type_space
from componentize.wasm.reindex import references

# The function names only (trap backtraces).  The compiler's `producers`
# section tells a user nothing (gc drops it from components anyway).
KEPT_CUSTOMS = ("name",)
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
    init = [e for e in m.exports if e.name == INIT_EXPORT and e.kind == "func"]
    if len(init) != 1 or m.start is not None:
        raise InternalError(f"the linked shim must export {INIT_EXPORT} and have no start")
    if func_type(m, init[0].index) != START_TYPE:
        raise InternalError(f"the linked shim's {INIT_EXPORT} must take and return nothing")


def _intrinsic_imports(m: Module) -> dict[int, str]:
    """Function index -> intrinsic name, signatures checked (and those of the
    other function imports: WASI ones, and memory-grow)."""
    found: dict[int, str] = {}
    funcs = [i for i in m.imports if i.kind == "func"]
    for index, imp in enumerate(funcs):
        if (imp.module, imp.name) == SHIM_MEMORY_GROW_IMPORT:
            if func_type(m, index) != MEMORY_GROW_TYPE:
                raise InternalError(f"{'/'.join(SHIM_MEMORY_GROW_IMPORT)} has the wrong signature")
            continue
        if imp.module.startswith("wasi:"):
            continue
        if imp.module != GUEST_MODULE:
            raise InternalError(f"the linked shim imports {imp.module}/{imp.name}")
        if imp.name not in INTRINSICS:
            raise InternalError(f"unknown guest intrinsic {imp.name!r}")
        if func_type(m, index) != INTRINSICS[imp.name][0]:
            raise InternalError(f"guest intrinsic {imp.name!r} has the wrong signature")
        found[index] = imp.name
    return found


STACK_POINTER_TYPE = GlobalType(_I32, mutable=True)


def _import_stack_pointer(m: Module) -> None:
    """The stack pointer global becomes an import; it stays global 0."""
    if any(i.kind == "global" for i in m.imports) or [g.type for g in m.globals] != [
        STACK_POINTER_TYPE
    ]:
        raise InternalError(
            "the linked shim must import no global and define one, its stack pointer (mut i32)"
        )
    m.globals = []
    m.imports.append(Import(*SHIM_STACK_POINTER_IMPORT, STACK_POINTER_TYPE))


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
    _import_stack_pointer(module)
    start_type = _type_index(module, START_TYPE)
    n_funcs = sum(1 for i in module.imports if i.kind == "func") + len(module.functions)
    kept = [f for f in range(n_funcs) if f not in intrinsics]
    funcs = {old: new for new, old in enumerate(kept)}
    first_defined = n_funcs - len(module.functions)
    names = _function_names(module)
    expanded = [
        _expand(body, intrinsics, funcs, start_type, names.get(first_defined + i) not in UNCHECKED)
        for i, body in enumerate(bodies)
    ]
    helpers = _helpers_needed(expanded, first=len(kept))
    calls = [func_type(module, f) for f in kept] + [HELPER_TYPE] * len(helpers)
    module.codes = [
        _grouped_locals(
            c.locals,
            _blocks_to_ifs(_lower(body, helpers), calls),
            len(func_type(module, first_defined + i).params),
        )
        for i, (c, body) in enumerate(zip(module.codes, expanded, strict=True))
    ]
    helper_names = _append_helpers(module, helpers)
    module.imports = [i for i in module.imports if i.module != GUEST_MODULE]
    module.imports.append(Import(*SHIM_GUEST_MEMORY_IMPORT, Limits(0)))
    if "call_start" in intrinsics.values():
        table = TableType("funcref", Limits(1))
        module.imports.append(Import(*SHIM_START_TABLE_IMPORT, table))
    for e in module.exports:
        if e.kind == "func":
            e.index = funcs[e.index]
    module.customs = [
        _renumber_custom(c, funcs, helper_names) for c in module.customs if c.name in KEPT_CUSTOMS
    ]
    module.raw = {}
    problems = js_host_problems(module)
    if problems:
        raise InternalError("the shim is not portable to JS hosts: " + "; ".join(problems))
    return module


# Functions that reach the guest's memory at `p + K` (K a constant) without
# checking the range first: there the sum wraps around 2^32 as before (in a
# guest memory of all 65536 pages), so its `i32.const K  i32.add` stays.
UNCHECKED = frozenset({"shim_fd_prestat_get"})


def _function_names(module: Module) -> dict[int, str]:
    for c in module.customs:
        if c.name == "name":
            return decode_name_section(c.data).functions
    return {}


def _expand(
    body: list[Instruction],
    intrinsics: dict[int, str],
    funcs: dict[int, int],
    start_type: int,
    fold: bool = True,
) -> list[Instruction]:
    out: list[Instruction] = []
    for ins in body:
        called = [i for space, i in references([ins]) if space == "func" and i in intrinsics]
        if called:
            if ins.op != "call":
                raise InternalError(f"guest intrinsic used by `{ins.op}`")
            name = intrinsics[called[0]]
            replacement = INTRINSICS[name][1](start_type)
            if fold and name.startswith(("load_", "store_")):
                replacement = [_fold_offset(out, replacement[0])]
            out.extend(replacement)
        elif ins.op.startswith(_ACCESSES):  # private memory: always within an object
            out.append(_fold_offset(out, ins))
        else:
            out.append(ins)
    return renumber(out, Renumber(funcs=funcs))


_ACCESSES = ("i32.load", "i64.load", "i32.store", "i64.store")


# (values popped, values pushed) of the instructions a stored value is computed
# by, to find where it starts; any other instruction stops the search
_PUSH = {"local.get": (0, 1), "global.get": (0, 1), "i32.const": (0, 1), "i64.const": (0, 1)}
_UNARY = {"local.tee", "i32.eqz", "i64.eqz", "i32.wrap_i64", "i64.extend_i32_u", "i64.extend_i32_s"}
_BINARY = {
    f"{t}.{op}"
    for t in (_I32, _I64)
    for op in ("add", "sub", "mul", "and", "or", "xor", "shl", "shr_u", "shr_s", "rotl", "rotr")
    + ("eq", "ne", "lt_u", "gt_u", "le_u", "ge_u", "lt_s", "gt_s", "le_s", "ge_s")
}


def _effect(ins: Instruction) -> tuple[int, int] | None:
    if ins.op in _PUSH:
        return _PUSH[ins.op]
    if ins.op in _UNARY or ins.op.startswith(("i32.load", "i64.load")):
        return 1, 1
    if ins.op in _BINARY:
        return 2, 1
    if ins.op == "select" and not ins.imm:
        return 3, 1
    return None


def _fold_offset(out: list[Instruction], access: Instruction) -> Instruction:
    """`access` (a load or store) with the address's `i32.const K  i32.add`
    (K > 0) taken off the end of `out` into its offset, when the address ends
    so.  The same access wherever the sum does not wrap around 2^32: on the
    shim's memory (the compiler leaves such sums where it cannot prove it,
    as for a record at an integer address, `load8(ret + 4)`), every access is
    within an object the shim placed there; on the guest's, the C checks the
    range first (guest_check, check_iovecs), everywhere but in UNCHECKED."""
    end = len(out)
    if ".store" in access.op:  # the value is computed after the address
        need = 1
        while need:
            end -= 1
            effect = _effect(out[end]) if end >= 0 else None
            if effect is None:
                return access
            need += effect[0] - effect[1]
    if end < 2 or out[end - 1].op != "i32.add" or out[end - 2].op != "i32.const":
        return access
    k = out[end - 2].imm[0]
    arg = access.imm[0]
    if not isinstance(k, int) or not 0 < k < 2**31 or not isinstance(arg, MemArg):
        return access
    del out[end - 2 : end]
    return Instruction(access.op, (MemArg(arg.align, arg.offset + k, arg.memory),))


# control instructions: a condition moved out of a block must have none
_CONTROL = frozenset(
    ("block", "loop", "if", "else", "end", "br", "br_if", "br_table", "return", "unreachable")
)
_INVERSE = {
    f"{t}.{a}": f"{t}.{b}"
    for t in (_I32, _I64)
    for a, b in [
        ("eq", "ne"),
        ("lt_u", "ge_u"),
        ("gt_u", "le_u"),
        ("lt_s", "ge_s"),
        ("gt_s", "le_s"),
    ]
    + [("ne", "eq"), ("ge_u", "lt_u"), ("le_u", "gt_u"), ("ge_s", "lt_s"), ("le_s", "gt_s")]
}


def _pushes_one(code: list[Instruction], calls: list[FuncType]) -> bool:
    """Whether `code` (no control instructions) leaves exactly one value on
    an empty stack, each of its instructions' effects known."""
    height = 0
    for ins in code:
        effect = _effect(ins)
        if ins.op in ("local.set", "global.set", "drop"):
            effect = 1, 0
        elif ins.op.startswith(("i32.store", "i64.store")):
            effect = 2, 0
        elif ins.op == "memory.size":
            effect = 0, 1
        elif ins.op == "call" and isinstance(ins.imm[0], int):
            effect = len(calls[ins.imm[0]].params), len(calls[ins.imm[0]].results)
        if effect is None or effect[0] > height:
            return False
        height += effect[1] - effect[0]
    return height == 1


def _blocks_to_ifs(body: list[Instruction], calls: list[FuncType]) -> list[Instruction]:
    """`block  X  br_if 0  Y  end`, where X computes the condition (one value,
    nothing else left for Y) without any control instruction, becomes
    `X  (not)  if  Y  end` (the block type empty): the same run, 1 to 3
    bytes shorter.  Y's branches to the block go to the `if`, which ends at
    the same `end`; `not` drops an i32.eqz before the br_if, inverts a
    comparison or adds an i32.eqz.  `calls`: the type of each function."""
    out = list(body)
    i = 0
    while i < len(out):
        j = _after_condition(out, i)
        if (
            j == i + 1
            or j == len(out)
            or out[j].op != "br_if"
            or out[j].imm != (0,)
            or not _pushes_one(out[i + 1 : j], calls)
        ):
            i += 1
            continue
        cond = out[i + 1 : j]
        last = cond[-1].op
        if last == "i32.eqz":
            cond = cond[:-1]
        elif last in _INVERSE:
            cond = [*cond[:-1], Instruction(_INVERSE[last])]
        else:
            cond = [*cond, Instruction("i32.eqz")]
        out[i : j + 1] = [*cond, Instruction("if", (None,))]
        i += len(cond) + 1
    return _ifs_to_else(out, calls)


_OPENS = ("block", "loop", "if")


def _after_condition(body: list[Instruction], i: int) -> int:
    """Where the run of plain instructions after the block opened at `i`
    (with an empty block type) ends: the index of its first control
    instruction, or `len(body)`; `i + 1` when `i` opens no such block (or
    the run is empty).  The two block rewrites look for their condition there."""
    j = i + 1
    if body[i].op == "block" and body[i].imm == (None,):
        while j < len(body) and body[j].op not in _CONTROL and not body[j].op.startswith("return"):
            j += 1
    return j


def _end_of(body: list[Instruction], at: int) -> int:
    """The index of the `end` of the block, loop or if opened at `at`."""
    depth = 0
    for k in range(at, len(body)):
        if body[k].op in _OPENS:
            depth += 1
        elif body[k].op == "end":
            depth -= 1
            if depth == 0:
                return k
    raise InternalError("unbalanced function body")


def _then_without_block(then: list[Instruction]) -> list[Instruction] | None:
    """The code of an `if` nested first in a block, its branches renumbered
    for the block gone: a branch to the block (label depth + 1) goes to the
    if's end, which is now the block's; None if a branch goes to the `if`
    itself (it would skip the code after the if), the if has an `else` or a
    br_table is used."""
    out, depth = [], 0
    for ins in then:
        if ins.op in _OPENS:
            depth += 1
        elif ins.op == "end":
            depth -= 1
        elif ins.op == "br_table" or (ins.op == "else" and depth == 0):
            return None
        elif ins.op in ("br", "br_if") and isinstance(ins.imm[0], int) and ins.imm[0] >= depth:
            if ins.imm[0] == depth:
                return None
            ins = Instruction(ins.op, (ins.imm[0] - 1,))
        out.append(ins)
    return out


def _ifs_to_else(body: list[Instruction], calls: list[FuncType]) -> list[Instruction]:
    """`block  X  if  A  br 1  end  B  end` (X the condition, as in
    `_blocks_to_ifs`; A without a branch to its `if`) becomes `X  if  A
    else  B  end`: A's branches to the block now go to the if's end, which
    is where the block ended; B's labels are unchanged (the if replaces the
    block around it).  3 bytes each."""
    out = list(body)
    i = 0
    while i < len(out):
        j = _after_condition(out, i)
        if j == i + 1 or j == len(out) or out[j].op != "if" or out[j].imm != (None,):
            i += 1
            continue
        then_end = _end_of(out, j)
        block_end = _end_of(out, i)
        last = out[then_end - 1]
        then = _then_without_block(out[j + 1 : then_end - 1])
        if (
            (last.op, last.imm) != ("br", (1,))
            or then is None
            or not _pushes_one(out[i + 1 : j], calls)
        ):
            i += 1
            continue
        rest = out[then_end + 1 : block_end]
        out[i : block_end + 1] = [
            *out[i + 1 : j + 1],
            *then,
            Instruction("else"),
            *rest,
            Instruction("end"),
        ]
    return out


def _grouped_locals(locals_: list[Local], body: list[Instruction], n_params: int) -> Code:
    """The body with its locals declared one run per type (each run costs two
    bytes; the compiler declares a run each time the type changes), the
    local.get/set/tee indices renumbered to match."""
    types = [t for run in locals_ for t in [run.type] * run.count]
    order = sorted(range(len(types)), key=lambda i: types.index(types[i]))  # stable
    new = {n_params + old: n_params + at for at, old in enumerate(order)}
    runs: list[Local] = []
    for i in order:
        if runs and runs[-1].type == types[i]:
            runs[-1] = Local(runs[-1].count + 1, types[i])
        else:
            runs.append(Local(1, types[i]))
    out = [
        Instruction(ins.op, (new.get(ins.imm[0], ins.imm[0]),))
        if ins.op in ("local.get", "local.set", "local.tee") and isinstance(ins.imm[0], int)
        else ins
        for ins in body
    ]
    return Code(runs, encode_expr(out))


# -- memory instructions JS hosts refuse in a module with two memories ----------------

# (the refused instruction's name, its memory indices), for memory.copy and memory.fill
HelperKey = tuple[str, tuple[int, ...]]
_REPLACED = ("memory.copy", "memory.fill")
_NARROW_LOADS = {
    "i64.load8_s": ("i32.load8_s", "i64.extend_i32_s"),
    "i64.load8_u": ("i32.load8_u", "i64.extend_i32_u"),
    "i64.load16_s": ("i32.load16_s", "i64.extend_i32_s"),
    "i64.load16_u": ("i32.load16_u", "i64.extend_i32_u"),
    "i64.load32_s": ("i32.load", "i64.extend_i32_s"),
    "i64.load32_u": ("i32.load", "i64.extend_i32_u"),
}
_NARROW_STORES = {
    "i64.store8": "i32.store8",
    "i64.store16": "i32.store16",
    "i64.store32": "i32.store",
}


def _key(ins: Instruction) -> HelperKey:
    return ins.op, tuple(v for v in ins.imm if isinstance(v, int))


def _helpers_needed(bodies: list[list[Instruction]], first: int) -> dict[HelperKey, int]:
    """The helpers the bodies need, in a fixed order, numbered from function `first`."""
    keys = sorted({_key(ins) for body in bodies for ins in body if ins.op in _REPLACED})
    return {key: first + i for i, key in enumerate(keys)}


def _lower(body: list[Instruction], helpers: dict[HelperKey, int]) -> list[Instruction]:
    out: list[Instruction] = []
    for ins in body:
        if ins.op in _REPLACED:
            out.append(Instruction("call", (helpers[_key(ins)],)))
        elif ins.op in _NARROW_LOADS:
            load, extend = _NARROW_LOADS[ins.op]
            out += [Instruction(load, ins.imm), Instruction(extend)]
        elif ins.op in _NARROW_STORES:
            out += [Instruction("i32.wrap_i64"), Instruction(_NARROW_STORES[ins.op], ins.imm)]
        else:
            out.append(ins)
    return out


def wat(text: str) -> list[Instruction]:
    """Instructions from a WAT-like flat list: names, each followed by its
    integer immediates; a load or store takes its memory index and optionally
    an offset (alignment 1; offset 0 if none), `block`/`loop`/`if` have the
    empty block type; `;;` comments."""
    out: list[Instruction] = []
    for line in text.splitlines():
        for token in line.partition(";;")[0].split():
            if token in BY_NAME:
                out.append(Instruction(token))
                continue
            last = out[-1]
            kind = BY_NAME[last.op].imm
            if kind == "memarg" and last.imm:  # a second number: the offset
                arg = last.imm[0]
                assert isinstance(arg, MemArg)
                out[-1] = Instruction(last.op, (MemArg(arg.align, int(token, 0), arg.memory),))
                continue
            value = MemArg(0, 0, int(token, 0)) if kind == "memarg" else int(token, 0)
            out[-1] = Instruction(last.op, (*last.imm, value))
    return [
        Instruction(i.op, (None,)) if BY_NAME[i.op].imm == "block" and not i.imm else i for i in out
    ]


def _bounds(addr: int, mem: int) -> str:
    """Trap unless [local addr, + local 2) lies in memory `mem` (as memory.copy/fill)."""
    return f"""
      local.get {addr}  i64.extend_i32_u  local.get 2  i64.extend_i32_u  i64.add
      memory.size {mem}  i64.extend_i32_u  i64.const 16  i64.shl
      i64.gt_u  if  unreachable  end"""


def _step(locals_: tuple[int, ...], n: int, sign: str = "add") -> str:
    """Advance the address locals by n and take n off the count (local 2)."""
    moves = "".join(f"local.get {a}  i32.const {n}  i32.{sign}  local.set {a}  " for a in locals_)
    return moves + f"local.get 2  i32.const {n}  i32.sub  local.set 2"


_WHILE_8 = "local.get 2  i32.const 8  i32.lt_u  br_if 1"
_WHILE_1 = "local.get 2  i32.eqz  br_if 1"


def copy_helper(d: int, s: int) -> tuple[list[Local], list[Instruction]]:
    """(dst, src, n) like `memory.copy d s` (unchecked when d != s).  From
    the end down: only the count moves, in one loop that takes 8 bytes a
    step while 8 remain, then bytes; within one memory, from the start up
    when dst < src (memmove)."""
    backward = f"""
      loop  local.get 2
        if
          local.get 2  i32.const 8  i32.ge_u
          if
            local.get 0  local.get 2  i32.const 8  i32.sub  local.tee 2  i32.add
            local.get 1  local.get 2  i32.add  i64.load {s}  i64.store {d}
          else
            local.get 0  local.get 2  i32.const 1  i32.sub  local.tee 2  i32.add
            local.get 1  local.get 2  i32.add  i32.load8_u {s}  i32.store8 {d}
          end
          br 1
        end
      end"""
    forward = f"""
      local.get 0  local.get 1  i32.lt_u
      if
        block loop  {_WHILE_8}
          local.get 0  local.get 1  i64.load {s}  i64.store {d}  {_step((0, 1), 8)}  br 0
        end end
        block loop  {_WHILE_1}
          local.get 0  local.get 1  i32.load8_u {s}  i32.store8 {d}  {_step((0, 1), 1)}  br 0
        end end
        return
      end"""
    # between the memories: no bounds checks (see the module docs)
    first = (_bounds(0, d) + _bounds(1, s) + forward) if d == s else ""
    text = first + backward + " end"
    return [], wat(text)


def fill_helper(m: int) -> tuple[list[Local], list[Instruction]]:
    """(dst, byte, n) like `memory.fill m`; local 3 holds the byte 8 times."""
    text = f"""{_bounds(0, m)}
      local.get 1  i64.extend_i32_u  i64.const 0xff  i64.and
      i64.const 0x0101010101010101  i64.mul  local.set 3
      block loop  {_WHILE_8}
        local.get 0  local.get 3  i64.store {m}  {_step((0,), 8)}  br 0
      end end
      block loop  {_WHILE_1}
        local.get 0  local.get 1  i32.store8 {m}  {_step((0,), 1)}  br 0
      end end
    end"""
    return [Local(1, _I64)], wat(text)


HELPER_TYPE = FuncType([_I32] * 3, [])  # (dst, src or byte, n), both helpers


def _append_helpers(module: Module, helpers: dict[HelperKey, int]) -> dict[int, str]:
    """Append the helpers (in index order) and return their names by index."""
    type_index = _type_index(module, HELPER_TYPE)
    names: dict[int, str] = {}
    for (op, mems), index in sorted(helpers.items(), key=lambda kv: kv[1]):
        locals_, body = copy_helper(*mems) if op == "memory.copy" else fill_helper(*mems)
        module.functions.append(type_index)
        module.codes.append(Code(locals_, encode_expr(body)))
        names[index] = "_".join([op.replace(".", "_"), *map(str, mems)])
    return names


def _renumber_custom(
    c: CustomSection, funcs: dict[int, int], added: dict[int, str]
) -> CustomSection:
    if c.name != "name":
        return CustomSection(c.name, c.data, c.after)
    ns = decode_name_section(c.data)
    ns.module = MODULE_NAME  # the linker writes its (temporary) output file name
    ns.functions = {funcs[i]: n for i, n in ns.functions.items() if i in funcs} | added
    ns.locals = {}
    ns.others = []  # global/type names: not worth renumbering
    return CustomSection("name", encode_name_section(ns), c.after)


def postprocess_bytes(data: bytes) -> bytes:
    return encode_module(postprocess(decode_module(data)), reuse_original=False)
