"""The seeds (the committed fixtures, the conformance suite's modules and the
bundled example) and the runs each one has: its fixture's or its conformance
spec's inputs, or a reason in NOT_RUN."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from toolchains.real import REAL_DIR, load_manifest, read_program

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared" / "conformance" / "wasi-testsuite" / "tests"
SEED_DIRS = [ROOT / "tests" / "fixtures" / "real", ROOT / "tests" / "fixtures" / "typed"]
MAX_SEED_BYTES = 400_000  # big modules make each run slow for little gain


def seed_paths(limit_bytes: int = MAX_SEED_BYTES) -> list[Path]:
    """Every small enough module of the fixtures and the suite, sorted by path."""
    paths = [ROOT / "examples" / "hello.wasm"]
    for folder in [*SEED_DIRS, SUITE]:
        paths += sorted(folder.rglob("*.wasm"))
    found = []
    for path in paths:
        data = path.read_bytes()
        if len(data) <= limit_bytes and data[4:8] == b"\x01\x00\x00\x00":
            found.append(path)
    return found


def seeds(limit_bytes: int = MAX_SEED_BYTES) -> list[bytes]:
    return [path.read_bytes() for path in seed_paths(limit_bytes)]


# A preopen's initial content: a host directory (copied fresh for each run)
# or files by relative path (None: an empty directory).
DirSource = Path | Mapping[str, bytes | None]


@dataclass(frozen=True)
class SeedRun:
    """One run of a seed with the inputs it needs (its fixture's or its
    conformance spec's), natively and as a component."""

    name: str
    path: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    stdin: bytes = b""
    dirs: tuple[tuple[str, DirSource], ...] = ()
    # What the inputs make the module exit with natively: checked, so wrong
    # inputs (a run that fails early the same way on both sides) are seen.
    exit_code: int = 0
    compare_stdout: bool = True


# Seeds with no differential run, and why (a prefix of the seed's name).
NOT_RUN = {
    "tests/fixtures/typed/": "they import their world's non-WASI functions "
    "(test:typed/host, $root.decorate...), which no native preview1 host has; "
    "tests/typed runs them against their own oracle",
    "tests/fixtures/real/emscripten/memory_growth.wasm": "it imports "
    "env.emscripten_notify_memory_growth, which the native preview1 host lacks "
    "(the component gets it from a built-in import rule)",
}
# Seeds whose stdout differs from one native run to the next.
UNSTABLE_STDOUT = {
    # a Rust HashMap printed, its order seeded by random_get
    "wasi-testsuite/rust/testsuite/wasm32-wasip1/poll_oneoff_stdio.wasm",
}


def seed_name(path: Path) -> str:
    """The seed's path relative to the repository, or to the suite's parent."""
    if path.is_relative_to(SUITE):
        return "wasi-testsuite/" + path.relative_to(SUITE).as_posix()
    return path.relative_to(ROOT).as_posix()


def not_run_reason(path: Path) -> str | None:
    name = seed_name(path)
    return next((why for prefix, why in NOT_RUN.items() if name.startswith(prefix)), None)


def seed_runs(paths: Sequence[Path] | None = None) -> list[SeedRun]:
    """The runs of every seed that has inputs (see `unaccounted_seeds`)."""
    runs: list[SeedRun] = []
    for path in seed_paths() if paths is None else paths:
        if not_run_reason(path) is None:
            runs += _runs_of(path)
    return runs


def unaccounted_seeds() -> list[str]:
    """Seeds with neither a run nor a reason in NOT_RUN (should be none)."""
    return [
        seed_name(path)
        for path in seed_paths()
        if not_run_reason(path) is None and not _runs_of(path)
    ]


def _runs_of(path: Path) -> list[SeedRun]:
    if path.is_relative_to(REAL_DIR):
        return real_runs(path)
    if path.is_relative_to(SUITE):
        return _suite_runs(path)
    if path == ROOT / "examples" / "hello.wasm":
        return [SeedRun(seed_name(path), path)]
    return []


def real_runs(path: Path) -> list[SeedRun]:
    """The runs of a real fixture, from its source's `//!` lines."""
    entry = _binaries().get(path.relative_to(REAL_DIR).as_posix())
    if entry is None or entry["expect"] != "run":
        return []
    program = read_program(REAL_DIR / entry["source"])
    return [
        SeedRun(
            f"{seed_name(path)}#{run.name}",
            path,
            args=run.args,
            env=run.env,
            stdin=run.stdin,
            dirs=tuple(run.dirs.items()),
            exit_code=run.exit_code,
        )
        for run in program.runs_for(entry["toolchain"])
    ]


@cache
def _binaries() -> dict[str, Any]:
    binaries: dict[str, Any] = load_manifest()["binaries"]
    return binaries


def _suite_runs(path: Path) -> list[SeedRun]:
    """The suite's legacy spec (NAME.json: args, env, root, exit_code), the
    only form its preview1 tests use."""
    spec_path = path.with_suffix(".json")
    spec = json.loads(spec_path.read_text()) if spec_path.exists() else {}
    root = spec.get("root")
    name = seed_name(path)
    return [
        SeedRun(
            name,
            path,
            args=tuple(spec.get("args", ())),
            env=tuple(spec.get("env", {}).items()),
            dirs=(("/", path.parent / root),) if root else (),
            exit_code=spec.get("exit_code", 0),
            compare_stdout=name not in UNSTABLE_STDOUT,
        )
    ]
