"""Reads the public WASI conformance suite (wasi-testsuite) the way its spec says.

The suite's prebuilt tests live in `<suite>/tests/<language>/testsuite/<target>/`:
each `NAME.wasm` is a test case, `NAME.json` (optional) its specification, in
the legacy form (`args`, `env`, `root`, `exit_code`, `stdout`, `stderr`) or the
operation-based one (`run`, `read`, `wait`...; see the suite's
doc/specification.md).  Both are read into one `Case`.  Where the suite is:
`COMPONENTIZE_WASI_TESTSUITE`, else `shared/conformance/wasi-testsuite` beside
the repository (where CI puts it).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from componentize.assemble import Options, componentize
from componentize.run import RunResult, run_component
from toolchains.native import run_module

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SUITE = REPO_ROOT.parent / "shared" / "conformance" / "wasi-testsuite"
TARGET = "wasm32-wasip1"


@dataclass(frozen=True)
class Case:
    """One test: how to run it and what it must give."""

    name: str  # "rust/fd_readdir"
    wasm: Path
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    root: Path | None = None  # host dir to copy fresh and preopen as "/"
    exit_code: int = 0
    # Checked when the spec gives them (the suite's own runner does the same:
    # several tests print diagnostics the spec does not list).
    stdout: str | None = None
    stderr: str | None = None
    proposals: tuple[str, ...] = ()


def suite_dir() -> Path:
    return Path(os.environ.get("COMPONENTIZE_WASI_TESTSUITE", DEFAULT_SUITE))


def discover(suite: Path) -> list[Case]:
    """Every test case of the suite's preview1 target, sorted by name."""
    cases = []
    for wasm in sorted((suite / "tests").glob(f"*/testsuite/{TARGET}/*.wasm")):
        language = wasm.parts[-4]
        cases.append(read_case(f"{language}/{wasm.stem}", wasm))
    return cases


def read_case(name: str, wasm: Path) -> Case:
    spec_path = wasm.with_suffix(".json")
    spec = json.loads(spec_path.read_text()) if spec_path.exists() else {}
    if "operations" in spec:
        return _from_operations(name, wasm, spec)
    return Case(
        name=name,
        wasm=wasm,
        args=tuple(spec.get("args", ())),
        env=tuple(spec.get("env", {}).items()),
        root=wasm.parent / spec["root"] if spec.get("root") else None,
        exit_code=spec.get("exit_code", 0),
        stdout=spec.get("stdout"),
        stderr=spec.get("stderr"),
    )


def _from_operations(name: str, wasm: Path, spec: dict[str, object]) -> Case:
    """The operation-based form: one `run`, `read`s of stdout/stderr, one `wait`.

    Socket operations (`connect`, `send`, `recv`) need a network peer, which a
    preview1 test on this target never asks for; they are refused loudly.
    """
    ops = spec.get("operations", [])
    assert isinstance(ops, list)
    fields: dict[str, object] = {"stdout": None, "stderr": None}
    for op in ops:
        kind = op.get("type")
        if kind == "run":
            fields["args"] = tuple(op.get("args", ()))
            fields["env"] = tuple(op.get("env", {}).items())
            if op.get("root"):
                fields["root"] = wasm.parent / op["root"]
        elif kind == "wait":
            fields["exit_code"] = op.get("exit_code", 0)
        elif kind == "read":
            fields[op.get("id", "stdout")] = op.get("payload", "")
        else:
            raise ValueError(f"{wasm}: operation {kind!r} is not supported by this runner")
    proposals = spec.get("proposals", [])
    assert isinstance(proposals, list)
    return Case(name=name, wasm=wasm, proposals=tuple(proposals), **fields)  # type: ignore[arg-type]


# Tests whose own output differs from run to run natively: Rust prints a
# HashMap, whose order is seeded by random_get.  Only their spec is checked.
NONDETERMINISTIC_OUTPUT = {"rust/poll_oneoff_stdio"}
ComponentRunner = Callable[..., RunResult]


def run_case(
    case: Case, component: bytes | None = None, runner: ComponentRunner = run_component
) -> RunResult:
    """The module natively (component None) or its component with `runner`,
    with the spec's args, env and a fresh copy of its root preopened as /."""
    with tempfile.TemporaryDirectory(prefix="wasi-testsuite-") as tmp:
        dirs = [(fresh_copy(case.root, Path(tmp)), "/")] if case.root else []
        kwargs = {"args": case.args, "env": case.env, "dirs": dirs, "program_name": case.wasm.name}
        if component is None:
            return run_module(case.wasm.read_bytes(), **kwargs)  # type: ignore[arg-type]
        return runner(component, **kwargs)


def spec_failures(case: Case, result: RunResult) -> list[str]:
    """How `result` misses what the spec expects (exit code, given stdio)."""
    out = []
    if result.exit_code != case.exit_code:
        out.append(
            f"exit code {result.exit_code} ({result.outcome}: {result.message}), "
            f"expected {case.exit_code}"
        )
    for stream, expected in (("stdout", case.stdout), ("stderr", case.stderr)):
        got = getattr(result, stream)
        if expected is not None and got != expected.encode():
            out.append(f"{stream} {got!r}, expected {expected.encode()!r}")
    return out


def failures_against_native(case: Case, result: RunResult) -> list[str]:
    """The spec's failures, then stdout/stderr that differ from a native run."""
    out = spec_failures(case, result)
    if case.name not in NONDETERMINISTIC_OUTPUT:
        native = run_case(case)
        for stream in ("stdout", "stderr"):
            if getattr(result, stream) != getattr(native, stream):
                out.append(
                    f"{stream} {getattr(result, stream)!r} != native {getattr(native, stream)!r}"
                )
    return out


@cache
def component_of(wasm: Path) -> bytes:
    """The test's component, made once per session (wasmtime and jco share it)."""
    return componentize(wasm.read_bytes(), Options(source=str(wasm))).component


def fresh_copy(root: Path, into: Path) -> Path:
    """A writable copy of a fixture dir (the suite's own copy may be read-only)."""
    target = into / root.name
    shutil.copytree(root, target, symlinks=True)
    for dirpath, dirnames, filenames in os.walk(target):
        for name in [*dirnames, *filenames, "."]:
            path = Path(dirpath) / name
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target
