"""The fixture corpus: every program in tests/fixtures/{c,cpp}/, at several levels.

A fixture source may start with `//!` lines holding TOML that tells how to
run it (no other file to keep in step):

    //! args = ["/sandbox", "x"]      # argv[1:]
    //! env = { GREETING = "hi" }
    //! preopen = "/sandbox"          # guest path of a fresh, empty host dir
    //! preopen = ["/a", "/b"]        # or several, each its own fresh dir
    //! stdin = "some input"
    //! exit = 3                      # the expected exit code (default 0)
    //! flags = ["-DNAME=1"]          # extra compile flags
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from componentize.run import DEFAULT_PROGRAM_NAME, RunResult
from toolchains import _toml as tomllib
from toolchains.build import REPO_ROOT, BuildJob, BuildResult, build_many
from toolchains.errors import ToolchainError
from toolchains.native import run_module
from toolchains.profile import Profile

FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures"
CORPUS_OPT_LEVELS: tuple[str, ...] = ("O0", "O2", "Oz")
_SUFFIXES = (".c", ".cc", ".cpp")
_KEYS = {"args", "env", "preopen", "stdin", "exit", "flags"}


@dataclass(frozen=True)
class RunSpec:
    """How to run a fixture so that its output is deterministic."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    preopens: tuple[str, ...] = ()  # guest paths, each of a fresh empty host dir
    stdin: bytes = b""
    exit_code: int = 0
    flags: tuple[str, ...] = ()

    @property
    def preopen(self) -> str | None:
        """The first preopen's guest path (most fixtures have at most one)."""
        return self.preopens[0] if self.preopens else None


@dataclass(frozen=True)
class Fixture:
    name: str  # "c/hello", "cpp/iostream"
    opt: str  # "O0", "O2", "Oz"
    path: Path  # the built .wasm (in the cache)
    source: Path
    run: RunSpec = RunSpec()

    @property
    def id(self) -> str:
        return f"{self.name}-{self.opt}"


def corpus_sources(fixtures_dir: Path = FIXTURES_DIR) -> list[tuple[str, Path]]:
    """(name, source) for every program in <fixtures_dir>/c and <fixtures_dir>/cpp."""
    found = []
    for sub in ("c", "cpp"):
        folder = fixtures_dir / sub
        if folder.is_dir():
            found += [
                (f"{sub}/{p.stem}", p)
                for p in sorted(folder.iterdir())
                if p.suffix in _SUFFIXES and p.is_file()
            ]
    return found


def read_run_spec(source: Path) -> RunSpec:
    """Parse the leading `//!` TOML lines of a fixture source."""
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("//!"):
            lines.append(line[3:])
    try:
        data: dict[str, Any] = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as exc:
        raise ToolchainError(f"bad `//!` run spec: {exc}", where=str(source)) from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ToolchainError(
            f"unknown `//!` keys: {', '.join(sorted(unknown))}",
            where=str(source),
            hint=f"known: {', '.join(sorted(_KEYS))}",
        )
    return RunSpec(
        args=tuple(str(a) for a in data.get("args", ())),
        env=tuple((str(k), str(v)) for k, v in data.get("env", {}).items()),
        preopens=_preopens(data.get("preopen", ()), source),
        stdin=str(data.get("stdin", "")).encode(),
        exit_code=int(data.get("exit", 0)),
        flags=tuple(str(f) for f in data.get("flags", ())),
    )


def build_corpus(
    *,
    opt_levels: Sequence[str] = CORPUS_OPT_LEVELS,
    fixtures_dir: Path = FIXTURES_DIR,
    profile: Profile | str = "zig",
    cache_dir: Path | None = None,
    workers: int = 2,
) -> list[Fixture]:
    """Build every corpus program at every level (cached); sorted by name, then level."""
    programs = [(name, src, read_run_spec(src)) for name, src in corpus_sources(fixtures_dir)]
    # -Wall so a broken fixture shows up as a warning in the build log rather than
    # as a puzzling difference at run time.
    jobs = [
        BuildJob(sources=(src,), opt=opt, flags=("-Wall", *spec.flags))
        for _, src, spec in programs
        for opt in opt_levels
    ]
    results: list[BuildResult] = build_many(
        jobs, profile=profile, cache_dir=cache_dir, workers=workers
    )
    fixtures = []
    for (name, src, spec), chunk in zip(programs, _chunks(results, len(opt_levels)), strict=True):
        for opt, result in zip(opt_levels, chunk, strict=True):
            fixtures.append(Fixture(name=name, opt=opt, path=result.path, source=src, run=spec))
    return fixtures


def _chunks(items: Sequence[BuildResult], size: int) -> list[Sequence[BuildResult]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_fixture(fixture: Fixture, scratch: Path | None = None) -> RunResult:
    """Run a fixture under native preview1 as its run spec says.

    argv[0] is `main.wasm` (not the cache file's hashed name) and the
    environment is sorted by name, so the output does not depend on either.
    `scratch` is the host dir behind the spec's preopen (with several
    preopens, its sub-dirs `p0`, `p1`... are created); a temporary one is
    made when it is None.  It should be empty.
    """
    spec = fixture.run
    run = partial(
        run_module,
        fixture.path,
        args=spec.args,
        env=sorted(spec.env),
        stdin=spec.stdin,
        program_name=DEFAULT_PROGRAM_NAME,
    )
    if not spec.preopens:
        return run()
    if scratch is None:
        with tempfile.TemporaryDirectory(prefix="fixture-scratch-") as tmp:
            return run_fixture(fixture, Path(tmp))
    return run(dirs=list(zip(preopen_dirs(spec, scratch), spec.preopens, strict=True)))


def preopen_dirs(spec: RunSpec, scratch: Path) -> list[Path]:
    """The host dirs for `spec.preopens` under `scratch` (created)."""
    if len(spec.preopens) == 1:
        return [scratch]
    dirs = [scratch / f"p{i}" for i in range(len(spec.preopens))]
    for d in dirs:
        d.mkdir(exist_ok=True)
    return dirs


def _preopens(value: object, source: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ToolchainError("`//! preopen` must be a string or a list of strings", where=str(source))
