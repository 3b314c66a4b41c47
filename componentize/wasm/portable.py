"""What a JS host (jco 1.35 on Node 20) accepts in a core module with several memories.

JS engines run one memory per module natively; jco transpiles a module that
uses (defines or imports) more than one memory only if

* its sections are type, import, function, export, code and custom ones: no
  memory, table, global, element, data, start, data-count or tag section
  (memories, tables and globals may be imported);
* its memory instructions, on any memory, are the plain loads and stores
  (`i32.load`, `i32.load8_s/u`, `i32.load16_s/u`, `i64.load`, `f32.load`,
  `f64.load`, `i32.store`, `i32.store8`, `i32.store16`, `i64.store`,
  `f32.store`, `f64.store`) and `memory.size`.  Anything else touching memory
  (`memory.grow`, `memory.copy`, `memory.fill`, `memory.init`, the narrow i64
  loads and stores, atomic accesses, SIMD loads and stores) makes it fail;
  `atomic.fence`, which names no memory, is accepted.

A module with at most one memory has no such limits.  Accesses to memories
other than 0 become JS calls there: correct, but slow.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from .instructions import decode_expr
from .model import Instruction, MemArg, Module
from .opcodes import BY_NAME, OPS
from .query import imported_count, memory_space

ALLOWED_MEMORY_OPS = frozenset(
    (
        "i32.load",
        "i32.load8_s",
        "i32.load8_u",
        "i32.load16_s",
        "i32.load16_u",
        "i64.load",
        "f32.load",
        "f64.load",
        "i32.store",
        "i32.store8",
        "i32.store16",
        "i64.store",
        "f32.store",
        "f64.store",
        "memory.size",
    )
)

# Every instruction that names a memory (in a memarg or as an index).
MEMORY_OPS = frozenset(
    op.name for op in OPS if op.imm in ("memarg", "memlane") or "memory" in op.u32_kinds
)


def _sections(module: Module) -> list[str]:
    defined = [
        ("memory", len(module.memories)),
        ("table", len(module.tables)),
        ("global", len(module.globals)),
        ("element", len(module.elements)),
        ("data", len(module.datas)),
        ("tag", len(module.tags)),
    ]
    out = [f"{name} section ({n} defined)" for name, n in defined if n]
    if module.start is not None:
        out.append(f"start section (function {module.start})")
    if module.data_count is not None:
        out.append(f"data count section ({module.data_count})")
    return out


def _describe(ins: Instruction) -> str:
    """The instruction with its memory indices, as in the text format."""
    kinds = BY_NAME[ins.op].u32_kinds
    memories = [
        str(v.memory) if isinstance(v, MemArg) else str(v)
        for i, v in enumerate(ins.imm)
        if isinstance(v, MemArg) or (i < len(kinds) and kinds[i] == "memory")
    ]
    return " ".join([ins.op, *memories])


def instruction_problems(instructions: list[Instruction]) -> Counter[str]:
    """The memory instructions among `instructions` a JS host refuses, with their counts."""
    return Counter(
        _describe(ins)
        for ins in instructions
        if ins.op in MEMORY_OPS and ins.op not in ALLOWED_MEMORY_OPS
    )


@lru_cache(maxsize=4096)
def _body_problems(code: bytes) -> tuple[tuple[str, int], ...]:
    """`instruction_problems` of one body, sorted; once per distinct body in a
    process (the shim's bodies recur in every component of a batch)."""
    return tuple(sorted(instruction_problems(decode_expr(code)).items()))


def js_host_problems(module: Module, *, bodies: bool = True) -> list[str]:
    """Why jco would refuse `module` (see the module docs); [] when it would not.

    One message per forbidden section, and one per function and forbidden
    instruction (with the memories it names and how often it occurs);
    without `bodies`, the sections only (for bodies known to be clean).
    """
    memories = len(memory_space(module))
    if memories <= 1:
        return []
    out = [f"{problem} in a module with {memories} memories" for problem in _sections(module)]
    first = imported_count(module, "func")
    for i, code in enumerate(module.codes if bodies else ()):
        for what, n in _body_problems(code.code):
            times = f" ({n} times)" if n > 1 else ""
            out.append(f"function {first + i}: {what}{times}")
    return out
