"""Rules on `@since`/`@unstable` gates that wit-parser checks on a package's
syntax before resolving it (the parser already refuses a gate where the
grammar has none, twice the same gate, and `@deprecated` alone):

- `@since` needs a versioned package, and a version no newer than it;
- inside an interface or world left out for a feature that is not enabled,
  every type (and `use`d name) must be gated by a feature of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from componentize.wit import ast
from componentize.wit.lexer import Span
from componentize.wit.loader import SourcePackage
from componentize.wit.model import Version
from componentize.wit.scope import Target

Container = ast.InterfaceItem | ast.WorldItemAst


def check_gates(src: SourcePackage, target: Target) -> None:
    for block in src.blocks:
        for item in block.members:
            if isinstance(item, ast.TopUse):
                continue
            for gates, span in _gated(item):
                if gates.since is not None:
                    _check_since(src, gates.since, span)
            if item.gates.unstable is not None and not _enabled(target, item.gates.unstable):
                _check_excluded(item)


def _enabled(target: Target, feature: str) -> bool:
    return target.all_features or feature in target.features


def _release(v: Version) -> tuple[int, int, int, bool, str, str]:
    # a pre-release sorts first; build metadata orders too (as Rust's semver)
    return (v.major, v.minor, v.patch, not v.pre, v.pre, v.build)


def _check_since(src: SourcePackage, since: Version, span: Span) -> None:
    version = src.name.version
    if version is None:
        raise span.error(
            f"`@since` needs a version: package `{src.name}` has none (`package {src.name}@x.y.z;`)"
        )
    if _release(since) > _release(version):
        raise span.error(
            f"`@since(version = {since})` is newer than package `{src.name}` ({version})"
        )


def _check_excluded(item: Container) -> None:
    """Types in a container dropped for its feature are gated by a feature too."""
    kind = "interface" if isinstance(item, ast.InterfaceItem) else "world"
    assert item.name is not None
    for member in item.members:
        if member.gates.unstable is not None:
            continue
        if isinstance(member, ast.UseItem):
            spans = [(alias or orig).span for orig, alias in member.names]
        elif isinstance(member, ast.ExternItem | ast.IncludeItem | ast.FuncItem):
            continue
        else:
            spans = [member.name.span]
        for span in spans[:1]:
            raise span.error(
                f"this type is not gated by a feature but its {kind} `{item.name.name}` "
                f"is (`@unstable(feature = {item.gates.unstable})`, not enabled): "
                "gate the type with `@unstable` too"
            )


def _gated(
    item: ast.InterfaceMember | ast.WorldMember | Container,
) -> Iterator[tuple[ast.Gates, Span]]:
    """Every gated item inside `item` (itself included), with the span of its name."""
    if isinstance(item, ast.UseItem | ast.IncludeItem):
        yield item.gates, item.path.span
        return
    if isinstance(item, ast.ExternItem):
        span = item.name.span if item.name else item.path.span if item.path else None
        assert span is not None
        yield item.gates, span
        if item.interface is not None:
            for member in item.interface.members:
                yield from _gated(member)
        return
    assert item.name is not None
    yield item.gates, item.name.span
    if isinstance(item, ast.ResourceItem):
        for fn in item.funcs or []:
            yield fn.gates, fn.name.span
    elif isinstance(item, ast.InterfaceItem):
        for member in item.members:
            yield from _gated(member)
    elif isinstance(item, ast.WorldItemAst):
        for world_member in item.members:
            yield from _gated(world_member)
