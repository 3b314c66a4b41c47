"""WIT values between wasmtime-py and jco, directed by the world's types.

The jco tests write their calls once, with the values wasmtime-py takes
(`wc.Record`, `wc.Variant`, sets for flags, tuples, bytes for `list<u8>`,
`jco.Handle` for a resource bound by an earlier step) and run them on both
hosts.  `to_js` turns such a value into what jco's bindings take (see the
generated .d.ts: camelCase record fields and flags, `{tag, val}` variants,
BigInt for u64/s64, Uint8Array for `list<u8>`, undefined for none); `plain`
(wasmtime-py's results) and `plain_js` (jco's, as `toolchains.jco` decodes
them) turn results into one comparable form: records as dicts by WIT field
name, variants as `(case, payload)`, flags as frozensets, tuples as tuples,
resources as `RESOURCE`.
"""

from __future__ import annotations

import re
from typing import Any

import wasmtime.component as wc

from componentize.wit import model
from toolchains import jco

WIDE = ("u64", "s64")  # BigInt in JavaScript
FLOATS = ("f32", "f64")
RESOURCE = "<resource>"


def camel(name: str) -> str:
    """jco's JavaScript name of a WIT name (`make-person` -> `makePerson`)."""
    return re.sub(r"-([a-z0-9])", lambda m: m.group(1).upper(), name)


def _body(t: model.Type) -> model.Type | model.TypeBody:
    """A named type's body, through aliases."""
    while isinstance(t, model.TypeRef):
        body = t.definition.body
        if not isinstance(body, model.Alias):
            return body
        t = body.target
    return t


def to_js(t: model.Type, value: Any) -> Any:
    """A wasmtime-py argument as jco takes it (a value toolchains.jco can send)."""
    body = _body(t)
    if isinstance(body, model.Primitive):
        return _primitive_to_js(body.name, value)
    if isinstance(body, (model.Own, model.Borrow, model.Resource)):
        assert isinstance(value, jco.Handle), f"a resource argument is a jco.Handle, not {value!r}"
        return value
    if isinstance(body, model.ListType):
        return _list_to_js(body, value)
    if isinstance(body, model.TupleType):
        return [to_js(e, v) for e, v in zip(body.types, value, strict=True)]
    if isinstance(body, model.OptionType):
        return None if value is None else to_js(body.inner, value)
    if isinstance(body, model.ResultType):
        case = body.ok if value.tag == "ok" else body.err
        return _case_to_js(value.tag, case, value.payload)
    return _named_to_js(body, value)


def _primitive_to_js(name: str, value: Any) -> Any:
    if name in WIDE:
        return jco.BigInt(value)
    return float(value) if name in FLOATS else value


def _list_to_js(t: model.ListType, value: Any) -> Any:
    if t.element == model.Primitive("u8"):
        return bytes(value)
    return [to_js(t.element, v) for v in value]


def _case_to_js(tag: str, case: model.Type | None, payload: Any) -> dict[str, Any]:
    return {"tag": tag} if case is None else {"tag": tag, "val": to_js(case, payload)}


def _named_to_js(body: model.TypeBody | model.Type, value: Any) -> Any:
    if isinstance(body, model.Record):
        return {camel(f.name): to_js(f.type, getattr(value, f.name)) for f in body.fields}
    if isinstance(body, model.Variant):
        case = next(c for c in body.cases if c.name == value.tag)
        return _case_to_js(value.tag, case.type, value.payload)
    if isinstance(body, model.Enum):
        return value
    if isinstance(body, model.Flags):
        return {camel(n): n in value for n in body.names}
    raise NotImplementedError(f"no jco value for {body!r}")


# ---------------------------------------------------------------- results


def plain(t: model.Type | None, value: Any) -> Any:
    """A wasmtime-py result in the comparable form."""
    if t is None:
        return None
    body = _body(t)
    if isinstance(body, model.Primitive):
        return float(value) if body.name in FLOATS else value
    if isinstance(body, (model.Own, model.Borrow, model.Resource)):
        return RESOURCE
    if isinstance(body, model.ListType):
        return bytes(value) if body.element == model.Primitive("u8") else _plain_list(body, value)
    if isinstance(body, model.TupleType):
        return tuple(plain(e, v) for e, v in zip(body.types, value, strict=True))
    if isinstance(body, model.OptionType):
        return None if value is None else plain(body.inner, value)
    if isinstance(body, model.ResultType):
        tag, payload = split_result(body, value)
        return (tag, plain(body.ok if tag == "ok" else body.err, payload))
    return _plain_named(body, value)


def _plain_list(t: model.ListType, value: Any) -> list[Any]:
    return [plain(t.element, v) for v in value]


def _plain_named(body: model.TypeBody | model.Type, value: Any) -> Any:
    if isinstance(body, model.Record):
        return {f.name: plain(f.type, getattr(value, f.name)) for f in body.fields}
    if isinstance(body, model.Variant):
        case = next(c for c in body.cases if c.name == value.tag)
        return (value.tag, plain(case.type, value.payload))
    if isinstance(body, model.Enum):
        return value
    if isinstance(body, model.Flags):
        return frozenset(value)
    raise NotImplementedError(f"no comparable form for {body!r}")


def split_result(t: model.ResultType, value: Any) -> tuple[str, Any]:
    """wasmtime-py's result: a `Variant` when neither case has a payload, else the
    payload alone, told apart here by its Python type (enough for this world:
    `result<u32, string>`)."""
    if isinstance(value, wc.Variant):
        return value.tag, value.payload
    return ("ok", value) if _fits(t.ok, value) else ("err", value)


def _fits(t: model.Type | None, value: Any) -> bool:
    body = None if t is None else _body(t)
    if body is None:
        return value is None
    if isinstance(body, model.Primitive) and body.name == "string":
        return isinstance(value, str)
    if isinstance(body, model.Primitive) and body.name not in ("bool", "char", *FLOATS):
        return isinstance(value, int) and not isinstance(value, bool)
    raise NotImplementedError(f"cannot tell ok from err for {t!r}")


def plain_js(t: model.Type | None, value: Any) -> Any:
    """A jco result (as toolchains.jco decodes it) in the comparable form."""
    if t is None:
        return None
    body = _body(t)
    if isinstance(body, model.Primitive):
        return float(value) if body.name in FLOATS else value
    if isinstance(body, (model.Own, model.Borrow, model.Resource)):
        return RESOURCE if isinstance(value, jco.JsObject) else value
    if isinstance(body, model.ListType):
        if body.element == model.Primitive("u8"):
            return bytes(value)
        return [plain_js(body.element, v) for v in value]
    if isinstance(body, model.TupleType):
        return tuple(plain_js(e, v) for e, v in zip(body.types, value, strict=True))
    if isinstance(body, model.OptionType):
        return None if value is None else plain_js(body.inner, value)
    if isinstance(body, model.ResultType):
        case = body.ok if value["tag"] == "ok" else body.err
        return (value["tag"], plain_js(case, value.get("val")))
    return _plain_js_named(body, value)


def _plain_js_named(body: model.TypeBody | model.Type, value: Any) -> Any:
    if isinstance(body, model.Record):
        return {f.name: plain_js(f.type, value[camel(f.name)]) for f in body.fields}
    if isinstance(body, model.Variant):
        case = next(c for c in body.cases if c.name == value["tag"])
        return (value["tag"], plain_js(case.type, value.get("val")))
    if isinstance(body, model.Enum):
        return value
    if isinstance(body, model.Flags):
        return frozenset(n for n in body.names if value.get(camel(n)))
    raise NotImplementedError(f"no comparable form for {body!r}")
