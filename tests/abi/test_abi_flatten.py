"""Flattening and core signatures (CanonicalABI.md "Flattening"), with the
Explainer's string example and figures for real WASI 0.2 functions."""

from __future__ import annotations

import pytest

from componentize.abi import (
    MAX_FLAT_PARAMS,
    CanonNeeds,
    CoreFuncType,
    MemoryArea,
    canon_needs,
    flatten_functype,
    flatten_type,
    join,
    param_area,
    param_types,
    params_spilled,
    post_return_type,
    result_types,
    results_spilled,
    return_area,
)
from componentize.errors import UnsupportedModuleError
from componentize.wit.model import Borrow, Function, Own, Type

from .models import (
    BOOL,
    CHAR,
    DATETIME,
    DESCRIPTOR,
    DESCRIPTOR_STAT,
    F32,
    F64,
    FILESIZE,
    FS_ERROR_CODE,
    IO_ERROR,
    IP_SOCKET_ADDRESS,
    NEW_TIMESTAMP,
    PATH_FLAGS,
    S64,
    STREAM_ERROR,
    STRING,
    U8,
    U16,
    U32,
    U64,
    enum,
    flags,
    func,
    lst,
    method,
    option,
    resource,
    result,
    tup,
    variant,
)

FLAT: list[tuple[str, Type, list[str]]] = [
    ("bool", BOOL, ["i32"]),
    ("u8", U8, ["i32"]),
    ("char", CHAR, ["i32"]),
    ("s64", S64, ["i64"]),
    ("f32", F32, ["f32"]),
    ("f64", F64, ["f64"]),
    ("string", STRING, ["i32", "i32"]),
    ("list<u64>", lst(U64), ["i32", "i32"]),
    ("list<f32, 3>", lst(F32, 3), ["f32", "f32", "f32"]),
    ("own", Own(DESCRIPTOR), ["i32"]),
    ("tuple<u8, f64, string>", tup(U8, F64, STRING), ["i32", "f64", "i32", "i32"]),
    ("enum", enum("e", "a", "b"), ["i32"]),
    ("flags 32", flags("f", *(f"f{i}" for i in range(32))), ["i32"]),
    ("flags 40 (pre-limit rule)", flags("f", *(f"f{i}" for i in range(40))), ["i32", "i32"]),
    ("option<u8>", option(U8), ["i32", "i32"]),
    ("option<f32>", option(F32), ["i32", "f32"]),
    ("result", result(), ["i32"]),
    ("result<u32, f32>", result(U32, F32), ["i32", "i32"]),
    ("result<f32, f32>", result(F32, F32), ["i32", "f32"]),
    ("result<f64, u32>", result(F64, U32), ["i32", "i64"]),
    ("result<f32, u64>", result(F32, U64), ["i32", "i64"]),
    ("result<f32, f64>", result(F32, F64), ["i32", "i64"]),
    ("variant {string, f64}", variant("v", ("s", STRING), ("d", F64)), ["i32", "i64", "i32"]),
    (
        "variant {u8, tuple<f32, f32>}",
        variant("v", ("a", U8), ("b", tup(F32, F32))),
        ["i32", "i32", "f32"],
    ),
    ("new-timestamp", NEW_TIMESTAMP, ["i32", "i64", "i32"]),
    ("stream-error", STREAM_ERROR, ["i32", "i32"]),
    (
        "descriptor-stat",
        DESCRIPTOR_STAT,
        ["i32", "i64", "i64", "i32", "i64", "i32", "i32", "i64", "i32", "i32", "i64", "i32"],
    ),
    ("ip-socket-address", IP_SOCKET_ADDRESS, ["i32"] * 12),
]


@pytest.mark.parametrize(("label", "t", "flat"), FLAT, ids=[f[0] for f in FLAT])
def test_flatten_type(label: str, t: Type, flat: list[str]) -> None:
    assert flatten_type(t) == flat


@pytest.mark.parametrize(
    ("a", "b", "joined"),
    [
        ("i32", "i32", "i32"),
        ("i32", "f32", "i32"),
        ("f32", "i32", "i32"),
        ("f32", "f32", "f32"),
        ("i32", "i64", "i64"),
        ("f32", "f64", "i64"),
        ("f64", "f64", "f64"),
        ("i64", "f64", "i64"),
        ("i32", "f64", "i64"),
    ],
)
def test_join(a: str, b: str, joined: str) -> None:
    assert join(a, b) == joined


def test_memory64_flattening() -> None:
    assert flatten_type(STRING, ptr="i64") == ["i64", "i64"]
    big = func("f", [], STRING)
    assert flatten_functype(big, "lower", ptr="i64") == CoreFuncType(("i64",), ())


# ---- the Explainer's example: `run: func(string) -> string`, `log: func(string)`


def test_explainer_string_example() -> None:
    run = func("run", [STRING], STRING)
    log = func("log", [STRING])
    assert flatten_functype(run, "lift") == CoreFuncType(("i32", "i32"), ("i32",))
    assert flatten_functype(log, "lower") == CoreFuncType(("i32", "i32"), ())


# ---- WASI 0.2 figures

FIGURES: list[tuple[str, Function, CoreFuncType, CoreFuncType]] = []


def _fig(
    fn: Function, lower: tuple[list[str], list[str]], lift: tuple[list[str], list[str]]
) -> None:
    FIGURES.append((fn.name, fn, CoreFuncType(*map(tuple, lower)), CoreFuncType(*map(tuple, lift))))


_fig(func("get-environment", [], lst(tup(STRING, STRING))), (["i32"], []), ([], ["i32"]))
_fig(func("get-arguments", [], lst(STRING)), (["i32"], []), ([], ["i32"]))
_fig(func("initial-cwd", [], option(STRING)), (["i32"], []), ([], ["i32"]))
_fig(func("exit", [result()]), (["i32"], []), (["i32"], []))
_fig(func("exit-with-code", [U8]), (["i32"], []), (["i32"], []))
_fig(func("run", [], result()), ([], ["i32"]), ([], ["i32"]))
_fig(func("get-stdout", [], Own(resource("output-stream"))), ([], ["i32"]), ([], ["i32"]))
_fig(func("now", [], U64), ([], ["i64"]), ([], ["i64"]))
_fig(func("now", [], DATETIME), (["i32"], []), ([], ["i32"]))
_fig(
    func("subscribe-duration", [U64], Own(resource("pollable"))),
    (["i64"], ["i32"]),
    (["i64"], ["i32"]),
)
_fig(func("get-random-bytes", [U64], lst(U8)), (["i64", "i32"], []), (["i64"], ["i32"]))
_fig(func("insecure-seed", [], tup(U64, U64)), (["i32"], []), ([], ["i32"]))
_fig(
    func("poll", [lst(Borrow(resource("pollable")))], lst(U32)),
    (["i32", "i32", "i32"], []),
    (["i32", "i32"], ["i32"]),
)
_fig(
    method(DESCRIPTOR, "stat", [], result(DESCRIPTOR_STAT, FS_ERROR_CODE)),
    (["i32", "i32"], []),
    (["i32"], ["i32"]),
)
_fig(
    method(DESCRIPTOR, "read", [FILESIZE, FILESIZE], result(tup(lst(U8), BOOL), FS_ERROR_CODE)),
    (["i32", "i64", "i64", "i32"], []),
    (["i32", "i64", "i64"], ["i32"]),
)
_fig(
    method(
        DESCRIPTOR,
        "open-at",
        [PATH_FLAGS, STRING, flags("open-flags", "a"), flags("descriptor-flags", "r")],
        result(Own(DESCRIPTOR), FS_ERROR_CODE),
    ),
    (["i32"] * 7, []),
    (["i32"] * 6, ["i32"]),
)
_fig(
    method(
        DESCRIPTOR,
        "set-times-at",
        [PATH_FLAGS, STRING, NEW_TIMESTAMP, NEW_TIMESTAMP],
        result(None, FS_ERROR_CODE),
    ),
    (["i32", "i32", "i32", "i32", "i32", "i64", "i32", "i32", "i64", "i32", "i32"], []),
    (["i32", "i32", "i32", "i32", "i32", "i64", "i32", "i32", "i64", "i32"], ["i32"]),
)
_fig(
    method(DESCRIPTOR, "get-type", [], result(enum("descriptor-type", "a"), FS_ERROR_CODE)),
    (["i32", "i32"], []),
    (["i32"], ["i32"]),
)
_fig(
    method(DESCRIPTOR, "is-same-object", [Borrow(DESCRIPTOR)], BOOL),
    (["i32", "i32"], ["i32"]),
    (["i32", "i32"], ["i32"]),
)
_fig(
    method(resource("output-stream"), "write", [lst(U8)], result(None, STREAM_ERROR)),
    (["i32", "i32", "i32", "i32"], []),
    (["i32", "i32", "i32"], ["i32"]),
)
_fig(
    method(resource("output-stream"), "check-write", [], result(U64, STREAM_ERROR)),
    (["i32", "i32"], []),
    (["i32"], ["i32"]),
)
_fig(
    method(
        resource("tcp-socket"),
        "start-bind",
        [Borrow(resource("network")), IP_SOCKET_ADDRESS],
        result(None, enum("ec", "a")),
    ),
    (["i32"] * 15, []),
    (["i32"] * 14, ["i32"]),
)
_fig(
    method(
        resource("udp-socket"),
        "stream",
        [option(IP_SOCKET_ADDRESS)],
        result(tup(Own(resource("i")), Own(resource("o"))), enum("ec", "a")),
    ),
    (["i32"] * 15, []),
    (["i32"] * 14, ["i32"]),
)
_fig(
    func("filesystem-error-code", [Borrow(IO_ERROR)], option(FS_ERROR_CODE)),
    (["i32", "i32"], []),
    (["i32"], ["i32"]),
)


@pytest.mark.parametrize(("name", "fn", "lower", "lift"), FIGURES, ids=[f[0] for f in FIGURES])
def test_wasi_signatures(name: str, fn: Function, lower: CoreFuncType, lift: CoreFuncType) -> None:
    assert flatten_functype(fn, "lower") == lower
    assert flatten_functype(fn, "lift") == lift


# ---- limits: 16 flat params, 1 flat result


def test_sixteen_params_stay_flat_seventeen_spill() -> None:
    sixteen = func("f", [U32] * 16)
    seventeen = func("f", [U32] * 17)
    assert flatten_functype(sixteen, "lower").params == ("i32",) * 16
    assert not params_spilled(sixteen)
    assert params_spilled(seventeen)
    assert flatten_functype(seventeen, "lower") == CoreFuncType(("i32",), ())
    assert flatten_functype(seventeen, "lift") == CoreFuncType(("i32",), ())


def test_spilled_params_and_results_together() -> None:
    fn = func("f", [STRING] * 9, STRING)  # 18 flat params, 2 flat results
    assert flatten_functype(fn, "lower") == CoreFuncType(("i32", "i32"), ())
    assert flatten_functype(fn, "lift") == CoreFuncType(("i32",), ("i32",))
    assert results_spilled(fn)


def test_params_spill_counting_the_implicit_self() -> None:
    fifteen = method(DESCRIPTOR, "m", [U64] * 15)
    sixteen = method(DESCRIPTOR, "m", [U64] * 16)
    assert flatten_functype(fifteen, "lower").params == ("i32",) + ("i64",) * 15
    assert flatten_functype(sixteen, "lower").params == ("i32",)
    assert MAX_FLAT_PARAMS == 16


def test_method_self_is_not_added_twice() -> None:
    explicit = Function(
        "m", [("self", Borrow(DESCRIPTOR)), ("x", U16)], None, kind="method", resource=DESCRIPTOR
    )
    assert param_types(explicit) == [Borrow(DESCRIPTOR), U16]
    assert flatten_functype(explicit, "lower") == CoreFuncType(("i32", "i32"), ())


def test_constructor_returns_own_handle() -> None:
    ctor = Function("constructor", [("s", STRING)], None, kind="constructor", resource=DESCRIPTOR)
    assert result_types(ctor) == [Own(DESCRIPTOR)]
    assert flatten_functype(ctor, "lower") == CoreFuncType(("i32", "i32"), ("i32",))
    fallible = Function(
        "constructor", [], result(Own(DESCRIPTOR), STRING), kind="constructor", resource=DESCRIPTOR
    )
    assert flatten_functype(fallible, "lower") == CoreFuncType(("i32",), ())


def test_static_function_has_no_self() -> None:
    static = Function("make", [("n", U32)], U32, kind="static", resource=DESCRIPTOR)
    assert flatten_functype(static, "lower") == CoreFuncType(("i32",), ("i32",))


def test_post_return_takes_lift_results() -> None:
    assert post_return_type(func("run", [], result())) == CoreFuncType(("i32",), ())
    assert post_return_type(func("g", [U8])) == CoreFuncType((), ())


def test_async_functions_are_refused() -> None:
    fn = Function("f", [], None, is_async=True)
    with pytest.raises(UnsupportedModuleError, match="async"):
        flatten_functype(fn, "lower")
    with pytest.raises(UnsupportedModuleError, match="async"):
        canon_needs(fn, "lift")


# ---- which canonopts a lift/lower needs


@pytest.mark.parametrize(
    ("fn", "lower", "lift"),
    [
        (func("now", [], U64), CanonNeeds(False, False), CanonNeeds(False, False)),
        (func("now", [], DATETIME), CanonNeeds(True, False), CanonNeeds(True, False)),
        (func("get-arguments", [], lst(STRING)), CanonNeeds(True, True), CanonNeeds(True, False)),
        (func("log", [STRING]), CanonNeeds(True, False), CanonNeeds(True, True)),
        (func("many", [U32] * 17), CanonNeeds(True, False), CanonNeeds(True, True)),
        (
            method(DESCRIPTOR, "stat", [], result(DESCRIPTOR_STAT, FS_ERROR_CODE)),
            CanonNeeds(True, False),
            CanonNeeds(True, False),
        ),
    ],
    ids=["u64", "datetime", "list-result", "string-param", "spilled-params", "stat"],
)
def test_canon_needs(fn: Function, lower: CanonNeeds, lift: CanonNeeds) -> None:
    assert canon_needs(fn, "lower") == lower
    assert canon_needs(fn, "lift") == lift


# ---- memory areas for spilled params and return pointers


def test_return_area_of_descriptor_stat() -> None:
    stat = method(DESCRIPTOR, "stat", [], result(DESCRIPTOR_STAT, FS_ERROR_CODE))
    assert return_area(stat) == MemoryArea(104, 8, (0,))
    assert param_area(stat) is None
    assert return_area(func("now", [], U64)) is None


def test_param_area_of_spilled_params() -> None:
    fn = func("f", [U8, STRING, U64, U8, U16, F32, STRING, STRING, STRING, STRING, STRING])
    area = param_area(fn)
    assert area == MemoryArea(72, 8, (0, 4, 16, 24, 26, 28, 32, 40, 48, 56, 64))
    self_area = param_area(method(DESCRIPTOR, "m", [U64] * 16))
    assert self_area == MemoryArea(136, 8, (0, *range(8, 136, 8)))
