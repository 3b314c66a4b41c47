"""The `component-name` custom section (Binary.md: Name Section)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from componentize.component._bytes import Reader, name, uleb, vec
from componentize.component.binary import NAME_SUBSECTIONS
from componentize.component.decode import read_sort
from componentize.component.encode import encode_sort
from componentize.component.model import Component, CustomSection
from componentize.component.sorts import Sort
from componentize.errors import WasmDecodeError

NAME_SECTION = "component-name"


@dataclass
class ComponentNames:
    """The component's own name and, per sort, a map index -> name."""

    component: str | None = None
    sorts: dict[Sort, dict[int, str]] = field(default_factory=dict)


def _subsection(kind: Literal["component", "sort"], body: bytes) -> bytes:
    return NAME_SUBSECTIONS.byte(kind) + uleb(len(body)) + body


def encode_names(names: ComponentNames) -> CustomSection:
    """The custom section; sorts in insertion order, indices ascending."""
    out = b""
    if names.component is not None:
        out += _subsection("component", name(names.component))
    for sort, mapping in names.sorts.items():
        if mapping:
            assocs = vec(sorted(mapping.items()), lambda kv: uleb(kv[0]) + name(kv[1]))
            out += _subsection("sort", encode_sort(sort) + assocs)
    return CustomSection(NAME_SECTION, out)


def decode_names(section: CustomSection, offset: int = 0) -> ComponentNames:
    """Decode a `component-name` payload; `offset` is where the payload starts
    in the file, for error messages."""
    r = Reader(section.data, section=NAME_SECTION, origin=offset)
    names = ComponentNames()
    while not r.at_end():
        kind_at = r.pos
        code = r.byte()
        body = r.sub(r.uleb())
        kind = NAME_SUBSECTIONS.get(code)
        if kind is None:
            raise NAME_SUBSECTIONS.error(r, code, kind_at)
        if kind == "component":
            names.component = body.name()
        else:
            sort = read_sort(body)
            names.sorts[sort] = dict(body.vec(partial(_read_assoc, body)))
        body.expect_end()
    return names


def _read_assoc(r: Reader) -> tuple[int, str]:
    index = r.uleb()
    return (index, r.name())


def find_names(component: Component) -> ComponentNames | None:
    """The decoded `component-name` section of a component, if it has one."""
    for section in component.sections:
        if isinstance(section, CustomSection) and section.name == NAME_SECTION:
            try:
                return decode_names(section)
            except WasmDecodeError:
                return None  # the spec says a bad name section is ignored
    return None
