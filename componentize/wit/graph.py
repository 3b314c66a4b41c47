"""Dependency order: the one topological sort of the resolver (packages by
`use`, interfaces by `use`, worlds by `include`, types by reference)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

N = TypeVar("N", bound=Hashable)
E = TypeVar("E")


def topological_order(
    nodes: Iterable[N],
    deps: Callable[[N], Iterable[tuple[N, E]]],
    cycle: Callable[[N, E], Exception],
) -> list[N]:
    """`nodes` and what they depend on, each after its dependencies.

    Depth first: nodes in the order given, the dependencies of each in the
    order `deps` yields them as (dependency, edge) pairs (read lazily, so
    `deps` may raise where it finds a bad reference).  Reaching a node again
    while its own dependencies are being visited raises `cycle(node, edge)`,
    with the edge it was reached by.
    """
    out: list[N] = []
    done: dict[N, bool] = {}  # False while the node's dependencies are visited

    def visit(node: N) -> None:
        done[node] = False
        for dep, edge in deps(node):
            state = done.get(dep)
            if state is None:
                visit(dep)
            elif not state:
                raise cycle(dep, edge)
        done[node] = True
        out.append(node)

    for node in nodes:
        if node not in done:
            visit(node)
    return out
