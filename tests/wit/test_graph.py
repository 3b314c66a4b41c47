"""The resolver's shared helpers: the topological sort and alias following."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from componentize.wit import model as m
from componentize.wit.graph import topological_order


class Cycle(Exception):
    pass


def _order(graph: dict[str, list[str]], nodes: list[str] | None = None) -> list[str]:
    def deps(n: str) -> list[tuple[str, str]]:
        return [(d, n) for d in graph.get(n, [])]

    def cycle(n: str, via: str) -> Exception:
        return Cycle(n, via)

    return topological_order(list(graph) if nodes is None else nodes, deps, cycle)


def test_dependencies_first_depth_first_in_the_given_order() -> None:
    graph = {"a": ["c", "b"], "b": ["c"], "c": [], "d": ["a"]}
    assert _order(graph) == ["c", "b", "a", "d"]
    assert _order(graph, ["d"]) == ["c", "b", "a", "d"]
    assert _order(graph, ["b", "b", "c"]) == ["c", "b"]


def test_a_cycle_names_its_first_step() -> None:
    """The dependency the outermost node was visiting, and the edge to it
    (where wit-parser reports a cycle)."""
    with pytest.raises(Cycle) as info:
        _order({"a": ["b"], "b": ["c"], "c": ["a"]})
    assert info.value.args == ("b", "a")
    with pytest.raises(Cycle) as info:
        _order({"x": ["x"]})
    assert info.value.args == ("x", "x")


def test_dependencies_are_read_lazily() -> None:
    seen: list[str] = []

    def deps(n: str) -> Iterator[tuple[str, None]]:
        seen.append(n)
        if n == "a":
            yield "b", None
            raise LookupError("bad reference after b")

    with pytest.raises(LookupError):
        topological_order(["a"], deps, lambda n, e: Cycle(n))
    assert seen == ["a", "b"]


def _alias(name: str, target: m.TypeDef) -> m.TypeDef:
    return m.TypeDef(name, m.Alias(m.TypeRef(target)))


def test_alias_of_and_underlying_follow_use_and_type_aliases() -> None:
    res = m.TypeDef("r", m.Resource())
    a = _alias("a", res)
    b = _alias("b", a)
    own = m.TypeDef("o", m.Alias(m.Own(res)))
    assert m.alias_of(b) is a and m.alias_of(res) is None and m.alias_of(own) is None
    assert m.underlying(b) is res and m.is_resource(b)
    visited: list[str] = []
    assert m.underlying(b, lambda d: visited.append(d.name)) is res
    assert visited == ["b", "a", "r"]


def test_an_alias_cycle_is_reported() -> None:
    a = m.TypeDef("a", m.Resource())
    b = _alias("b", a)
    a.body = m.Alias(m.TypeRef(b))
    with pytest.raises(m.AliasCycle) as info:
        m.underlying(a)
    assert info.value.definition is a
