"""Sorts, sort indices, extern names and aliases (Binary.md: Instance and Alias
Definitions, Import and Export Definitions).  Shared by definitions and by
instance/component type declarators."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

CORE_PREFIX = 0x00
"""The first byte of every core sort's code."""


class Sort(Enum):
    """The 13 index spaces.  The value is the binary `sort` encoding: core sorts
    are `CORE_PREFIX <core:sort>`, component sorts one byte."""

    CORE_FUNC = (CORE_PREFIX, 0x00)
    CORE_TABLE = (CORE_PREFIX, 0x01)
    CORE_MEMORY = (CORE_PREFIX, 0x02)
    CORE_GLOBAL = (CORE_PREFIX, 0x03)
    CORE_TAG = (CORE_PREFIX, 0x04)
    CORE_TYPE = (CORE_PREFIX, 0x10)
    CORE_MODULE = (CORE_PREFIX, 0x11)
    CORE_INSTANCE = (CORE_PREFIX, 0x12)
    FUNC = (0x01,)
    VALUE = (0x02,)
    TYPE = (0x03,)
    COMPONENT = (0x04,)
    INSTANCE = (0x05,)

    @property
    def is_core(self) -> bool:
        return len(self.value) == 2

    @property
    def core_byte(self) -> int:
        """The `core:sort` byte (only for core sorts)."""
        assert self.is_core, self
        code: int = self.value[1]
        return code

    @property
    def text(self) -> str:
        """The text-format spelling: `core func`, `instance`..."""
        base = self.name.removeprefix("CORE_").lower()
        return f"core {base}" if self.is_core else base


SORT_BY_CODE: dict[tuple[int, ...], Sort] = {s.value: s for s in Sort}
CORE_SORT_BY_BYTE: dict[int, Sort] = {s.core_byte: s for s in Sort if s.is_core}


@dataclass(frozen=True)
class SortIdx:
    sort: Sort
    index: int


# --------------------------------------------------------------------------
# names


@dataclass(frozen=True)
class NameAttribute:
    """`attribute` of a `nameattributes`: 0x00 implements, 0x01 versionsuffix,
    0x02 external-id (all carry one string)."""

    kind: int
    value: str


@dataclass(frozen=True)
class ExternName:
    """`nameattributes`: `form` is the leading byte (0x00, 0x01 or 0x02); only
    form 0x02 carries attributes.  We write 0x00; the others are kept for
    byte-identical round trips of components made by other tools."""

    name: str
    form: int = 0x00
    attributes: tuple[NameAttribute, ...] = ()

    def __str__(self) -> str:
        return self.name


def extern_name(name: str | ExternName) -> ExternName:
    return name if isinstance(name, ExternName) else ExternName(name)


# --------------------------------------------------------------------------
# aliases (definitions and declarators share the encoding)


@dataclass(frozen=True)
class AliasExport:
    """`(alias export i n (s))`: an export of a component instance."""

    sort: Sort
    instance: int
    name: str


@dataclass(frozen=True)
class AliasCoreExport:
    """`(alias core export i n (s))`: an export of a core instance."""

    sort: Sort
    instance: int
    name: str


@dataclass(frozen=True)
class AliasOuter:
    """`(alias outer ct idx (s))`: `count` enclosing scopes out."""

    sort: Sort
    count: int
    index: int


Alias = AliasExport | AliasCoreExport | AliasOuter
