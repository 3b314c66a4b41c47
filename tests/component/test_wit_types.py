"""WIT -> component types: instancetypes for imports and func types for lifts."""

from __future__ import annotations

import pytest
import wasmtime
import wasmtime.component as wc
from component_support import (
    STRING,
    U8,
    U64,
    Wasi,
    make_func,
    make_interface,
    make_package,
    make_type,
    use,
)

from componentize.component import ComponentBuilder, WitEncoder, decode_component, plan_imports
from componentize.component import typedefs as t
from componentize.component.model import AliasSection, ImportSection, TypeSection
from componentize.component.sorts import AliasOuter, ExternName, Sort
from componentize.errors import InternalError
from componentize.wit import model as wit


def instance_types(data: bytes) -> dict[str, t.InstanceType]:
    """Import name -> its instancetype, read back from the binary (tracking the
    type index space: type definitions and type aliases both add to it)."""
    c = decode_component(data)
    space: list[object] = []
    out = {}
    for s in c.sections:
        if isinstance(s, TypeSection):
            space.extend(s.types)
        elif isinstance(s, AliasSection):
            space.extend(a for a in s.aliases if a.sort is Sort.TYPE)
        elif isinstance(s, ImportSection):
            for imp in s.imports:
                assert isinstance(imp.desc, t.InstanceExtern)
                ty = space[imp.desc.type]
                assert isinstance(ty, t.InstanceType)
                out[imp.name.name] = ty
    return out


def exports_of(ty: t.InstanceType) -> list[str]:
    return [d.name.name for d in ty.decls if isinstance(d, t.ExportDecl)]


def test_subset_imports_exactly_the_types_needed(wasi: Wasi) -> None:
    b = ComponentBuilder()
    WitEncoder(b).import_interfaces({wasi.streams: ["[method]output-stream.check-write"]})
    types = instance_types(b.finish())
    # input-stream and the other methods are not needed; error is, via stream-error
    assert exports_of(types["wasi:io/error@0.2.0"]) == ["error"]
    assert exports_of(types["wasi:io/streams@0.2.0"]) == [
        "error",
        "stream-error",
        "output-stream",
        "[method]output-stream.check-write",
    ]


def test_use_is_an_outer_alias_with_eq_bound(wasi: Wasi) -> None:
    b = ComponentBuilder()
    WitEncoder(b).import_interfaces({wasi.stderr: ["get-stderr"]})
    stderr = instance_types(b.finish())["wasi:cli/stderr@0.2.0"]
    alias, export, own, func, func_export = stderr.decls
    assert alias == AliasOuter(Sort.TYPE, 1, 1)
    assert export == t.ExportDecl(ExternName("output-stream"), t.TypeExtern(0))
    assert own == t.OwnType(1)  # the bare resource name in a result means own
    assert func == t.FuncType((), 2)
    assert func_export == t.ExportDecl(ExternName("get-stderr"), t.FuncExtern(3))


def test_stdout_and_stderr_share_one_streams_import(engine: wasmtime.Engine, wasi: Wasi) -> None:
    b = ComponentBuilder()
    w = WitEncoder(b)
    insts = w.import_interfaces({wasi.stdout: ["get-stdout"], wasi.stderr: ["get-stderr"]})
    assert list(insts) == [wasi.streams, wasi.stdout, wasi.stderr]
    data = b.finish()
    names = list(instance_types(data))
    assert names.count("wasi:io/streams@0.2.0") == 1
    # the host's own types for these interfaces must match ours
    linker = wc.Linker(engine)
    linker.add_wasip2()
    linker.instantiate(wasmtime.Store(engine), wc.Component(engine, data))


def rich_interface() -> tuple[wit.Interface, wit.Interface]:
    """An interface using every value type wasmtime accepts without feature flags,
    with a `use` of a resource from another package."""
    base = make_interface(make_package("test", "base", "1.2.3"), "handles")
    res = make_type(base, "thing", wit.Resource())
    make_func(base, "[method]thing.name", [("self", wit.Borrow(res))], STRING, res)
    pkg = make_package("test", "rich", "0.1.0")
    rich = make_interface(pkg, "all-types")
    thing = use(rich, res, "my-thing")
    own_res = make_type(rich, "descriptor", wit.Resource())
    point = make_type(rich, "point", wit.Record([wit.Field("x", U64), wit.Field("y", U64)]))
    color = make_type(rich, "color", wit.Enum(["red", "green"]))
    perms = make_type(rich, "perms", wit.Flags(["read", "write", "exec"]))
    shape = make_type(
        rich,
        "shape",
        wit.Variant(
            [
                wit.Case("dot", wit.TypeRef(point)),
                wit.Case("none"),
                wit.Case("c", wit.TypeRef(color)),
            ]
        ),
    )
    size = make_type(rich, "size", wit.Alias(U64))
    make_type(rich, "unused", wit.Record([wit.Field("z", U8)]))
    make_func(
        rich,
        "everything",
        [
            ("a", wit.Primitive("bool")),
            ("b", wit.Primitive("s8")),
            ("c", wit.Primitive("f32")),
            ("d", wit.Primitive("char")),
            ("e", wit.ListType(wit.TupleType((U8, STRING)))),
            ("f", wit.OptionType(wit.TypeRef(shape))),
            ("g", wit.TypeRef(perms)),
            ("h", wit.Borrow(thing)),
            ("i", wit.TypeRef(size)),
            ("j", wit.ListType(U8)),
        ],
        wit.ResultType(wit.ListType(U8), wit.TypeRef(color)),
    )
    make_func(
        rich,
        "[method]descriptor.stat",
        [("self", wit.Borrow(own_res))],
        wit.TypeRef(point),
        own_res,
    )
    make_func(rich, "open", [("p", STRING)], wit.ResultType(wit.Own(own_res)))
    make_func(rich, "take", [("t", wit.Own(thing))])
    return base, rich


def test_rich_interface_is_valid_and_minimal(engine: wasmtime.Engine) -> None:
    base, rich = rich_interface()
    b = ComponentBuilder()
    WitEncoder(b).import_interfaces({rich: list(rich.functions)})
    data = b.finish()
    wc.Component(engine, data)  # validates every type definition
    types = instance_types(data)
    assert exports_of(types["test:base/handles@1.2.3"]) == ["thing"]
    assert exports_of(types["test:rich/all-types@0.1.0"]) == [
        "my-thing",
        "descriptor",
        "point",
        "color",
        "perms",
        "shape",
        "size",
        "everything",
        "[method]descriptor.stat",
        "open",
        "take",
    ]
    rich_t = types["test:rich/all-types@0.1.0"]
    defined = [d for d in rich_t.decls if isinstance(d, t.DEF_TYPES)]
    assert len(defined) == len(set(defined)), "anonymous types are defined once per scope"


def test_component_level_func_type_uses_imported_resources() -> None:
    base, rich = rich_interface()
    b = ComponentBuilder()
    w = WitEncoder(b)
    with pytest.raises(InternalError, match="before its interface is imported"):
        w.func_type(rich.functions["take"])  # `thing` comes from an import not made yet
    w.import_interface(base, [], extra_types=[base.types["thing"]])
    idx = w.func_type(rich.functions["everything"])
    take = w.func_type(rich.functions["take"])
    with pytest.raises(InternalError, match="descriptor"):
        w.func_type(rich.functions["open"])  # a resource of the interface itself
    c = b.build()
    func_types = [ty for s in c.sections if isinstance(s, TypeSection) for ty in s.types]
    assert isinstance(func_types[-1], t.FuncType)
    assert take == idx + 2  # after `everything`: own<thing>, then the func type
    params = dict(func_types[-1].params)
    assert set(params) == {"t"}


def test_plan_orders_dependencies_and_collects_extra_types(wasi: Wasi) -> None:
    plan = plan_imports({wasi.stdout: ["get-stdout"]})
    assert list(plan) == [wasi.streams, wasi.stdout]  # stream-error is not needed
    assert plan[wasi.streams] == ([], [wasi.output_stream])
    plan = plan_imports({wasi.stdout: ["get-stdout"], wasi.streams: ["[method]input-stream.read"]})
    assert list(plan) == [wasi.error, wasi.streams, wasi.stdout]
    assert plan[wasi.streams] == (["[method]input-stream.read"], [wasi.output_stream])
    assert plan[wasi.error] == ([], [wasi.error_res])


def test_unknown_function_is_an_internal_error(wasi: Wasi) -> None:
    with pytest.raises(InternalError, match="no function"):
        plan_imports({wasi.stdout: ["get-stdin"]})
