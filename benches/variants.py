"""Components of the same modules made three ways, for the benches that compare them.

- ``now``: this checkout's `componentize()` (in process);
- ``before``: the package at an older commit (default b0afd90, the layout
  before issue 10: imported main memory, the shim imported directly,
  memory.copy in the shim), checked out with `git worktree add` into a
  temporary directory and run in a subprocess with that checkout first on
  PYTHONPATH; the worktree is removed afterwards;
- ``official``: the official preview1 adapter's component,
  `jco new IN --wasi-command -o OUT` (the pinned jco of `toolchains/jco.py`),
  cached by module hash under `benches/.cache/official/` (gitignored).

    with Before("b0afd90") as old:
        components = old.make(paths)
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from componentize.assemble import Options, componentize  # noqa: E402
from toolchains import jco  # noqa: E402

BEFORE_COMMIT = "b0afd90"
OFFICIAL_CACHE = Path(__file__).resolve().parent / ".cache" / "official"

# Run by the old checkout's Python: componentize every [in, out] pair of a JSON list.
_OLD_SCRIPT = """
import json, sys
import componentize
from componentize import log
from componentize.assemble import Options, componentize as make
log.configure(0)
print(componentize.__file__, flush=True)
for src, out in json.load(open(sys.argv[1])):
    data = open(src, "rb").read()
    open(out, "wb").write(make(data, Options(wasi_version="auto")).component)
"""


def now(data: bytes) -> bytes:
    return componentize(data, Options(wasi_version="auto")).component


class Before:
    """A `git worktree` of an older commit whose `componentize` makes components."""

    def __init__(self, commit: str = BEFORE_COMMIT) -> None:
        self.commit = commit
        self.sha = subprocess.run(
            ["git", "rev-parse", "--short", commit],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        self.path = Path(tempfile.gettempdir()) / f"componentize-bench-{self.sha}-{os.getpid()}"

    def __enter__(self) -> Before:
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(self.path), self.commit],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(self.path)],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )

    def make(self, modules: Sequence[Path]) -> list[bytes]:
        with tempfile.TemporaryDirectory(prefix="bench-before-") as tmp:
            pairs = [(str(m), str(Path(tmp) / f"{i}.wasm")) for i, m in enumerate(modules)]
            jobs = Path(tmp) / "jobs.json"
            jobs.write_text(json.dumps(pairs))
            env = dict(os.environ, PYTHONPATH=str(self.path))
            done = subprocess.run(
                [sys.executable, "-c", _OLD_SCRIPT, str(jobs)],
                env=env,
                cwd=self.path,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"componentize at {self.sha} failed: {done.stderr[-2000:]}")
            where = done.stdout.splitlines()[0]
            if not where.startswith(str(self.path)):
                raise RuntimeError(f"the old checkout was not imported: {where}")
            return [Path(out).read_bytes() for _, out in pairs]


def jco_binary() -> Path:
    return jco.ensure_jco() / "node_modules" / ".bin" / "jco"


def jco_version() -> str:
    return subprocess.run(
        [str(jco_binary()), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def official(module: Path) -> bytes:
    """The official adapter's component of `module` (`jco new --wasi-command`), cached."""
    data = module.read_bytes()
    key = hashlib.sha256(data).hexdigest()[:24]
    cached = OFFICIAL_CACHE / f"{key}-{jco.PACKAGES[0].rsplit('@', 1)[1]}.wasm"
    if not cached.is_file():
        OFFICIAL_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        done = subprocess.run(
            [str(jco_binary()), "new", str(module), "--wasi-command", "-o", str(tmp)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"jco new {module} failed: {done.stderr.strip()[-1000:]}")
        tmp.replace(cached)
    return cached.read_bytes()


def official_many(modules: Sequence[Path], jobs: int = 2) -> list[bytes]:
    """`official` of each module, `jobs` jco processes at a time (only uncached ones run)."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(official, modules))
