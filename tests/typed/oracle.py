"""The oracle for typed worlds: wasmtime-py's component API.

A component made from a fixture of `tests/fixtures/typed/` (by the official
pipeline, `wasm-tools component new --adapt wasi_snapshot_preview1=...` with
the preview1 adapter shipped in jco, or by ours, `componentize.assemble`) is
instantiated with the world's imports defined in Python (`Host` records what
they receive) and WASI 0.2 from wasmtime; `Guest` calls its exports with
typed values.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wasmtime
import wasmtime.component as wc

from componentize.assemble import Options, componentize
from componentize.assemble.embed import embed_world
from componentize.assemble.world import pick_world
from componentize.wit import resolve_dir
from toolchains import jco
from toolchains.typed import TYPED_DIR, VARIANTS, WIT_PATH, WORLD, Variant, wasm_tools

__all__ = ["API", "EMBEDDERS", "PIPELINES", "Guest", "Host", "record", "wasm_tools"]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
API = "test:typed/api@0.1.0"
HOST = "test:typed/host@0.1.0"
PIPELINES = ("official", "ours")
EMBEDDERS = ("wasm-tools", "ours")
COUNTER_TYPE = 1  # the host's resource type id for test:typed/host.counter

_ENGINE: wasmtime.Engine | None = None
_COMPILED: dict[str, wc.Component] = {}


def engine() -> wasmtime.Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = wasmtime.Engine()
    return _ENGINE


def cache_dir() -> Path:
    env = os.environ.get("COMPONENTIZE_FIXTURE_CACHE")
    path = (Path(env) if env else REPO_ROOT / ".cache" / "fixtures") / "typed"
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---------------------------------------------------------------- the modules


def variant_names(world: str = WORLD) -> list[str]:
    """The fixtures built for `world` (typed, or strings)."""
    return [v.name for v in VARIANTS if v.world == world]


def variant(name: str) -> Variant:
    return next(v for v in VARIANTS if v.name == name)


def core_module(name: str) -> bytes:
    """The module as linked, without a world."""
    return (TYPED_DIR / f"{name}.core.wasm").read_bytes()


def embedded_module(name: str, embedder: str) -> bytes:
    """The module carrying the world, embedded by wasm-tools (committed) or by us."""
    if embedder == "wasm-tools":
        return (TYPED_DIR / f"{name}.wasm").read_bytes()
    return embed_ours(core_module(name))


def embed_ours(core: bytes, wit: Path = WIT_PATH, world: str = WORLD) -> bytes:
    """What `componentize embed WIT --world W` writes."""
    return embed_world(core, pick_world(resolve_dir(str(wit)), world, str(wit)), where="typed")


# ---------------------------------------------------------------- the pipelines


def adapter(kind: str) -> Path:
    """The official preview1 adapter shipped in the pinned jco npm package."""
    prefix = jco.ensure_jco()
    return (
        prefix
        / "node_modules"
        / "@bytecodealliance"
        / "jco"
        / "lib"
        / f"wasi_snapshot_preview1.{kind}.wasm"
    )


class OfficialError(Exception):
    """`wasm-tools component new` refused the module (its stderr)."""


def official(module: bytes, kind: str = "reactor") -> bytes:
    """`wasm-tools component new MODULE --adapt wasi_snapshot_preview1=ADAPTER`, cached."""
    tool = wasm_tools()
    adapt = adapter(kind)
    key = hashlib.sha256(module + adapt.read_bytes() + tool.encode()).hexdigest()[:32]
    cached = cache_dir() / f"official-{key}.wasm"
    if cached.is_file():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory(prefix="typed-official-") as tmp:
        src, out = Path(tmp) / "in.wasm", Path(tmp) / "out.wasm"
        src.write_bytes(module)
        done = subprocess.run(
            [
                tool,
                "component",
                "new",
                str(src),
                "--adapt",
                f"wasi_snapshot_preview1={adapt}",
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise OfficialError(done.stderr.strip())
        data = out.read_bytes()
    tmp_path = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp_path.write_bytes(data)
    tmp_path.replace(cached)
    return data


_PACKAGE_DIGEST: list[str] = []


def package_digest() -> str:
    """A digest of every file of the componentize package (code, shim, WIT): a cached
    output of ours is reused only while the code that made it is unchanged."""
    if not _PACKAGE_DIGEST:
        h = hashlib.sha256()
        package = REPO_ROOT / "componentize"
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(package).as_posix().encode() + b"\0")
                h.update(path.read_bytes())
        _PACKAGE_DIGEST.append(h.hexdigest())
    return _PACKAGE_DIGEST[0]


def ours(module: bytes) -> bytes:
    """`componentize new MODULE`: the world comes from the module's component-type
    section.  Kept in the fixture cache under the module and the package's digest."""
    key = hashlib.sha256(module + package_digest().encode()).hexdigest()[:32]
    cached = cache_dir() / f"ours-{key}.wasm"
    if cached.is_file():
        return cached.read_bytes()
    data = componentize(module, Options(source="typed")).component
    tmp_path = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp_path.write_bytes(data)
    tmp_path.replace(cached)
    return data


def make_component(pipeline: str, module: bytes, kind: str) -> bytes:
    return official(module, kind) if pipeline == "official" else ours(module)


def component_wit(component: bytes, *, cache: bool = False) -> str:
    """`wasm-tools component wit` of a component (kept in the fixture cache if asked:
    for the official pipeline's outputs, which do not change)."""
    key = hashlib.sha256(component).hexdigest()[:32]
    cached = cache_dir() / f"wit-{key}.wit"
    if cache and cached.is_file():
        return cached.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="typed-wit-") as tmp:
        path = Path(tmp) / "c.wasm"
        path.write_bytes(component)
        done = subprocess.run(
            [wasm_tools(), "component", "wit", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    if cache:
        tmp_path = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp_path.write_text(done.stdout, encoding="utf-8")
        tmp_path.replace(cached)
    return done.stdout


# ---------------------------------------------------------------- the host side


@dataclass
class Host:
    """The world's imports, in Python; records what the guest passed."""

    hostname: str = "pyhost"
    now: int = 42
    logs: list[str] = field(default_factory=list)
    scaled: list[tuple[int, int, float]] = field(default_factory=list)
    checksums: list[bytes] = field(default_factory=list)
    counters: dict[int, int] = field(default_factory=dict)  # rep -> value, while alive
    counters_made: int = 0
    counters_dropped: list[int] = field(default_factory=list)
    now_calls: int = 0

    def define(self, linker: wc.Linker) -> None:
        with linker.root() as root:
            root.add_func("now", self._now)
            with root.add_instance(HOST) as host:
                host.add_func("log", self._log)
                host.add_func("add", self._add)
                host.add_func("scale", self._scale)
                host.add_func("checksum", self._checksum)
                host.add_func("hostname", self._hostname)
                host.add_resource("counter", wc.ResourceType.host(COUNTER_TYPE), self._counter_dtor)
                host.add_func("[constructor]counter", self._counter_new)
                host.add_func("[method]counter.bump", self._counter_bump)

    def _now(self, store: wasmtime.Store) -> int:
        self.now_calls += 1
        return self.now

    def _log(self, store: wasmtime.Store, msg: str) -> None:
        self.logs.append(msg)

    def _add(self, store: wasmtime.Store, a: int, b: int) -> int:
        return (a + b) % (1 << 32)

    def _scale(self, store: wasmtime.Store, p: Any, k: float) -> wc.Record:
        self.scaled.append((p.x, p.y, k))
        return record(x=int(p.x * k), y=int(p.y * k))

    def _checksum(self, store: wasmtime.Store, data: bytes) -> int:
        self.checksums.append(data)
        return sum(data)

    def _hostname(self, store: wasmtime.Store) -> str:
        return self.hostname

    def _counter_new(self, store: wasmtime.Store, start: int) -> wc.ResourceHost:
        self.counters_made += 1
        rep = 1000 + self.counters_made
        self.counters[rep] = start
        return wc.ResourceHost.own(rep, COUNTER_TYPE)

    def _counter_bump(self, store: wasmtime.Store, this: wc.ResourceAny, by: int) -> int:
        rep = this.to_host(store).rep
        self.counters[rep] += by
        return self.counters[rep]

    def _counter_dtor(self, store: wasmtime.StoreContext, rep: int) -> None:
        self.counters_dropped.append(rep)
        del self.counters[rep]


def compiled(component: bytes) -> wc.Component:
    """The component compiled by wasmtime: once per process, and kept serialized in the
    fixture cache across runs (keyed by the bytes and wasmtime's version)."""
    key = hashlib.sha256(component).hexdigest()
    if key not in _COMPILED:
        version = importlib.metadata.version("wasmtime")
        path = cache_dir() / f"compiled-{key[:32]}-{version}.cwasm"
        if path.is_file():
            _COMPILED[key] = wc.Component.deserialize(engine(), path.read_bytes())
        else:
            _COMPILED[key] = wc.Component(engine(), component)
            tmp_path = path.with_suffix(f".{os.getpid()}.tmp")
            tmp_path.write_bytes(bytes(_COMPILED[key].serialize()))
            tmp_path.replace(path)
    return _COMPILED[key]


class Guest:
    """One instance of a component, its host, and typed calls of its exports."""

    def __init__(
        self,
        component: bytes,
        *,
        env: dict[str, str] | None = None,
        stdout: Path | None = None,
        other_imports_trap: bool = False,
    ) -> None:
        self.host = Host()
        self.store = wasmtime.Store(engine())
        wasi = wasmtime.WasiConfig()
        wasi.env = list((env or {}).items())
        if stdout is not None:
            wasi.stdout_file = str(stdout)
        self.store.set_wasi(wasi)
        linker = wc.Linker(engine())
        linker.add_wasip2()
        self.host.define(linker)
        self.component = compiled(component)
        if other_imports_trap:  # a world other than typed: its imports trap if called
            linker.define_unknown_imports_as_traps(self.component)
        self.instance = linker.instantiate(self.store, self.component)

    def exports(self) -> list[str]:
        return sorted(self.component.type.exports(engine()))

    def func(self, name: str, interface: str | None = API) -> wc.Func:
        parent = None
        if interface is not None:
            parent = self.instance.get_export_index(self.store, interface)
            assert parent is not None, f"no export {interface}"
        index = self.instance.get_export_index(self.store, name, parent)
        assert index is not None, f"no export {name} in {interface}"
        found = self.instance.get_func(self.store, index)
        assert found is not None, f"{name} is not a function"
        return found

    def api(self, name: str, *args: Any) -> Any:
        """Call api.NAME (post-return runs before this returns)."""
        return self.call(self.func(name), *args)

    def root(self, name: str, *args: Any) -> Any:
        return self.call(self.func(name, None), *args)

    def call(self, func: wc.Func, *args: Any) -> Any:
        result = func(self.store, *args)
        func.post_return(self.store)
        return result


def record(**fields: Any) -> wc.Record:
    out = wc.Record()
    for key, value in fields.items():
        setattr(out, key, value)
    return out


def every_export(guest: Guest) -> None:
    """Call every export once, resources included (for post-return checks)."""
    guest.api("greet", "leak?")
    guest.api("reverse", b"12345")
    guest.api("checksum", b"xyz")
    guest.api("join", ["a", "b"], "+")
    guest.api("split", "a b c", " ")
    guest.api("find", ["a", "b"], "b")
    guest.api("make-person", "P", 1, ["t1", "t2"])
    guest.api("describe", record(name="Q", age=2, tags=["u"]))
    guest.api("swap", (1, "one"))
    guest.api("grow", wc.Variant("square", 1.0))
    guest.api("maybe-double", 4)
    guest.api("parse", "17")
    guest.api("parse", "nope")
    guest.api("many", *[float(v) if v in (2, 3) else v for v in range(17)])
    guest.api("move-point", 1, 1, 1.0)
    guest.api("count-with-host", 1, 1)
    guest.api("getenv", "TYPED_VAR")
    guest.api("getenv", "NOT_SET")
    guest.root("version")
    acc = guest.call(guest.func("[constructor]accumulator"), 1)
    acc2 = guest.call(guest.func("[static]accumulator.merge"), acc, acc)
    acc.drop(guest.store)
    guest.api("consume", acc2)


def normalize_world(text: str) -> str:
    """The world without its WASI imports and WASI packages, wasi:cli/run without its
    version, the world's imports and exports sorted (the order of a component's
    imports and exports carries no meaning)."""
    out: list[str] = []
    items: list[str] = []
    skip = False
    for line in text.splitlines():
        if line.startswith("package wasi:"):
            skip = True
        elif line.startswith("package "):
            skip = False
        if skip or re.match(r"\s+import wasi:", line):
            continue
        line = re.sub(r"(wasi:cli/run)@0\.2\.\d+", r"\1", line)
        if re.match(r"  (import|export) ", line):
            items.append(line)
            continue
        if items and not line.strip():
            continue
        out += sorted(items)
        items = []
        out.append(line)
    return "\n".join(out + sorted(items))


@contextmanager
def stdout_file() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="typed-stdout-") as tmp:
        path = Path(tmp) / "stdout"
        path.touch()
        yield path


Maker = Callable[[str, str, str], bytes]
