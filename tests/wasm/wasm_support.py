"""Shared helpers for the wasm codec tests: engines with features, zig builds, re-encoding."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import wasmtime

from componentize.wasm import (
    Code,
    Module,
    decode_body,
    decode_module,
    encode_body,
    encode_expr,
    encode_module,
)
from componentize.wasm.instructions import encode_locals
from toolchains.build import fixture_cache_dir, zig_cache_dir


@dataclass(frozen=True)
class Program:
    """A compiled module: what the shared `corpus` fixture items also provide."""

    name: str
    path: Path


ALL_FEATURES = frozenset(
    {
        "simd",
        "relaxed_simd",
        "multi_memory",
        "memory64",
        "threads",
        "tail_call",
        "reference_types",
        "bulk_memory",
        "exceptions",
        "function_references",
        "gc",
        "multi_value",
    }
)


def engine(features: Iterable[str] = ALL_FEATURES) -> wasmtime.Engine:
    config = wasmtime.Config()
    for f in features:
        setattr(config, f"wasm_{f}", True)
    return wasmtime.Engine(config)


def validate(data: bytes, features: Iterable[str] = ALL_FEATURES) -> None:
    wasmtime.Module.validate(engine(features), data)


def full_body(code: Code) -> bytes:
    out = bytearray()
    encode_locals(out, code.locals)
    return bytes(out) + code.code


def reencode_bodies(module: Module) -> Module:
    """A copy of `module` whose bodies went through decode_body/encode_body.

    Re-encoded bodies are canonical, so the code section is written by the
    encoder rather than copied from the original bytes.
    """
    copy = decode_module(encode_module(module))
    new_codes = []
    for code in copy.codes:
        body = decode_body(full_body(code))
        assert decode_body(encode_body(body)) == body
        new_codes.append(Code(body.locals, encode_expr(body.instructions)))
    copy.codes = new_codes
    return copy


def cache_dir() -> Path:
    """Outputs next to the fixture builder's (COMPONENTIZE_FIXTURE_CACHE)."""
    d = fixture_cache_dir() / "wasm-tests"
    d.mkdir(parents=True, exist_ok=True)
    return d


def zig_build(source: str, suffix: str, flags: list[str]) -> Path:
    """Compile C (suffix '.c') or C++ ('.cpp') for wasm32-wasi; cached by content hash.

    zig's own cache is the fixture builder's, so wasi-libc and libc++ are
    built once per level for the whole test run, not again here.
    """
    driver = "c++" if suffix == ".cpp" else "cc"
    key = hashlib.sha256("\0".join([source, suffix, *flags, driver]).encode()).hexdigest()[:20]
    out = cache_dir() / f"{key}.wasm"
    if out.exists():
        return out
    zig_cache = str(zig_cache_dir())
    env = {**os.environ, "ZIG_GLOBAL_CACHE_DIR": zig_cache, "ZIG_LOCAL_CACHE_DIR": zig_cache}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"prog{suffix}"
        src.write_text(source)
        target = Path(tmp) / "prog.wasm"
        cmd = [
            sys.executable,
            "-m",
            "ziglang",
            driver,
            "-target",
            "wasm32-wasi",
            *flags,
            str(src),
            "-o",
            str(target),
        ]
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        target.replace(out)
    return out


HELLO_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int table[256];
int main(int argc, char **argv) {
    for (int i = 0; i < 256; i++) table[i] = i * i;
    printf("hello %d %s\n", argc, argc > 0 ? argv[0] : "");
    char *p = malloc(64);
    strcpy(p, "buffer");
    puts(p);
    free(p);
    return table[argc & 255] & 1;
}
"""

MATH_C = r"""
#include <math.h>
#include <stdio.h>
#include <time.h>
double f(double x) { return sin(x) * exp(-x) + sqrt(x); }
long long g(long long a, long long b) { return a / (b | 1) + a % (b | 1); }
int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double acc = 0;
    for (int i = 1; i < 100; i++) acc += f(i) + (double)g(i * 7, i);
    printf("%.3f %ld\n", acc, (long)ts.tv_sec);
    return 0;
}
"""

IOSTREAM_CPP = r"""
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
int main(int argc, char **argv) {
    std::map<std::string, int> counts;
    std::vector<std::string> words{"alpha", "beta", "alpha", "gamma"};
    for (const auto &w : words) counts[w]++;
    std::ostringstream os;
    for (const auto &[k, v] : counts) os << k << '=' << v << '\n';
    std::cout << os.str() << "argc " << argc << std::endl;
    return 0;
}
"""
