"""Rebuild the shim: `python -m componentize.shim.build [--check]`.

1. generate `shims/preview1/wasi_imports.h` from the bundled `wit/` (WASI
   0.2.12) with `componentize.shim.bindgen`;
2. compile `shims/preview1/*.c` with zig cc (PyPI `ziglang`) for
   wasm32-freestanding: no libc, imported memory, no stack reservation;
3. post-process (`componentize.shim.postprocess`) and write
   `componentize/data/shim_preview1.wasm`.

`--check` builds into memory and fails (status 1) if the header or the
binary differ from the committed ones.  Works from a source checkout only.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from componentize.errors import InputError
from componentize.shim.bindgen import generate_header
from componentize.shim.postprocess import postprocess_bytes
from componentize.wit import Version, bundled_wit_dir, resolve_dir

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "shims" / "preview1"
HEADER = SOURCE_DIR / "wasi_imports.h"
OUTPUT = ROOT / "componentize" / "data" / "shim_preview1.wasm"
WASI_VERSION = "0.2.12"

# Added to the `freestanding` template of toolchains/zig.toml.  -g only to get
# a name section (function names in trap backtraces); the post-processor drops
# the DWARF sections.
EXTRA_FLAGS = ("-g", "-mbulk-memory", "-nostdlib", "-Wall", "-Wextra", "-Werror")
OPT = "Os"
# Used only when the `toolchains` package (a source checkout's) is missing.
FALLBACK_FLAGS = (
    "-target", "wasm32-freestanding", "-fno-jump-tables", "-Wl,--no-entry",
    "-Wl,--import-memory", "-Wl,-z,stack-size=0", "-std=gnu17", "-Os",
)  # fmt: skip


def header_text() -> str:
    resolve = resolve_dir(bundled_wit_dir(), version=Version.parse(WASI_VERSION))
    return generate_header(resolve, title=f"wit/ at WASI {WASI_VERSION}")


def compile_shim(sources: list[Path]) -> bytes:
    """Link the C sources into the raw (not yet post-processed) shim."""
    try:
        import toolchains  # a sibling of the package in a source checkout
    except ImportError:
        return _compile_direct(sources)
    result = toolchains.build(
        sources, template="freestanding", opt=OPT, flags=EXTRA_FLAGS, strip=False
    )
    return Path(result.path).read_bytes()


def _compile_direct(sources: list[Path]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "shim.wasm"
        cmd = [sys.executable, "-m", "ziglang", "cc", *FALLBACK_FLAGS, *EXTRA_FLAGS,
               "-o", str(out), *map(str, sources)]  # fmt: skip
        proc = subprocess.run(cmd, cwd=SOURCE_DIR, capture_output=True, text=True)
        if proc.returncode != 0:
            raise InputError(f"zig cc failed:\n{proc.stderr.strip()}", where=str(SOURCE_DIR))
        return out.read_bytes()


def build() -> tuple[str, bytes]:
    """(header text, shim bytes); writes the header first since the C includes it."""
    if not SOURCE_DIR.is_dir():
        raise InputError("the shim sources are not here", where=str(SOURCE_DIR),
                         hint="run the build from a source checkout")  # fmt: skip
    header = header_text()
    if not HEADER.exists() or HEADER.read_text() != header:
        HEADER.write_text(header)
    sources = sorted(SOURCE_DIR.glob("*.c"))
    return header, postprocess_bytes(compile_shim(sources))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    old_header = HEADER.read_text() if HEADER.exists() else None
    old_shim = OUTPUT.read_bytes() if OUTPUT.exists() else None
    header, shim = build()
    if check:
        ok = header == old_header and shim == old_shim
        print("shim is up to date" if ok else "shim or header differs from the committed one")
        return 0 if ok else 1
    OUTPUT.write_bytes(shim)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({len(shim)} bytes) and {HEADER.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
