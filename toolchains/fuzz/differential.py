"""A seed run natively and as a component with the seed's inputs: stdio,
exit code and the preopens after the run must be the same."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from componentize.assemble import componentize
from componentize.run import RunResult, run_component
from toolchains.fuzz.checks import Findings
from toolchains.fuzz.seeds import DirSource, SeedRun, seed_runs
from toolchains.native import run_module

Tree = dict[str, tuple[str, bytes]]  # relative path -> (kind, contents or link target)


def seed_differences(
    run: SeedRun,
    component: bytes,
    native_runner: Callable[..., RunResult] = run_module,
    module: bytes | None = None,
) -> list[str]:
    """How the component's run differs from the module's native one
    (`native_runner`: `run_module` or one that caches its compiles;
    `module`: the seed's bytes, or a rewrite of them that `component` is of)."""
    return seed_results(run, component, native_runner, module)[2]


def seed_results(
    run: SeedRun,
    component: bytes,
    native_runner: Callable[..., RunResult] = run_module,
    module: bytes | None = None,
) -> tuple[RunResult, RunResult, list[str]]:
    """The native run, the component's, and how they differ."""
    module = run.path.read_bytes() if module is None else module
    kwargs: dict[str, Any] = dict(
        args=run.args, env=run.env, stdin=run.stdin, program_name=run.path.name
    )
    native, native_trees = _in_fresh_dirs(
        run, lambda dirs: native_runner(module, dirs=dirs, **kwargs)
    )
    comp, comp_trees = _in_fresh_dirs(
        run, lambda dirs: run_component(component, dirs=dirs, compile_cache=True, **kwargs)
    )
    out = []
    if native.exit_code != run.exit_code:
        out.append(f"native exit {native.exit_code} ({native.message}), inputs say {run.exit_code}")
    if (native.exit_code, native.outcome) != (comp.exit_code, comp.outcome):
        out.append(
            f"exit: native {native.exit_code} {native.outcome} {native.message!r}, "
            f"component {comp.exit_code} {comp.outcome} {comp.message!r}"
        )
    streams = ["stdout", "stderr"] if run.compare_stdout else ["stderr"]
    for stream in streams:
        mine, theirs = getattr(native, stream), getattr(comp, stream)
        if mine != theirs:
            out.append(f"{stream}: native {mine[:200]!r}, component {theirs[:200]!r}")
    for guest in native_trees:
        a, b = native_trees[guest], comp_trees[guest]
        wrong = sorted(rel for rel in a.keys() | b.keys() if a.get(rel) != b.get(rel))
        if wrong:
            out.append(f"preopen {guest}: these differ after the run: {', '.join(wrong[:10])}")
    return native, comp, out


def _in_fresh_dirs(
    run: SeedRun, runner: Callable[[list[tuple[Path, str]]], RunResult]
) -> tuple[RunResult, dict[str, Tree]]:
    with tempfile.TemporaryDirectory(prefix="componentize-seed-") as tmp:
        preopens = fresh_dirs(run, Path(tmp))
        result = runner(preopens)
        return result, {guest: _tree(host) for host, guest in preopens}


def fresh_dirs(run: SeedRun, into: Path) -> list[tuple[Path, str]]:
    """The run's preopens made under `into`: (host, guest) pairs."""
    preopens = []
    for i, (guest, source) in enumerate(run.dirs):
        host = into / f"d{i}"
        _populate(host, source)
        preopens.append((host, guest))
    return preopens


def _populate(host: Path, source: DirSource) -> None:
    if isinstance(source, Path):
        # symlinks kept as links; the suite's copy may be read-only
        shutil.copytree(source, host, symlinks=True)
        for entry in [host, *host.rglob("*")]:
            if not entry.is_symlink():
                entry.chmod(entry.stat().st_mode | stat.S_IWUSR)
        return
    host.mkdir(parents=True)
    for rel, data in sorted(source.items()):
        target = host / rel
        if data is None:
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _tree(root: Path) -> Tree:
    """Every entry below `root`, symlinks not followed, with its contents."""
    tree: Tree = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            tree[rel] = ("symlink", os.fsencode(os.readlink(path)))
        elif path.is_file():
            tree[rel] = ("file", path.read_bytes())
        else:
            tree[rel] = ("dir" if path.is_dir() else "other", b"")
    return tree


def check_seeds(findings: Findings, runs: Sequence[SeedRun] | None = None) -> None:
    """Each seed run natively and as a component: a difference is a finding."""
    components: dict[Path, bytes] = {}
    for run in seed_runs() if runs is None else runs:
        if run.path not in components:
            components[run.path] = componentize(run.path.read_bytes()).component
        found = seed_differences(run, components[run.path])
        if found:
            findings.add("seed differs from native", f"{run.name}: {found[0]}", b"")
