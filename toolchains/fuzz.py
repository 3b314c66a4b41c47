"""Mutation fuzzing of `componentize new` and `inspect` (and the WIT front end).

Seeds: the committed real-toolchain and typed fixtures, the conformance
suite's modules and the bundled example; each input is a seed mutated a
few times (truncation, bit flips, byte runs, inserted and deleted ranges,
corrupted LEB128 lengths, spliced sections, and edits of decoded imports,
exports, memories and types).  For each input:

- `componentize()` either returns a component that the (cheap) validation
  accepted, or raises a user error (`ComponentizeError`) of at most two
  lines; an `InternalError` or any other exception is a finding;
- `componentize inspect` on the input, and on the component when there is
  one, exits 0 or 2, never 3;
- for a module wasmtime accepts, a refusal is recorded (not a finding: a
  valid module may still be one WASI cannot run, e.g. a threads build).

    python -m toolchains.fuzz [--seconds 1800] [--seed 1] [--wit]

prints throughput and every distinct finding (kind, message) with the
input that first showed it (saved under `.cache/fuzz/`).  The tests run a
short deterministic pass (`tests/test_fuzz.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import wasmtime
from click.testing import CliRunner

from componentize import wasm
from componentize.assemble import Options, componentize
from componentize.cli.inspect import inspect
from componentize.engine import engine
from componentize.errors import ComponentizeError, InternalError
from componentize.wit import resolve_text

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT.parent / "shared" / "conformance" / "wasi-testsuite" / "tests"
SEED_DIRS = [ROOT / "tests" / "fixtures" / "real", ROOT / "tests" / "fixtures" / "typed"]
OUT = ROOT / ".cache" / "fuzz"
MAX_SEED_BYTES = 400_000  # big modules make each run slow for little gain


def seeds(limit_bytes: int = MAX_SEED_BYTES) -> list[bytes]:
    """Every small enough module of the fixtures and the suite, sorted by path."""
    paths = [ROOT / "examples" / "hello.wasm"]
    for folder in [*SEED_DIRS, SUITE]:
        paths += sorted(folder.rglob("*.wasm"))
    found = []
    for path in paths:
        data = path.read_bytes()
        if len(data) <= limit_bytes and data[4:8] == b"\x01\x00\x00\x00":
            found.append(data)
    return found


# ---------------------------------------------------------------- mutators

Mutator = Callable[[random.Random, bytes, list[bytes]], bytes]


def truncate(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return data[: rng.randrange(8, max(9, len(data)))]


def flip(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    out = bytearray(data)
    for _flip in range(rng.randint(1, 4)):
        at = rng.randrange(8, len(out))
        out[at] ^= 1 << rng.randrange(8)
    return bytes(out)


def byte_run(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data))
    value = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    return data[:at] + bytes([value]) * rng.randint(1, 8) + data[at + 8 :]


def insert(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 16)) + data[at:]


def delete(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(8, len(data))
    return data[:at] + data[at + rng.randint(1, 32) :]


def leb(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """Corrupt a LEB128-looking byte (continuation bit set): its length."""
    spots = [i for i in range(8, min(len(data), 4096)) if data[i] & 0x80]
    if not spots:
        return flip(rng, data, [])
    at = rng.choice(spots)
    out = bytearray(data)
    out[at] = rng.choice([0xFF, 0x80, out[at] ^ 0x40, 0x8F])
    return bytes(out)


def _sections(data: bytes) -> list[bytes]:
    """The module's sections as raw bytes (id, size, payload)."""
    out, at = [], 8
    while at < len(data):
        start = at
        at += 1
        size, shift = 0, 0
        while at < len(data):
            byte = data[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        at += size
        out.append(data[start:at])
    return out


def splice(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """A section of another seed put in, or one of ours repeated or dropped."""
    mine = _sections(data)
    if not mine:
        return data
    other = _sections(rng.choice(pool)) or mine
    at = rng.randrange(len(mine))
    choice = rng.randrange(3)
    if choice == 0:
        mine.insert(at, rng.choice(other))
    elif choice == 1:
        mine.insert(at, mine[at])
    else:
        del mine[at]
    return data[:8] + b"".join(mine)


def structural(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    """Decode, edit an import, an export, a memory or the start, encode."""
    try:
        module = wasm.decode_module(data)
    except ComponentizeError:
        return flip(rng, data, [])
    edits = [_rename_import, _rename_export, _memory, _start, _duplicate_export]
    try:
        return wasm.encode_module(rng.choice(edits)(rng, module))
    except (ComponentizeError, IndexError, ValueError):
        return data


def _odd_name(rng: random.Random, name: str) -> str:
    return rng.choice(
        [
            name + "\n" + name,
            name + "\x1b[31m",
            name * 200,
            "",
            "[resource-drop]" + name,
            "cm32p2|" + name,
            "$root",
            name.upper(),
        ]
    )


def _rename_import(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.imports:
        return module
    imports = list(module.imports)
    at = rng.randrange(len(imports))
    imp = imports[at]
    if rng.random() < 0.5:
        imports[at] = replace(imp, name=_odd_name(rng, imp.name))
    else:
        imports[at] = replace(imp, module=_odd_name(rng, imp.module))
    return replace(module, imports=imports)


def _rename_export(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.exports:
        return module
    exports = list(module.exports)
    at = rng.randrange(len(exports))
    new = rng.choice(["_start", "_initialize", "memory", "cabi_realloc", "cm32p2_initialize"])
    exports[at] = replace(exports[at], name=rng.choice([new, _odd_name(rng, exports[at].name)]))
    return replace(module, exports=exports)


def _duplicate_export(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.exports:
        return module
    return replace(module, exports=[*module.exports, rng.choice(module.exports)])


def _memory(rng: random.Random, module: wasm.Module) -> wasm.Module:
    if not module.memories:
        return replace(module, memories=[wasm.Limits(rng.randrange(3))])
    limits = module.memories[0]
    changed = rng.choice(
        [
            replace(limits, max=limits.min),
            replace(limits, min=limits.min + 1, max=limits.min),
            replace(limits, shared=True, max=limits.max or limits.min + 1),
            replace(limits, min=65536),
        ]
    )
    return replace(module, memories=[changed, *module.memories[1:]])


def _start(rng: random.Random, module: wasm.Module) -> wasm.Module:
    count = len(module.functions) + sum(1 for i in module.imports if i.kind == "func")
    return replace(module, start=rng.randrange(count + 2) if count else 0)


MUTATORS: list[Mutator] = [truncate, flip, byte_run, insert, delete, leb, splice, structural]


def mutants(rng: random.Random, pool: list[bytes]) -> Iterator[bytes]:
    while True:
        data = rng.choice(pool)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            if len(data) <= 8:
                break
            data = rng.choice(MUTATORS)(rng, data, pool)
        yield data


# ---------------------------------------------------------------- checks


@dataclass
class Findings:
    inputs: int = 0
    components: int = 0
    user_errors: int = 0
    refused_valid: int = 0
    found: dict[tuple[str, str], bytes] = field(default_factory=dict)

    def add(self, kind: str, message: str, data: bytes) -> None:
        key = (kind, message.splitlines()[0][:200] if message else "")
        self.found.setdefault(key, data)


def check(data: bytes, findings: Findings, *, run_inspect: bool = True) -> None:
    """One input through `new` and `inspect`; findings recorded."""
    findings.inputs += 1
    component = None
    try:
        component = componentize(data, Options(source="<fuzz>")).component
        findings.components += 1
    except ComponentizeError as error:
        findings.user_errors += 1
        if len(str(error).splitlines()) > 2:
            findings.add("message longer than two lines", str(error), data)
        if _valid(data):
            findings.refused_valid += 1
    except InternalError as error:
        findings.add("internal error", str(error), data)
    except Exception as error:  # noqa: BLE001 - every other exception is a finding
        findings.add(f"{type(error).__name__}", traceback.format_exc(limit=-3), data)
    if run_inspect:
        for blob in (data, component):
            if blob is not None:
                _inspect(blob, findings)


def _valid(data: bytes) -> bool:
    try:
        wasmtime.Module.validate(engine(), data)
    except wasmtime.WasmtimeError:
        return False
    return True


def _inspect(blob: bytes, findings: Findings) -> None:
    path = OUT / "inspect-input.wasm"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    result = CliRunner().invoke(inspect, [str(path)])
    if result.exit_code not in (0, 2):
        findings.add(f"inspect exit {result.exit_code}", result.output, blob)


def check_wit(text: str, findings: Findings) -> None:
    findings.inputs += 1
    try:
        resolve_text(text, "fuzz.wit")
    except ComponentizeError:
        findings.user_errors += 1
    except Exception as error:  # noqa: BLE001 - a crash of the WIT front end is a finding
        findings.add(f"wit {type(error).__name__}", str(error), text.encode())


WIT_SEED = """package a:b@1.0.0;
interface i {
  record r { x: u32, y: list<string> }
  variant v { a(r), b }
  resource res { constructor(x: u32); m: func() -> option<u32>; }
  f: func(a: r, b: borrow<res>) -> result<v, string>;
}
world w { import i; export f: func(x: tuple<u8, s64>) -> list<r>; }
"""
WIT_PIECES = ["list<", "tuple<", ">", "{", "}", ";", "use i.{r};", "%", "@since(version = 1.0.0)",
              "borrow<res>", "package", "\n", "func(", ")", "->", "x" * 300]  # fmt: skip


def wit_mutants(rng: random.Random) -> Iterator[str]:
    while True:
        text = WIT_SEED
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.5:
                text = text[:at] + rng.choice(WIT_PIECES) * rng.choice([1, 1, 2, 600]) + text[at:]
            else:
                text = text[:at] + text[at + rng.randint(1, 12) :]
        yield text


# ---------------------------------------------------------------- driver


def run(seconds: float, seed: int, *, limit: int | None = None, wit: bool = False) -> Findings:
    rng = random.Random(seed)
    findings = Findings()
    deadline = time.monotonic() + seconds
    if wit:
        for text in wit_mutants(rng):
            check_wit(text, findings)
            if time.monotonic() > deadline or (limit and findings.inputs >= limit):
                break
        return findings
    for data in mutants(rng, seeds()):
        check(data, findings, run_inspect=findings.inputs % 4 == 0)
        if time.monotonic() > deadline or (limit and findings.inputs >= limit):
            break
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wit", action="store_true", help="fuzz the WIT front end instead")
    args = parser.parse_args()
    start = time.monotonic()
    findings = run(args.seconds, args.seed, wit=args.wit)
    took = time.monotonic() - start
    print(
        f"{findings.inputs} inputs in {took:.0f} s ({findings.inputs / took:.1f}/s): "
        f"{findings.components} components, {findings.user_errors} user errors, "
        f"{findings.refused_valid} valid modules refused, {len(findings.found)} findings"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for (kind, message), data in findings.found.items():
        name = hashlib.sha256(data).hexdigest()[:16]
        (OUT / f"{name}.{'wit' if args.wit else 'wasm'}").write_bytes(data)
        print(f"- {kind}: {message} ({OUT / name})")
    sys.exit(1 if findings.found else 0)


if __name__ == "__main__":
    main()
