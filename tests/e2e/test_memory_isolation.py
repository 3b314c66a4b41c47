"""The shim never writes the module's memory beyond what preview1 says.

Every real fixture (tests/fixtures/real, the compiled C, Rust, Go,
AssemblyScript and Emscripten programs) is rewritten by
`memory_probe.probe` to hash its whole memory (and memory.size) when it
exits or returns, and to print the hash on stderr.  The rewritten module
runs natively and as a component, with the fixture's own inputs: stdout,
stderr (so the hash), exit code and preopens must be the same.  A byte the
shim wrote in the module's memory, other than the out-params and buffers
preview1 fills (which the native host fills the same way), or a page it
grew, changes the hash.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from cached_runs import component_of, run_native
from memory_probe import LINE, cached_probe, dumped_memory, probe

from componentize.run import RunResult, run_component
from toolchains import fuzz
from toolchains.real import REAL_DIR, load_manifest

# Fixtures whose memory differs from one native run to the next, because it
# holds what preview1 calls gave them that change from run to run: these are
# checked byte by byte instead (`test_memory_outside_what_varies_natively`).
# Each one is checked to vary: an entry stays only while true.
VARIES = {
    "go/main.wasm": "the Go runtime seeds its hashes and scheduler with random_get and "
    "clock_time_get",
    "as-incremental/clocks.wasm": "clock_time_get's times",
    "as-stub/clocks.wasm": "clock_time_get's times",
    "clang14/clocks.wasm": "clock_time_get's times",
    "clang19/clocks.wasm": "clock_time_get's times",
    "emscripten/clocks.wasm": "clock_time_get's times",
    "rust/time.wasm": "clock_time_get's times",
    "as-incremental/files.wasm": "file times and inode numbers (filestat)",
    "as-stub/files.wasm": "file times and inode numbers (filestat)",
    "clang14/files.wasm": "file times and inode numbers (filestat, readdir)",
    "clang19/files.wasm": "file times and inode numbers (filestat, readdir)",
    "rust/files.wasm": "file times and inode numbers (filestat, readdir)",
    "clang14/rewinddir.wasm": "inode numbers (readdir)",
    "clang19/rewinddir.wasm": "inode numbers (readdir)",
}
# Where only memory.size is compared: Go's runtime state follows from its
# random seeds and timings in ways no byte mask captures (maps laid out by
# seeded hashes): 30 to 230 bytes that two native runs agree on differ in a
# third native run too.
SIZE_ONLY = {"go/main.wasm"}
# Bytes that hold a readdir cookie (preview1's `dircookie`, the `d_next` of
# each dirent, which the program keeps for its next call): an opaque value
# the host chooses, and the shim numbers entries otherwise than wasmtime's
# native host does (the programs' telldir/seekdir output is the same).
# Found by reading the dumps; a rebuilt fixture moves them.
DIRCOOKIES = {
    "clang14/rewinddir.wasm": {0x114E4, 0x115B0},
    "clang19/rewinddir.wasm": {0x114E4, 0x115B0},
    "rust/files.wasm": {0x104214, 0x1047A4},
}


def _runs() -> list[fuzz.SeedRun]:
    runs = []
    for key in sorted(load_manifest()["binaries"]):
        # a run that ends in a trap (abort, a Rust panic) never reaches the
        # report: nothing to compare
        runs += [r for r in fuzz.real_runs(REAL_DIR / key) if r.exit_code != 134]
    return runs


def _key(run: fuzz.SeedRun) -> str:
    return run.path.relative_to(REAL_DIR).as_posix()


RUNS = _runs()
CHECKED = [r for r in RUNS if _key(r) not in VARIES]
VARYING = [r for r in RUNS if _key(r) in VARIES]


def _ids(runs: list[fuzz.SeedRun]) -> list[str]:
    return [r.name.split("real/")[1] for r in runs]


@pytest.fixture(scope="module")
def probed() -> Callable[[str, bool], bytes]:
    """The fixture rewritten to report its memory, made once per key."""
    return cache(lambda key, dump: cached_probe((REAL_DIR / key).read_bytes(), dump=dump))


def _report(stderr: bytes | None) -> bytes:
    """The probe's line, which must end stderr (once)."""
    assert stderr is not None
    found = re.findall(LINE, stderr)
    assert found and stderr.endswith(found[-1]), f"no report at the end: {stderr[-200:]!r}"
    return bytes(found[-1])


@pytest.mark.parametrize("run", CHECKED, ids=_ids(CHECKED))
def test_memory_is_as_after_the_native_run(
    run: fuzz.SeedRun, probed: Callable[[str, bool], bytes]
) -> None:
    module = probed(_key(run), False)
    native, _, found = fuzz.seed_results(run, component_of(module), run_native, module=module)
    _report(native.stderr)  # the probe did report: the check is not vacuous
    assert found == []


@pytest.mark.parametrize("run", VARYING, ids=_ids(VARYING))
def test_memory_outside_what_varies_natively(
    run: fuzz.SeedRun, probed: Callable[[str, bool], bytes]
) -> None:
    """Native, component, native again, with all of memory dumped: a byte
    the two native runs agree on must be the component's too.

    Each run has its own preopened tree, all kept until the end, so inode
    numbers differ between all three; the component runs between the two
    native runs, so a time the natives agree on is the component's too.
    """
    size_only = _key(run) in SIZE_ONLY
    module = probed(_key(run), not size_only)  # no dump: the line is enough
    component = component_of(module)
    inputs = {"args": run.args, "env": run.env, "stdin": run.stdin}
    with tempfile.TemporaryDirectory(prefix="componentize-memory-") as tmp:
        trees = [fuzz.fresh_dirs(run, Path(tmp) / str(i)) for i in range(4)]
        first = run_native(module, dirs=trees[0], **inputs)
        middle = run_component(component, dirs=trees[1], compile_cache=True, **inputs)
        again = run_native(module, dirs=trees[2], **inputs)
        assert first.exit_code == middle.exit_code == again.exit_code == run.exit_code
        lines = [_report(r.stderr).split() for r in (first, middle, again)]
        assert lines[0][1] != lines[2][1], f"{_key(run)} no longer varies: move it out of VARIES"
        assert lines[0][3] == lines[1][3] == lines[2][3], "memory.size differs"
        if size_only:
            return
        a, b, c = (dumped_memory(_stderr(r)) for r in (first, middle, again))
        wrong = set(_unexplained(a, b, c)) - DIRCOOKIES.get(_key(run), set())
        if wrong:
            # A byte the shim wrote is written in every run; under load a
            # host may end a read short and the program's retry leaves other
            # stack contents (seen once in rust/files): keep what repeats.
            rerun = run_component(component, dirs=trees[3], compile_cache=True, **inputs)
            wrong &= set(_unexplained(a, dumped_memory(_stderr(rerun)), c))
    assert not wrong, [f"{i:#x}: {a[i]:#04x} natively, {b[i]:#04x}" for i in sorted(wrong)]


def _stderr(result: RunResult) -> bytes:
    assert result.stderr is not None
    _report(result.stderr)
    return result.stderr


def _unexplained(first: bytes, middle: bytes, again: bytes, chunk: int = 4096) -> list[int]:
    """Offsets where `middle` differs from two runs that agree around them.

    A value that varies (a time, an inode number) differs between the two
    native runs in at least one of its bytes, not in all: so a byte is left
    out when the natives differ anywhere within 7 bytes of it (a u64 around
    it, aligned or not).  A time that the natives agree on is the
    component's too, as it ran between them; an inode number never agrees,
    all three trees living at once."""
    out = []
    for start in range(0, len(first), chunk):
        end = start + chunk
        if middle[start:end] == first[start:end]:
            continue
        for i in range(start, min(end, len(first))):
            near = slice(max(0, i - 7), i + 8)
            if middle[i] != first[i] and first[near] == again[near]:
                out.append(i)
    return out


def test_every_fixture_is_checked() -> None:
    keys = {_key(r) for r in RUNS}
    assert set(VARIES) <= keys and SIZE_ONLY | set(DIRCOOKIES) <= set(VARIES)
    runnable = {k for k, e in load_manifest()["binaries"].items() if e["expect"] == "run"}
    assert keys == runnable  # every runnable fixture has a run here
    assert len(CHECKED) > 40


def test_the_report_sees_one_byte() -> None:
    """The check can fail: argv differing in one byte changes the hash."""
    module = probe((fuzz.ROOT / "examples" / "hello.wasm").read_bytes())
    lines = {_report(run_native(module, args=[arg]).stderr) for arg in ("a", "b")}
    assert len(lines) == 2


def test_the_mask_keeps_a_byte_the_natives_agree_on() -> None:
    first = bytes(64)
    again = first[:40] + b"\x01" + first[41:]  # a value that varies, at 40
    middle = bytearray(first)
    middle[8] = 7  # a stray write
    middle[44] = 9  # within the varying value's u64: not counted
    assert _unexplained(first, bytes(middle), again) == [8]
