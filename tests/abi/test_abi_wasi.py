"""The ABI over our real `wit/`, resolved by `componentize.wit`."""

from __future__ import annotations

from pathlib import Path

import pytest

from componentize.abi import (
    CoreFuncType,
    alignment,
    defining_resource,
    elem_size,
    export_name,
    field_offsets,
    flatten_functype,
    function_name,
    imported_resource_drop,
    lowered_import,
    payload_offset,
    post_return_name,
    resource_drop_import,
)
from componentize.errors import InternalError
from componentize.wit import resolve_dir
from componentize.wit.model import Resolve, TypeRef, Version, is_resource

WIT = Path(__file__).resolve().parents[2] / "wit"


class _Wasi(Resolve):
    """The resolved model with a short repr: pytest prints test arguments on
    failure, and the full repr of a shared, cyclic model graph explodes."""

    def __repr__(self) -> str:
        return "<resolved wit/>"


@pytest.fixture(scope="module")
def wasi() -> Resolve:
    resolved = resolve_dir(WIT, features=frozenset({"clocks-timezone", "network-error-code"}))
    return _Wasi(resolved.packages, resolved.root)


def _sig(params: list[str], results: list[str]) -> CoreFuncType:
    return CoreFuncType(tuple(params), tuple(results))


def test_every_wasi_function_has_core_signatures(wasi: Resolve) -> None:
    count = 0
    for pkg in wasi.packages:
        for iface in pkg.interfaces.values():
            for key, fn in iface.functions.items():
                assert function_name(fn) == key
                lower = flatten_functype(fn, "lower")
                lift = flatten_functype(fn, "lift")
                assert len(lower.params) <= 17 and len(lower.results) <= 1
                assert len(lift.params) <= 16 and len(lift.results) <= 1
                count += 1
    assert count == 127  # `: func(` lines in wit/, all features on


@pytest.mark.parametrize(
    ("iface", "key", "lower"),
    [
        ("wasi:filesystem/types", "[method]descriptor.stat", _sig(["i32", "i32"], [])),
        (
            "wasi:filesystem/types",
            "[method]descriptor.read",
            _sig(["i32", "i64", "i64", "i32"], []),
        ),
        ("wasi:filesystem/types", "[method]descriptor.open-at", _sig(["i32"] * 7, [])),
        ("wasi:filesystem/preopens", "get-directories", _sig(["i32"], [])),
        ("wasi:cli/environment", "get-environment", _sig(["i32"], [])),
        ("wasi:cli/exit", "exit", _sig(["i32"], [])),
        ("wasi:cli/exit", "exit-with-code", _sig(["i32"], [])),
        ("wasi:cli/stdout", "get-stdout", _sig([], ["i32"])),
        ("wasi:clocks/monotonic-clock", "now", _sig([], ["i64"])),
        ("wasi:clocks/wall-clock", "now", _sig(["i32"], [])),
        (
            "wasi:io/streams",
            "[method]output-stream.blocking-write-and-flush",
            _sig(["i32", "i32", "i32", "i32"], []),
        ),
        ("wasi:io/poll", "poll", _sig(["i32", "i32", "i32"], [])),
        ("wasi:random/random", "get-random-bytes", _sig(["i64", "i32"], [])),
        ("wasi:sockets/tcp", "[method]tcp-socket.start-bind", _sig(["i32"] * 15, [])),
        ("wasi:sockets/udp", "[method]udp-socket.stream", _sig(["i32"] * 15, [])),
        ("wasi:clocks/timezone", "display", _sig(["i64", "i32", "i32"], [])),
    ],
)
def test_wasi_lower_signatures(wasi: Resolve, iface: str, key: str, lower: CoreFuncType) -> None:
    assert flatten_functype(wasi.interface(iface).functions[key], "lower") == lower


def test_wasi_layouts(wasi: Resolve) -> None:
    types = wasi.interface("wasi:filesystem/types").types
    stat = TypeRef(types["descriptor-stat"])
    assert (elem_size(stat), alignment(stat)) == (96, 8)
    assert field_offsets(stat) == [0, 8, 16, 24, 48, 72]
    stat_fn = wasi.interface("wasi:filesystem/types").functions["[method]descriptor.stat"]
    assert stat_fn.result is not None
    assert (elem_size(stat_fn.result), payload_offset(stat_fn.result)) == (104, 8)
    net = wasi.interface("wasi:sockets/network").types
    assert elem_size(TypeRef(net["ip-socket-address"])) == 32
    assert elem_size(TypeRef(net["error-code"])) == 1


def test_wasi_names(wasi: Resolve) -> None:
    types = wasi.interface("wasi:filesystem/types")
    stat = types.functions["[method]descriptor.stat"]
    assert lowered_import(types, stat, Version(0, 2, 3)) == (
        "wasi:filesystem/types@0.2.3",
        "[method]descriptor.stat",
    )
    descriptor = types.types["descriptor"]
    assert is_resource(descriptor)
    assert resource_drop_import(types, descriptor) == (
        "wasi:filesystem/types@0.2.12",
        "[resource-drop]descriptor",
    )
    run = wasi.interface("wasi:cli/run")
    name = export_name(run, run.functions["run"])
    assert name == "wasi:cli/run@0.2.12#run"
    assert post_return_name(name) == "cabi_post_wasi:cli/run@0.2.12#run"
    env = wasi.interface("wasi:cli/environment")
    assert lowered_import(env, env.functions["get-arguments"]) == (
        "wasi:cli/environment@0.2.12",
        "get-arguments",
    )


def test_drop_of_a_used_resource_goes_to_its_defining_interface(wasi: Resolve) -> None:
    used = wasi.interface("wasi:filesystem/preopens").types["descriptor"]
    assert imported_resource_drop(used) == (
        "wasi:filesystem/types@0.2.12",
        "[resource-drop]descriptor",
    )
    stream = wasi.interface("wasi:cli/stdout").types["output-stream"]
    assert imported_resource_drop(stream, Version(0, 2, 0)) == (
        "wasi:io/streams@0.2.0",
        "[resource-drop]output-stream",
    )
    assert defining_resource(stream) is wasi.interface("wasi:io/streams").types["output-stream"]
    with pytest.raises(InternalError):
        defining_resource(wasi.interface("wasi:filesystem/types").types["filesize"])
