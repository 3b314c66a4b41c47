"""Toolchain profiles: one TOML file per compiler, with named build templates.

A profile names the compiler (its PyPI package and pinned version, how to run
it) and a few templates (`hosted`, `freestanding`), each mapping languages and
optimization levels to flags.  Loading validates everything up front so a bad
profile fails with the key that is wrong, not with a KeyError mid-build.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchains import _toml as tomllib
from toolchains.errors import ToolchainError

PROFILE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Language:
    """How one source language is compiled: the zig sub-command and its flags."""

    name: str
    driver: str
    suffixes: tuple[str, ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Template:
    """A kind of build (hosted program, freestanding code) within a profile."""

    name: str
    description: str
    flags: tuple[str, ...]
    languages: Mapping[str, Language]
    opt: Mapping[str, tuple[str, ...]]
    strip_flags: tuple[str, ...]
    debug_levels: frozenset[str]
    export_flag: str

    def language_for(self, source: Path) -> Language:
        """The language whose suffixes include `source`'s, or a ToolchainError."""
        for lang in self.languages.values():
            if source.suffix in lang.suffixes:
                return lang
        known = sorted(s for lang in self.languages.values() for s in lang.suffixes)
        raise ToolchainError(
            f"template {self.name!r} cannot compile {source.suffix or 'suffix-less'} files",
            where=str(source),
            hint=f"known suffixes: {', '.join(known)}",
        )

    def opt_flags(self, opt: str) -> tuple[str, ...]:
        if opt not in self.opt:
            raise ToolchainError(
                f"unknown optimization level {opt!r} for template {self.name!r}",
                hint=f"choose one of {', '.join(self.opt)}",
            )
        return self.opt[opt]


@dataclass(frozen=True)
class Profile:
    """A compiler and its templates, as read from `toolchains/<name>.toml`."""

    name: str
    path: Path
    package: str
    version: str
    command: tuple[str, ...]
    version_args: tuple[str, ...]
    cache_env: tuple[str, ...]
    templates: Mapping[str, Template]
    digest: str  # sha256 of the parsed profile: part of every cache key

    def template(self, name: str) -> Template:
        if name not in self.templates:
            raise ToolchainError(
                f"profile {self.name!r} has no template {name!r}",
                where=str(self.path),
                hint=f"choose one of {', '.join(self.templates)}",
            )
        return self.templates[name]

    def argv_prefix(self) -> list[str]:
        """The compiler command with `{python}` replaced by this interpreter."""
        return [sys.executable if part == "{python}" else part for part in self.command]


def load_profile(name_or_path: str | Path = "zig") -> Profile:
    """Load a profile by name (`zig` -> toolchains/zig.toml) or by file path."""
    path = _profile_path(name_or_path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ToolchainError(
            f"cannot read toolchain profile: {exc.strerror or exc}",
            where=str(path),
            hint=f"profiles live in {PROFILE_DIR}",
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ToolchainError(f"not valid TOML: {exc}", where=str(path)) from None
    return parse_profile(data, path)


def parse_profile(data: Mapping[str, Any], path: Path) -> Profile:
    """Validate parsed TOML and build the Profile; every problem names its key."""
    ctx = _Ctx(path)
    tool = ctx.table(data, "toolchain")
    templates_raw = ctx.table(data, "templates")
    templates = {
        name: _parse_template(ctx, name, ctx.table(templates_raw, name, f"templates.{name}"))
        for name in templates_raw
    }
    if not templates:
        raise ctx.error("templates", "must define at least one template")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return Profile(
        name=ctx.string(tool, "name", "toolchain.name"),
        path=path,
        package=ctx.string(tool, "package", "toolchain.package"),
        version=ctx.string(tool, "version", "toolchain.version"),
        command=ctx.strings(tool, "command", "toolchain.command", nonempty=True),
        version_args=ctx.strings(tool, "version_args", "toolchain.version_args"),
        cache_env=ctx.strings(tool, "cache_env", "toolchain.cache_env", default=()),
        templates=templates,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _parse_template(ctx: _Ctx, name: str, raw: Mapping[str, Any]) -> Template:
    key = f"templates.{name}"
    langs_raw = ctx.table(raw, "lang", f"{key}.lang")
    languages: dict[str, Language] = {}
    for lang in langs_raw:
        table = ctx.table(langs_raw, lang, f"{key}.lang.{lang}")
        languages[lang] = Language(
            name=lang,
            driver=ctx.string(table, "driver", f"{key}.lang.{lang}.driver"),
            suffixes=ctx.strings(table, "suffixes", f"{key}.lang.{lang}.suffixes", nonempty=True),
            flags=ctx.strings(table, "flags", f"{key}.lang.{lang}.flags", default=()),
        )
    if not languages:
        raise ctx.error(f"{key}.lang", "must define at least one language")
    opt_raw = ctx.table(raw, "opt", f"{key}.opt")
    opt = {level: ctx.strings(opt_raw, level, f"{key}.opt.{level}") for level in opt_raw}
    if not opt:
        raise ctx.error(f"{key}.opt", "must define at least one optimization level")
    debug_levels = ctx.strings(raw, "debug_levels", f"{key}.debug_levels", default=())
    unknown = sorted(set(debug_levels) - set(opt))
    if unknown:
        raise ctx.error(f"{key}.debug_levels", f"names unknown levels {', '.join(unknown)}")
    export_flag = ctx.string(raw, "export_flag", f"{key}.export_flag")
    if "{name}" not in export_flag:
        raise ctx.error(f"{key}.export_flag", "must contain {name}")
    return Template(
        name=name,
        description=ctx.string(raw, "description", f"{key}.description", default=""),
        flags=ctx.strings(raw, "flags", f"{key}.flags", default=()),
        languages=languages,
        opt=opt,
        strip_flags=ctx.strings(raw, "strip_flags", f"{key}.strip_flags", default=()),
        debug_levels=frozenset(debug_levels),
        export_flag=export_flag,
    )


class _Ctx:
    """Typed accessors for TOML tables that raise ToolchainError naming the key."""

    _MISSING: Any = object()

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, what: str) -> ToolchainError:
        return ToolchainError(f"bad toolchain profile: `{key}` {what}", where=str(self.path))

    def _get(self, table: Mapping[str, Any], field: str, key: str, default: Any) -> Any:
        if field in table:
            return table[field]
        if default is self._MISSING:
            raise self.error(key, "is missing")
        return default

    def table(self, table: Mapping[str, Any], field: str, key: str = "") -> Mapping[str, Any]:
        value = self._get(table, field, key or field, self._MISSING)
        if not isinstance(value, dict):
            raise self.error(key or field, "must be a table")
        return value

    def string(
        self, table: Mapping[str, Any], field: str, key: str, default: Any = _MISSING
    ) -> str:
        value = self._get(table, field, key, default)
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def strings(
        self,
        table: Mapping[str, Any],
        field: str,
        key: str,
        *,
        default: Any = _MISSING,
        nonempty: bool = False,
    ) -> tuple[str, ...]:
        value = self._get(table, field, key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        if nonempty and not value:
            raise self.error(key, "must not be empty")
        return tuple(value)


def _profile_path(name_or_path: str | Path) -> Path:
    if isinstance(name_or_path, Path) or "/" in name_or_path or name_or_path.endswith(".toml"):
        return Path(name_or_path)
    return PROFILE_DIR / f"{name_or_path}.toml"
