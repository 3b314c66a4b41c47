"""The WIT syntax tree, as written (before name resolution).

Every node carries the `Span` of its first token so the resolver can report
`file:line:col`.  Docs are the `///` lines joined with newlines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from componentize.wit.lexer import Span
from componentize.wit.model import Version


@dataclass(frozen=True)
class Gates:
    since: Version | None = None
    unstable: str | None = None
    deprecated: Version | None = None


NO_GATES = Gates()

# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class PrimT:
    name: str
    span: Span


@dataclass(frozen=True)
class NamedT:
    name: str
    span: Span


@dataclass(frozen=True)
class HandleT:
    kind: str  # "own" or "borrow"
    name: str
    span: Span


@dataclass(frozen=True)
class ListT:
    element: TypeExpr
    size: int | None
    span: Span


@dataclass(frozen=True)
class OptionT:
    inner: TypeExpr
    span: Span


@dataclass(frozen=True)
class ResultT:
    ok: TypeExpr | None
    err: TypeExpr | None
    span: Span


@dataclass(frozen=True)
class TupleT:
    types: tuple[TypeExpr, ...]
    span: Span


@dataclass(frozen=True)
class FutureT:
    inner: TypeExpr | None
    span: Span


@dataclass(frozen=True)
class StreamT:
    inner: TypeExpr | None
    span: Span


@dataclass(frozen=True)
class MapT:
    key: PrimT  # the parser admits only the key types WIT.md's `kt` lists
    value: TypeExpr
    span: Span


TypeExpr = PrimT | NamedT | HandleT | ListT | OptionT | ResultT | TupleT | FutureT | StreamT | MapT

# ---------------------------------------------------------------- names and paths


@dataclass(frozen=True)
class PackageRef:
    namespace: str
    name: str
    version: Version | None
    span: Span

    def key(self) -> tuple[str, str, Version | None]:
        return (self.namespace, self.name, self.version)

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version else base


@dataclass(frozen=True)
class UsePath:
    """`iface` (package is None) or `ns:pkg/iface@ver`."""

    package: PackageRef | None
    name: str
    span: Span
    name_span: Span  # of the interface or world name

    def __str__(self) -> str:
        if self.package is None:
            return self.name
        p = self.package
        base = f"{p.namespace}:{p.name}/{self.name}"
        return f"{base}@{p.version}" if p.version else base


# ---------------------------------------------------------------- items


@dataclass
class Named:
    """A name with its own span and docs (fields, cases, params)."""

    name: str
    span: Span
    docs: str = ""


@dataclass
class Param:
    name: Named
    type: TypeExpr


@dataclass
class FuncSig:
    params: list[Param]
    result: TypeExpr | None
    is_async: bool
    span: Span


@dataclass
class FuncItem:
    name: Named  # "constructor" for a constructor
    sig: FuncSig
    kind: str = "freestanding"  # "method", "static", "constructor"
    gates: Gates = NO_GATES


@dataclass
class ResourceItem:
    name: Named
    funcs: list[FuncItem] | None  # None: `resource r;`
    gates: Gates = NO_GATES


@dataclass
class RecordItem:
    name: Named
    fields: list[tuple[Named, TypeExpr]]
    gates: Gates = NO_GATES


@dataclass
class VariantItem:
    name: Named
    cases: list[tuple[Named, TypeExpr | None]]
    gates: Gates = NO_GATES


@dataclass
class EnumItem:
    name: Named
    cases: list[Named]
    gates: Gates = NO_GATES


@dataclass
class FlagsItem:
    name: Named
    flags: list[Named]
    gates: Gates = NO_GATES


@dataclass
class TypeAliasItem:
    name: Named
    type: TypeExpr
    gates: Gates = NO_GATES


TypeItem = ResourceItem | RecordItem | VariantItem | EnumItem | FlagsItem | TypeAliasItem


@dataclass
class UseItem:
    """`use path.{a, b as c};` inside an interface or a world."""

    path: UsePath
    names: list[tuple[Named, Named | None]]  # (original, `as` name)
    gates: Gates = NO_GATES
    span: Span | None = None


InterfaceMember = UseItem | TypeItem | FuncItem


@dataclass
class InterfaceItem:
    name: Named | None  # None: inline in a world
    members: list[InterfaceMember]
    gates: Gates = NO_GATES


@dataclass
class ExternItem:
    """One world `import`/`export`.  `kind`: "path" (`import a:b/c;`), "named-path"
    (`import x: a:b/c;`), "func" or "interface" (inline)."""

    direction: str  # "import" or "export"
    kind: str
    name: Named | None  # the plain name, None for "path"
    path: UsePath | None = None
    func: FuncSig | None = None
    interface: InterfaceItem | None = None
    gates: Gates = NO_GATES
    span: Span | None = None


@dataclass
class IncludeItem:
    path: UsePath
    renames: list[tuple[Named, Named]]
    gates: Gates = NO_GATES
    span: Span | None = None


WorldMember = ExternItem | IncludeItem | UseItem | TypeItem


@dataclass
class WorldItemAst:
    name: Named
    members: list[WorldMember]
    gates: Gates = NO_GATES


@dataclass
class TopUse:
    """`use a:b/c@1.0.0 as d;` at file level: a file-scoped interface name."""

    path: UsePath
    alias: Named | None
    span: Span


PackageMember = TopUse | InterfaceItem | WorldItemAst


@dataclass
class PackageBlock:
    """A `package a:b { ... }` block, or the root package's items of one file."""

    name: PackageRef | None
    members: list[PackageMember] = field(default_factory=list)
    docs: str = ""


@dataclass
class File:
    path: str
    root: PackageBlock  # name None when the file has no `package` line
    nested: list[PackageBlock] = field(default_factory=list)
