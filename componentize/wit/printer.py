"""Printer: model -> WIT text that parses back to the same model.

`use`d names are printed as `use` statements (consecutive ones from the same
interface with the same gate are grouped); other packages' interfaces are
named in full (`wasi:io/streams@0.2.12`).
"""

from __future__ import annotations

from componentize.wit import model as m
from componentize.wit.lexer import KEYWORDS
from componentize.wit.worlds import interface_deps

INDENT = "  "


def esc(name: str) -> str:
    return f"%{name}" if name in KEYWORDS else name


def package_name(p: m.PackageName) -> str:
    """`ns:name@version` with `%` before keywords (`package test:%async;`)."""
    base = f"{esc(p.namespace)}:{esc(p.name)}"
    return f"{base}@{p.version}" if p.version else base


def print_type(t: m.Type) -> str:
    if isinstance(t, m.Primitive):
        return t.name
    if isinstance(t, m.TypeRef):
        return esc(t.definition.name)
    if isinstance(t, m.Own):
        return esc(t.resource.name)
    if isinstance(t, m.Borrow):
        return f"borrow<{esc(t.resource.name)}>"
    if isinstance(t, m.ListType):
        size = "" if t.size is None else f", {t.size}"
        return f"list<{print_type(t.element)}{size}>"
    if isinstance(t, m.OptionType):
        return f"option<{print_type(t.inner)}>"
    if isinstance(t, m.ResultType):
        if t.ok is None and t.err is None:
            return "result"
        if t.err is None:
            assert t.ok is not None
            return f"result<{print_type(t.ok)}>"
        ok = "_" if t.ok is None else print_type(t.ok)
        return f"result<{ok}, {print_type(t.err)}>"
    if isinstance(t, m.TupleType):
        return f"tuple<{', '.join(print_type(x) for x in t.types)}>"
    if isinstance(t, m.MapType):
        return f"map<{print_type(t.key)}, {print_type(t.value)}>"
    word = "future" if isinstance(t, m.FutureType) else "stream"
    return word if t.inner is None else f"{word}<{print_type(t.inner)}>"


def _gates(s: m.Stability) -> list[str]:
    out = []
    if s.since is not None:
        out.append(f"@since(version = {s.since})")
    if s.unstable_feature is not None:
        out.append(f"@unstable(feature = {esc(s.unstable_feature)})")
    if s.deprecated is not None:
        out.append(f"@deprecated(version = {s.deprecated})")
    return out


def _use_source(td: m.TypeDef) -> m.Interface | None:
    """The interface a `use`d name comes from (None: not a `use`)."""
    target = m.alias_of(td)
    src = None if target is None else target.owner
    return src if isinstance(src, m.Interface) and src is not td.owner else None


class Printer:
    def __init__(self, docs: bool = True) -> None:
        self.docs = docs
        self.lines: list[str] = []
        self.package: m.Package | None = None

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append(f"{INDENT * depth}{line}" if line else "")

    def head(self, depth: int, docs: str, stab: m.Stability = m.UNSTABLE_NONE) -> None:
        if self.docs and docs:
            for line in docs.split("\n"):
                self.emit(depth, f"/// {line}".rstrip())
        for gate in _gates(stab):
            self.emit(depth, gate)

    def path(self, iface: m.Interface) -> str:
        assert iface.name is not None
        if iface.package is self.package:
            return esc(iface.name)
        assert iface.package is not None
        p = iface.package.name
        base = f"{esc(p.namespace)}:{esc(p.name)}/{esc(iface.name)}"
        return f"{base}@{p.version}" if p.version else base

    # ---------------------------------------------------------- packages

    def package_body(
        self,
        pkg: m.Package,
        depth: int,
        ifaces: list[m.Interface] | None = None,
        worlds: list[m.World] | None = None,
    ) -> None:
        self.package = pkg
        first = depth > 0  # no blank line right after `package x:y {`
        for iface in pkg.interfaces.values() if ifaces is None else ifaces:
            if not first:
                self.emit(0, "")
            first = False
            assert iface.name is not None
            self.head(depth, iface.docs, iface.stability)
            self.emit(depth, f"interface {esc(iface.name)} {{")
            self.interface_body(iface, depth + 1)
            self.emit(depth, "}")
        for world in pkg.worlds.values() if worlds is None else worlds:
            if not first:
                self.emit(0, "")
            first = False
            self.world(world, depth)

    def nested(
        self,
        pkg: m.Package,
        ifaces: list[m.Interface] | None = None,
        worlds: list[m.World] | None = None,
    ) -> None:
        self.emit(0, "")
        self.head(0, pkg.docs)
        self.emit(0, f"package {package_name(pkg.name)} {{")
        self.package_body(pkg, 1, ifaces, worlds)
        self.emit(0, "}")

    # ---------------------------------------------------------- interfaces

    def interface_body(self, iface: m.Interface, depth: int) -> None:
        self.types(list(iface.types.values()), list(iface.functions.values()), depth)
        for fn in iface.functions.values():
            if fn.resource is None:
                self.head(depth, fn.docs, fn.stability)
                self.emit(depth, f"{esc(fn.name)}: {self.sig(fn)};")

    def types(self, defs: list[m.TypeDef], funcs: list[m.Function], depth: int) -> None:
        i = 0
        while i < len(defs):
            src = _use_source(defs[i])
            if src is None:
                self.typedef(defs[i], funcs, depth)
                i += 1
                continue
            group = [defs[i]]
            while (
                i + len(group) < len(defs)
                and _use_source(defs[i + len(group)]) is src
                and defs[i + len(group)].stability == defs[i].stability
            ):
                group.append(defs[i + len(group)])
            self.head(depth, "", defs[i].stability)
            names = []
            for td in group:
                used = m.alias_of(td)
                assert used is not None
                orig = used.name
                names.append(esc(orig) if orig == td.name else f"{esc(orig)} as {esc(td.name)}")
            self.emit(depth, f"use {self.path(src)}.{{{', '.join(names)}}};")
            i += len(group)

    def typedef(self, td: m.TypeDef, funcs: list[m.Function], depth: int) -> None:
        self.head(depth, td.docs, td.stability)
        name, body = esc(td.name), td.body
        if isinstance(body, m.Alias):
            target = body.target
            text = (
                f"own<{esc(target.resource.name)}>"
                if isinstance(target, m.Own)
                else (print_type(target))
            )
            self.emit(depth, f"type {name} = {text};")
        elif isinstance(body, m.Resource):
            mine = [f for f in funcs if f.resource is td]
            if not mine:
                self.emit(depth, f"resource {name};")
                return
            self.emit(depth, f"resource {name} {{")
            for fn in mine:
                self.head(depth + 1, fn.docs, fn.stability)
                self.emit(depth + 1, self.resource_func(fn, td))
            self.emit(depth, "}")
        elif isinstance(body, m.Record):
            self.block(
                depth,
                f"record {name}",
                [(f.docs, f"{esc(f.name)}: {print_type(f.type)}") for f in body.fields],
            )
        elif isinstance(body, m.Variant):
            self.block(
                depth,
                f"variant {name}",
                [
                    (
                        c.docs,
                        esc(c.name) if c.type is None else f"{esc(c.name)}({print_type(c.type)})",
                    )
                    for c in body.cases
                ],
            )
        else:
            word = "enum" if isinstance(body, m.Enum) else "flags"
            docs = body.docs or [""] * len(body.names)
            self.block(
                depth,
                f"{word} {name}",
                [(d, esc(n)) for d, n in zip(docs, body.names, strict=True)],
            )

    def block(self, depth: int, head: str, entries: list[tuple[str, str]]) -> None:
        if not entries:
            self.emit(depth, f"{head} {{}}")
            return
        self.emit(depth, f"{head} {{")
        for docs, text in entries:
            self.head(depth + 1, docs)
            self.emit(depth + 1, f"{text},")
        self.emit(depth, "}")

    def sig(self, fn: m.Function, skip_self: bool = False) -> str:
        params = fn.params[1:] if skip_self else fn.params
        text = ", ".join(f"{esc(n)}: {print_type(t)}" for n, t in params)
        prefix = "async func" if fn.is_async else "func"
        result = "" if fn.result is None else f" -> {print_type(fn.result)}"
        return f"{prefix}({text}){result}"

    def resource_func(self, fn: m.Function, td: m.TypeDef) -> str:
        if fn.kind == "constructor":
            params = ", ".join(f"{esc(n)}: {print_type(t)}" for n, t in fn.params)
            implicit = fn.result == m.Own(td)
            result = "" if implicit or fn.result is None else f" -> {print_type(fn.result)}"
            return f"constructor({params}){result};"
        if fn.kind == "static":
            return f"{esc(fn.name)}: static {self.sig(fn)};"
        return f"{esc(fn.name)}: {self.sig(fn, skip_self=True)};"

    # ---------------------------------------------------------- worlds

    def world(self, world: m.World, depth: int) -> None:
        self.head(depth, world.docs, world.stability)
        self.emit(depth, f"world {esc(world.name)} {{")
        funcs = [x.item for x in world.imports.values() if isinstance(x.item, m.Function)]
        pending_types: list[m.TypeDef] = []
        for direction, table in (("import", world.imports), ("export", world.exports)):
            for key, item in table.items():
                obj = item.item
                if isinstance(obj, m.TypeDef):
                    pending_types.append(obj)
                    continue
                if pending_types:
                    self.types(pending_types, funcs, depth + 1)
                    pending_types = []
                if isinstance(obj, m.Function) and obj.resource is not None:
                    continue  # printed inside its resource
                self.extern(direction, key, item, depth + 1)
        if pending_types:
            self.types(pending_types, funcs, depth + 1)
        self.emit(depth, "}")

    def extern(self, direction: str, key: str, item: m.WorldItem, depth: int) -> None:
        obj = item.item
        if isinstance(obj, m.Interface) and obj.name is not None:
            self.head(depth, "", item.stability)
            if key == obj.qualified_name():
                self.emit(depth, f"{direction} {self.path(obj)};")
            else:
                self.emit(depth, f"{direction} {esc(key)}: {self.path(obj)};")
        elif isinstance(obj, m.Interface):
            self.head(depth, obj.docs, item.stability)
            self.emit(depth, f"{direction} {esc(key)}: interface {{")
            self.interface_body(obj, depth + 1)
            self.emit(depth, "}")
        elif isinstance(obj, m.Function):
            self.head(depth, obj.docs, item.stability)
            self.emit(depth, f"{direction} {esc(key)}: {self.sig(obj)};")


def print_package(package: m.Package, *, docs: bool = True) -> str:
    """One package as WIT text (other packages are referred to by full name)."""
    p = Printer(docs)
    p.head(0, package.docs)
    p.emit(0, f"package {package_name(package.name)};")
    p.package_body(package, 0)
    return p.text()


def print_resolve(resolve: m.Resolve, *, docs: bool = True) -> str:
    """The root package, then every other package as a nested `package { }` block."""
    p = Printer(docs)
    if resolve.root is not None:
        p.head(0, resolve.root.docs)
        p.emit(0, f"package {package_name(resolve.root.name)};")
        p.package_body(resolve.root, 0)
    for pkg in resolve.packages:
        if pkg is not resolve.root:
            p.nested(pkg)
    return p.text()


def world_interfaces(world: m.World) -> list[m.Interface]:
    """Every named interface a world refers to, dependencies first."""
    out: list[m.Interface] = []
    for table in (world.imports, world.exports):
        for item in table.values():
            obj = item.item
            if isinstance(obj, m.Interface):
                for dep in interface_deps(obj) + ([obj] if obj.name else []):
                    if dep not in out:
                        out.append(dep)
            elif isinstance(obj, m.TypeDef):
                src = _use_source(obj)
                if src is not None:
                    for dep in [*interface_deps(src), src]:
                        if dep not in out:
                            out.append(dep)
    return out


def print_world(world: m.World, *, docs: bool = True) -> str:
    """A world and everything it pulls in: its package holds the world and the
    interfaces it uses from there; other packages follow as nested blocks."""
    assert world.package is not None
    needed = world_interfaces(world)
    pkgs: list[m.Package] = []
    for iface in needed:
        assert iface.package is not None
        if iface.package is not world.package and iface.package not in pkgs:
            pkgs.append(iface.package)
    p = Printer(docs)
    home = world.package
    p.head(0, home.docs)
    p.emit(0, f"package {package_name(home.name)};")
    p.package_body(home, 0, [i for i in home.interfaces.values() if i in needed], [world])
    for pkg in pkgs:
        p.nested(pkg, [i for i in pkg.interfaces.values() if i in needed], [])
    return p.text()
