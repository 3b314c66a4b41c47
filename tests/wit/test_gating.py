"""Gating for a WASI 0.2.N target, on the standard's own WIT files."""

from __future__ import annotations

from pathlib import Path

import pytest

from componentize.errors import WitError
from componentize.wit import model as m
from componentize.wit import resolve_dir, resolve_text, structure

V = m.Version.parse


def test_untargeted_keeps_every_since_item(reference_dir: Path) -> None:
    r = resolve_dir(reference_dir)
    assert "exit-with-code" in r.interface("wasi:cli/exit@0.2.12").functions
    # `@unstable` items are off unless asked for
    assert "timezone" not in r.package("wasi:clocks").interfaces
    assert "network-error-code" not in r.interface("wasi:sockets/network").functions


@pytest.mark.parametrize("minor", [0, 1, 5, 11])
def test_older_targets_drop_newer_items_and_rename(reference_dir: Path, minor: int) -> None:
    r = resolve_dir(reference_dir, version=V(f"0.2.{minor}"))
    assert {str(p.name) for p in r.packages} == {
        f"wasi:{n}@0.2.{minor}" for n in ("io", "clocks", "filesystem", "sockets", "random", "cli")
    }
    exit_iface = r.interface(f"wasi:cli/exit@0.2.{minor}")
    assert list(exit_iface.functions) == ["exit"]
    cmd = r.package("wasi:cli").worlds["command"]
    assert f"wasi:io/streams@0.2.{minor}" in cmd.imports
    assert f"wasi:cli/run@0.2.{minor}" in cmd.exports


def test_latest_target_keeps_exit_with_code(reference_dir: Path) -> None:
    r = resolve_dir(reference_dir, version=V("0.2.12"))
    assert "exit-with-code" in r.interface("wasi:cli/exit@0.2.12").functions


def test_features_enable_unstable_items(reference_dir: Path) -> None:
    r = resolve_dir(reference_dir, version=V("0.2.3"), features=frozenset({"clocks-timezone"}))
    assert "timezone" in r.package("wasi:clocks").interfaces
    assert "wasi:clocks/timezone@0.2.3" in r.package("wasi:cli").worlds["command"].imports
    assert "network-error-code" not in r.interface("wasi:sockets/network").functions
    r = resolve_dir(reference_dir, all_features=True)
    net = r.interface("wasi:sockets/network")
    assert "network-error-code" in net.functions and "error" in net.types


def test_targets_differ_only_where_gated(reference_dir: Path) -> None:
    old = structure(resolve_dir(reference_dir, version=V("0.2.11")))
    new = structure(resolve_dir(reference_dir, version=V("0.2.12")))
    assert old["wasi:io@0.2.11"][2].keys() == new["wasi:io@0.2.12"][2].keys()
    assert len(old["wasi:cli@0.2.11"][2]["exit"][3]) == 1
    assert len(new["wasi:cli@0.2.12"][2]["exit"][3]) == 2


def test_other_release_lines_are_not_gated() -> None:
    text = """package my:pkg@1.1.0;
    interface i {
        f: func();
        @since(version = 1.1.0)
        g: func();
    }
    """
    assert list(resolve_text(text, version=V("0.2.0")).interface("my:pkg/i").functions) == [
        "f",
        "g",
    ]
    r = resolve_text(text, version=V("1.0.0"))
    assert str(r.packages[0].name) == "my:pkg@1.0.0"
    assert list(r.interface("my:pkg/i").functions) == ["f"]


def test_reference_to_dropped_item_is_an_error() -> None:
    text = (
        "package a:b@0.2.5;\ninterface i {\n  @since(version = 0.2.5)\n  type t1 = u32;\n"
        "  type t2 = t1;\n}\n"
    )
    resolve_text(text, version=V("0.2.5"))
    with pytest.raises(WitError) as info:
        resolve_text(text, "g.wit", version=V("0.2.4"))
    assert (info.value.line, info.value.col) == (5, 13) and "unknown type `t1`" in info.value.what


def test_gated_world_items_and_interfaces() -> None:
    text = """package a:b@0.2.3;
    @since(version = 0.2.3)
    interface new {}
    interface old {}
    world w {
        import old;
        @since(version = 0.2.3)
        import new;
        @unstable(feature = x)
        import f: func();
    }
    """
    r = resolve_text(text, version=V("0.2.2"))
    assert list(r.packages[0].interfaces) == ["old"]
    assert list(r.packages[0].worlds["w"].imports) == ["a:b/old@0.2.2"]
    r = resolve_text(text, features=frozenset({"x"}))
    assert list(r.packages[0].worlds["w"].imports) == ["a:b/old@0.2.3", "a:b/new@0.2.3", "f"]
