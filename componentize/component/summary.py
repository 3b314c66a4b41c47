"""What `componentize inspect` shows about a component: its top-level imports
and exports, and the core modules it embeds."""

from __future__ import annotations

from dataclasses import dataclass

from componentize.component import typedefs as t
from componentize.component.model import Component, CoreModuleSection, ExportSection, ImportSection

DESC_KINDS: dict[type, str] = {
    t.ModuleExtern: "core module",
    t.FuncExtern: "func",
    t.ValueExtern: "value",
    t.TypeExtern: "type",
    t.ComponentExtern: "component",
    t.InstanceExtern: "instance",
}


@dataclass(frozen=True)
class CoreModuleInfo:
    index: int  # in the core module index space (embedded modules only)
    size: int  # bytes


def component_imports(component: Component) -> list[tuple[str, str]]:
    """(name, kind) of each import, in order; kind is `instance`, `func` ..."""
    return [
        (imp.name.name, DESC_KINDS[type(imp.desc)])
        for section in component.sections
        if isinstance(section, ImportSection)
        for imp in section.imports
    ]


def component_exports(component: Component) -> list[tuple[str, str]]:
    """(name, kind) of each export, in order; kind is the sort (`instance`...)."""
    return [
        (exp.name.name, exp.item.sort.text)
        for section in component.sections
        if isinstance(section, ExportSection)
        for exp in section.exports
    ]


def core_modules(component: Component) -> list[CoreModuleInfo]:
    """The core modules embedded at the top level, with their sizes.  Indices
    count embedded modules only (imported core modules, rare, are skipped)."""
    modules = [s for s in component.sections if isinstance(s, CoreModuleSection)]
    return [CoreModuleInfo(i, len(s.module)) for i, s in enumerate(modules)]
