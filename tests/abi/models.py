"""Small builders for WIT model values, so ABI tests need no parser."""

from __future__ import annotations

from componentize.wit.model import (
    Alias,
    Case,
    Enum,
    Field,
    Flags,
    Function,
    Interface,
    ListType,
    OptionType,
    Own,
    Package,
    PackageName,
    Primitive,
    Record,
    Resource,
    ResultType,
    TupleType,
    Type,
    TypeDef,
    TypeRef,
    Variant,
    Version,
)

U8, U16, U32, U64 = (Primitive(n) for n in ("u8", "u16", "u32", "u64"))
S8, S16, S32, S64 = (Primitive(n) for n in ("s8", "s16", "s32", "s64"))
F32, F64 = Primitive("f32"), Primitive("f64")
BOOL, CHAR, STRING = Primitive("bool"), Primitive("char"), Primitive("string")
ERROR_CONTEXT = Primitive("error-context")


def record(name: str, *fields: tuple[str, Type]) -> TypeRef:
    return TypeRef(TypeDef(name, Record([Field(n, t) for n, t in fields])))


def variant(name: str, *cases: tuple[str, Type | None]) -> TypeRef:
    return TypeRef(TypeDef(name, Variant([Case(n, t) for n, t in cases])))


def enum(name: str, *names: str) -> TypeRef:
    return TypeRef(TypeDef(name, Enum(list(names))))


def flags(name: str, *names: str) -> TypeRef:
    return TypeRef(TypeDef(name, Flags(list(names))))


def alias(name: str, target: Type) -> TypeRef:
    return TypeRef(TypeDef(name, Alias(target)))


def resource(name: str) -> TypeDef:
    return TypeDef(name, Resource())


def tup(*types: Type) -> TupleType:
    return TupleType(tuple(types))


def lst(element: Type, size: int | None = None) -> ListType:
    return ListType(element, size)


def option(inner: Type) -> OptionType:
    return OptionType(inner)


def result(ok: Type | None = None, err: Type | None = None) -> ResultType:
    return ResultType(ok, err)


def func(name: str, params: list[Type], result: Type | None = None) -> Function:
    return Function(name, [(f"p{i}", t) for i, t in enumerate(params)], result)


def method(res: TypeDef, name: str, params: list[Type], result: Type | None = None) -> Function:
    """A method as WIT writes it: `self` is implicit."""
    named = [(f"p{i}", t) for i, t in enumerate(params)]
    return Function(name, named, result, kind="method", resource=res)


def interface(namespace: str, pkg: str, version: str, name: str) -> Interface:
    package = Package(PackageName(namespace, pkg, Version.parse(version)))
    iface = Interface(name, package=package)
    package.interfaces[name] = iface
    return iface


# ---- a few WASI 0.2 types, transcribed from wit/ for figures

DATETIME = record("datetime", ("seconds", U64), ("nanoseconds", U32))
FILESIZE = alias("filesize", U64)
DESCRIPTOR_TYPE = enum(
    "descriptor-type",
    "unknown",
    "block-device",
    "character-device",
    "directory",
    "fifo",
    "symbolic-link",
    "regular-file",
    "socket",
)
FS_ERROR_CODE = enum("error-code", *(f"e{i}" for i in range(37)))
DESCRIPTOR_STAT = record(
    "descriptor-stat",
    ("type", DESCRIPTOR_TYPE),
    ("link-count", alias("link-count", U64)),
    ("size", FILESIZE),
    ("data-access-timestamp", option(DATETIME)),
    ("data-modification-timestamp", option(DATETIME)),
    ("status-change-timestamp", option(DATETIME)),
)
NEW_TIMESTAMP = variant(
    "new-timestamp", ("no-change", None), ("now", None), ("timestamp", DATETIME)
)
PATH_FLAGS = flags("path-flags", "symlink-follow")
DESCRIPTOR = resource("descriptor")
IO_ERROR = resource("error")
STREAM_ERROR = variant("stream-error", ("last-operation-failed", Own(IO_ERROR)), ("closed", None))
IPV4_ADDRESS = alias("ipv4-address", tup(U8, U8, U8, U8))
IPV6_ADDRESS = alias("ipv6-address", tup(*([U16] * 8)))
IPV4_SOCKET_ADDRESS = record("ipv4-socket-address", ("port", U16), ("address", IPV4_ADDRESS))
IPV6_SOCKET_ADDRESS = record(
    "ipv6-socket-address",
    ("port", U16),
    ("flow-info", U32),
    ("address", IPV6_ADDRESS),
    ("scope-id", U32),
)
IP_SOCKET_ADDRESS = variant(
    "ip-socket-address", ("ipv4", IPV4_SOCKET_ADDRESS), ("ipv6", IPV6_SOCKET_ADDRESS)
)
