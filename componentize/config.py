"""`[tool.componentize]`: default options for `componentize new`, from a file.

Found in the nearest `pyproject.toml` with a `[tool.componentize]` table,
from the current directory upward, or named with `--config FILE` (a
`pyproject.toml`, or a file whose top level is that table).  Options given
on the command line win over the file; for each input, the first
`[tool.componentize.inputs."PATTERN"]` table whose glob pattern matches the
input's path (relative to the file's directory) wins over the defaults:

    [tool.componentize]
    wasi-version = "0.2.3"
    wit = "wit"                 # paths are relative to the file
    world = "app"
    skip-validation = false
    jobs = 4
    adapt = { wasi_snapshot_preview1 = "adapters/preview1.wasm" }
    deny = ["wasi:filesystem", "wasi:sockets"]
    import-rules = { "env.abort" = "trap" }
    builtin-rules = true

    [tool.componentize.inputs."legacy/*.wasm"]
    wasi-version = "0.2.12"

An unknown key, or a value of the wrong type, is an error naming the key and
the file.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from componentize.assemble import Options
from componentize.errors import InputError
from componentize.shim.deny import expand as expand_deny

TABLE = ("tool", "componentize")
PYPROJECT = "pyproject.toml"

# key -> (expected type, whether it names a path relative to the file)
OPTIONS: dict[str, tuple[type, bool]] = {
    "wasi-version": (str, False),
    "wit": (str, True),
    "world": (str, False),
    "skip-validation": (bool, False),
    "jobs": (int, False),
    "adapt": (dict, True),
    "deny": (list, False),
    "import-rules": (dict, False),
    "builtin-rules": (bool, False),
}
SECTIONS = {"inputs"}


@dataclass(frozen=True)
class Settings:
    """The options a config file gives (None: not given)."""

    wasi_version: str | None = None
    wit: str | None = None
    world: str | None = None
    skip_validation: bool | None = None
    jobs: int | None = None
    adapt: dict[str, str] = field(default_factory=dict)
    deny: tuple[str, ...] = ()  # WASI interfaces/packages (`--deny`); file and command line add up
    import_rules: dict[str, str] = field(default_factory=dict)  # MODULE.NAME -> ACTION
    builtin_rules: bool | None = None

    def options(self, source: str) -> Options:
        """The pipeline's options for one input, defaults filled in."""
        return Options(
            wasi_version=self.wasi_version or "auto",
            source=source,
            validate=not self.skip_validation,
            wit=self.wit,
            world=self.world,
            deny=frozenset(self.deny),
            import_rules=tuple(
                f"{target}={action}" for target, action in self.import_rules.items()
            ),
            builtin_rules=self.builtin_rules is not False,
        )

    def merged(self, over: Settings) -> Settings:
        """These settings with every option `over` gives replacing ours."""
        changes = {
            name: getattr(over, name)
            for name in ("wasi_version", "wit", "world", "skip_validation", "jobs", "builtin_rules")
            if getattr(over, name) is not None
        }
        if over.adapt:
            changes["adapt"] = {**self.adapt, **over.adapt}
        if over.deny:  # denying is least authority: a later source cannot grant back
            changes["deny"] = tuple(dict.fromkeys((*self.deny, *over.deny)))
        if over.import_rules:
            changes["import_rules"] = {**self.import_rules, **over.import_rules}
        return replace(self, **changes)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    defaults: Settings = Settings()
    inputs: tuple[tuple[str, Settings], ...] = ()

    def for_input(self, source: str) -> Settings:
        """The settings for one input: the defaults, then its pattern's."""
        if self.path is None or source == "-":
            return self.defaults
        base = self.path.parent
        try:
            relative = Path(os.path.abspath(source)).relative_to(base.resolve()).as_posix()
        except ValueError:
            relative = Path(source).as_posix()
        for pattern, settings in self.inputs:
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(source, pattern):
                return self.defaults.merged(settings)
        return self.defaults


def find(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.componentize] table."""
    for directory in (start, *start.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file() and _table(_read(candidate), candidate, required=False):
            return candidate
    return None


def load(path: str | Path | None, cwd: Path | None = None) -> Config:
    """The config of `path` (`--config`), else the one found from `cwd`."""
    if path is None:
        found = find((cwd or Path.cwd()).resolve())
        if found is None:
            return Config()
        file = found
    else:
        file = Path(path)
        if not file.is_file():
            raise InputError("no such config file", where=str(path), hint="check --config")
    document = _read(file)
    table = _table(document, file, required=False)
    if table is None:  # a standalone file: the table is its top level
        table = document
    return _config(table, file.resolve())


def _read(file: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read (~5 ms)

    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", where=str(file)) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", where=str(file)) from None


def _table(document: dict[str, Any], file: Path, *, required: bool) -> dict[str, Any] | None:
    node: Any = document
    for key in TABLE:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if not isinstance(node, dict):
        raise InputError("[tool.componentize] must be a table", where=str(file))
    return node


def _config(table: dict[str, Any], file: Path) -> Config:
    where = f"{file}: [tool.componentize]"
    defaults = _settings({k: v for k, v in table.items() if k not in SECTIONS}, file, where)
    inputs_table = table.get("inputs", {})
    if not isinstance(inputs_table, dict):
        raise InputError("`inputs` must be a table of glob patterns", where=where)
    inputs = []
    for pattern, values in inputs_table.items():
        at = f'{file}: [tool.componentize.inputs."{pattern}"]'
        if not isinstance(values, dict):
            raise InputError("must be a table of options", where=at)
        inputs.append((pattern, _settings(values, file, at)))
    return Config(file, defaults, tuple(inputs))


def _settings(values: dict[str, Any], file: Path, where: str) -> Settings:
    given: dict[str, Any] = {}
    for key, value in values.items():
        if key not in OPTIONS:
            known = ", ".join(sorted([*OPTIONS, *SECTIONS]))
            raise InputError(f"unknown key `{key}`", where=where, hint=f"known keys: {known}")
        expected, is_path = OPTIONS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise InputError(
                f"`{key}` must be a {expected.__name__}, not {type(value).__name__}", where=where
            )
        if key == "adapt":
            given["adapt"] = _adapters(value, file, where)
        elif key == "deny":
            given["deny"] = _deny_names(value, where)
        elif key == "import-rules":
            given["import_rules"] = _strings(value, key, where)
        elif is_path:
            given[key.replace("-", "_")] = str(file.parent / str(value))
        else:
            given[key.replace("-", "_")] = value
    return Settings(**given)


def _strings(value: Any, key: str, where: str) -> dict[str, str]:
    for name, item in value.items():
        if not isinstance(item, str):
            raise InputError(f"`{key}.{name}` must be a string", where=where)
    return dict(value)


def _adapters(value: Any, file: Path, where: str) -> dict[str, str]:
    adapters = {}
    for name, path in value.items():
        if not isinstance(path, str):
            raise InputError(f"`adapt.{name}` must be a path (a string)", where=where)
        adapters[name] = str(file.parent / path)
    return adapters


def _deny_names(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InputError("`deny` must be a list of WASI interface or package names", where=where)
    try:
        expand_deny(value)
    except InputError as error:
        raise InputError(error.what, where=f"{where}: deny", hint=error.hint) from None
    return tuple(value)
