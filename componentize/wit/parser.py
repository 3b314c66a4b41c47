"""WIT parser: tokens -> `componentize.wit.ast` (recursive descent, one
method per production of WIT.md's grammar)."""

from __future__ import annotations

import re

from componentize.errors import WitError
from componentize.wit import ast
from componentize.wit.lexer import KEYWORDS, Span, Token, tokenize
from componentize.wit.model import PRIMITIVES, Version

PRIMITIVE_KEYWORDS = frozenset(PRIMITIVES)
TYPE_ITEM_KEYWORDS = frozenset(["resource", "record", "variant", "enum", "flags", "type"])
# WIT.md `kt`: the types a map may be keyed by
MAP_KEY_TYPES = frozenset(
    ["bool", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "char", "string"]
)
# as wit-parser: deeper type expressions are refused (and our recursive
# descent and every recursive walk of a type stay far from Python's limit)
MAX_TYPE_DEPTH = 100


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0  # of type expressions being parsed

    # ------------------------------------------------------------ helpers

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.toks[min(self.i + n, len(self.toks) - 1)]

    def at(self, kind: str) -> bool:
        return self.tok.kind == kind

    def advance(self) -> Token:
        tok = self.tok
        if tok.kind != "eof":
            self.i += 1
        return tok

    def eat(self, kind: str) -> bool:
        if self.tok.kind == kind:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, what: str = "") -> Token:
        if self.tok.kind != kind:
            raise self.unexpected(what or f"`{kind}`")
        return self.advance()

    def unexpected(self, wanted: str) -> WitError:
        tok = self.tok
        found = "end of file" if tok.kind == "eof" else f"`{tok.text or tok.kind}`"
        return tok.span.error(f"expected {wanted}, found {found}")

    def ident(self, what: str = "an identifier") -> ast.Named:
        tok = self.expect("id", what)
        return ast.Named(tok.text, tok.span, "\n".join(tok.docs))

    def comma_list_end(self, close: str) -> bool:
        """After an element of a comma list: True when the list is over."""
        if self.eat(","):
            return self.eat(close)
        self.expect(close, f"`,` or `{close}`")
        return True

    # ------------------------------------------------------------ files and packages

    def file(self, path: str) -> ast.File:
        docs = self.docs_here()
        root = ast.PackageBlock(None, docs=docs)
        nested: list[ast.PackageBlock] = []
        if self.at("package") and not self.is_nested_package():
            self.advance()
            root.name = self.package_name()
            self.expect(";")
        while not self.at("eof"):
            if self.at("package"):
                block_docs = self.docs_here()
                self.advance()
                block = ast.PackageBlock(self.package_name(), docs=block_docs)
                self.expect("{")
                while not self.eat("}"):
                    block.members.append(self.package_member())
                nested.append(block)
            else:
                root.members.append(self.package_member())
        return ast.File(path, root, nested)

    def is_nested_package(self) -> bool:
        j = self.i + 1
        while self.toks[j].kind not in (";", "{", "eof"):
            j += 1
        return self.toks[j].kind == "{"

    def docs_here(self) -> str:
        return "\n".join(self.tok.docs)

    def package_name(self) -> ast.PackageRef:
        first = self.ident("a package namespace")
        self.expect(":")
        name = self.ident("a package name")
        if self.at(":") or self.at("/"):
            raise self.tok.span.error("nested namespaces and packages are not supported")
        return ast.PackageRef(first.name, name.name, self.opt_version(), first.span)

    def opt_version(self) -> Version | None:
        if not self.eat("@"):
            return None
        return self.version()

    def version(self) -> Version:
        if self.at("int"):  # `1` or `1.2`: the missing part is where it stops
            j = self.i
            while self.toks[j].kind == "int" and self.toks[j + 1].kind == ".":
                j += 2
            self.i = j + 1
            raise self.unexpected("`.` and the rest of a version like 1.2.3")
        tok = self.expect("semver", "a version like 1.2.3")
        core, _, pre = tok.text.partition("+")[0].partition("-")
        # semver: numbers (and numeric pre-release parts) have no leading zero
        names = ("major", "minor", "patch")
        parts = list(zip(core.split("."), names, strict=True)) + [
            (p, "pre-release") for p in pre.split(".") if p.isdigit()
        ]
        for part, which in parts:
            if len(part) > 1 and part[0] == "0":
                raise tok.span.error(f"invalid leading zero in {which} version number")
        _check_version_words(tok)
        return Version.parse(tok.text)

    def package_member(self) -> ast.PackageMember:
        if self.at("use"):
            span = self.advance().span
            path = self.use_path()
            alias = self.ident() if self.eat("as") else None
            self.expect(";")
            return ast.TopUse(path, alias, span)
        docs, gates = self.gates()
        if gates != ast.NO_GATES and self.tok.kind in ("package", "use"):
            what = "a package" if self.at("package") else "a top-level `use`"
            raise self.tok.span.error(f"`@since`, `@unstable` and `@deprecated` cannot gate {what}")
        if self.at("interface"):
            self.advance()
            name = self.ident("an interface name")
            name.docs = docs
            return ast.InterfaceItem(name, self.interface_body(), gates)
        if self.at("world"):
            self.advance()
            name = self.ident("a world name")
            name.docs = docs
            return self.world_body(name, gates)
        raise self.unexpected("`interface`, `world`, `use` or `package`")

    # ------------------------------------------------------------ gates

    def gates(self) -> tuple[str, ast.Gates]:
        """Parse `@since(...)`-style annotations; return (docs, gates).  Docs may
        sit before or between the annotations."""
        docs = list(self.tok.docs)
        since: Version | None = None
        unstable: str | None = None
        deprecated: Version | None = None
        first: Span | None = None
        seen: set[str] = set()
        while self.at("@"):
            self.advance()
            name = self.expect("id", "`since`, `unstable`, `deprecated` or `external-id`")
            first = first or name.span
            if name.text in seen:
                raise name.span.error(f"cannot specify @{name.text} twice")
            seen.add(name.text)
            self.expect("(")
            if name.text == "external-id":
                self.expect("string", "a string literal")
            elif name.text == "unstable":
                self.field_name("feature")
                unstable = self.ident("a feature name").name
            elif name.text in ("since", "deprecated"):
                self.field_name("version")
                v = self.version()
                if self.eat(","):  # early WASI drafts wrote `@since(version = x, feature = y)`
                    self.field_name("feature")
                    self.ident("a feature name")
                if name.text == "since":
                    since = v
                else:
                    deprecated = v
            else:
                raise name.span.error(f"unknown annotation `@{name.text}`")
            self.expect(")")
            docs.extend(self.tok.docs)
        if first is not None and since and unstable:
            raise first.error("an item cannot be both `@since` and `@unstable`")
        if first is not None and deprecated and not (since or unstable):
            raise first.error("`@deprecated` needs `@since` or `@unstable` on the same item")
        return "\n".join(docs), ast.Gates(since, unstable, deprecated)

    def field_name(self, want: str) -> None:
        tok = self.expect("id", f"`{want}`")
        if tok.text != want:
            raise tok.span.error(f"expected `{want}`, found `{tok.text}`")
        self.expect("=")

    # ------------------------------------------------------------ paths and use

    def use_path(self) -> ast.UsePath:
        first = self.ident("an interface name")
        if not self.at(":"):
            return ast.UsePath(None, first.name, first.span, first.span)
        self.advance()
        pkg = self.ident("a package name")
        if self.at(":"):
            raise self.tok.span.error("nested namespaces and packages are not supported")
        self.expect("/", "`/` and an interface name")
        iface = self.ident("an interface name")
        if self.at("/"):
            raise self.tok.span.error("nested packages are not supported")
        version = self.opt_version()
        ref = ast.PackageRef(first.name, pkg.name, version, first.span)
        return ast.UsePath(ref, iface.name, first.span, iface.span)

    def use_item(self, gates: ast.Gates) -> ast.UseItem:
        span = self.expect("use").span
        path = self.use_path()
        self.expect(".", "`.{`")
        self.expect("{")
        names: list[tuple[ast.Named, ast.Named | None]] = []
        while not self.eat("}"):  # `use i.{};` is allowed (wit-parser takes it)
            orig = self.ident("a type name")
            alias = self.ident() if self.eat("as") else None
            names.append((orig, alias))
            if self.comma_list_end("}"):
                break
        self.expect(";")
        return ast.UseItem(path, names, gates, span)

    # ------------------------------------------------------------ interfaces

    def interface_body(self) -> list[ast.InterfaceMember]:
        self.expect("{")
        members: list[ast.InterfaceMember] = []
        while not self.eat("}"):
            docs, gates = self.gates()
            if self.at("use"):
                members.append(self.use_item(gates))
            elif self.tok.kind in TYPE_ITEM_KEYWORDS:
                members.append(self.type_item(docs, gates))
            elif self.at("id"):
                members.append(self.func_item(docs, gates))
            else:
                raise self.unexpected("a type, a function or `use`")
        return members

    def func_item(self, docs: str, gates: ast.Gates) -> ast.FuncItem:
        name = self.ident("a function name")
        name.docs = docs
        self.expect(":")
        return ast.FuncItem(name, self.func_type(), gates=gates)

    def func_type(self) -> ast.FuncSig:
        span = self.tok.span
        is_async = self.eat("async")
        self.expect("func", "`func`")
        params = self.param_list()
        result = self.ty() if self.eat("->") else None
        self.expect(";")
        return ast.FuncSig(params, result, is_async, span)

    def param_list(self) -> list[ast.Param]:
        self.expect("(")
        params: list[ast.Param] = []
        if self.eat(")"):
            return params
        while True:
            name = self.ident("a parameter name")
            self.expect(":")
            params.append(ast.Param(name, self.ty()))
            if self.comma_list_end(")"):
                return params

    # ------------------------------------------------------------ type items

    def type_item(self, docs: str, gates: ast.Gates) -> ast.TypeItem:
        kw = self.advance().kind
        name = self.ident("a type name")
        name.docs = docs
        if kw == "type":
            self.expect("=")
            target = self.ty()
            self.expect(";")
            return ast.TypeAliasItem(name, target, gates)
        if kw == "resource":
            return ast.ResourceItem(name, self.resource_body(), gates)
        self.expect("{")
        if kw == "record":
            fields: list[tuple[ast.Named, ast.TypeExpr]] = []
            while not self.eat("}"):
                fname = self.ident("a field name")
                self.expect(":")
                fields.append((fname, self.ty()))
                if self.comma_list_end("}"):
                    break
            if not fields:
                raise name.span.error(f"record `{name.name}` must have at least one field")
            return ast.RecordItem(name, fields, gates)
        if kw == "variant":
            cases: list[tuple[ast.Named, ast.TypeExpr | None]] = []
            while not self.eat("}"):
                cname = self.ident("a case name")
                payload = None
                if self.eat("("):
                    payload = self.ty()
                    self.expect(")")
                cases.append((cname, payload))
                if self.comma_list_end("}"):
                    break
            if not cases:
                raise name.span.error(f"variant `{name.name}` must have at least one case")
            return ast.VariantItem(name, cases, gates)
        names: list[ast.Named] = []
        while not self.eat("}"):
            names.append(self.ident("a case name"))
            if self.comma_list_end("}"):
                break
        if not names:
            what = "case" if kw == "enum" else "flag"
            raise name.span.error(f"{kw} `{name.name}` must have at least one {what}")
        if kw == "flags" and len(names) > 32:
            raise names[32].span.error("a flags type has at most 32 flags")
        if kw == "enum":
            return ast.EnumItem(name, names, gates)
        return ast.FlagsItem(name, names, gates)

    def resource_body(self) -> list[ast.FuncItem] | None:
        if self.eat(";"):
            return None
        self.expect("{", "`;` or `{`")
        funcs: list[ast.FuncItem] = []
        while not self.eat("}"):
            docs, gates = self.gates()
            if self.at("constructor"):
                tok = self.advance()
                params = self.param_list()
                result = self.ty() if self.eat("->") else None
                self.expect(";")
                sig = ast.FuncSig(params, result, False, tok.span)
                named = ast.Named("constructor", tok.span, docs)
                funcs.append(ast.FuncItem(named, sig, "constructor", gates))
                continue
            name = self.ident("a method name or `constructor`")
            name.docs = docs
            self.expect(":")
            kind = "static" if self.eat("static") else "method"
            funcs.append(ast.FuncItem(name, self.func_type(), kind, gates))
        return funcs

    # ------------------------------------------------------------ worlds

    def world_body(self, name: ast.Named, gates: ast.Gates) -> ast.WorldItemAst:
        self.expect("{")
        members: list[ast.WorldMember] = []
        while not self.eat("}"):
            docs, item_gates = self.gates()
            if self.at("import") or self.at("export"):
                members.append(self.extern_item(docs, item_gates))
            elif self.at("include"):
                members.append(self.include_item(item_gates))
            elif self.at("use"):
                members.append(self.use_item(item_gates))
            elif self.tok.kind in TYPE_ITEM_KEYWORDS:
                members.append(self.type_item(docs, item_gates))
            else:
                raise self.unexpected("`import`, `export`, `include`, `use` or a type")
        return ast.WorldItemAst(name, members, gates)

    def extern_item(self, docs: str, gates: ast.Gates) -> ast.ExternItem:
        direction_tok = self.advance()
        direction, span = direction_tok.kind, direction_tok.span
        first, colon, after = self.tok, self.peek(1), self.peek(2)
        if first.kind == "id" and colon.kind == ":":
            # `a:b/c` (spaces allowed) is an interface path; else `a: ...` names
            # an item (`import c:d;` names an item `c`, as wit-parser reads it)
            if after.kind == "id" and self.peek(3).kind == "/":
                path = self.use_path()
                self.expect(";")
                return ast.ExternItem(direction, "path", None, path=path, gates=gates, span=span)
            name = self.ident()
            name.docs = docs
            self.advance()  # the `:`
            if self.at("interface"):
                self.advance()
                body = self.interface_body()
                iface = ast.InterfaceItem(None, body, gates)
                return ast.ExternItem(
                    direction, "interface", name, interface=iface, gates=gates, span=span
                )
            if self.at("func") or self.at("async"):
                sig = self.func_type()
                return ast.ExternItem(direction, "func", name, func=sig, gates=gates, span=span)
            path = self.use_path()
            self.expect(";")
            return ast.ExternItem(direction, "named-path", name, path=path, gates=gates, span=span)
        path = self.use_path()
        self.expect(";")
        return ast.ExternItem(direction, "path", None, path=path, gates=gates, span=span)

    def include_item(self, gates: ast.Gates) -> ast.IncludeItem:
        span = self.expect("include").span
        path = self.use_path()
        renames: list[tuple[ast.Named, ast.Named]] = []
        if self.eat("with"):
            self.expect("{")
            while not self.eat("}"):
                old = self.ident("a name")
                self.expect("as", "`as`")
                renames.append((old, self.ident("a new name")))
                if self.comma_list_end("}"):
                    break
            self.eat(";")
        else:
            self.expect(";")
        return ast.IncludeItem(path, renames, gates, span)

    # ------------------------------------------------------------ types

    def ty(self) -> ast.TypeExpr:
        if self.depth >= MAX_TYPE_DEPTH:
            raise self.tok.span.error(f"type nesting too deep (more than {MAX_TYPE_DEPTH} levels)")
        self.depth += 1
        try:
            return self.ty_here()
        finally:
            self.depth -= 1

    def ty_here(self) -> ast.TypeExpr:
        tok = self.advance()
        kind, span = tok.kind, tok.span
        if kind in PRIMITIVE_KEYWORDS:
            return ast.PrimT(kind, span)
        if kind == "id":
            return ast.NamedT(tok.text, span)
        if kind == "tuple":
            self.expect("<")
            if self.at(">"):
                raise span.error("a tuple needs at least one type")
            types = [self.ty()]
            while not self.comma_list_end(">"):
                types.append(self.ty())
            return ast.TupleT(tuple(types), span)
        if kind == "list":
            self.expect("<")
            element = self.ty()
            size = None
            if self.eat(","):  # wit-parser takes a length of 0 too
                size_tok = self.expect("int", "a list length")
                size = int(size_tok.text)
                if size > 0xFFFF_FFFF:
                    raise size_tok.span.error("a list length must fit in 32 bits")
            self.expect(">", "`>`")
            return ast.ListT(element, size, span)
        if kind == "option":
            return ast.OptionT(self.angle_one(), span)
        if kind in ("own", "borrow"):
            self.expect("<")
            name = self.ident("a resource name")
            self.expect(">")
            return ast.HandleT(kind, name.name, name.span)  # errors name the resource
        if kind == "result":
            return self.result_rest(span)
        if kind in ("future", "stream"):
            inner = self.angle_one() if self.at("<") else None
            return ast.FutureT(inner, span) if kind == "future" else ast.StreamT(inner, span)
        if kind == "map":
            return self.map_rest(span)
        self.i -= 1
        raise self.unexpected("a type")

    def map_rest(self, span: Span) -> ast.MapT:
        self.expect("<")
        key = self.ty()
        if not (isinstance(key, ast.PrimT) and key.name in MAP_KEY_TYPES):
            keys = ", ".join(sorted(MAP_KEY_TYPES))
            raise span.error(f"invalid map key type: a map key is one of {keys}")
        self.expect(",", "`,` and the value type")
        value = self.ty()
        self.expect(">", "`>`")
        return ast.MapT(key, value, span)

    def angle_one(self) -> ast.TypeExpr:
        self.expect("<")
        inner = self.ty()
        self.expect(">", "`>`")
        return inner

    def result_rest(self, span: Span) -> ast.ResultT:
        if not self.eat("<"):
            return ast.ResultT(None, None, span)
        ok = None if self.eat("_") else self.ty()
        err = None
        if self.eat(","):
            err = self.ty()
        elif ok is None:
            raise self.unexpected("`,` and an error type after `_`")
        self.expect(">", "`>`")
        return ast.ResultT(ok, err, span)


def _check_version_words(tok: Token) -> None:
    """wit-parser lexes a version's pre-release and build parts as WIT tokens,
    so a part that is a keyword (`1.0.0-list`) ends the version there: an
    error at the keyword, or at the `.` before it."""
    text, start = tok.text, tok.text.find("-")
    plus = tok.text.find("+")
    start = plus if start < 0 or 0 <= plus < start else start
    if start < 0:
        return
    offset = start + 1
    for i, part in enumerate(re.split(r"[.+]", text[offset:])):
        if part in KEYWORDS:
            col = tok.span.col + offset - (1 if i and text[offset - 1] == "." else 0)
            where = Span(tok.span.file, tok.span.line, col)
            raise where.error(f"`{part}` is a WIT keyword and cannot be part of a version")
        offset += len(part) + 1


def parse_text(text: str, file: str = "<wit>") -> ast.File:
    """Parse one WIT source text into its syntax tree."""
    return Parser(tokenize(text, file)).file(file)
