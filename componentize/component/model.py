"""The component model as plain dataclasses: a component is its sections, in
order, each holding the definitions Binary.md gives it."""

from __future__ import annotations

from dataclasses import dataclass, field

from componentize.component.binary import STRING_ENCODINGS as STRING_ENCODINGS
from componentize.component.binary import SectionKind
from componentize.component.sorts import Alias, ExternName, SortIdx
from componentize.component.typedefs import CoreType, CoreValType, DefType, ExternDesc, ValType

# --------------------------------------------------------------------------
# instances


@dataclass(frozen=True)
class CoreInstantiate:
    """`(instantiate m (with n (instance i))*)`."""

    module: int
    args: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CoreInlineExports:
    """A core instance made of existing core definitions; sorts are core sorts."""

    exports: tuple[tuple[str, SortIdx], ...]


CoreInstance = CoreInstantiate | CoreInlineExports


@dataclass(frozen=True)
class Instantiate:
    """`(instantiate c (with n si)*)`."""

    component: int
    args: tuple[tuple[str, SortIdx], ...] = ()


@dataclass(frozen=True)
class InlineExports:
    exports: tuple[tuple[ExternName, SortIdx], ...]


Instance = Instantiate | InlineExports

# --------------------------------------------------------------------------
# canonical definitions


@dataclass(frozen=True)
class StringEncodingOpt:
    encoding: str  # one of STRING_ENCODINGS


@dataclass(frozen=True)
class MemoryOpt:
    memory: int


@dataclass(frozen=True)
class ReallocOpt:
    func: int


@dataclass(frozen=True)
class PostReturnOpt:
    func: int


@dataclass(frozen=True)
class AsyncOpt:
    pass


@dataclass(frozen=True)
class CallbackOpt:
    func: int


CanonOpt = StringEncodingOpt | MemoryOpt | ReallocOpt | PostReturnOpt | AsyncOpt | CallbackOpt


@dataclass(frozen=True)
class CanonLift:
    """`(canon lift f opts type)`: defines a component func."""

    core_func: int
    type: int
    options: tuple[CanonOpt, ...] = ()


@dataclass(frozen=True)
class CanonLower:
    """`(canon lower f opts (core func))`: defines a core func."""

    func: int
    options: tuple[CanonOpt, ...] = ()


@dataclass(frozen=True)
class CanonResourceNew:
    resource: int


@dataclass(frozen=True)
class CanonResourceDrop:
    resource: int


@dataclass(frozen=True)
class CanonResourceRep:
    resource: int


@dataclass(frozen=True)
class CanonBuiltin:
    """Any other canonical built-in (async, threads, error-context ...), kept
    with its opcode and immediates in encoding order; each immediate is an int
    (u32 or flag byte), a CoreValType, a result ValType or None, or options."""

    opcode: int
    immediates: tuple[int | CoreValType | ValType | None | tuple[CanonOpt, ...], ...] = ()


Canon = (
    CanonLift | CanonLower | CanonResourceNew | CanonResourceDrop | CanonResourceRep | CanonBuiltin
)

# --------------------------------------------------------------------------
# imports, exports, start


@dataclass(frozen=True)
class Import:
    name: ExternName
    desc: ExternDesc


@dataclass(frozen=True)
class Export:
    name: ExternName
    item: SortIdx
    desc: ExternDesc | None = None  # optional type ascription


@dataclass(frozen=True)
class Start:
    func: int
    args: tuple[int, ...] = ()
    results: int = 0


# --------------------------------------------------------------------------
# sections


@dataclass
class CustomSection:
    """Section 0; the payload is kept byte for byte (see names.py for
    `component-name`)."""

    name: str
    data: bytes


@dataclass
class CoreModuleSection:
    """Section 1: one embedded core module, its complete bytes."""

    module: bytes


@dataclass
class CoreInstanceSection:
    instances: list[CoreInstance] = field(default_factory=list)


@dataclass
class CoreTypeSection:
    types: list[CoreType] = field(default_factory=list)


@dataclass
class ComponentSection:
    """Section 4: a nested component."""

    component: Component


@dataclass
class InstanceSection:
    instances: list[Instance] = field(default_factory=list)


@dataclass
class AliasSection:
    aliases: list[Alias] = field(default_factory=list)


@dataclass
class TypeSection:
    types: list[DefType] = field(default_factory=list)


@dataclass
class CanonSection:
    canons: list[Canon] = field(default_factory=list)


@dataclass
class StartSection:
    start: Start


@dataclass
class ImportSection:
    imports: list[Import] = field(default_factory=list)


@dataclass
class ExportSection:
    exports: list[Export] = field(default_factory=list)


@dataclass
class ValueSection:
    """Section 12 (🪙, not used by us): kept as raw bytes."""

    data: bytes


Section = (
    CustomSection
    | CoreModuleSection
    | CoreInstanceSection
    | CoreTypeSection
    | ComponentSection
    | InstanceSection
    | AliasSection
    | TypeSection
    | CanonSection
    | StartSection
    | ImportSection
    | ExportSection
    | ValueSection
)

SECTION_KINDS: dict[type, SectionKind] = {
    CustomSection: "custom",
    CoreModuleSection: "core module",
    CoreInstanceSection: "core instance",
    CoreTypeSection: "core type",
    ComponentSection: "component",
    InstanceSection: "instance",
    AliasSection: "alias",
    TypeSection: "type",
    CanonSection: "canon",
    StartSection: "start",
    ImportSection: "import",
    ExportSection: "export",
    ValueSection: "value",
}
"""The section each class is (its id: `binary.SECTIONS`)."""


@dataclass
class Component:
    sections: list[Section] = field(default_factory=list)
