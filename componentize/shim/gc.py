"""Shim gc: keep the exports a module needs and exactly what they reach.

Roots are the kept exports, the exports gc always keeps (`cabi_realloc` and
`componentize_init`, the start-up the assembler calls) and the start function
if there is one; the walk follows calls (and any function, global, table or
type a body references) through the decoded bodies, so the functions the
post-processor appended (memory.copy/fill replacements) stay exactly when
called.  Everything unreached goes: functions, imports (so WASI interfaces
the kept code never calls are not imported), globals, tables and types; the
rest is renumbered in order, so the output is deterministic.  Memories are
always kept: memory 0 (private) and memory 1 (the guest's) are part of the
shim's contract with the assembler.

A body is decoded once per process (`_cut`, cached by its bytes) into the
indices it references and its bytes cut around the instructions that carry
them; a gc then re-encodes only those instructions, renumbered, between the
unchanged pieces.  Decoding and re-encoding whole bodies on every gc was
most of its cost (about 20 ms of a 70 ms conversion).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from componentize.errors import InternalError
from componentize.shim.contract import INIT_EXPORT, REALLOC_EXPORT
from componentize.shim.rewrite import Refs, Renumber, collect, referencing, renumber
from componentize.wasm.instructions import decode_expr, encode_expr, write_instruction
from componentize.wasm.model import (
    Code,
    CustomSection,
    Export,
    FuncDesc,
    Import,
    Instruction,
    Module,
)
from componentize.wasm.names import decode_name_section, encode_name_section
from componentize.wasm.query import func_type_indices, imported_count, type_space
from componentize.wasm.skeleton import UNREACHABLE

# Exports kept whatever is asked: the assembler uses them.
ALWAYS_KEPT = frozenset((REALLOC_EXPORT, INIT_EXPORT))


def _check(module: Module) -> None:
    tags = module.tags or any(i.kind == "tag" for i in module.imports)
    if module.elements or module.datas or tags:
        raise InternalError("shim gc expects no element, data or tag sections")
    if any(not hasattr(t, "params") for t in module.types):
        raise InternalError("shim gc expects function types only")


# A function named `weak_<export>__<what>` is a weak edge: what it calls is
# kept only when <export> is kept (e.g. fd_write reaches file writes only
# when path_open, the only way to get a file fd, is kept); otherwise its
# body becomes `unreachable`, which no run can reach.
WEAK_PREFIX = "weak_"


def _cut_weak_edges(module: Module, kept: set[str]) -> set[int]:
    """The weak trampolines whose export is not kept."""
    cut: set[int] = set()
    for c in module.customs:
        if c.name != "name":
            continue
        for index, name in decode_name_section(c.data).functions.items():
            export, sep, _ = name.removeprefix(WEAK_PREFIX).partition("__")
            if name.startswith(WEAK_PREFIX) and sep and export not in kept:
                cut.add(index)
    return cut


@dataclass(frozen=True)
class _Body:
    """A function's code cut around the instructions that reference an index:
    `pieces[0] + enc(indexed[0]) + pieces[1] + ... + pieces[-1]` is the code."""

    pieces: tuple[bytes, ...]
    indexed: tuple[Instruction, ...]
    refs: Refs

    def encode(self, r: Renumber) -> bytes:
        out = [self.pieces[0]]
        for ins, piece in zip(renumber(self.indexed, r), self.pieces[1:], strict=True):
            out += (encode_expr([ins]), piece)
        return b"".join(out)


@lru_cache(maxsize=1024)
def _cut(code: bytes) -> _Body:
    """`code` cut for renumbering (see `_Body`); decoded once per process."""
    instructions = decode_expr(code)
    refs = Refs()
    indexed = referencing(instructions, refs)
    written = bytearray()
    ends = []
    for ins in instructions:
        write_instruction(written, ins)
        ends.append(len(written))
    if written != code:  # written otherwise than we write it (a padded LEB)
        return _Body((b"",) * (len(instructions) + 1), tuple(instructions), refs)
    pieces: list[bytes] = []
    start = 0
    for i, hit in enumerate(indexed):
        if hit:
            pieces.append(code[start : ends[i - 1] if i else 0])
            start = ends[i]
    pieces.append(code[start:])
    kept = tuple(ins for ins, hit in zip(instructions, indexed, strict=True) if hit)
    return _Body(tuple(pieces), kept, refs)


def _reach(
    module: Module,
    roots: set[int],
    cut: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[Refs, dict[int, _Body]]:
    """Close `roots` over the references of defined function bodies."""
    n_imported = imported_count(module, "func")
    refs = Refs(funcs=set(roots))
    bodies: dict[int, _Body] = {}
    work = list(roots)
    while work:
        f = work.pop()
        if f < n_imported or f in bodies:
            continue
        body = _UNREACHABLE if f in cut else _cut(module.codes[f - n_imported].code)
        bodies[f] = body
        work.extend(body.refs.funcs - refs.funcs)
        refs.update(body.refs)
    for g in module.globals:  # initializers may read imported globals
        collect(decode_expr(g.init), refs)
    return refs, bodies


_UNREACHABLE = _Body((UNREACHABLE,), (), Refs())


def _new_indices(kept: Iterable[int]) -> dict[int, int]:
    return {old: new for new, old in enumerate(sorted(kept))}


def gc(module: Module, keep_exports: set[str]) -> Module:
    """A new module with only `keep_exports` (+ ALWAYS_KEPT, start) and what they reach."""
    _check(module)
    exports = {e.name: e for e in module.exports}
    missing = sorted(n for n in keep_exports if n not in exports)
    if missing:
        raise InternalError(f"shim gc: the shim has no export {', '.join(missing)}")
    names = set(keep_exports) | (ALWAYS_KEPT & exports.keys())
    kept_exports = [e for e in module.exports if e.name in names]
    roots = {e.index for e in kept_exports if e.kind == "func"}
    if module.start is not None:
        roots.add(module.start)
    refs, bodies = _reach(module, roots, _cut_weak_edges(module, names))
    refs.globals |= {e.index for e in kept_exports if e.kind == "global"}
    refs.tables |= {e.index for e in kept_exports if e.kind == "table"}

    func_types = func_type_indices(module)
    refs.types |= {func_types[f] for f in refs.funcs}
    r = Renumber(
        funcs=_new_indices(refs.funcs),
        globals=_new_indices(refs.globals),
        tables=_new_indices(refs.tables),
        types=_new_indices(refs.types),
    )
    return _rebuild(module, refs, bodies, r, kept_exports)


def _rebuild(
    module: Module,
    refs: Refs,
    bodies: dict[int, _Body],
    r: Renumber,
    kept_exports: list[Export],
) -> Module:
    types = type_space(module)
    out = Module(types=[types[t] for t in sorted(refs.types)])
    counters = {"func": 0, "table": 0, "memory": 0, "global": 0}
    for imp in module.imports:
        kind = imp.kind
        index = counters[kind]
        counters[kind] += 1
        if kind == "func":
            assert isinstance(imp.desc, FuncDesc)
            if index in refs.funcs:
                desc = FuncDesc(r.types[imp.desc.type_index])
                out.imports.append(Import(imp.module, imp.name, desc))
        elif kind == "memory" or index in (refs.tables if kind == "table" else refs.globals):
            out.imports.append(imp)
    n_imported = counters["func"]
    for i, type_index in enumerate(module.functions):
        f = n_imported + i
        if f in refs.funcs:
            out.functions.append(r.types[type_index])
            body = bodies[f]
            # A cut weak edge traps: its locals would only cost bytes.
            locals_ = [] if body is _UNREACHABLE else module.codes[i].locals
            out.codes.append(Code(locals_, body.encode(r)))
    out.tables = [t for i, t in enumerate(module.tables, counters["table"]) if i in refs.tables]
    out.memories = list(module.memories)
    out.globals = [g for i, g in enumerate(module.globals, counters["global"]) if i in refs.globals]
    spaces = {"func": r.funcs, "table": r.tables, "global": r.globals}
    out.exports = [
        Export(e.name, e.kind, spaces[e.kind][e.index] if e.kind in spaces else e.index)
        for e in kept_exports
    ]
    out.start = r.funcs[module.start] if module.start is not None else None
    # Only the names: a trap's backtrace shows them; the shim's producers
    # section says nothing about the user's component (127 bytes).
    out.customs = [_names(c, r.funcs, n_imported) for c in module.customs if c.name == "name"]
    return out


def _names(c: CustomSection, funcs: dict[int, int] | object, n_imported: int) -> CustomSection:
    """The kept functions' names, renumbered; not those of imported ones,
    which no backtrace shows (a host function is no wasm frame): about
    1,100 bytes of a typical component."""
    assert isinstance(funcs, dict)
    ns = decode_name_section(c.data)
    named = {funcs[i]: n for i, n in ns.functions.items() if i in funcs and i >= n_imported}
    ns.functions = dict(sorted(named.items()))  # a name map is in index order
    ns.locals = {}
    ns.others = []
    return CustomSection("name", encode_name_section(ns), c.after)


def wasi_imports(module: Module) -> list[tuple[str, str]]:
    """The WASI 0.2 functions the shim imports, as (interface, function), in import order."""
    return [
        (i.module, i.name)
        for i in module.imports
        if i.kind == "func" and i.module.startswith("wasi:")
    ]


def shim_exports(module: Module) -> list[str]:
    """The names of the shim's function exports a module may be served (and
    `cabi_realloc`); not `componentize_init`, which only the assembler calls."""
    return [e.name for e in module.exports if e.kind == "func" and e.name != INIT_EXPORT]
