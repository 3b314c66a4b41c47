"""Core import/export names of canonical ABI functions."""

from __future__ import annotations

import pytest

from componentize.abi import (
    REALLOC,
    ROOT_MODULE,
    canonical_version,
    destructor_export_name,
    export_name,
    exported_resource_import,
    function_name,
    import_module,
    interface_name,
    lowered_import,
    post_return_name,
    resource_drop_import,
)
from componentize.errors import InternalError
from componentize.wit.model import Function, Interface, Package, PackageName, Version

from .models import DESCRIPTOR, STRING, U32, func, interface, method

ENVIRONMENT = interface("wasi", "cli", "0.2.12", "environment")
RUN = interface("wasi", "cli", "0.2.12", "run")
TYPES = interface("wasi", "filesystem", "0.2.12", "types")


def test_interface_names() -> None:
    assert interface_name(ENVIRONMENT) == "wasi:cli/environment@0.2.12"
    assert interface_name(ENVIRONMENT, Version(0, 2, 3)) == "wasi:cli/environment@0.2.3"
    unversioned = Interface("c", package=Package(PackageName("a", "b")))
    assert interface_name(unversioned) == "a:b/c"
    with pytest.raises(InternalError):
        interface_name(Interface(None))


def test_freestanding_import() -> None:
    fn = func("get-arguments", [])
    assert lowered_import(ENVIRONMENT, fn) == ("wasi:cli/environment@0.2.12", "get-arguments")
    assert lowered_import(ENVIRONMENT, fn, Version(0, 2, 0)) == (
        "wasi:cli/environment@0.2.0",
        "get-arguments",
    )


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (method(DESCRIPTOR, "read", []), "[method]descriptor.read"),
        (Function("open", [], None, kind="static", resource=DESCRIPTOR), "[static]descriptor.open"),
        (
            Function("constructor", [("s", STRING)], None, kind="constructor", resource=DESCRIPTOR),
            "[constructor]descriptor",
        ),
        (func("get-directories", []), "get-directories"),
    ],
)
def test_function_names(fn: Function, name: str) -> None:
    assert function_name(fn) == name
    assert lowered_import(TYPES, fn)[1] == name


def test_world_level_functions_use_root_module() -> None:
    fn = func("f", [U32])
    assert import_module(None) == ROOT_MODULE == "$root"
    assert lowered_import(None, fn) == ("$root", "f")
    assert export_name(None, fn) == "f"


def test_inline_interface_uses_world_key() -> None:
    assert lowered_import("my-iface", func("g", [])) == ("my-iface", "g")


def test_resource_intrinsics() -> None:
    assert resource_drop_import(TYPES, DESCRIPTOR) == (
        "wasi:filesystem/types@0.2.12",
        "[resource-drop]descriptor",
    )
    for intrinsic in ("new", "rep", "drop"):
        assert exported_resource_import(TYPES, DESCRIPTOR, intrinsic) == (
            "[export]wasi:filesystem/types@0.2.12",
            f"[resource-{intrinsic}]descriptor",
        )
    with pytest.raises(InternalError):
        exported_resource_import(TYPES, DESCRIPTOR, "rip")


def test_exports() -> None:
    run = func("run", [])
    assert export_name(RUN, run) == "wasi:cli/run@0.2.12#run"
    assert export_name(RUN, run, Version(0, 2, 0)) == "wasi:cli/run@0.2.0#run"
    assert post_return_name(export_name(RUN, run)) == "cabi_post_wasi:cli/run@0.2.12#run"
    assert destructor_export_name(TYPES, DESCRIPTOR) == (
        "wasi:filesystem/types@0.2.12#[dtor]descriptor"
    )
    assert destructor_export_name(None, DESCRIPTOR) == "[dtor]descriptor"
    assert export_name(TYPES, method(DESCRIPTOR, "stat", [])) == (
        "wasi:filesystem/types@0.2.12#[method]descriptor.stat"
    )
    assert REALLOC == "cabi_realloc"


@pytest.mark.parametrize(
    ("version", "canonical"),
    [
        ("1.2.3+alpha", "1"),
        ("0.1.2+alpha", "0.1"),
        ("0.0.1+alpha", "0.0.1"),
        ("1.2.3-nightly+alpha", "1.2.3-nightly"),
        ("0.2.12", "0.2"),
    ],
)
def test_canonical_version(version: str, canonical: str) -> None:
    assert canonical_version(Version.parse(version)) == canonical
