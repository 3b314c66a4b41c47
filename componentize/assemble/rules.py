"""Import rules: how to serve a module's imports that no WASI host provides.

`--import-rule MODULE.NAME=ACTION`, per import, with ACTION one of

- `trap`: calling it traps, in a function named after the import (the
  backtrace says which import was called);
- `unreachable`: a plain `unreachable`;
- `zero`: returns zero for every result (integers and floats);
- `noop`: returns nothing (only for a function without results);

and built-in rules, chosen by the detected toolchain, for the common cases
(`--no-builtin-rules` turns them off):

- AssemblyScript's `env.abort(message, file, line, column)`, from a build
  without its WASI shim: prints `abort: MESSAGE in FILE(LINE:COLUMN)` to
  stderr and exits with 255, as `@assemblyscript/wasi-shim`'s abort does
  (the same bytes, built in the module's memory at address 12 as that
  shim builds them, with `fd_write` and `proc_exit`);
- Emscripten's `env.emscripten_notify_memory_growth(i32)`: a no-op (it
  tells JavaScript that memory grew).

The rules are served by one generated core module (`rules_module`, in WAT),
instantiated once the main module exists: the AssemblyScript abort reads
and writes the module's memory and calls preview1 through the shim.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import wasmtime

from componentize import wasm
from componentize.assemble.analyze import Analysis, ImportInfo
from componentize.assemble.toolchain import ASSEMBLYSCRIPT, EMSCRIPTEN_GROWTH, advice_for
from componentize.errors import UnsupportedModuleError

Action = Literal["trap", "unreachable", "zero", "noop", "assemblyscript-abort"]
USER_ACTIONS: tuple[str, ...] = ("trap", "unreachable", "zero", "noop")
PREVIEW1 = "wasi_snapshot_preview1"
ABORT_NEEDS = (("fd_write", "(i32, i32, i32, i32) -> (i32)"), ("proc_exit", "(i32) -> ()"))
MEMORY_IMPORT = ("env", "memory")
ABORT_SIGNATURE = "(i32, i32, i32, i32) -> ()"


@dataclass(frozen=True)
class Rule:
    module: str
    name: str
    action: Action
    params: tuple[str, ...]
    results: tuple[str, ...]
    builtin: str = ""  # the toolchain whose built-in rule this is

    @property
    def target(self) -> str:
        return f"{self.module}.{self.name}"

    def describe(self) -> str:
        what = {
            "trap": "traps",
            "unreachable": "traps (unreachable)",
            "zero": "returns zeros",
            "noop": "does nothing",
            "assemblyscript-abort": "prints the message to stderr and exits with 255",
        }[self.action]
        by = f"built-in {self.builtin} rule" if self.builtin else "import rule"
        return f"{self.target}: {what} ({by})"


def choose(analysis: Analysis, specs: Sequence[str], *, builtins: bool, where: str) -> list[Rule]:
    """The rules for the module's imports: the user's, then built-ins for
    imports the user did not name; in import order."""
    by_key = {(i.module, i.name): i for i in analysis.imports if i.kind == "func"}
    chosen: dict[tuple[str, str], Rule] = {}
    for spec in specs:
        imp, action = _parse(spec, by_key, where)
        chosen[imp.module, imp.name] = _rule(imp, action, "", where)
    if builtins:
        for imp in analysis.other_imports:
            key = (imp.module, imp.name)
            if key not in chosen and imp.kind == "func":
                rule = builtin_rule(imp, analysis)
                if rule is not None:
                    chosen[key] = rule
    return [chosen[k] for k in by_key if k in chosen]


def builtin_rule(imp: ImportInfo, analysis: Analysis) -> Rule | None:
    """The built-in rule for one import, if its toolchain has one."""
    advice = advice_for(imp, analysis)
    if advice is ASSEMBLYSCRIPT and imp.name == "abort" and imp.signature == ABORT_SIGNATURE:
        return _rule(imp, "assemblyscript-abort", advice.toolchain, "")
    if advice is EMSCRIPTEN_GROWTH and imp.signature == "(i32) -> ()":
        return _rule(imp, "noop", advice.toolchain, "")
    return None


def _parse(
    spec: str, imports: Mapping[tuple[str, str], ImportInfo], where: str
) -> tuple[ImportInfo, Action]:
    target, sep, action = spec.rpartition("=")
    if not sep or action not in USER_ACTIONS:
        raise UnsupportedModuleError(
            f"`{spec}` is not MODULE.NAME=ACTION",
            where="--import-rule",
            hint=f"ACTION is one of {', '.join(USER_ACTIONS)}",
        )
    # Module and function names may both contain dots: take the split
    # that names a function the module imports.
    for i, char in enumerate(target):
        if char == "." and (target[:i], target[i + 1 :]) in imports:
            return imports[target[:i], target[i + 1 :]], action  # type: ignore[return-value]
    raise UnsupportedModuleError(
        f"the module imports no function `{target}`",
        where=f"{where}: --import-rule {spec}",
        hint="name an import as MODULE.NAME (componentize inspect lists them)",
    )


def _rule(imp: ImportInfo, action: Action, builtin: str, where: str) -> Rule:
    params, results = _split_signature(imp.signature)
    if action == "noop" and results:
        raise UnsupportedModuleError(
            f"`{imp.module}.{imp.name}` returns {', '.join(results)}: a noop cannot",
            where=f"{where}: --import-rule {imp.module}.{imp.name}=noop",
            hint="use zero (returns zeros) or trap",
        )
    unsupported = [t for t in (*params, *results) if t not in ("i32", "i64", "f32", "f64")]
    if unsupported:
        raise UnsupportedModuleError(
            f"`{imp.module}.{imp.name}` has values of type {unsupported[0]}, which rules "
            "cannot serve",
            where=f"{where}: import {imp.module}.{imp.name}",
            hint="link that dependency into the module instead",
        )
    return Rule(imp.module, imp.name, action, params, results, builtin)


def _split_signature(signature: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`(i32, i64) -> (f32)` -> (("i32", "i64"), ("f32",))."""
    params, _, results = signature.partition(" -> ")
    return _types(params), _types(results)


def _types(text: str) -> tuple[str, ...]:
    inner = text.strip()[1:-1].strip()
    return tuple(t.strip() for t in inner.split(",")) if inner else ()


def needs_memory(rules: Iterable[Rule]) -> bool:
    return any(r.action == "assemblyscript-abort" for r in rules)


def preview1_needs(rules: Iterable[Rule]) -> list[tuple[str, str]]:
    """The preview1 functions the rules module imports (module, name)."""
    return [(PREVIEW1, name) for name, _ in ABORT_NEEDS] if needs_memory(rules) else []


# ---------------------------------------------------------------- the module


def rules_module(rules: Sequence[Rule]) -> bytes:
    """Exports "0".."n-1": rule `i`'s function; imports preview1 `fd_write`,
    `proc_exit` and `env.memory` when an AssemblyScript abort is among them."""
    return _assemble(tuple(rules))


@cache
def _assemble(rules: tuple[Rule, ...]) -> bytes:
    parts = ["(module"]
    if needs_memory(rules):
        fd_write = "(param i32 i32 i32 i32) (result i32)"
        parts += [
            f'(import "{PREVIEW1}" "fd_write" (func $fd_write {fd_write}))',
            f'(import "{PREVIEW1}" "proc_exit" (func $proc_exit (param i32)))',
            f'(import "{MEMORY_IMPORT[0]}" "{MEMORY_IMPORT[1]}" (memory 0))',
            ABORT_WAT.read_text(),
        ]
    for i, rule in enumerate(rules):
        parts.append(_function(i, rule))
    parts.append(")")
    return bytes(wasmtime.wat2wasm("\n".join(parts)))


def _function(index: int, rule: Rule) -> str:
    name = _wat_name(f"import_rule_{rule.action}({rule.target})")
    params = " ".join(f"(param {t})" for t in rule.params)
    results = " ".join(f"(result {t})" for t in rule.results)
    head = f'(func {name if rule.action == "trap" else ""} (export "{index}") {params} {results}'
    if rule.action in ("trap", "unreachable"):
        return f"{head} unreachable)"
    if rule.action == "zero":
        return f"{head} {' '.join(f'({t}.const 0)' for t in rule.results)})"
    if rule.action == "noop":
        return f"{head})"
    return f"{head} (call $abort (local.get 0) (local.get 1) (local.get 2) (local.get 3)))"


def _wat_name(text: str) -> str:
    """A WAT identifier for `text` (`$"..."` quotes anything)."""
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\{ord(c):02x}" for c in text)
    return f'$"{escaped}"'


ABORT_WAT = Path(__file__).resolve().parent.parent / "data" / "assemblyscript_abort.wat"


def rule_types(rules: Sequence[Rule]) -> list[wasm.FuncType]:
    """The core types of the rules' functions, in order (for stub slots)."""
    return [wasm.FuncType(list(r.params), list(r.results)) for r in rules]
