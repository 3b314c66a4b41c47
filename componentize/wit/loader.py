"""Turn files into source packages: a directory is one package (all its
`*.wit` files), `deps/` holds more (a folder or one file per package), and
any file may add `package a:b { ... }` blocks.

The only I/O of the `wit` layer lives here (reading files).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from componentize.errors import WitError
from componentize.wit import ast
from componentize.wit.lexer import Span
from componentize.wit.parser import parse_text

Key = tuple[str, str, Any]  # (namespace, name, Version | None)


@dataclass
class SourcePackage:
    """One package's items, as blocks (each block keeps its own file scope for
    top-level `use`)."""

    name: ast.PackageRef
    blocks: list[ast.PackageBlock] = field(default_factory=list)
    docs: str = ""

    @property
    def key(self) -> Key:
        return self.name.key()


def read_wit(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise WitError(f"not valid UTF-8 ({e.reason})", file=str(path), line=1, col=1) from e
    except OSError as e:
        raise WitError(f"cannot read: {e.strerror}", file=str(path), line=1, col=1) from e


def parse_files(paths: list[Path]) -> list[ast.File]:
    return [parse_text(read_wit(p), str(p)) for p in paths]


def group(files: list[ast.File], where: str) -> tuple[SourcePackage | None, list[SourcePackage]]:
    """The files of one package: (its main package, the nested blocks)."""
    main: SourcePackage | None = None
    nested: list[SourcePackage] = []
    for f in files:
        if f.root.name is not None:
            if main is None:
                main = SourcePackage(f.root.name, docs=f.root.docs)
            elif f.root.name.key() != main.name.key():
                raise f.root.name.span.error(
                    f"package `{f.root.name}` does not match `{main.name}` declared in "
                    f"{main.name.span.file}:{main.name.span.line}"
                )
            elif not main.docs:
                main.docs = f.root.docs
        for block in f.nested:
            assert block.name is not None
            nested.append(SourcePackage(block.name, [block], block.docs))
    for f in files:
        if not f.root.members:
            continue
        if main is None:
            first = f.root.members[0]
            span = first.span if isinstance(first, ast.TopUse) else _member_span(first)
            raise span.error(f"no `package` declaration for the items in {where}")
        main.blocks.append(f.root)
    if main is not None and not main.blocks:
        main.blocks.append(ast.PackageBlock(main.name))
    return main, nested


def _member_span(member: ast.InterfaceItem | ast.WorldItemAst) -> Span:
    assert member.name is not None
    return member.name.span


def load_dir(path: Path) -> tuple[SourcePackage | None, list[SourcePackage]]:
    """(root package, every package including nested ones and deps)."""
    if not path.is_dir():
        if not path.is_file():
            raise WitError("no such directory", file=str(path), line=0, col=0)
        root, packages = load_files([path], str(path))
        return require_root(root, packages, str(path)), packages
    files = sorted(path.glob("*.wit"))
    root, packages = load_files(files, str(path))
    root = require_root(root, packages, str(files[0]) if files else str(path))
    deps = path / "deps"
    if deps.is_dir():
        for entry in sorted(deps.iterdir()):
            if entry.is_dir():
                files = sorted(entry.glob("*.wit"))
            elif entry.suffix == ".wit":
                files = [entry]
            else:
                continue
            dep_main, dep_all = load_files(files, str(entry))
            if dep_main is None and files:
                raise WitError("no `package` declaration", file=str(files[0]), line=1, col=1)
            packages.extend(dep_all)
    return root, packages


def require_root(
    root: SourcePackage | None, packages: list[SourcePackage], where: str
) -> SourcePackage:
    """The package a directory or file declares: nested `package a:b { }`
    blocks alone do not make one (wit-parser needs the `package a:b;` line)."""
    if root is not None:
        return root
    if packages:
        raise packages[0].name.span.error(
            "no `package a:b;` line: nested package blocks need a root package declared first"
        )
    raise WitError("no WIT package found (no `package a:b;` line)", file=where, line=1, col=1)


def load_files(paths: list[Path], where: str) -> tuple[SourcePackage | None, list[SourcePackage]]:
    main, nested = group(parse_files(paths), where)
    return main, ([main] if main else []) + nested


def fingerprint(node: object) -> object:
    """A comparable form of a syntax tree without spans or docs, to tell whether
    two copies of a package are the same."""
    if isinstance(node, Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__,) + tuple(
            fingerprint(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if f.name not in ("docs", "span")
        )
    if isinstance(node, list | tuple):
        return tuple(fingerprint(x) for x in node)
    return node
