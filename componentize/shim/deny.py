"""Capability trimming (`componentize new --deny NAME`): a gc'd shim that
never calls, and does not import, the denied WASI interfaces.

Two rewrites of the gc'd shim, no rebuild of the C:

* the body of `capabilities()` (contract.CAPABILITIES_FUNCTION) becomes the
  constant without the denied CAP_* bits, so the C code takes its
  no-capability paths (no stdio fd, no preopens, no arguments, no terminal,
  ENOTCAPABLE for a clock or randomness);
* every import of a denied interface becomes a local function.  Those paths
  never reach it; its body is `unreachable`, named
  `denied_<interface>_<function>_is_not_supported` in the name section, so a
  path we missed would say so (`componentize run` names such frames in the
  trap) rather than misbehave.

Which names may be denied: every interface of the bundled WASI packages but
`wasi:cli/exit` (proc_exit has no other way out) and `wasi:cli/run` (an
export); a package name denies each of its deniable interfaces.  Denying an
interface denies the ones that use its types (`users()`): a
component cannot import `wasi:cli/stdout` without the `output-stream` of
`wasi:io/streams`, nor `wasi:filesystem/types` without the `datetime` of
`wasi:clocks/wall-clock` (a `use` imports the interface, as wit-component's
components do), so denying the wall clock denies the filesystem too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace
from functools import cache

from componentize import wit
from componentize.errors import InputError, InternalError
from componentize.shim.contract import (
    CAPABILITIES_FUNCTION,
    CAPABILITY_BITS,
    SHIM_WASI_VERSION,
)
from componentize.shim.rewrite import Renumber, renumber
from componentize.wasm.instructions import decode_expr, encode_expr
from componentize.wasm.model import Code, CustomSection, FuncDesc, Instruction, Module
from componentize.wasm.names import decode_name_section, encode_name_section
from componentize.wasm.query import imported_count
from componentize.wasm.skeleton import UNREACHABLE
from componentize.wit.model import Alias, Interface, Resolve, TypeRef

NOT_DENIABLE = {
    "wasi:cli/exit": "proc_exit needs it to end the program",
    "wasi:cli/run": "it is what the component exports, not an import",
}


class DenyNameError(InputError):
    """An unknown or undeniable `--deny` name; shown whole, since its hint
    is the list of the names that may be denied."""

    max_part = None


def unversioned(name: str) -> str:
    """`wasi:cli/stdout@0.2.3` -> `wasi:cli/stdout`."""
    return name.partition("@")[0]


@cache
def _bundled() -> Resolve:
    return wit.resolve_dir(wit.bundled_wit_dir(), version=SHIM_WASI_VERSION)


def _name(iface: Interface) -> str:
    assert iface.package is not None
    return f"{unversioned(str(iface.package.name))}/{iface.name}"


@cache
def users() -> dict[str, frozenset[str]]:
    """Interface -> the interfaces that `use` its types (in the bundled WIT),
    which a component cannot import without it."""
    found: dict[str, set[str]] = {}
    for package in _bundled().packages:
        for iface in package.interfaces.values():
            for t in iface.types.values():
                target = t.body.target if isinstance(t.body, Alias) else None
                owner = target.definition.owner if isinstance(target, TypeRef) else None
                if isinstance(owner, Interface) and owner is not iface:
                    found.setdefault(_name(owner), set()).add(_name(iface))
    return {k: frozenset(v) for k, v in found.items()}


@cache
def deniable() -> dict[str, tuple[str, ...]]:
    """Each name `--deny` takes -> the interfaces it denies (before closure):
    the bundled WASI interfaces and their packages."""
    names: dict[str, tuple[str, ...]] = {}
    for package in _bundled().packages:
        pkg = unversioned(str(package.name))
        ifaces = tuple(f"{pkg}/{i}" for i in package.interfaces if f"{pkg}/{i}" not in NOT_DENIABLE)
        names[pkg] = ifaces
        names.update({i: (i,) for i in ifaces})
    return names


def deniable_text() -> str:
    """The deniable names, a package with its interfaces:
    `wasi:clocks (/monotonic-clock, /wall-clock); ...`."""
    packages = [name for name in deniable() if "/" not in name]
    return "; ".join(
        f"{pkg} ({', '.join('/' + i.partition('/')[2] for i in sorted(deniable()[pkg]))})"
        for pkg in sorted(packages)
    )


def expand(names: Collection[str]) -> frozenset[str]:
    """The interfaces (unversioned) denied by `--deny` `names`, closed over
    users().  An unknown name is an InputError listing the known ones."""
    if not names:
        return frozenset()  # the common case reads no WIT
    known = deniable()
    denied: set[str] = set()
    for name in names:
        base = unversioned(name.strip())
        if base not in known:
            why = NOT_DENIABLE.get(base)
            raise DenyNameError(
                f"cannot deny `{name}`: " + (why or "not a WASI interface or package"),
                where=f"--deny {name}",
                hint=f"deniable: {deniable_text()}",
            )
        denied.update(known[base])
    work = list(denied)
    while work:
        for user in users().get(work.pop(), ()):
            if user not in denied:
                denied.add(user)
                work.append(user)
    return frozenset(denied)


def implied_warnings(names: Collection[str]) -> list[str]:
    """A warning when `names` deny a capability nobody named (through users())."""
    named = {i for name in names for i in deniable().get(unversioned(name.strip()), ())}
    implied = sorted(i for i in expand(names) - named if i in CAPABILITY_BITS)
    if not implied:
        return []
    return [
        f"--deny {', '.join(sorted(named))} also denies {', '.join(implied)}: they use its "
        "types, and a component cannot import them without it"
    ]


def capability_mask(denied: Iterable[str]) -> int:
    """What `capabilities()` returns with `denied` (as an i32 immediate)."""
    mask = 0xFFFFFFFF
    for iface in denied:
        mask &= ~CAPABILITY_BITS.get(iface, 0)
    return mask - (1 << 32) if mask >= 1 << 31 else mask


def apply(module: Module, denied: frozenset[str]) -> Module:
    """The gc'd shim `module` without imports of the `denied` interfaces
    (unversioned names, as `expand` gives), its capabilities constant."""
    if not denied:
        return module
    names = _function_names(module)
    module = _set_capabilities(module, names, capability_mask(denied))
    return _stub_imports(module, names, denied)


def _function_names(module: Module) -> dict[int, str]:
    for custom in module.customs:
        if custom.name == "name":
            return dict(decode_name_section(custom.data).functions)
    raise InternalError("the shim has no name section: --deny cannot find capabilities()")


def _set_capabilities(module: Module, names: dict[int, str], mask: int) -> Module:
    """`capabilities()` returning `mask`; absent when nothing kept asks it."""
    n_imported = imported_count(module, "func")
    codes = list(module.codes)
    for index, name in names.items():
        if name == CAPABILITIES_FUNCTION and index >= n_imported:
            body = [Instruction("i32.const", (mask,)), Instruction("end", ())]
            codes[index - n_imported] = Code([], encode_expr(body))
    return replace(module, codes=codes)


def _stub_imports(module: Module, names: dict[int, str], denied: frozenset[str]) -> Module:
    """Denied function imports become defined functions, placed right after
    the kept imports, so defined functions keep their indices."""
    funcs = [(i, imp) for i, imp in enumerate(module.imports) if imp.kind == "func"]
    gone = [(n, imp) for n, (_, imp) in enumerate(funcs) if unversioned(imp.module) in denied]
    if not gone:
        return module
    kept = [(n, imp) for n, (_, imp) in enumerate(funcs) if unversioned(imp.module) not in denied]
    order = [n for n, _ in kept] + [n for n, _ in gone]
    mapping = {old: new for new, old in enumerate(order)}
    n_imported = len(funcs)
    mapping.update({f: f for f in range(n_imported, n_imported + len(module.functions))})
    r = Renumber(funcs=mapping)
    stub_types = []
    for _, imp in gone:
        assert isinstance(imp.desc, FuncDesc)
        stub_types.append(imp.desc.type_index)
    gone_ids = {id(imp) for _, imp in gone}
    codes = [Code([], UNREACHABLE) for _ in gone]
    codes += [Code(c.locals, encode_expr(renumber(decode_expr(c.code), r))) for c in module.codes]
    stub_names = {mapping[n]: stub_name(imp.module, imp.name) for n, imp in gone}
    return replace(
        module,
        imports=[imp for imp in module.imports if id(imp) not in gone_ids],
        functions=stub_types + list(module.functions),
        codes=codes,
        exports=[
            replace(e, index=mapping[e.index]) if e.kind == "func" else e for e in module.exports
        ],
        start=None if module.start is None else mapping[module.start],
        customs=[_renamed(c, mapping, stub_names) for c in module.customs],
    )


def stub_name(module: str, name: str) -> str:
    """`denied_wasi_cli_stdout_get_stdout_is_not_supported`: what a trap in
    the stub of `module#name` shows (run.trap_reason reads that suffix)."""
    words = re.sub(r"\W+", "_", f"{unversioned(module)}/{name}").strip("_")
    return f"denied_{words}_is_not_supported"


def _renamed(c: CustomSection, mapping: dict[int, int], extra: dict[int, str]) -> CustomSection:
    if c.name != "name":
        return c
    ns = decode_name_section(c.data)
    named = {mapping[i]: n for i, n in ns.functions.items() if i in mapping} | extra
    ns.functions = dict(sorted(named.items()))  # a name map is in index order
    return CustomSection("name", encode_name_section(ns), c.after)


# What a WASI interface gives a component the authority to do (inspect), by
# prefix; the first match wins.  wasi:io has no authority of its own: its
# streams and pollables come from the interfaces that hand them out.
CAPABILITIES = (
    ("wasi:filesystem/", "filesystem"),
    ("wasi:sockets/", "sockets"),
    ("wasi:clocks/wall-clock", "wall-clock"),
    ("wasi:clocks/", "monotonic-clock"),
    ("wasi:random/", "random"),
    ("wasi:cli/environment", "environment"),
    ("wasi:cli/exit", "exit"),
    ("wasi:cli/terminal-", "terminal"),
    ("wasi:cli/", "stdio"),
    ("wasi:io/", "io"),
)
CAPABILITY_NAMES = tuple(dict.fromkeys(name for _, name in CAPABILITIES))


def capability_of(interface: str) -> str | None:
    """The capability a WASI interface import gives (None: not WASI)."""
    for prefix, name in CAPABILITIES:
        if interface.startswith(prefix):
            return name
    return None
