"""The differential oracle: a module under native preview1 versus its component.

Each side runs in its own fresh copy of the preopened directories; afterwards
every directory is snapshotted (names, kinds, contents, symlink targets,
permission bits) so that effects on files compare as exactly as stdio and
exit codes.  `assert_same` fails with a readable report of every difference.

    result = differential(module, component, args=["a"], files={"in.txt": b"x"})
    assert_same(result)
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from componentize.run import EnvInput, RunResult, run_component
from toolchains.native import run_module

DEFAULT_GUEST = "."
PROGRAM_NAME = "main.wasm"


@dataclass(frozen=True)
class Dir:
    """An (empty) directory in an initial tree."""


@dataclass(frozen=True)
class Symlink:
    """A symbolic link in an initial tree; `target` is written as given."""

    target: str


FileTree = Mapping[str, "bytes | Dir | Symlink"]


@dataclass(frozen=True)
class Node:
    """One entry of a snapshot: kind is file, dir, symlink or other."""

    kind: str
    data: bytes = b""  # file contents or symlink target
    mode: int = 0  # permission bits (not for symlinks)

    def describe(self) -> str:
        if self.kind == "file":
            return f"file {len(self.data)} bytes {_preview(self.data)} mode {self.mode:o}"
        if self.kind == "symlink":
            return f"symlink -> {self.data.decode(errors='replace')}"
        return f"{self.kind} mode {self.mode:o}"


Snapshot = dict[str, dict[str, Node]]  # guest dir -> relative path -> node


class Differential(NamedTuple):
    native: RunResult
    component: RunResult
    native_tree: Snapshot
    component_tree: Snapshot


# ---------------------------------------------------------------- trees


def build_tree(root: Path, files: FileTree) -> None:
    """Create `files` (relative '/'-separated paths) under the existing `root`."""
    for rel, content in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Dir):
            path.mkdir(exist_ok=True)
        elif isinstance(content, Symlink):
            os.symlink(content.target, path)
        else:
            path.write_bytes(content)


def snapshot_tree(root: Path) -> dict[str, Node]:
    """Every entry below `root`, without following symlinks, sorted by path."""
    nodes: dict[str, Node] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            nodes[path.relative_to(root).as_posix()] = _node(path)
    return dict(sorted(nodes.items()))


def _node(path: Path) -> Node:
    st = path.lstat()
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        return Node("symlink", os.fsencode(os.readlink(path)))
    if stat.S_ISDIR(st.st_mode):
        return Node("dir", mode=mode)
    if stat.S_ISREG(st.st_mode):
        return Node("file", path.read_bytes(), mode)
    return Node("other", mode=mode)


# ---------------------------------------------------------------- running


def differential(
    module_bytes: bytes,
    component_bytes: bytes,
    *,
    args: Sequence[str] = (),
    env: EnvInput = (),
    files: FileTree | None = None,
    dirs: Mapping[str, FileTree] | None = None,
    stdin: bytes | None = None,
    program_name: str = PROGRAM_NAME,
    component_runner: Callable[..., RunResult] = run_component,
) -> Differential:
    """Run the module natively and the component, each on fresh directories.

    `files` is the initial content of one preopen named "."; `dirs` maps
    several guest names to their initial trees (give one or the other).
    `component_runner` runs the component (wasmtime's WASI 0.2 by default;
    toolchains.jco.run_component_jco for JS hosts).
    """
    if files is not None and dirs is not None:
        raise ValueError("give `files` or `dirs`, not both")
    trees: Mapping[str, FileTree] = dirs if dirs is not None else {}
    if files is not None:
        trees = {DEFAULT_GUEST: files}
    native, native_tree = _run_in_fresh_dirs(
        lambda preopens: run_module(
            module_bytes,
            args=args,
            env=env,
            dirs=preopens,
            stdin=stdin,
            program_name=program_name,
        ),
        trees,
    )
    component, component_tree = _run_in_fresh_dirs(
        lambda preopens: component_runner(
            component_bytes,
            args=args,
            env=env,
            dirs=preopens,
            stdin=stdin,
            program_name=program_name,
        ),
        trees,
    )
    return Differential(native, component, native_tree, component_tree)


def _run_in_fresh_dirs(
    runner: Callable[[list[tuple[Path, str]]], RunResult], trees: Mapping[str, FileTree]
) -> tuple[RunResult, Snapshot]:
    with tempfile.TemporaryDirectory(prefix="componentize-diff-") as tmp:
        roots = {guest: Path(tmp) / f"d{i}" for i, guest in enumerate(trees)}
        for guest, root in roots.items():
            root.mkdir()
            build_tree(root, trees[guest])
        result = runner([(root, guest) for guest, root in roots.items()])
        return result, {guest: snapshot_tree(root) for guest, root in roots.items()}


# ---------------------------------------------------------------- comparing


def differences(d: Differential, *, compare_stderr: bool = True) -> list[str]:
    """Readable differences between the native run and the component run."""
    out: list[str] = []
    n, c = d.native, d.component
    if (n.exit_code, n.outcome) != (c.exit_code, c.outcome):
        out.append(
            f"exit: native {n.exit_code} ({n.outcome}{_msg(n)}) "
            f"!= component {c.exit_code} ({c.outcome}{_msg(c)})"
        )
    out += _stream_diff("stdout", n.stdout, c.stdout)
    if compare_stderr:
        out += _stream_diff("stderr", n.stderr, c.stderr)
    out += _tree_diff(d.native_tree, d.component_tree)
    return out


def assert_same(d: Differential, *, compare_stderr: bool = True) -> None:
    """Fail with every difference listed, native first, component second."""
    found = differences(d, compare_stderr=compare_stderr)
    if found:
        raise AssertionError("native preview1 and component differ:\n" + "\n".join(found))


def _msg(result: RunResult) -> str:
    return f": {result.message}" if result.message else ""


def _preview(data: bytes, limit: int = 40) -> str:
    text = repr(data[:limit])
    return text + ("..." if len(data) > limit else "")


def _stream_diff(name: str, native: bytes | None, component: bytes | None) -> list[str]:
    if native == component:
        return []
    if native is None or component is None:
        return [f"{name}: captured on one side only"]
    head = f"{name}: native {len(native)} bytes, component {len(component)} bytes"
    first = next(
        (i for i, (a, b) in enumerate(zip(native, component, strict=False)) if a != b),
        min(len(native), len(component)),
    )
    lines = [head, f"  first difference at byte {first}"]
    diff = difflib.unified_diff(
        native.decode(errors="replace").splitlines(),
        component.decode(errors="replace").splitlines(),
        "native",
        "component",
        lineterm="",
        n=1,
    )
    lines += [f"  {line}" for line in list(diff)[:40]]
    return lines


def _tree_diff(native: Snapshot, component: Snapshot) -> list[str]:
    out: list[str] = []
    for guest in sorted(set(native) | set(component)):
        a, b = native.get(guest, {}), component.get(guest, {})
        for rel in sorted(set(a) | set(b)):
            if a.get(rel) == b.get(rel):
                continue
            left = a[rel].describe() if rel in a else "(absent)"
            right = b[rel].describe() if rel in b else "(absent)"
            out.append(f"dir {guest!r}: {rel}: native {left} != component {right}")
    return out
