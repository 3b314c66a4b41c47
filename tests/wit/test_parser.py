"""Every construct of WIT.md's grammar parses into the expected tree."""

from __future__ import annotations

import pytest

from componentize.errors import WitError
from componentize.wit import ast, parse_text
from componentize.wit.model import Version


def members(text: str) -> list[ast.InterfaceMember]:
    f = parse_text(f"package a:b;\ninterface i {{\n{text}\n}}")
    item = f.root.members[0]
    assert isinstance(item, ast.InterfaceItem)
    return item.members


def ty(text: str) -> ast.TypeExpr:
    (item,) = members(f"type t = {text};")
    assert isinstance(item, ast.TypeAliasItem)
    return item.type


def test_package_decl_with_version() -> None:
    f = parse_text("package wasi:io@0.2.0-rc-2023-10-18;")
    assert f.root.name is not None
    assert (f.root.name.namespace, f.root.name.name) == ("wasi", "io")
    assert f.root.name.version == Version(0, 2, 0, "rc-2023-10-18")


def test_nested_packages_and_root() -> None:
    f = parse_text(
        "package local:root;\ninterface r {}\n"
        "package local:a@1.0.0 { interface foo {} }\n"
        "package local:b { world w {} }"
    )
    assert f.root.name is not None and f.root.name.name == "root"
    assert [str(b.name) for b in f.nested] == ["local:a@1.0.0", "local:b"]


def test_file_with_only_nested_packages() -> None:
    f = parse_text("package a:b { interface x {} }")
    assert f.root.name is None and len(f.nested) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("u8", ast.PrimT),
        ("s64", ast.PrimT),
        ("f32", ast.PrimT),
        ("char", ast.PrimT),
        ("bool", ast.PrimT),
        ("string", ast.PrimT),
        ("error-context", ast.PrimT),
        ("list<u8>", ast.ListT),
        ("option<u8>", ast.OptionT),
        ("tuple<u8, s8>", ast.TupleT),
        ("future", ast.FutureT),
        ("future<u8>", ast.FutureT),
        ("stream", ast.StreamT),
        ("stream<string>", ast.StreamT),
        ("borrow<r>", ast.HandleT),
        ("own<r>", ast.HandleT),
        ("r", ast.NamedT),
        ("%type", ast.NamedT),
    ],
)
def test_type_kinds(text: str, expected: type) -> None:
    assert isinstance(ty(text), expected)


def test_fixed_size_list() -> None:
    t = ty("list<u8, 4>")
    assert isinstance(t, ast.ListT) and t.size == 4


@pytest.mark.parametrize(
    ("text", "ok", "err"),
    [
        ("result", False, False),
        ("result<u8>", True, False),
        ("result<_, u8>", False, True),
        ("result<u8, string>", True, True),
    ],
)
def test_result_forms(text: str, ok: bool, err: bool) -> None:
    t = ty(text)
    assert isinstance(t, ast.ResultT)
    assert (t.ok is not None, t.err is not None) == (ok, err)


def test_type_definitions() -> None:
    items = members(
        """
        record r { a: u32, b: string, }
        variant v { none, some(u32) }
        enum e { a, b, c }
        flags f { read, write }
        type t = list<r>;
        resource res;
        """
    )
    kinds = [type(x) for x in items]
    assert kinds == [
        ast.RecordItem,
        ast.VariantItem,
        ast.EnumItem,
        ast.FlagsItem,
        ast.TypeAliasItem,
        ast.ResourceItem,
    ]
    rec = items[0]
    assert isinstance(rec, ast.RecordItem) and [f.name for f, _ in rec.fields] == ["a", "b"]


def test_resource_with_methods() -> None:
    (res,) = members(
        """resource blob {
            constructor(init: list<u8>);
            write: func(bytes: list<u8>);
            merge: static func(lhs: borrow<blob>, rhs: borrow<blob>) -> blob;
            fetch: async func() -> u32;
            later: static async func();
        }"""
    )
    assert isinstance(res, ast.ResourceItem) and res.funcs is not None
    assert [(f.name.name, f.kind, f.sig.is_async) for f in res.funcs] == [
        ("constructor", "constructor", False),
        ("write", "method", False),
        ("merge", "static", False),
        ("fetch", "method", True),
        ("later", "static", True),
    ]


def test_functions_and_async() -> None:
    items = members("a: func();\nb: async func(x: u32, y: string) -> result;")
    b = items[1]
    assert isinstance(b, ast.FuncItem) and b.sig.is_async
    assert [p.name.name for p in b.sig.params] == ["x", "y"]


def test_use_forms() -> None:
    items = members("use other.{a, b as c};\nuse wasi:io/streams@0.2.0.{input-stream};")
    first, second = items
    assert isinstance(first, ast.UseItem) and first.path.package is None
    assert [(o.name, a.name if a else None) for o, a in first.names] == [("a", None), ("b", "c")]
    assert isinstance(second, ast.UseItem) and second.path.package is not None
    assert str(second.path) == "wasi:io/streams@0.2.0"


def test_gates_and_docs() -> None:
    (item,) = members(
        "/// doc one\n@since(version = 0.2.1)\n@deprecated(version = 0.2.2)\n/// doc two\n"
        "f: func();"
    )
    assert isinstance(item, ast.FuncItem)
    assert item.gates == ast.Gates(Version(0, 2, 1), None, Version(0, 2, 2))
    assert item.name.docs == "doc one\ndoc two"
    (item,) = members("@unstable(feature = fancy-foo)\nf: func();")
    assert isinstance(item, ast.FuncItem) and item.gates.unstable == "fancy-foo"


def test_top_level_use() -> None:
    f = parse_text("package a:b;\nuse wasi:http/types@1.0.0 as t1;\nuse x:y/z;")
    uses = f.root.members
    assert all(isinstance(u, ast.TopUse) for u in uses)
    assert isinstance(uses[0], ast.TopUse) and uses[0].alias and uses[0].alias.name == "t1"


def test_world_items() -> None:
    f = parse_text(
        """package a:b;
        world w {
            import wasi:io/streams@0.2.0;
            import local;
            export run: func() -> result;
            import host: interface { log: func(msg: string); }
            import primary: wasi:keyvalue/store;
            import spaced: local;
            include other with { a as b, c as d }
            include x:y/z;
            use types.{t};
            type u = u32;
            @external-id("ext:id")
            export e: async func();
        }"""
    )
    world = f.root.members[0]
    assert isinstance(world, ast.WorldItemAst)
    shapes: list[tuple[str, ...]] = []
    for x in world.members:
        if isinstance(x, ast.ExternItem):
            shapes.append((x.direction, x.kind, x.name.name if x.name else str(x.path)))
        else:
            shapes.append((type(x).__name__,))
    assert shapes == [
        ("import", "path", "wasi:io/streams@0.2.0"),
        ("import", "path", "local"),
        ("export", "func", "run"),
        ("import", "interface", "host"),
        ("import", "named-path", "primary"),
        ("import", "named-path", "spaced"),
        ("IncludeItem",),
        ("IncludeItem",),
        ("UseItem",),
        ("TypeAliasItem",),
        ("export", "func", "e"),
    ]
    inc = world.members[6]
    assert isinstance(inc, ast.IncludeItem)
    assert [(a.name, b.name) for a, b in inc.renames] == [("a", "b"), ("c", "d")]


@pytest.mark.parametrize(
    ("text", "line", "col", "msg"),
    [
        ("package a:b;\ninterface x {\n  f: func(;\n}", 3, 11, "expected a parameter name"),
        ("package a:b;\ninterface x {\n  type t = ;\n}", 3, 12, "expected a type"),
        ("package a:b;\ninterface x { enum e {} }", 2, 20, "at least one case"),
        ("package a:b;\ninterface x { type t = map<f32, u8>; }", 2, 24, "map key"),
        (
            "package a:b;\n"
            "interface x { @since(version = 1.0.0) @unstable(feature = f) f: func(); }",
            2,
            16,
            "both",
        ),
        ("package a:b;\ninterface x { @frob(x = y) f: func(); }", 2, 16, "unknown annotation"),
        ("package a:b;\ninterface x {", 2, 14, "found end of file"),
        ("package a:b:c;", 1, 12, "nested namespaces"),
    ],
)
def test_syntax_errors_are_located(text: str, line: int, col: int, msg: str) -> None:
    with pytest.raises(WitError) as info:
        parse_text(text, "s.wit")
    assert (info.value.file, info.value.line, info.value.col) == ("s.wit", line, col), (
        info.value.what
    )
    assert msg in info.value.what


def test_early_since_with_feature_is_accepted() -> None:
    (item,) = members("@since(version = 0.2.0, feature = old)\nf: func();")
    assert isinstance(item, ast.FuncItem) and item.gates.since == Version(0, 2, 0)


def test_trailing_commas() -> None:
    (item,) = members("f: func(a: u8, b: tuple<u8, u8,>,) -> u8;")
    assert isinstance(item, ast.FuncItem) and len(item.sig.params) == 2
