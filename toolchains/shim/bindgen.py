"""Generate the C declarations of the WASI 0.2 imports the shim calls.

From our resolved `wit/` and the canonical ABI (`componentize.abi`), for every
function of every interface: a declaration with the flat core signature of
`canon lower` (the return-area pointer appended when the results spill), the
`[resource-drop]` of every resource, and layout constants:

- per function with a return area: `<FN>_RET_SIZEOF`, `<FN>_RET_ALIGNOF` and one
  offset per node of the result type, named by its path: `_TAG` (a
  discriminant), `_OK` / `_ERR` (result payloads), `_SOME`, variant case
  names, record field names, `_F<i>` (tuple fields), `_PTR` / `_LEN` (lists
  and strings); sizes are `SIZEOF` / `ALIGNOF`, which no WIT name can be;
  a list's element has `_ELEM_SIZEOF`, `_ELEM_ALIGNOF` and paths
  `_ELEM_...` relative to the element;
- per named type: enum and variant case numbers, flags bits, record sizes,
  alignments and field offsets.

Names: `wasi:io/streams` + `[method]output-stream.check-write` ->
`wasi_io_streams_method_output_stream_check_write`; constants are the same
upper-cased.  Output is deterministic (WIT source order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from componentize.abi import (
    alignment,
    elem_size,
    field_offsets,
    flatten_functype,
    function_name,
    interface_name,
    payload_offset,
    results_spilled,
)
from componentize.errors import InternalError
from componentize.wit.model import (
    Alias,
    Enum,
    Flags,
    Function,
    Interface,
    ListType,
    OptionType,
    Primitive,
    Record,
    Resolve,
    Resource,
    ResultType,
    TupleType,
    Type,
    TypeDef,
    TypeRef,
    Variant,
)

C_TYPES = {"i32": "int32_t", "i64": "int64_t", "f32": "float", "f64": "double"}


def c_ident(text: str) -> str:
    """`[method]output-stream.check-write` -> `method_output_stream_check_write`."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def iface_prefix(iface: Interface) -> str:
    """`wasi:io/streams@0.2.12` -> `wasi_io_streams` (the version is not part of C names)."""
    return c_ident(interface_name(iface).partition("@")[0])


def _define(name: str, value: int) -> str:
    return f"#define {name.upper()} {value}"


def _named_body(t: Type) -> tuple[TypeDef, object] | None:
    """The definition and body behind a named type, aliases followed."""
    while isinstance(t, TypeRef):
        body = t.definition.body
        if isinstance(body, Alias):
            t = body.target
            continue
        return t.definition, body
    return None


def layout_paths(t: Type, path: str, offset: int) -> Iterator[tuple[str, int]]:
    """(constant name, byte offset) for `t` stored at `offset` and its parts."""
    yield path, offset
    named = _named_body(t)
    body = named[1] if named else None
    if isinstance(t, (ResultType, OptionType)) or isinstance(body, Variant):
        yield f"{path}_TAG", offset
        payload = offset + payload_offset(t)
        for name, case in _cases(t, body):
            if case is not None:
                yield from layout_paths(case, f"{path}_{c_ident(name)}", payload)
    elif isinstance(body, Record):
        offsets = field_offsets(t)
        for f, off in zip(body.fields, offsets, strict=True):
            yield from layout_paths(f.type, f"{path}_{c_ident(f.name)}", offset + off)
    elif isinstance(t, TupleType):
        for i, (ft, off) in enumerate(zip(t.types, field_offsets(t), strict=True)):
            yield from layout_paths(ft, f"{path}_F{i}", offset + off)
    elif (isinstance(t, ListType) and t.size is None) or t == Primitive("string"):
        yield f"{path}_PTR", offset
        yield f"{path}_LEN", offset + 4
        if isinstance(t, ListType):
            yield f"{path}_ELEM_SIZEOF", elem_size(t.element)
            yield f"{path}_ELEM_ALIGNOF", alignment(t.element)
            yield from layout_paths(t.element, f"{path}_ELEM", 0)
    elif isinstance(t, ListType):
        raise InternalError("fixed-size lists in WASI results are not supported by bindgen")


def _cases(t: Type, body: object) -> list[tuple[str, Type | None]]:
    if isinstance(t, ResultType):
        return [("ok", t.ok), ("err", t.err)]
    if isinstance(t, OptionType):
        return [("some", t.inner)]
    assert isinstance(body, Variant)
    return [(c.name, c.type) for c in body.cases]


def _type_constants(prefix: str, td: TypeDef) -> list[str]:
    name = f"{prefix}_{c_ident(td.name)}"
    body = td.body
    if isinstance(body, Enum):
        return [_define(f"{name}_{c_ident(n)}", i) for i, n in enumerate(body.names)]
    if isinstance(body, Variant):
        return [_define(f"{name}_{c_ident(c.name)}", i) for i, c in enumerate(body.cases)]
    if isinstance(body, Flags):
        return [_define(f"{name}_{c_ident(n)}", 1 << i) for i, n in enumerate(body.names)]
    if isinstance(body, Record):
        t = TypeRef(td)
        lines = [_define(f"{name}_SIZEOF", elem_size(t)), _define(f"{name}_ALIGNOF", alignment(t))]
        for f, off in zip(body.fields, field_offsets(t), strict=True):
            lines.append(_define(f"{name}_{c_ident(f.name)}", off))
        return lines
    return []


def _import_attr(module: str, name: str) -> str:
    return f'__attribute__((import_module("{module}"), import_name("{name}")))'


def _function(prefix: str, iface: Interface, fn: Function) -> list[str]:
    wit_name = function_name(fn)
    c_name = f"{prefix}_{c_ident(wit_name)}"
    core = flatten_functype(fn, "lower")
    params = [f"{C_TYPES[t]} p{i}" for i, t in enumerate(core.params)]
    if results_spilled(fn):
        params[-1] = "int32_t ret"
    result = C_TYPES[core.results[0]] if core.results else "void"
    lines = [
        f"/* {wit_name} */",
        _import_attr(interface_name(iface), wit_name),
        f"{result} {c_name}({', '.join(params) or 'void'});",
    ]
    if results_spilled(fn):
        assert fn.result is not None
        ret = f"{c_name}_RET"
        lines.append(_define(f"{ret}_SIZEOF", elem_size(fn.result)))
        lines.append(_define(f"{ret}_ALIGNOF", alignment(fn.result)))
        lines.extend(_define(n, off) for n, off in layout_paths(fn.result, ret, 0))
    return lines


def _resource_drop(prefix: str, iface: Interface, td: TypeDef) -> list[str]:
    name = f"[resource-drop]{td.name}"
    return [
        f"/* {name} */",
        _import_attr(interface_name(iface), name),
        f"void {prefix}_{c_ident(name)}(int32_t handle);",
    ]


def interface_section(iface: Interface) -> list[str]:
    prefix = iface_prefix(iface)
    lines = [f"/* ---- {interface_name(iface)} ---- */"]
    for td in iface.types.values():
        if isinstance(td.body, Resource):
            lines.extend(_resource_drop(prefix, iface, td))
        else:
            lines.extend(_type_constants(prefix, td))
    for fn in iface.functions.values():
        lines.extend(_function(prefix, iface, fn))
    return lines


def generate_header(resolve: Resolve, *, title: str) -> str:
    """The whole header text for every interface of `resolve`."""
    out = [
        f"/* Generated by toolchains.shim.bindgen from {title}. Do not edit:",
        " * `python -m toolchains.shim` regenerates it. */",
        "#ifndef WASI_IMPORTS_H",
        "#define WASI_IMPORTS_H",
        "#include <stdint.h>",
        "",
    ]
    seen: dict[str, str] = {}
    for pkg in resolve.packages:
        for iface in pkg.interfaces.values():
            for line in interface_section(iface):
                _check_unique(line, seen)
                out.append(line)
            out.append("")
    out.append("#endif")
    return "\n".join(out) + "\n"


def _check_unique(line: str, seen: dict[str, str]) -> None:
    if not line.startswith("#define "):
        return
    _, name, value = line.split(" ", 2)
    if seen.setdefault(name, value) != value:
        raise InternalError(f"bindgen: constant {name} would have two values")
