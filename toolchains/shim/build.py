"""Rebuild the shim: `python -m toolchains.shim [--check]`.

1. generate `shims/preview1/wasi_imports.h` from the bundled `wit/` (WASI
   0.2.12) with `toolchains.shim.bindgen`;
2. compile `shims/preview1/*.c` through the `freestanding` template of the zig
   profile (toolchains/zig.toml): no libc, imported memory, no stack reservation;
3. post-process (`toolchains.shim.postprocess`) and write
   `componentize/data/shim_preview1.wasm`.

`--check` builds in memory (and, when the committed header is stale, from a
copy of the sources in a temporary directory), writes nothing, and fails
(status 1) if the header or the binary differ from the committed ones.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from componentize.wit import Version, bundled_wit_dir, resolve_dir
from toolchains.build import REPO_ROOT
from toolchains.build import build as toolchain_build
from toolchains.errors import ToolchainError
from toolchains.shim.bindgen import generate_header
from toolchains.shim.postprocess import postprocess_bytes

ROOT = REPO_ROOT
SOURCE_DIR = ROOT / "shims" / "preview1"
HEADER = SOURCE_DIR / "wasi_imports.h"
OUTPUT = ROOT / "componentize" / "data" / "shim_preview1.wasm"
WASI_VERSION = "0.2.12"
COMMAND = "python -m toolchains.shim"

# Added to the `freestanding` template of toolchains/zig.toml.  -g only to get
# a name section (function names in trap backtraces); the post-processor drops
# the DWARF sections.
EXTRA_FLAGS = ("-g", "-mbulk-memory", "-nostdlib", "-Wall", "-Wextra", "-Werror")
OPT = "Os"


def header_text() -> str:
    resolve = resolve_dir(bundled_wit_dir(), version=Version.parse(WASI_VERSION))
    return generate_header(resolve, title=f"wit/ at WASI {WASI_VERSION}")


def compile_shim(source_dir: Path = SOURCE_DIR, *, cache_dir: Path | None = None) -> bytes:
    """Link `source_dir/*.c` into the raw (not yet post-processed) shim."""
    sources = sorted(source_dir.glob("*.c"))
    result = toolchain_build(
        sources,
        template="freestanding",
        opt=OPT,
        flags=EXTRA_FLAGS,
        strip=False,
        cache_dir=cache_dir,
    )
    return Path(result.path).read_bytes()


def build(*, cache_dir: Path | None = None) -> tuple[str, bytes]:
    """(header text, shim bytes), built from the sources; writes nothing.

    The C includes the header: with the committed one current, the sources are
    compiled where they are; otherwise a copy of them with the fresh header is
    compiled in a temporary directory (cached there only).
    """
    header = header_text()
    if HEADER.is_file() and HEADER.read_text() == header:
        return header, postprocess_bytes(compile_shim(cache_dir=cache_dir))
    with tempfile.TemporaryDirectory(prefix="shim-") as tmp:
        staged = Path(tmp) / SOURCE_DIR.name
        shutil.copytree(SOURCE_DIR, staged)
        (staged / HEADER.name).write_text(header)
        raw = compile_shim(staged, cache_dir=cache_dir or Path(tmp) / "cache")
    return header, postprocess_bytes(raw)


def differences(header: str, shim: bytes) -> list[str]:
    """What differs between a build and the committed files (empty: up to date)."""
    out: list[str] = []
    if not HEADER.is_file() or HEADER.read_text() != header:
        out.append(f"{HEADER.relative_to(ROOT)} differs from what wit/ gives")
    old = OUTPUT.read_bytes() if OUTPUT.is_file() else None
    if old != shim:
        size = "missing" if old is None else f"{len(old)} bytes"
        built = f"the build ({len(shim)} bytes)"
        out.append(f"{OUTPUT.relative_to(ROOT)} ({size}) differs from {built}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    unknown = [a for a in args if a != "--check"]
    if unknown:
        print(f"usage: {COMMAND} [--check]  (unknown: {' '.join(unknown)})", file=sys.stderr)
        return 2
    try:
        header, shim = build()
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if "--check" in args:
        diffs = differences(header, shim)
        for line in diffs:
            print(f"shim out of date: {line}", file=sys.stderr)
        if diffs:
            print(f"run `{COMMAND}` and commit the result", file=sys.stderr)
            return 1
        print("shim is up to date")
        return 0
    if not HEADER.is_file() or HEADER.read_text() != header:
        HEADER.write_text(header)
    OUTPUT.write_bytes(shim)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(shim)} bytes) and {HEADER.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
