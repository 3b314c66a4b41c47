"""Run components the way JavaScript hosts do: jco (transpile) + Node.js.

jco and preview2-shim come from the npm registry, pinned, installed once into
`$COMPONENTIZE_NPM_CACHE` (default `<repo>/.cache/npm`).  A component is
transpiled once per content hash (`transpile_many` batches them into one Node
process); each run is one Node process, driven by `jco_driver.mjs` with
preview2-shim's `WASIShim` (args, env, preopens; no network).  Results read
like `componentize.run`'s: exit code as the wasmtime CLI gives it.

`call_many` (and `call_component_jco`, for one) instantiates components with
host imports written in JavaScript (a host module: `createHost()` returning
`{imports, records(), ...}`, as `tests/typed/jco_host.mjs`) and runs steps on
each instance: export calls with typed values, drops of resource handles,
calls into the host module.  Values cross as JSON: Python bool, int (within
2**53), float, str, None (JavaScript's undefined), list/tuple (arrays), dict
(objects) as they are; `bytes` is a Uint8Array (jco's `list<u8>`), `BigInt`
a JavaScript BigInt (jco's u64/s64), `Handle` a resource object bound by an
earlier step.  Results come back the same way, with `JsObject` for a
resource object and int for a BigInt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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


# ---------------------------------------------------------------- typed calls

# JavaScript numbers hold integers exactly up to here; beyond, a BigInt
SAFE_INTEGER = 2**53


@dataclass(frozen=True)
class BigInt:
    """A JavaScript BigInt argument (jco's u64 and s64)."""

    value: int


@dataclass(frozen=True)
class Handle:
    """The resource object an earlier step bound to `name`."""

    name: str


@dataclass(frozen=True)
class JsObject:
    """A resource object (an instance of class `class_name`) in a result."""

    class_name: str


@dataclass(frozen=True)
class Call:
    """Call export `func` (its WIT name: `greet`, `[constructor]r`, `[method]r.m`,
    `[static]r.s`; a method's first argument is its `self`) of the exported
    interface `interface` (None: a world-level function); bind the result to `bind`."""

    interface: str | None
    func: str
    args: Sequence[object] = ()
    bind: str | None = None


@dataclass(frozen=True)
class Drop:
    """Drop (jco: `[Symbol.dispose]()`) the resource object bound to `name`."""

    name: str


@dataclass(frozen=True)
class HostCall:
    """Call `method` of the host object `createHost()` returned."""

    method: str
    args: Sequence[object] = ()


Step = Call | Drop | HostCall


@dataclass(frozen=True)
class Outcome:
    """What a step did: `ok` (value: what it returned), `thrown` (value: what jco
    threw that is not an Error: a result's err payload), `trap`, `exit` (value:
    the code), `error` (any other Error) or `driver` (a step naming no export or
    handle); message for the last three."""

    kind: str
    value: object = None
    message: str = ""


@dataclass
class CallReport:
    """One instance's outcomes, one per step, and what its host module recorded
    (`records()`); `instantiation` is the failure of instantiation, if any."""

    outcomes: list[Outcome]
    host: object
    instantiation: Outcome | None = None


@dataclass(frozen=True)
class CallJob:
    """A component (bytes, or the directory `transpile_many` wrote), the host
    module giving its imports, the steps, the WASI environment variables."""

    component: bytes | Path
    host: Path
    steps: Sequence[Step]
    env: Mapping[str, str] = field(default_factory=dict)


def to_json(value: object) -> object:
    """A Python value as the driver's JSON (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) >= SAFE_INTEGER:
            raise ToolchainError(f"{value} is not exact as a JavaScript number: pass BigInt")
        return value
    if isinstance(value, float):
        return _float_to_json(value)
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, BigInt):
        return {"$bigint": str(value.value)}
    if isinstance(value, Handle):
        return {"$handle": value.name}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    raise ToolchainError(f"no JavaScript value for {value!r}")


def _float_to_json(value: float) -> object:
    # JSON has no NaN, infinities or negative zero
    if value != value or value in (float("inf"), float("-inf")):
        return {"$float": repr(value).replace("inf", "Infinity").replace("nan", "NaN")}
    if value == 0.0 and str(value).startswith("-"):
        return {"$float": "-0"}
    return value


def from_json(value: object) -> object:
    """The driver's JSON as Python values (BigInt as int, Uint8Array as bytes)."""
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$bigint" in value:
        return int(value["$bigint"])
    if "$bytes" in value:
        return bytes.fromhex(value["$bytes"])
    if "$float" in value:
        return float(str(value["$float"]).replace("Infinity", "inf"))
    if "$resource" in value:
        return JsObject(str(value["$resource"]))
    return {k: from_json(v) for k, v in value.items()}


def _step_json(step: Step) -> dict[str, object]:
    if isinstance(step, Call):
        out: dict[str, object] = {"call": [step.interface, step.func], "args": to_json(step.args)}
        if step.bind is not None:
            out["bind"] = step.bind
        return out
    if isinstance(step, Drop):
        return {"drop": step.name}
    return {"host": step.method, "args": to_json(step.args)}


def _outcome(raw: Mapping[str, object]) -> Outcome:
    return Outcome(str(raw["outcome"]), from_json(raw.get("value")), str(raw.get("message", "")))


def call_many(jobs: Sequence[CallJob]) -> list[CallReport]:
    """Run every job on a fresh instance, in one Node process (components given as
    bytes are transpiled first, in one more)."""
    to_transpile = [j.component for j in jobs if isinstance(j.component, bytes)]
    transpiled = iter(transpile_many(to_transpile))
    dirs = [next(transpiled) if isinstance(j.component, bytes) else j.component for j in jobs]
    prefix = ensure_jco()
    with tempfile.TemporaryDirectory(prefix="jco-call-") as tmp:
        results = [Path(tmp) / f"result{i}.json" for i in range(len(jobs))]
        spec = [
            {
                "out_dir": str(out),
                "host": str(Path(job.host).resolve()),
                "env": dict(job.env),
                "steps": [_step_json(s) for s in job.steps],
                "result": str(result),
            }
            for job, out, result in zip(jobs, dirs, results, strict=True)
        ]
        spec_path = Path(tmp) / "jobs.json"
        spec_path.write_text(json.dumps(spec))
        done = subprocess.run(
            ["node", str(prefix / DRIVER.name), "call", str(spec_path)],
            capture_output=True,
            check=False,
            timeout=RUN_TIMEOUT,
            cwd=prefix,
        )
        missing = [r for r in results if not r.exists()]
        if done.returncode != 0 or missing:
            raise ToolchainError(
                f"the jco driver failed (status {done.returncode}, {len(missing)} jobs "
                f"without a result): {done.stderr.decode(errors='replace')[-2000:]}"
            )
        return [_report(json.loads(r.read_text())) for r in results]


def _report(raw: Mapping[str, object]) -> CallReport:
    outcomes = raw["results"]
    assert isinstance(outcomes, list)
    failed = raw.get("instantiate")
    return CallReport(
        [_outcome(o) for o in outcomes],
        from_json(raw["host"]),
        _outcome(failed) if isinstance(failed, dict) else None,
    )


def call_component_jco(
    component: bytes | Path,
    host_module: Path,
    steps: Sequence[Step],
    *,
    env: Mapping[str, str] | None = None,
) -> CallReport:
    """Instantiate one component under jco/Node with the host module's imports and
    run the steps on it."""
    return call_many([CallJob(component, host_module, steps, dict(env or {}))])[0]
