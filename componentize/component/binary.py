"""The byte codes of the component binary format (Binary.md), one table per family.

Every code is written here once.  encode.py writes a code with `TABLE.byte(key)`
(or `TABLE[key]`); decode.py reads one back with `TABLE.read(r)`, which maps
the byte to its key or reports the table's own error.  A table is a bijection
(checked when it is built), so the encoder and the decoder cannot drift apart.

Codes held elsewhere, also once: the sorts (`sorts.Sort`, whose values are
their codes; extern descriptors and core externs reuse them), the primitive
value types (`typedefs.PRIMITIVE_CODES`) and the core preamble
(`componentize.wasm.decode`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, Literal, TypeVar

from componentize.component._bytes import Reader
from componentize.component.sorts import Sort
from componentize.errors import WasmDecodeError
from componentize.wasm.decode import COMPONENT_LAYER, CORE_VERSION, MAGIC

K = TypeVar("K", bound=Hashable)


class Codes(Generic[K]):
    """One byte per key, and back.  `unknown` formats the error for any other
    byte (`{}` is the byte)."""

    def __init__(self, codes: Mapping[K, int], unknown: str) -> None:
        self.codes: dict[K, int] = dict(codes)
        self.keys: dict[int, K] = {code: key for key, code in self.codes.items()}
        if len(self.keys) != len(self.codes) or not all(0 <= c < 256 for c in self.keys):
            raise AssertionError(f"byte codes must be distinct bytes: {self.codes}")
        self.unknown = unknown

    def __getitem__(self, key: K) -> int:
        return self.codes[key]

    def byte(self, key: K) -> bytes:
        return bytes([self.codes[key]])

    def get(self, code: int) -> K | None:
        return self.keys.get(code)

    def error(self, r: Reader, code: int, at: int) -> WasmDecodeError:
        return r.error(self.unknown.format(code), at)

    def read(self, r: Reader, at: int | None = None) -> K:
        """The key of the next byte; an unknown byte is an error at `at`
        (default: where the byte is)."""
        start = r.pos
        code = r.byte()
        key = self.keys.get(code)
        if key is None:
            raise self.error(r, code, start if at is None else at)
        return key


# -- preamble ------------------------------------------------------------------------

COMPONENT_VERSION = b"\x0d\x00"
PREAMBLE = MAGIC + COMPONENT_VERSION + COMPONENT_LAYER
CORE_MODULE_PREAMBLE = MAGIC + CORE_VERSION

# -- sections --------------------------------------------------------------------------

SectionKind = Literal[
    "custom",
    "core module",
    "core instance",
    "core type",
    "component",
    "instance",
    "alias",
    "type",
    "canon",
    "start",
    "import",
    "export",
    "value",
]
SECTIONS: Codes[SectionKind] = Codes(
    {
        "custom": 0,
        "core module": 1,
        "core instance": 2,
        "core type": 3,
        "component": 4,
        "instance": 5,
        "alias": 6,
        "type": 7,
        "canon": 8,
        "start": 9,
        "import": 10,
        "export": 11,
        "value": 12,
    },
    "unknown section id {}",
)
"""Section ids; the keys are also the section names errors report."""

# -- small pieces ----------------------------------------------------------------------

OPTIONAL: Codes[Literal["none", "some"]] = Codes(
    {"none": 0x00, "some": 0x01}, "bad optional flag {:#x}"
)
NAME_FORMS: Codes[Literal["plain", "form 1", "attributes"]] = Codes(
    {"plain": 0x00, "form 1": 0x01, "attributes": 0x02}, "unknown name form {:#x}"
)
"""The leading byte of an extern name (kept as written, we write "plain");
only "attributes" has a vector of attributes after the name."""
NAME_ATTRIBUTES: Codes[Literal["implements", "versionsuffix", "external-id"]] = Codes(
    {"implements": 0x00, "versionsuffix": 0x01, "external-id": 0x02},
    "unknown name attribute {:#x}",
)
ALIAS_TARGETS: Codes[Literal["export", "core export", "outer"]] = Codes(
    {"export": 0x00, "core export": 0x01, "outer": 0x02}, "unknown alias target {:#x}"
)

# -- core types ------------------------------------------------------------------------

CORE_REF_FORMS: Codes[Literal["ref", "ref null"]] = Codes(
    {"ref": 0x64, "ref null": 0x63}, "unknown core value type {:#x}"
)
"""The long reference types `(ref null? heaptype)`, followed by an s33 heap type."""
CORE_VALTYPE_BYTES = frozenset(
    {
        0x7F,
        0x7E,
        0x7D,
        0x7C,
        0x7B,
        0x70,
        0x6F,
        0x6E,
        0x6D,
        0x6C,
        0x6B,
        0x6A,
        0x69,
        0x71,
        0x72,
        0x73,
        0x74,
    }
)
"""One-byte core value types: number and vector types, abbreviated reference types."""

CoreExternKind = Literal["func", "table", "memory", "global", "tag"]
CORE_EXTERN_KINDS: Codes[CoreExternKind] = Codes(
    {
        "func": Sort.CORE_FUNC.core_byte,
        "table": Sort.CORE_TABLE.core_byte,
        "memory": Sort.CORE_MEMORY.core_byte,
        "global": Sort.CORE_GLOBAL.core_byte,
        "tag": Sort.CORE_TAG.core_byte,
    },
    "unknown core extern kind {:#x}",
)
"""A core import/export descriptor: the core sort of what it describes."""
TAG_EXCEPTION = 0x00
"""The attribute byte of a core tag type (exception, the only one)."""

CORE_MODULE_DECLS: Codes[Literal["import", "type", "alias", "export"]] = Codes(
    {"import": 0x00, "type": 0x01, "alias": 0x02, "export": 0x03},
    "unknown module type declarator {:#x}",
)
CORE_TYPE_FORMS: Codes[Literal["func", "module"]] = Codes(
    {"func": 0x60, "module": 0x50}, "unsupported core type form {:#x} (only func and module types)"
)

# -- component types -------------------------------------------------------------------

TypeKind = Literal[
    "func",
    "async func",
    "component",
    "instance",
    "resource",
    "record",
    "variant",
    "list",
    "fixed list",
    "tuple",
    "flags",
    "enum",
    "option",
    "result",
    "own",
    "borrow",
    "stream",
    "future",
    "map",
]
TYPE_CODES: Codes[TypeKind] = Codes(
    {
        "func": 0x40,
        "async func": 0x43,
        "component": 0x41,
        "instance": 0x42,
        "resource": 0x3F,
        "record": 0x72,
        "variant": 0x71,
        "list": 0x70,
        "fixed list": 0x67,
        "tuple": 0x6F,
        "flags": 0x6E,
        "enum": 0x6D,
        "option": 0x6B,
        "result": 0x6A,
        "own": 0x69,
        "borrow": 0x68,
        "stream": 0x66,
        "future": 0x65,
        "map": 0x63,
    },
    "unknown type opcode {:#x}",
)
"""The opcodes of type definitions; primitive value types share their byte
space (`typedefs.PRIMITIVE_CODES`)."""

RESULT_LISTS: Codes[Literal["one", "none"]] = Codes({"one": 0x00, "none": 0x01}, "bad result list")
"""A function's result: one value type, or none (0x01 then an empty vector)."""
CASE_END = 0x00
"""The byte that ends a variant case (where `refines` used to be)."""

EXTERN_SORTS: Codes[Sort] = Codes(
    {
        s: s.value[0]
        for s in (Sort.CORE_MODULE, Sort.FUNC, Sort.VALUE, Sort.TYPE, Sort.COMPONENT, Sort.INSTANCE)
    },
    "unknown extern kind {:#x}",
)
"""An extern descriptor's first byte: the sort it describes (a core module's
is 0x00, followed by the module's core sort byte)."""
VALUE_BOUNDS: Codes[Literal["eq", "type"]] = Codes(
    {"eq": 0x00, "type": 0x01}, "bad value bound {:#x}"
)
TYPE_BOUNDS: Codes[Literal["eq", "sub resource"]] = Codes(
    {"eq": 0x00, "sub resource": 0x01}, "bad type bound {:#x}"
)
DECLS: Codes[Literal["core type", "type", "alias", "import", "export"]] = Codes(
    {"core type": 0x00, "type": 0x01, "alias": 0x02, "import": 0x03, "export": 0x04},
    "unknown declarator {:#x}",
)
"""Component and instance type declarators (an instance type has no imports)."""

# -- instances, canon ------------------------------------------------------------------

CORE_INSTANCES: Codes[Literal["instantiate", "exports"]] = Codes(
    {"instantiate": 0x00, "exports": 0x01}, "unknown core instance kind {:#x}"
)
INSTANCES: Codes[Literal["instantiate", "exports"]] = Codes(
    {"instantiate": 0x00, "exports": 0x01}, "unknown instance kind {:#x}"
)

StringEncoding = Literal["utf8", "utf16", "latin1+utf16"]
STRING_ENCODINGS: tuple[StringEncoding, ...] = ("utf8", "utf16", "latin1+utf16")
CanonOptKind = Literal[
    "utf8", "utf16", "latin1+utf16", "memory", "realloc", "post-return", "async", "callback"
]
CANON_OPTS: Codes[CanonOptKind] = Codes(
    {
        "utf8": 0x00,
        "utf16": 0x01,
        "latin1+utf16": 0x02,
        "memory": 0x03,
        "realloc": 0x04,
        "post-return": 0x05,
        "async": 0x06,
        "callback": 0x07,
    },
    "unknown canon option {:#x}",
)

CanonKind = Literal["lift", "lower", "resource.new", "resource.drop", "resource.rep"]
CANONS: Codes[CanonKind] = Codes(
    {
        "lift": 0x00,
        "lower": 0x01,
        "resource.new": 0x02,
        "resource.drop": 0x03,
        "resource.rep": 0x04,
    },
    "unknown canonical definition {:#x}",
)
"""The canonical definitions with a model class of their own; the others are
`BUILTIN_SHAPES`."""

BUILTIN_SHAPES: dict[int, str] = {
    0x24: "",
    0x25: "",
    0x05: "",
    0x0D: "",
    0x1E: "",
    0x1F: "",
    0x22: "",
    0x23: "",
    0x26: "",
    0x28: "",
    0x09: "ro",
    0x0A: "vu",
    0x0B: "vu",
    0x06: "b",
    0x0E: "u",
    0x13: "u",
    0x14: "u",
    0x15: "u",
    0x1A: "u",
    0x1B: "u",
    0x0F: "uo",
    0x10: "uo",
    0x16: "uo",
    0x17: "uo",
    0x11: "ub",
    0x12: "ub",
    0x18: "ub",
    0x19: "ub",
    0x1C: "o",
    0x1D: "o",
    0x20: "bu",
    0x21: "bu",
    0x27: "uu",
    0x29: "b",
    0x0C: "b",
    0x2A: "b",
    0x2B: "b",
    0x2C: "b",
    0x2D: "b",
    0x40: "bu",
    0x41: "buu",
    0x42: "b",
}
"""The other canonical built-ins (async, threads, error-context ...), by
opcode, with their immediates: u = u32, b = flag byte (async?/cancel?/shared?),
v = core valtype, r = resultlist, o = opts."""
if BUILTIN_SHAPES.keys() & CANONS.keys:
    raise AssertionError("a canonical built-in reuses the opcode of lift/lower/resource.*")

# -- the name section ------------------------------------------------------------------

NAME_SUBSECTIONS: Codes[Literal["component", "sort"]] = Codes(
    {"component": 0, "sort": 1}, "unknown name subsection {}"
)
"""`component-name` subsections: the component's name, names of one sort."""
