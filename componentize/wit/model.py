"""The resolved WIT model: packages, interfaces, worlds, types, functions.

This is what the resolver produces and what every higher layer (`abi`,
`component`, `shim`, `assemble`) reads.  Plain frozen-ish dataclasses; named
types are referenced by identity (`TypeRef` -> `TypeDef`), so the graph is
shared, not copied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# --------------------------------------------------------------------------
# versions and gates


@dataclass(frozen=True, order=True)
class Version:
    """A semver version; pre-release/build parts kept as text for printing."""

    major: int
    minor: int
    patch: int
    pre: str = ""
    build: str = ""

    @staticmethod
    def parse(text: str) -> Version:
        core, _, build = text.partition("+")
        core, _, pre = core.partition("-")
        major, minor, patch = (int(p) for p in core.split("."))
        return Version(major, minor, patch, pre, build)

    def __str__(self) -> str:
        s = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            s += f"-{self.pre}"
        if self.build:
            s += f"+{self.build}"
        return s


@dataclass(frozen=True)
class Stability:
    """The `@since` / `@unstable` / `@deprecated` gate on an item (all optional)."""

    since: Version | None = None
    unstable_feature: str | None = None
    deprecated: Version | None = None


UNSTABLE_NONE = Stability()

# --------------------------------------------------------------------------
# types

PRIMITIVES = (
    "bool",
    "s8",
    "u8",
    "s16",
    "u16",
    "s32",
    "u32",
    "s64",
    "u64",
    "f32",
    "f64",
    "char",
    "string",
    "error-context",
)


@dataclass(frozen=True)
class Primitive:
    name: str  # one of PRIMITIVES


@dataclass(frozen=True)
class ListType:
    element: Type
    size: int | None = None  # `list<T, N>`: a fixed-size list


@dataclass(frozen=True)
class OptionType:
    inner: Type


@dataclass(frozen=True)
class ResultType:
    ok: Type | None = None
    err: Type | None = None


@dataclass(frozen=True)
class TupleType:
    types: tuple[Type, ...]


@dataclass(frozen=True)
class FutureType:
    inner: Type | None = None


@dataclass(frozen=True)
class StreamType:
    inner: Type | None = None


@dataclass(frozen=True)
class MapType:
    """`map<K, V>`: laid out as `list<tuple<K, V>>` (CanonicalABI.md despecialize)."""

    key: Type
    value: Type


@dataclass(frozen=True)
class Own:
    resource: TypeDef


@dataclass(frozen=True)
class Borrow:
    resource: TypeDef


@dataclass(frozen=True, eq=False)
class TypeRef:
    """A use of a named type.  Equality is identity of the definition."""

    definition: TypeDef

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeRef) and other.definition is self.definition

    def __hash__(self) -> int:
        return id(self.definition)


Type = (
    Primitive
    | ListType
    | OptionType
    | ResultType
    | TupleType
    | FutureType
    | StreamType
    | MapType
    | Own
    | Borrow
    | TypeRef
)

# ---- bodies of named types


@dataclass
class Field:
    name: str
    type: Type
    docs: str = ""


@dataclass
class Case:
    name: str
    type: Type | None = None
    docs: str = ""


@dataclass
class Record:
    fields: list[Field]


@dataclass
class Variant:
    cases: list[Case]


@dataclass
class Enum:
    names: list[str]
    docs: list[str] = field(default_factory=list)


@dataclass
class Flags:
    names: list[str]
    docs: list[str] = field(default_factory=list)


@dataclass
class Resource:
    """Methods, static functions and the constructor live in the interface's
    `functions` with `Function.resource` pointing here; this marks the kind."""


@dataclass
class Alias:
    """`type x = y;`, and also a `use`d name (target is the used type)."""

    target: Type


TypeBody = Record | Variant | Enum | Flags | Resource | Alias


@dataclass(eq=False)
class TypeDef:
    """A named type in an interface or a world.  Compared by identity."""

    name: str
    body: TypeBody
    # Back-references are left out of repr: the graph is cyclic through them.
    owner: Interface | World | None = field(default=None, repr=False)
    stability: Stability = UNSTABLE_NONE
    docs: str = ""


# --------------------------------------------------------------------------
# functions


@dataclass
class Function:
    """A WIT function.  `name` is the WIT name (`read`, `open-at`, or
    `constructor` for constructors); `kind` says how it is mangled:
    "freestanding", "method", "static" or "constructor"."""

    name: str
    params: list[tuple[str, Type]]
    result: Type | None = None
    kind: str = "freestanding"
    resource: TypeDef | None = None  # for methods, statics, constructors
    is_async: bool = False
    stability: Stability = UNSTABLE_NONE
    docs: str = ""


# --------------------------------------------------------------------------
# interfaces, worlds, packages


@dataclass(frozen=True)
class PackageName:
    namespace: str
    name: str
    version: Version | None = None

    def __str__(self) -> str:
        base = f"{self.namespace}:{self.name}"
        return f"{base}@{self.version}" if self.version else base


@dataclass(eq=False)
class Interface:
    name: str | None  # None for an inline interface in a world
    types: dict[str, TypeDef] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    # keyed by the component-level name: `get-arguments`, `[method]descriptor.read`,
    # `[static]descriptor.x`, `[constructor]tcp-socket`; source order kept
    package: Package | None = field(default=None, repr=False)
    stability: Stability = UNSTABLE_NONE
    docs: str = ""

    def qualified_name(self) -> str:
        """`wasi:cli/environment@0.2.12`, the name used in component imports."""
        assert self.package is not None and self.name is not None
        pkg = self.package.name
        base = f"{pkg.namespace}:{pkg.name}/{self.name}"
        return f"{base}@{pkg.version}" if pkg.version else base


@dataclass
class WorldItem:
    """One import or export of a world: an interface (named or inline), a
    function, or a type (imports only)."""

    key: str  # the name under which it is imported/exported
    item: Interface | Function | TypeDef
    stability: Stability = UNSTABLE_NONE


@dataclass(eq=False)
class World:
    name: str
    imports: dict[str, WorldItem] = field(default_factory=dict)
    exports: dict[str, WorldItem] = field(default_factory=dict)
    types: dict[str, TypeDef] = field(default_factory=dict)
    package: Package | None = field(default=None, repr=False)
    stability: Stability = UNSTABLE_NONE
    docs: str = ""


@dataclass(eq=False)
class Package:
    name: PackageName
    interfaces: dict[str, Interface] = field(default_factory=dict)
    worlds: dict[str, World] = field(default_factory=dict)
    docs: str = ""


@dataclass
class Resolve:
    """A set of packages, topologically ordered (dependencies first)."""

    packages: list[Package] = field(default_factory=list)
    root: Package | None = None  # the package of the directory itself (None: deps only)

    def package(self, spec: str) -> Package:
        """Find a package by `ns:name` or `ns:name@version`."""
        for pkg in self.packages:
            if str(pkg.name) == spec or f"{pkg.name.namespace}:{pkg.name.name}" == spec:
                return pkg
        raise KeyError(spec)

    def interface(self, qualified: str) -> Interface:
        """Find `ns:pkg/iface` or `ns:pkg/iface@ver`."""
        pkg_part, _, rest = qualified.partition("/")
        name, _, ver = rest.partition("@")
        pkg = self.package(f"{pkg_part}@{ver}" if ver else pkg_part)
        return pkg.interfaces[name]


# --------------------------------------------------------------------------
# helpers (added by the resolver; pure functions over the model)


def alias_of(definition: TypeDef) -> TypeDef | None:
    """The named type `definition` stands for, one step: the used type of a
    `use`, `y` of `type x = y`; None for any other definition."""
    body = definition.body
    if isinstance(body, Alias) and isinstance(body.target, TypeRef):
        return body.target.definition
    return None


class AliasCycle(RecursionError):
    """An alias chain that comes back to `definition` (`type a = b; type b = a`)."""

    def __init__(self, definition: TypeDef) -> None:
        super().__init__(definition.name)
        self.definition = definition


def underlying(definition: TypeDef, visit: Callable[[TypeDef], None] | None = None) -> TypeDef:
    """Follow `use` aliases and `type x = y` chains to the defining TypeDef.

    `visit` is called on each definition of the chain before its body is read
    (the resolver finishes pending bodies there).  A chain that comes back
    raises AliasCycle; the resolver reports those, so a resolved model has none.
    """
    seen: set[int] = set()
    while True:
        if visit is not None:
            visit(definition)
        target = alias_of(definition)
        if target is None:
            return definition
        if id(definition) in seen:
            raise AliasCycle(definition)
        seen.add(id(definition))
        definition = target


def is_resource(definition: TypeDef) -> bool:
    """True for a resource, or an alias (`use`, `type x = r`) of one."""
    return isinstance(underlying(definition).body, Resource)
