"""The mutators: a seed module changed a few times (bytes, sections, or its
decoded imports, exports, memories and start), and WIT text with pieces put
in or cut out."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace

from componentize import wasm
from componentize.errors import ComponentizeError

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
