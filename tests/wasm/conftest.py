"""Fixtures for the wasm codec tests.

`wasm_programs` are small C programs compiled by zig cc for wasm32-wasi at a
few optimization levels (cached by content hash, see wasm_support.zig_build).
They stand in for the shared `corpus` fixture where that one is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wasm_support import HELLO_C, IOSTREAM_CPP, MATH_C, Program, zig_build


@pytest.fixture(scope="session")
def wasm_programs() -> list[Program]:
    builds = [
        ("hello-O2-stripped", HELLO_C, ["-O2", "-s"]),
        ("hello-Oz-debug", HELLO_C, ["-Oz"]),
        ("math-O0-stripped", MATH_C, ["-O0", "-s"]),
        ("math-O2", MATH_C, ["-O2", "-lm"]),
    ]
    return [Program(name, zig_build(src, ".c", flags)) for name, src, flags in builds]


@pytest.fixture(scope="session")
def iostream_program() -> Program:
    """A C++ iostream program: large (libc++ included), built at -O0 with debug info."""
    return Program("iostream-O0", zig_build(IOSTREAM_CPP, ".cpp", ["-O0", "-fno-exceptions"]))


@pytest.fixture(scope="session")
def real_modules(request: pytest.FixtureRequest, wasm_programs: list[Program]) -> list[Program]:
    """The shared fixture corpus when the project provides one, else our own builds."""
    try:
        corpus = request.getfixturevalue("corpus")
    except pytest.FixtureLookupError:
        return wasm_programs
    return [Program(c.name, Path(c.path)) for c in corpus] or wasm_programs
