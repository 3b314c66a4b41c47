"""`componentize inspect FILE [--json]`: describe a core module or a component."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from componentize import component, wasm
from componentize.assemble.analyze import Analysis, analyze
from componentize.assemble.rules import builtin_rule
from componentize.cli.funnel import Command
from componentize.component.model import CoreModuleSection
from componentize.files import read_bytes, wasm_kind
from componentize.shim.deny import CAPABILITY_NAMES, capability_of
from componentize.shim.sizes import function_sizes


@click.command(cls=Command)
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect(file: str, as_json: bool) -> None:
    """Describe FILE: a core module (kind, memories, imports with preview1
    signature checks, exports, custom sections, producers) or a component."""
    data = read_bytes(file)
    if wasm_kind(data, where=file) == "component":
        report = component_report(data)
    else:
        report = module_report(analyze(wasm.decode_module(data)))
    report = {"file": file, "size": len(data), **report}
    click.echo(json.dumps(report, indent=2) if as_json else render_text(report))


def module_report(a: Analysis) -> dict[str, Any]:
    imports = []
    for i in a.imports:
        entry: dict[str, Any] = {"module": i.module, "name": i.name, "kind": i.kind}
        if i.signature:
            entry["signature"] = i.signature
        if i.is_wasi and i.kind == "func":
            entry["wasi"] = {"expected": i.expected, "ok": not i.problem, "problem": i.problem}
        rule = builtin_rule(i, a) if not i.is_wasi and i.kind == "func" else None
        if rule is not None:
            entry["rule"] = rule.describe()
        imports.append(entry)
    return {
        "type": "module",
        "kind": a.kind,
        "memories": [asdict(m) for m in a.memories],
        "imports": imports,
        "exports": [{"name": e.name, "kind": e.kind} for e in a.exports],
        "custom_sections": [{"name": n, "size": s} for n, s in a.custom_sections],
        "producers": a.producers,
    }


def component_report(data: bytes) -> dict[str, Any]:
    c = component.decode_component(data)
    modules = component.core_modules(c)
    names = component.find_names(c)
    module_names = names.sorts.get(component.Sort.CORE_MODULE, {}) if names else {}
    shims = [
        s for s, m in zip(_embedded(c), modules, strict=True) if module_names.get(m.index) == "shim"
    ]
    imports = component.component_imports(c)
    return {
        "type": "component",
        "kind": "component",
        "imports": [{"name": n, "kind": k} for n, k in imports],
        **reach(imports),
        "exports": [{"name": n, "kind": k} for n, k in component.component_exports(c)],
        "core_modules": [
            {"index": m.index, "name": module_names.get(m.index, ""), "size": m.size}
            for m in modules
        ],
        "shim_size": sum(m.size for m in modules if module_names.get(m.index) == "shim") or None,
        "shim_functions": function_sizes(shims[0]) if shims else {},
    }


def reach(imports: list[tuple[str, str]]) -> dict[str, Any]:
    """What the component can reach: its WASI instance imports by capability
    (`capabilities`), the capabilities it has none of (`unreachable`) and
    its other imports (`other_imports`: a world's own)."""
    reached: dict[str, list[str]] = {}
    other = []
    for name, kind in imports:
        capability = capability_of(name) if kind == "instance" else None
        if capability is None:
            other.append(name)
        else:
            reached.setdefault(capability, []).append(name)
    return {
        "capabilities": {c: reached[c] for c in CAPABILITY_NAMES if c in reached},
        "unreachable": [c for c in CAPABILITY_NAMES if c not in reached],
        "other_imports": other,
    }


def _embedded(c: component.Component) -> list[bytes]:
    return [s.module for s in c.sections if isinstance(s, CoreModuleSection)]


def render_text(report: dict[str, Any]) -> str:
    lines = [f"{report['file']}: {report['type']}, {report['size']} bytes"]
    if report["type"] == "component":
        return "\n".join(lines + _component_text(report))
    lines.append(f"kind: {report['kind']}")
    lines += _memories_text(report["memories"])
    lines += _imports_text(report["imports"])
    lines.append(f"exports ({len(report['exports'])}):")
    lines += [f"  {e['kind']:<6} {e['name']}" for e in report["exports"]]
    lines.append(f"custom sections ({len(report['custom_sections'])}):")
    lines += [f"  {c['name']}: {c['size']} bytes" for c in report["custom_sections"]]
    if report["producers"]:
        lines.append("producers:")
        for fname, values in report["producers"].items():
            joined = ", ".join(f"{k} {v}".strip() for k, v in values.items())
            lines.append(f"  {fname}: {joined}")
    return "\n".join(lines)


def _memories_text(memories: list[dict[str, Any]]) -> list[str]:
    lines = [f"memories ({len(memories)}):"]
    for m in memories:
        limits = f"{m['min']}..{m['max'] if m['max'] is not None else ''} pages"
        flags = "".join([", shared" if m["shared"] else "", ", 64-bit" if m["is64"] else ""])
        origin = (
            f"imported from {m['imported_from'][0]}.{m['imported_from'][1]}"
            if m["imported_from"]
            else "defined"
        )
        exported = f", exported as {', '.join(m['exported_as'])}" if m["exported_as"] else ""
        lines.append(f"  memory {m['index']}: {limits}{flags}, {origin}{exported}")
    return lines


def _imports_text(imports: list[dict[str, Any]]) -> list[str]:
    lines = [f"imports ({len(imports)}):"]
    by_module: dict[str, list[dict[str, Any]]] = {}
    for i in imports:
        by_module.setdefault(i["module"], []).append(i)
    for module, items in by_module.items():
        lines.append(f"  {module}:")
        for i in items:
            note = ""
            if "wasi" in i:
                note = "  ok" if i["wasi"]["ok"] else f"  MISMATCH: {i['wasi']['problem']}"
            elif "rule" in i:
                note = f"  served: {i['rule'].partition(': ')[2]}"
            lines.append(f"    {i['kind']:<6} {i['name']} {i.get('signature', '')}{note}")
    return lines


def _component_text(report: dict[str, Any]) -> list[str]:
    lines = [f"imports ({len(report['imports'])}):"]
    lines += [f"  {i['kind']:<8} {i['name']}" for i in report["imports"]]
    lines += _reach_text(report)
    lines.append(f"exports ({len(report['exports'])}):")
    lines += [f"  {e['kind']:<8} {e['name']}" for e in report["exports"]]
    lines.append("core modules:")
    for m in report["core_modules"]:
        lines.append(f"  module {m['index']} {m['name'] or '(unnamed)'}: {m['size']} bytes")
    if report["shim_size"] is not None:
        lines.append(
            f"shim size: {report['shim_size']} bytes; per function (shared code counted in each):"
        )
        lines += [f"  {name}: {size} bytes" for name, size in report["shim_functions"].items()]
    return lines


def _reach_text(report: dict[str, Any]) -> list[str]:
    lines = ["can reach (WASI imports by capability):"]
    for capability, names in report["capabilities"].items():
        lines.append(f"  {capability}: {', '.join(names)}")
    if not report["capabilities"]:
        lines.append("  nothing")
    lines.append(f"cannot reach: {', '.join(report['unreachable']) or 'nothing'}")
    if report["other_imports"]:
        lines.append(f"other imports: {', '.join(report['other_imports'])}")
    return lines
