"""The `wit` layer: WIT text -> syntax tree -> resolved model -> WIT text.

Public API:
    parse_text(text, file) -> ast.File
    resolve_dir(path, *, version=None, features=frozenset(), all_features=False) -> Resolve
    resolve_text(text, file="<wit>", *, version=None, features=..., all_features=False) -> Resolve
    print_package(package, *, docs=True) -> str
    print_resolve(resolve, *, docs=True) -> str
    print_world(world, *, docs=True) -> str
    structure(package_or_resolve, *, docs=False) -> comparable nested tuples/dicts
    find_world(resolve, spec) -> World
    bundled_wit_dir() -> Path

Gating: with `version` (a WASI 0.2.N target), items whose `@since` is newer
are dropped from every package of that release line (same major, and same
minor for 0.x), and those packages are renamed to that version.  `@unstable`
items are dropped unless their feature is in `features` (or `all_features`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from componentize.wit import model
from componentize.wit.model import Resolve, Version

# eager: the name is also the submodule's, which an import of the submodule
# would bind here in place of the function
from componentize.wit.structure import structure

if TYPE_CHECKING:
    from componentize.wit.parser import parse_text
    from componentize.wit.printer import print_package, print_resolve, print_world
    from componentize.wit.scope import Target

# The parser, resolver and printer load on first use: a `componentize new`
# of a plain module reads only the stored resolve (bundled.py) and the model.
_LAZY = {
    "parse_text": "componentize.wit.parser",
    "print_package": "componentize.wit.printer",
    "print_resolve": "componentize.wit.printer",
    "print_world": "componentize.wit.printer",
    "Target": "componentize.wit.scope",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "Target",
    "Version",
    "bundled_wit_dir",
    "find_world",
    "model",
    "parse_text",
    "print_package",
    "print_resolve",
    "print_world",
    "resolve_dir",
    "resolve_text",
    "structure",
]


def resolve_dir(
    path: str | Path,
    *,
    version: Version | None = None,
    features: frozenset[str] = frozenset(),
    all_features: bool = False,
) -> Resolve:
    """Resolve a WIT directory (its `*.wit` files are one package, `deps/`
    holds the others) or a single `.wit` file."""
    from componentize.wit.loader import load_dir
    from componentize.wit.resolver import resolve_sources
    from componentize.wit.scope import Target

    root, sources = load_dir(Path(path))
    # our own WIT is checked by the tests with every feature on
    ours = Path(path).resolve() == bundled_wit_dir()
    target = Target(version, features, all_features)
    return resolve_sources(root, sources, target, check_excluded=not ours)


def resolve_text(
    text: str,
    file: str = "<wit>",
    *,
    version: Version | None = None,
    features: frozenset[str] = frozenset(),
    all_features: bool = False,
) -> Resolve:
    """Resolve one WIT text: its package plus any nested `package x:y { }` blocks."""
    from componentize.wit.loader import group, require_root
    from componentize.wit.parser import parse_text
    from componentize.wit.resolver import resolve_sources
    from componentize.wit.scope import Target

    main, nested = group([parse_text(text, file)], file)
    main = require_root(main, nested, file)
    sources = [main, *nested]
    return resolve_sources(main, sources, Target(version, features, all_features))


def find_world(resolve: Resolve, spec: str) -> model.World:
    """`name` (a world of the root package, or the only world of that name) or
    `ns:pkg/name[@version]`.  Raises KeyError when there is none."""
    if "/" in spec:
        pkg_part, _, rest = spec.partition("/")
        name, _, ver = rest.partition("@")
        pkg = resolve.package(f"{pkg_part}@{ver}" if ver else pkg_part)
        return pkg.worlds[name]
    if resolve.root is not None and spec in resolve.root.worlds:
        return resolve.root.worlds[spec]
    found = [p.worlds[spec] for p in resolve.packages if spec in p.worlds]
    if len(found) != 1:
        raise KeyError(spec)
    return found[0]


def bundled_wit_dir() -> Path:
    """Our WASI 0.2 WIT files (`componentize/data/wit`)."""
    return (Path(__file__).resolve().parent.parent / "data" / "wit").resolve()
