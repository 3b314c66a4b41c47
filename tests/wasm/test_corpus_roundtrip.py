"""Round trips on real modules: the shared `corpus` fixture when present, else our zig builds.

For every module: encode(decode(x)) == x; the canonical encoding decodes to the
same model; every body decodes, re-encodes and decodes to the same
instructions; and wasmtime validates the module rebuilt from re-encoded bodies.
"""

from __future__ import annotations

import copy

from wasm_support import Program, full_body, validate

from componentize.wasm import (
    Code,
    decode_body,
    decode_module,
    encode_expr,
    encode_module,
    name_section,
    producers_section,
)


def check_module(data: bytes) -> None:
    module = decode_module(data)
    assert encode_module(module) == data, "not byte-identical"
    canonical = encode_module(module, reuse_original=False)
    assert decode_module(canonical) == module, "canonical encoding decodes differently"
    name_section(module)  # decodable when present
    producers_section(module)
    bodies = [decode_body(full_body(c)) for c in module.codes]
    rebuilt = copy.copy(module)
    rebuilt.codes = [Code(b.locals, encode_expr(b.instructions)) for b in bodies]
    data2 = encode_module(rebuilt)
    assert [decode_body(full_body(c)) for c in decode_module(data2).codes] == bodies
    validate(data2)


def test_real_modules_round_trip(real_modules: list[Program]) -> None:
    assert real_modules
    for program in real_modules:
        try:
            check_module(program.path.read_bytes())
        except AssertionError as e:
            raise AssertionError(f"{program.name} ({program.path}): {e}") from e


def test_iostream_round_trip(iostream_program: Program) -> None:
    data = iostream_program.path.read_bytes()
    assert len(data) > 1_000_000
    # (its speed is measured in benches/bench_codec.py, not asserted here)
    module = decode_module(data)
    assert encode_module(module) == data
    check_module(data)
