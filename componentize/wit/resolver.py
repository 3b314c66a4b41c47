"""Resolver: source packages -> `model.Resolve`.

Packages are resolved dependencies first; inside a package, interfaces in
`use` order, then worlds in `include` order.  Gating (`Target`) happens here,
on the syntax tree, so a reference to a dropped item is reported where it is
written.
"""

from __future__ import annotations

from collections.abc import Iterator

from componentize.errors import WitError
from componentize.wit import ast
from componentize.wit import model as m
from componentize.wit.graph import topological_order
from componentize.wit.lexer import Span
from componentize.wit.loader import Key, SourcePackage, fingerprint
from componentize.wit.rules import check_gates
from componentize.wit.scope import Target, fill_interface, stability
from componentize.wit.worlds import build_world


def _uses_in(block: ast.PackageBlock) -> list[ast.UsePath]:
    """Every use-path in a block (for package and interface dependencies)."""
    out: list[ast.UsePath] = []

    def members(items: list[ast.InterfaceMember] | list[ast.WorldMember]) -> None:
        for x in items:
            if isinstance(x, ast.UseItem | ast.IncludeItem):
                out.append(x.path)
            elif isinstance(x, ast.ExternItem):
                if x.path is not None:
                    out.append(x.path)
                if x.interface is not None:
                    members(x.interface.members)

    for x in block.members:
        if isinstance(x, ast.TopUse):
            out.append(x.path)
        else:
            members(x.members)
    return out


class PackageTable:
    """The packages by (namespace, name, version); finds the one a path means."""

    def __init__(self, sources: list[SourcePackage]) -> None:
        self.by_key: dict[Key, SourcePackage] = {}
        for src in sources:
            prev = self.by_key.get(src.key)
            if prev is None:
                self.by_key[src.key] = src
                continue
            same = fingerprint(prev.blocks) == fingerprint(src.blocks)
            where = f"{prev.name.span.file}:{prev.name.span.line}:{prev.name.span.col}"
            raise src.name.span.error(
                f"package `{src.name}` is defined twice"
                + ("" if same else " with different contents")
                + f" (also at {where})"
            )

    def find(self, ref: ast.PackageRef) -> SourcePackage:
        """The package named exactly so: as in wit-parser, a reference without
        a version never means a versioned package."""
        src = self.by_key.get(ref.key())
        if src is None:
            same = (ref.namespace, ref.name)
            have = [str(s.name) for k, s in self.by_key.items() if k[:2] == same]
            extra = f" (there is {', '.join(have)})" if have else ""
            raise ref.span.error(f"package `{ref}` not found{extra}")
        return src

    def order(self) -> list[SourcePackage]:
        """Dependencies first; a cycle is an error."""

        def deps(key: Key) -> Iterator[tuple[Key, Span]]:
            for block in self.by_key[key].blocks:
                for path in _uses_in(block):
                    if path.package is not None:
                        dep = self.find(path.package)
                        if dep.key != key:
                            yield dep.key, path.span

        def cycle(key: Key, via: Span) -> WitError:
            return via.error(f"package `{self.by_key[key].name}` depends on itself (a `use` cycle)")

        return [self.by_key[k] for k in topological_order(self.by_key, deps, cycle)]


class PackageResolver:
    def __init__(
        self, src: SourcePackage, table: PackageTable, done: dict[Key, m.Package], target: Target
    ) -> None:
        self.src = src
        self.table = table
        self.done = done
        self.target = target
        self.gated = target.on_track(src.name.version)
        version = src.name.version
        if self.gated and version is not None and target.version is not None:
            version = min(version, target.version)
        self.pkg = m.Package(
            m.PackageName(src.name.namespace, src.name.name, version), docs=src.docs
        )
        self.ifaces: dict[str, tuple[ast.InterfaceItem, dict[str, ast.UsePath]]] = {}
        self.worlds: dict[str, tuple[ast.WorldItemAst, dict[str, ast.UsePath]]] = {}
        self.names: dict[str, Span] = {}
        self.feature_excluded = False  # whether some item was left out for its feature

    def keep(self, gates: ast.Gates) -> bool:
        kept = self.target.keep(gates, self.gated)
        if not kept and gates.unstable is not None:
            self.feature_excluded = True
        return kept

    def resolve(self) -> m.Package:
        check_gates(self.src, self.target)
        for block in self.src.blocks:
            scope = self.file_scope(block)
            for x in block.members:
                if isinstance(x, ast.TopUse) or not self.keep(x.gates):
                    continue
                assert x.name is not None
                self.declare(x.name.name, x.name.span)
                table = self.ifaces if isinstance(x, ast.InterfaceItem) else self.worlds
                table[x.name.name] = (x, scope)  # type: ignore[assignment]
        for name in self.iface_order():
            self.resolve_interface(name)
        self.check_top_uses()
        for name in self.world_order():
            self.resolve_world(name)
        return self.pkg

    def declare(self, name: str, span: Span) -> None:
        low = name  # interface and world names are case-sensitive (unlike types)
        if low in self.names:
            first = self.names[low]
            raise span.error(
                f"`{name}` is defined twice in package `{self.src.name}` "
                f"(first at {first.file}:{first.line}:{first.col})"
            )
        self.names[low] = span

    def file_scope(self, block: ast.PackageBlock) -> dict[str, ast.UsePath]:
        scope: dict[str, ast.UsePath] = {}
        spans: dict[str, Span] = {}
        local = {
            x.name.name: x.name.span
            for x in block.members
            if not isinstance(x, ast.TopUse) and x.name
        }
        for x in block.members:
            if isinstance(x, ast.TopUse):
                name = x.alias.name if x.alias else x.path.name
                span = x.alias.span if x.alias else x.path.span
                if name in spans:
                    raise span.error(f"`{name}` is defined twice in this file")
                spans[name] = span
                scope[name] = x.path
                if name in local:  # reported where the second one is written
                    later = max(span, local[name], key=lambda s: (s.line, s.col))
                    raise later.error(f"`{name}` is defined twice in this file")
        return scope

    def check_top_uses(self) -> None:
        """A top-level `use` names an interface that exists, used or not."""
        for block in self.src.blocks:
            for x in block.members:
                if isinstance(x, ast.TopUse):
                    self.lookup_path(x.path, {}, "interface")

    # ---------------------------------------------------------- lookups

    def lookup_path(
        self, path: ast.UsePath, scope: dict[str, ast.UsePath], kind: str
    ) -> m.Interface | m.World | str:
        """A resolved foreign item, or the name of a local one."""
        if path.package is None and path.name in scope:
            path = scope[path.name]
        if path.package is None:
            table = self.ifaces if kind == "interface" else self.worlds
            if path.name not in table:
                raise path.span.error(f"unknown {kind} `{path.name}`")
            return path.name
        src = self.table.find(path.package)
        if src is self.src:  # wit-parser sees a package depending on itself
            raise path.span.error(
                f"package `{src.name}` names itself; refer to its own {kind}s by plain name"
            )
        pkg = self.done[src.key]
        found = (pkg.interfaces if kind == "interface" else pkg.worlds).get(path.name)
        if found is None:
            raise path.name_span.error(f"{kind} `{path.name}` not found in package `{src.name}`")
        return found

    def interface_lookup(self, scope: dict[str, ast.UsePath]):  # type: ignore[no-untyped-def]
        def lookup(path: ast.UsePath) -> m.Interface:
            found = self.lookup_path(path, scope, "interface")
            if isinstance(found, str):
                iface = self.pkg.interfaces.get(found)
                if iface is None:  # only when interfaces use each other in a cycle
                    raise path.span.error(f"interface `{found}` is part of a `use` cycle")
                return iface
            assert isinstance(found, m.Interface)
            return found

        return lookup

    def world_lookup(self, scope: dict[str, ast.UsePath]):  # type: ignore[no-untyped-def]
        def lookup(path: ast.UsePath) -> m.World:
            found = self.lookup_path(path, scope, "world")
            if isinstance(found, str):
                world = self.pkg.worlds.get(found)
                if world is None:
                    raise path.span.error(f"world `{found}` is part of an `include` cycle")
                return world
            assert isinstance(found, m.World)
            return found

        return lookup

    # ---------------------------------------------------------- ordering

    def local_deps(
        self,
        members: list[ast.InterfaceMember] | list[ast.WorldMember],
        scope: dict[str, ast.UsePath],
        kind: str,
    ) -> list[tuple[str, Span]]:
        out: list[tuple[str, Span]] = []
        for x in members:
            if not self.keep(x.gates):
                continue
            paths: list[ast.UsePath] = []
            wanted = ast.UseItem if kind == "interface" else ast.IncludeItem
            if isinstance(x, wanted):
                paths.append(x.path)
            for p in paths:
                found = self.lookup_path(p, scope, kind)
                if isinstance(found, str):
                    out.append((found, p.span))
        return out

    def topo(
        self,
        table: dict[str, tuple[ast.InterfaceItem, dict[str, ast.UsePath]]]
        | dict[str, tuple[ast.WorldItemAst, dict[str, ast.UsePath]]],
        kind: str,
    ) -> list[str]:
        def deps(name: str) -> list[tuple[str, Span]]:
            item, scope = table[name]
            return self.local_deps(item.members, scope, kind)

        def cycle(name: str, via: Span) -> WitError:
            # located at the declaration of the first item of the cycle, as wit-parser
            verb = "uses" if kind == "interface" else "includes"
            named = table[name][0].name
            where = via if named is None else named.span
            return where.error(f"{kind} `{name}` {verb} itself, through a cycle")

        return topological_order(table, deps, cycle)

    def iface_order(self) -> list[str]:
        return self.topo(self.ifaces, "interface")

    def world_order(self) -> list[str]:
        return self.topo(self.worlds, "world")

    # ---------------------------------------------------------- items

    def resolve_interface(self, name: str) -> None:
        item, scope = self.ifaces[name]
        assert item.name is not None
        iface = m.Interface(
            name, package=self.pkg, stability=stability(item.gates), docs=item.name.docs
        )
        fill_interface(iface, item.members, self.interface_lookup(scope), self.keep)
        self.pkg.interfaces[name] = iface

    def resolve_world(self, name: str) -> None:
        item, scope = self.worlds[name]
        world = m.World(
            name, package=self.pkg, stability=stability(item.gates), docs=item.name.docs
        )
        build_world(world, item, self.interface_lookup(scope), self.world_lookup(scope), self.keep)
        self.pkg.worlds[name] = world


def resolve_sources(
    root: SourcePackage | None,
    sources: list[SourcePackage],
    target: Target,
    *,
    check_excluded: bool = True,
) -> m.Resolve:
    """The packages resolved for `target`.  Items left out for a feature are
    still checked, as wit-parser does (names resolved, no duplicates): by a
    second resolution with every feature on, when something was left out
    (`check_excluded=False` skips it, for WIT known to be valid)."""
    resolvers: list[PackageResolver] = []
    result = _resolve(root, sources, target, resolvers)
    if check_excluded and any(r.feature_excluded for r in resolvers):
        _resolve(root, sources, Target(all_features=True), [])
    return result


def _resolve(
    root: SourcePackage | None,
    sources: list[SourcePackage],
    target: Target,
    resolvers: list[PackageResolver],
) -> m.Resolve:
    table = PackageTable(sources)
    done: dict[Key, m.Package] = {}
    result = m.Resolve()
    names: dict[str, Span] = {}
    for src in table.order():
        resolvers.append(PackageResolver(src, table, done, target))
        pkg = resolvers[-1].resolve()
        prev = names.get(str(pkg.name))
        if prev is not None:
            raise src.name.span.error(f"package `{pkg.name}` also comes from {prev.file}")
        names[str(pkg.name)] = src.name.span
        done[src.key] = pkg
        result.packages.append(pkg)
    if root is not None:
        result.root = done[table.by_key[root.key].key]
    return result
