"""wasmtime as an independent oracle for core signatures.

For a WIT function we write a component (text format) that imports it,
`canon lower`s it into a core module that imports it with the signature
`componentize.abi` computes, and `canon lift`s a core function exported with
the computed lift signature (plus a post-return).  wasmtime's validator
rejects the component if any of those core types is wrong, or if a needed
`memory` / `realloc` option is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import wasmtime
import wasmtime.component

from componentize.abi import (
    CoreFuncType,
    canon_needs,
    flatten_functype,
    param_types,
    post_return_type,
    result_types,
)
from componentize.wit.model import (
    Alias,
    Borrow,
    Enum,
    Flags,
    Function,
    FutureType,
    ListType,
    OptionType,
    Own,
    Primitive,
    Record,
    Resource,
    ResultType,
    StreamType,
    TupleType,
    Type,
    TypeDef,
    TypeRef,
    Variant,
)

_ENGINE = wasmtime.Engine()


def _underlying(td: TypeDef) -> TypeDef:
    while isinstance(td.body, Alias) and isinstance(td.body.target, TypeRef):
        td = td.body.target.definition
    return td


class _Types:
    """Named types of one function, numbered in dependency order."""

    def __init__(self) -> None:
        self.order: list[TypeDef] = []
        self.index: dict[int, int] = {}

    def visit(self, t: Type | None) -> None:
        match t:
            case ListType(element=e) | OptionType(inner=e):
                self.visit(e)
            case ResultType(ok=ok, err=err):
                self.visit(ok)
                self.visit(err)
            case TupleType(types=ts):
                for x in ts:
                    self.visit(x)
            case FutureType(inner=e) | StreamType(inner=e):
                self.visit(e)
            case Own(resource=r) | Borrow(resource=r):
                self.add(_underlying(r))
            case TypeRef(definition=d):
                if isinstance(d.body, Alias):
                    self.visit(d.body.target)
                else:
                    self.add(d)

    def add(self, td: TypeDef) -> None:
        if id(td) in self.index:
            return
        match td.body:
            case Record(fields=fields):
                for f in fields:
                    self.visit(f.type)
            case Variant(cases=cases):
                for c in cases:
                    self.visit(c.type)
        self.index[id(td)] = len(self.order)
        self.order.append(td)


def _valtype(t: Type, name: Callable[[TypeDef], str]) -> str:
    def v(x: Type) -> str:
        return _valtype(x, name)

    match t:
        case Primitive(name=p):
            return p
        case ListType(element=e, size=None):
            return f"(list {v(e)})"
        case ListType(element=e, size=n):
            return f"(list {v(e)} {n})"
        case OptionType(inner=e):
            return f"(option {v(e)})"
        case ResultType(ok=ok, err=err):
            parts = ([v(ok)] if ok else []) + ([f"(error {v(err)})"] if err else [])
            return "(result " + " ".join(parts) + ")"
        case TupleType(types=ts):
            return "(tuple " + " ".join(v(x) for x in ts) + ")"
        case Own(resource=r):
            return f"(own {name(_underlying(r))})"
        case Borrow(resource=r):
            return f"(borrow {name(_underlying(r))})"
        case TypeRef(definition=d):
            if isinstance(d.body, Alias):
                return v(d.body.target)
            if isinstance(d.body, Resource):
                return f"(own {name(d)})"
            return name(d)
    raise AssertionError(f"cannot render {t!r} in the oracle")


def _deftype(td: TypeDef, name: Callable[[TypeDef], str]) -> str:
    match td.body:
        case Record(fields=fields):
            inner = " ".join(f'(field "{f.name}" {_valtype(f.type, name)})' for f in fields)
            return f"(record {inner})"
        case Variant(cases=cases):
            rendered = [
                f'(case "{c.name}"' + (f" {_valtype(c.type, name)})" if c.type else ")")
                for c in cases
            ]
            return "(variant " + " ".join(rendered) + ")"
        case Enum(names=names):
            return "(enum " + " ".join(f'"{n}"' for n in names) + ")"
        case Flags(names=names):
            return "(flags " + " ".join(f'"{n}"' for n in names) + ")"
    raise AssertionError(f"cannot define {td.name} in the oracle")


def _core(ft: CoreFuncType) -> str:
    params = f"(param {' '.join(ft.params)})" if ft.params else ""
    results = f"(result {' '.join(ft.results)})" if ft.results else ""
    return f"{params} {results}"


def _functype(fn: Function, name: Callable[[TypeDef], str]) -> str:
    params = " ".join(f'(param "p{i}" {_valtype(t, name)})' for i, t in enumerate(param_types(fn)))
    results = " ".join(f"(result {_valtype(t, name)})" for t in result_types(fn))
    return f"{params} {results}"


def _opts(memory: bool, realloc: bool) -> str:
    return ("(memory $mem) " if memory else "") + ("(realloc $realloc)" if realloc else "")


def _function_part(k: int, fn: Function) -> str:
    types = _Types()
    for t in [*param_types(fn), *result_types(fn)]:
        types.visit(t)
    inside: Callable[[TypeDef], str] = lambda td: f"$e{types.index[id(td)]}"  # noqa: E731
    outside: Callable[[TypeDef], str] = lambda td: f"$a{k}x{types.index[id(td)]}"  # noqa: E731
    decls, aliases = [], []
    for n, td in enumerate(types.order):
        if isinstance(td.body, Resource):
            decls.append(f'(export "t{n}" (type $e{n} (sub resource)))')
        else:
            decls.append(f"(type $d{n} {_deftype(td, inside)})")
            decls.append(f'(export "t{n}" (type $e{n} (eq $d{n})))')
        aliases.append(f'(alias export $i{k} "t{n}" (type $a{k}x{n}))')
    lower, lift = flatten_functype(fn, "lower"), flatten_functype(fn, "lift")
    lower_needs, lift_needs = canon_needs(fn, "lower"), canon_needs(fn, "lift")
    return f"""
  (import "i{k}" (instance $i{k}
    {" ".join(decls)}
    (export "f" (func {_functype(fn, inside)}))))
  {" ".join(aliases)}
  (core func $lo{k} (canon lower (func $i{k} "f") {_opts(lower_needs.memory, lower_needs.realloc)}))
  (core module $m{k} (import "x" "f" (func {_core(lower)})))
  (core instance (instantiate $m{k} (with "x" (instance (export "f" (func $lo{k}))))))
  (core module $n{k}
    (func (export "g") {_core(lift)} unreachable)
    (func (export "pr") {_core(post_return_type(fn))}))
  (core instance $ni{k} (instantiate $n{k}))
  (func $li{k} {_functype(fn, outside)}
    (canon lift (core func $ni{k} "g") {_opts(lift_needs.memory, lift_needs.realloc)}
      (post-return (core func $ni{k} "pr"))))
"""


def component_text(functions: Sequence[Function]) -> str:
    parts = "".join(_function_part(k, fn) for k, fn in enumerate(functions))
    return f"""(component
  (core module $libc
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable))
  (core instance $libc (instantiate $libc))
  (alias core export $libc "mem" (core memory $mem))
  (alias core export $libc "realloc" (core func $realloc))
  {parts})
"""


def wasmtime_accepts(functions: Sequence[Function]) -> str | None:
    """None when wasmtime validates the component, else its error."""
    try:
        wasmtime.component.Component(_ENGINE, component_text(functions))
    except wasmtime.WasmtimeError as error:
        return str(error)
    return None
