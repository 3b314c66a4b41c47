"""Run components the way JavaScript hosts do: jco (transpile) + Node.js.

jco and preview2-shim come from the npm registry, pinned, installed once into
`$COMPONENTIZE_NPM_CACHE` (default `<repo>/.cache/npm`).  A component is
transpiled once per content hash (`transpile_many` batches them into one Node
process); each run is one Node process, driven by `jco_driver.mjs` with
preview2-shim's `WASIShim` (args, env, preopens; no network).  Results read
like `componentize.run`'s: exit code as the wasmtime CLI gives it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from componentize.run import RunResult
from toolchains.build import REPO_ROOT
from toolchains.errors import ToolchainError

NPM_CACHE_ENV = "COMPONENTIZE_NPM_CACHE"
PACKAGES = (
    "@bytecodealliance/jco@1.35.0",
    "@bytecodealliance/jco-transpile@0.15.0",
    "@bytecodealliance/preview2-shim@0.25.0",
)
DRIVER = Path(__file__).resolve().parent / "jco_driver.mjs"
RUN_TIMEOUT = 120


def npm_dir() -> Path:
    env = os.environ.get(NPM_CACHE_ENV)
    return Path(env) if env else REPO_ROOT / ".cache" / "npm"


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def unavailable_reason() -> str | None:
    """Why components cannot run under jco here (None: they can).  Tests
    skip for it, except under CI=true, where it is a failure."""
    return None if node_available() else "node and npm are needed to run components under jco"


def ensure_jco() -> Path:
    """The npm prefix holding the pinned packages and the driver; installs once."""
    prefix = npm_dir()
    stamp = prefix / "installed.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != list(PACKAGES):
        if not node_available():
            raise ToolchainError("jco needs node and npm on PATH")
        prefix.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", *PACKAGES],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ToolchainError(f"npm install of jco failed: {done.stderr.strip()[-500:]}")
        stamp.write_text(json.dumps(list(PACKAGES)))
    driver = prefix / DRIVER.name
    if not driver.exists() or driver.read_bytes() != DRIVER.read_bytes():
        shutil.copyfile(DRIVER, driver)
    return prefix


def _out_dir(prefix: Path, component: bytes) -> Path:
    return prefix / "transpiled" / hashlib.sha256(component).hexdigest()[:24]


def transpile_many(components: Iterable[bytes]) -> list[Path]:
    """Transpile every component not transpiled yet, in one Node process."""
    prefix = ensure_jco()
    items = list(components)
    outs = [_out_dir(prefix, c) for c in items]
    with tempfile.TemporaryDirectory(prefix="jco-") as tmp:
        jobs: list[tuple[str, str]] = []
        for i, (component, out) in enumerate(zip(items, outs, strict=True)):
            if (out / "component.js").exists() or any(str(out) == j[1] for j in jobs):
                continue
            path = Path(tmp) / f"c{i}.wasm"
            path.write_bytes(component)
            jobs.append((str(path), str(out)))
        if jobs:
            spec = Path(tmp) / "jobs.json"
            spec.write_text(json.dumps(jobs))
            done = subprocess.run(
                ["node", str(prefix / DRIVER.name), "transpile", str(spec)],
                capture_output=True,
                text=True,
                check=False,
                cwd=prefix,
            )
            if done.returncode != 0:
                raise ToolchainError(f"jco transpile failed: {done.stderr.strip()[-2000:]}")
    return outs


def run_component_jco(
    component: bytes,
    *,
    args: Sequence[str] = (),
    env: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    dirs: Iterable[tuple[str | os.PathLike[str], str]] = (),
    stdin: bytes | None = None,
    program_name: str = "main.wasm",
) -> RunResult:
    """Run a command component under jco/Node; same parameters as run_component."""
    out = transpile_many([component])[0]
    prefix = ensure_jco()
    pairs = env.items() if isinstance(env, Mapping) else env
    with tempfile.TemporaryDirectory(prefix="jco-run-") as tmp:
        result = Path(tmp) / "result.json"
        config = {
            "args": [program_name, *args],
            "env": dict(pairs),
            "preopens": {guest: os.fspath(host) for host, guest in dirs},
            "result": str(result),
        }
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        done = subprocess.run(
            ["node", str(prefix / DRIVER.name), "run", str(out), str(config_path)],
            input=stdin or b"",
            capture_output=True,
            check=False,
            timeout=RUN_TIMEOUT,
            cwd=prefix,
        )
        if not result.exists():
            raise ToolchainError(
                f"the jco driver ended without a result (status {done.returncode}): "
                f"{done.stderr.decode(errors='replace')[-2000:]}"
            )
        report = json.loads(result.read_text())
    return RunResult(
        done.returncode, done.stdout, done.stderr, report["outcome"], report["message"]
    )
