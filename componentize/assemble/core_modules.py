"""The core modules the layout writes itself, and how it links core modules.

* `provider_module`: what must exist before the main module: the stubs (stub
  `i` calls slot `i` of one table, and is exported as `slot_name(i)`, the
  name the main module imports it by and the shim exports what fills the
  slot by: `links`) and, with a shim, the shim's memory, stack pointer,
  memory-grow, the realloc trampoline and the start table;
* `glue_module`: the last module: its element segments fill the slots, its
  start function makes the initial calls (`Glue`);
* `Links`: the import names that let whole instances be passed to a core
  module (no alias and no inline export per item).

Names here are short on purpose (issue 13, size): only the layout links to
them, and nothing reads them at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from componentize import wasm
from componentize.component import ComponentBuilder, Sort, SortIdx
from componentize.component.builder import CoreInstanceIdx
from componentize.shim.contract import (
    MEMORY_GROW_TYPE,
    PROVIDER_GUEST_MEMORY_EXPORT,
    PROVIDER_MEMORY_GROW_EXPORT,
    PROVIDER_REALLOC_EXPORT,
    PROVIDER_SHIM_MEMORY_EXPORT,
    PROVIDER_STACK_POINTER_EXPORT,
    PROVIDER_START_TABLE_EXPORT,
    REALLOC_TYPE,
    START_TYPE,
)

Item = tuple[CoreInstanceIdx, str, Sort]  # (instance, export name, sort)


# The provider's exports, renamed: only this layout links to them (by name),
# and each name is spelled again wherever it is imported or aliased.
PROVIDED = {
    PROVIDER_SHIM_MEMORY_EXPORT: "m",
    PROVIDER_GUEST_MEMORY_EXPORT: "m",  # the guest-memory provider's only export
    PROVIDER_STACK_POINTER_EXPORT: "s",
    PROVIDER_MEMORY_GROW_EXPORT: "g",
    PROVIDER_REALLOC_EXPORT: "r",
    PROVIDER_START_TABLE_EXPORT: "t",
}
STUB_TABLE = "T"  # the stubs' table (the realloc slot follows them)
Supply = Item | SortIdx  # what one core import gets: an instance's export, or a core definition


@dataclass
class Links:
    """Core import names that let whole instances be passed.

    An instance's export is imported from that instance itself, under its own
    export name; a bare definition (a lowered function) from one inline
    instance, under a number; module names are numbers too.  That costs no
    alias and no inline export per item, and no long names: nothing reads
    them at run time (a trap names functions from the name section).
    """

    groups: dict[CoreInstanceIdx | None, str] = field(default_factory=dict)  # None: inline
    inline: dict[str, Supply] = field(default_factory=dict)
    taken: set[tuple[str, str]] = field(default_factory=set)

    def name(self, supply: Supply) -> tuple[str, str]:
        """The (module, name) a core module imports `supply` as."""
        if isinstance(supply, tuple):
            key = self.groups.setdefault(supply[0], short_name(len(self.groups)))
            if (key, supply[1]) not in self.taken:
                self.taken.add((key, supply[1]))
                return key, supply[1]
        # A definition, or an export imported twice (an instance supplies a
        # name once): through the inline instance.
        key = self.groups.setdefault(None, short_name(len(self.groups)))
        name = short_name(len(self.inline))
        self.inline[name] = supply
        return key, name

    def args(self, b: ComponentBuilder) -> dict[str, CoreInstanceIdx]:
        """The instantiation arguments, the inline instance made first."""
        return {
            key: core_exports(b, self.inline) if owner is None else owner
            for owner, key in self.groups.items()
        }


NAME_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def short_name(n: int) -> str:
    """`n` in base 62: one character for the first 62 imports of a group."""
    digits = NAME_DIGITS[n % 62]
    while n >= 62:
        n = n // 62 - 1
        digits = NAME_DIGITS[n % 62] + digits
    return digits


@dataclass(frozen=True)
class Fill:
    """Slots `offset`.. of a table get `funcs`, of `types`."""

    table: Item
    offset: int
    funcs: Sequence[Supply]
    types: Sequence[wasm.FuncType]


@dataclass
class Glue:
    """The last core module: its element segments fill every slot, then its
    start function calls `calls` (each `() -> ()`) in order.  One module for
    all of it: each module more costs a header, its types and an instantiation."""

    fills: list[Fill] = field(default_factory=list)
    calls: list[Supply] = field(default_factory=list)

    def fill(
        self,
        table: Item,
        offset: int,
        funcs: Sequence[Supply],
        types: Sequence[wasm.FuncType],
    ) -> None:
        self.fills.append(Fill(table, offset, funcs, types))


def glue_module(glue: Glue, links: Links) -> bytes:
    """Imports each fill's table and functions, and each call; one active
    element segment per fill; a start function making the calls."""
    module = wasm.Module()
    tables: dict[Item, int] = {}
    funcs = 0
    for fill in _segments(glue.fills):
        if fill.table not in tables:
            tables[fill.table] = len(tables)
            module.imports.append(
                wasm.Import(*links.name(fill.table), _table_type(glue, fill.table))
            )
        for supply, ft in zip(fill.funcs, fill.types, strict=True):
            module.imports.append(wasm.Import(*links.name(supply), func_desc(module, ft)))
        items = list(range(funcs, funcs + len(fill.funcs)))
        funcs += len(fill.funcs)
        offset = wasm.const_expr(wasm.Instruction("i32.const", (fill.offset,)))
        module.elements.append(
            wasm.Element("active", items=items, table=tables[fill.table], offset=offset)
        )
    if glue.calls:
        for supply in glue.calls:
            module.imports.append(wasm.Import(*links.name(supply), func_desc(module, START_TYPE)))
        module.start = funcs  # one call: the imported function itself starts
        if len(glue.calls) > 1:
            calls = [wasm.Instruction("call", (funcs + i,)) for i in range(len(glue.calls))]
            module.functions = [func_desc(module, START_TYPE).type_index]
            module.codes = [wasm.Code([], wasm.encode_expr([*calls, wasm.Instruction("end")]))]
            module.start = funcs + len(glue.calls)
    return wasm.encode_module(module)


def _segments(fills: Sequence[Fill]) -> list[Fill]:
    """The fills by table (in order of first use) and offset, adjacent ones
    merged: one element segment each."""
    tables = list(dict.fromkeys(f.table for f in fills))
    out: list[Fill] = []
    for fill in sorted(fills, key=lambda f: (tables.index(f.table), f.offset)):
        last = out[-1] if out else None
        if last and last.table == fill.table and last.offset + len(last.funcs) == fill.offset:
            funcs, types = [*last.funcs, *fill.funcs], [*last.types, *fill.types]
            out[-1] = Fill(last.table, last.offset, funcs, types)
        else:
            out.append(fill)
    return out


def _table_type(glue: Glue, table: Item) -> wasm.TableType:
    """Large enough for every fill of `table`: a wrong layout fails to link,
    not at run time."""
    size = max(f.offset + len(f.funcs) for f in glue.fills if f.table == table)
    return wasm.TableType("funcref", wasm.Limits(size))


def func_desc(module: wasm.Module, ft: wasm.FuncType) -> wasm.FuncDesc:
    if ft not in module.types:
        module.types.append(ft)
    return wasm.FuncDesc(module.types.index(ft))


def core_exports(b: ComponentBuilder, items: Mapping[str, Item | SortIdx]) -> CoreInstanceIdx:
    """A core instance re-exporting `name -> (instance, export, sort)` (or
    a core definition itself)."""
    return b.core_instance_from_exports({name: _item(b, item) for name, item in items.items()})


def _item(b: ComponentBuilder, item: Item | SortIdx) -> SortIdx:
    if isinstance(item, SortIdx):
        return item
    inst, export, sort = item
    return SortIdx(sort, b.alias_core_export(inst, export, sort))


def slot_name(slot: int) -> str:
    """What a stub is exported as, and what it stands for is imported and
    exported as everywhere in the component: its slot number.  The main
    module's preview1 imports, the shim's exports they call and the
    provider's stubs all carry it (`links`), so no preview1 name is spelled
    four times over (issue 13, size)."""
    return str(slot)


def links(served: Iterable[str]) -> dict[str, str]:
    """Each shim export the stubs stand for -> its slot's name, in a stable
    (sorted) order: identical input, identical component."""
    return {export: slot_name(i) for i, export in enumerate(sorted(set(served)))}


def provider_module(
    stub_types: Sequence[wasm.FuncType],
    with_shim: bool,
    command: bool,
    aliases: Mapping[str, str] | None = None,
) -> bytes:
    """What must exist before the main module, in one module: the stubs
    (stub `i` calls slot `i` of the table, exported as `slot_name(i)`, and as
    each name `aliases` maps to that slot name: a module that imports one
    function twice imports it by two names); with a shim, its memory, stack pointer and
    memory-grow, the realloc trampoline through the slot after the stubs'
    and (commands) the one-slot start table, each by one letter."""
    slots = len(stub_types) + with_shim
    slot = wasm.TableType("funcref", wasm.Limits(slots, slots))
    module = wasm.Module(tables=[wasm.Table(slot)], exports=[wasm.Export(STUB_TABLE, "table", 0)])
    for i, ft in enumerate(stub_types):
        _define(module, slot_name(i), ft, _forwarding(ft, i, func_desc(module, ft).type_index))
    stubs = {e.name: e.index for e in module.exports if e.kind == "func"}
    for name, target in sorted((aliases or {}).items()):
        module.exports.append(wasm.Export(name, "func", stubs[target]))
    if with_shim:
        _shim_parts(module, len(stub_types), command)
    return wasm.encode_module(module)


def _shim_parts(module: wasm.Module, realloc_slot: int, command: bool) -> None:
    realloc = func_desc(module, REALLOC_TYPE).type_index
    _define(
        module,
        PROVIDED[PROVIDER_REALLOC_EXPORT],
        REALLOC_TYPE,
        _forwarding(REALLOC_TYPE, realloc_slot, realloc),
    )
    grow = [wasm.Instruction("local.get", (0,)), wasm.Instruction("memory.grow", (0,))]
    _define(module, PROVIDED[PROVIDER_MEMORY_GROW_EXPORT], MEMORY_GROW_TYPE, grow)
    module.memories.append(wasm.Limits(0))
    module.exports.append(wasm.Export(PROVIDED[PROVIDER_SHIM_MEMORY_EXPORT], "memory", 0))
    zero = wasm.const_expr(wasm.Instruction("i32.const", (0,)))
    module.globals.append(wasm.Global(wasm.GlobalType("i32", True), zero))
    module.exports.append(wasm.Export(PROVIDED[PROVIDER_STACK_POINTER_EXPORT], "global", 0))
    if command:
        module.tables.append(wasm.Table(wasm.TableType("funcref", wasm.Limits(1, 1))))
        module.exports.append(wasm.Export(PROVIDED[PROVIDER_START_TABLE_EXPORT], "table", 1))


def _forwarding(ft: wasm.FuncType, slot: int, type_index: int) -> list[wasm.Instruction]:
    """Pass every parameter on to the function in `slot` of table 0."""
    gets = [wasm.Instruction("local.get", (p,)) for p in range(len(ft.params))]
    return [
        *gets,
        wasm.Instruction("i32.const", (slot,)),
        wasm.Instruction("call_indirect", (type_index, 0)),
    ]


def _define(
    module: wasm.Module, name: str, ft: wasm.FuncType, body: list[wasm.Instruction]
) -> None:
    """Add an exported function."""
    index = len(module.functions)  # the module imports no function
    module.functions.append(func_desc(module, ft).type_index)
    module.codes.append(wasm.Code([], wasm.encode_expr([*body, wasm.Instruction("end")])))
    module.exports.append(wasm.Export(name, "func", index))
