"""Dependency order: the one topological sort of the resolver (packages by
`use`, interfaces by `use`, worlds by `include`, types by reference)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
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
    while its own dependencies are being visited is a cycle: raises
    `cycle(node, edge)` for the first step of the path that closed it (the
    dependency the outermost node was visiting, and the edge to it), which
    is where wit-parser reports a cycle.
    """
    out: list[N] = []
    done: dict[N, bool] = {}  # False while the node's dependencies are visited
    # an explicit stack, not recursion: a chain of thousands of types or
    # interfaces would exceed Python's recursion limit
    for root in nodes:
        if root in done:
            continue
        done[root] = False
        stack: list[tuple[N, Iterator[tuple[N, E]]]] = [(root, iter(deps(root)))]
        first: tuple[N, E] | None = None  # the outermost step, while its subtree is visited
        while stack:
            node, pending = stack[-1]
            for dep, edge in pending:
                state = done.get(dep)
                if len(stack) == 1:
                    first = (dep, edge)
                if state is None:
                    done[dep] = False
                    stack.append((dep, iter(deps(dep))))
                    break
                if not state:
                    assert first is not None
                    raise cycle(*first)
            else:
                stack.pop()
                done[node] = True
                out.append(node)
    return out
