"""`componentize new` inputs and outputs: WebAssembly text, standard input and
output, --skip-validation, and invalid modules refused before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import wasmtime
from click.testing import CliRunner

from componentize import __version__
from componentize.cli.new import new
from componentize.run import run_component

WAT = """(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32)))
  (memory (export "memory") 1) (func (export "_start") (call $e (i32.const 4))))"""


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "componentize", *args], input=stdin, capture_output=True, check=False
    )


def test_wat_file_in_stdout_out(tmp_path: Path) -> None:
    source = tmp_path / "exit4.wat"
    source.write_text(WAT)
    done = _cli("new", str(source), "-o", "-")
    assert done.returncode == 0, done.stderr
    assert run_component(done.stdout).exit_code == 4


def test_stdin_in_same_bytes_with_and_without_validation(tmp_path: Path) -> None:
    a, b = tmp_path / "a.wasm", tmp_path / "b.wasm"
    assert _cli("new", "-", "-o", str(a), stdin=WAT.encode()).returncode == 0
    assert _cli("new", "-", "-o", str(b), "--skip-validation", stdin=WAT.encode()).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_bad_text_is_located(tmp_path: Path) -> None:
    done = _cli("new", "-", "-o", str(tmp_path / "x.wasm"), stdin=b"(module\n (func")
    assert done.returncode == 2
    assert b"<stdin>:2:" in done.stderr and b"invalid WebAssembly text" in done.stderr
    assert not (tmp_path / "x.wasm").exists()


def test_invalid_module_is_a_user_error_not_an_internal_one(tmp_path: Path) -> None:
    source = tmp_path / "bad.wat"
    source.write_text("(module (func (i32.add)))")
    done = _cli("new", str(source), "-o", str(tmp_path / "x.wasm"))
    assert done.returncode == 2
    assert b"not a valid WebAssembly module" in done.stderr and b"offset" in done.stderr
    assert b"internal error" not in done.stderr
    assert not (tmp_path / "x.wasm").exists()


def test_names_from_the_input_are_escaped_and_shortened_in_messages(tmp_path: Path) -> None:
    # an import name with a newline, an ANSI escape and 5,000 more characters
    name = "bad\\0aname\\1b[31m" + "y" * 5000
    wat = f'(module (import "env" "{name}" (func)) (func (export "_start")))'
    src = tmp_path / "in.wasm"
    src.write_bytes(bytes(wasmtime.wat2wasm(wat)))
    result = CliRunner().invoke(new, [str(src), "-o", str(tmp_path / "out.wasm")])
    assert result.exit_code == 2
    lines = result.output.rstrip("\n").splitlines()
    assert len(lines) <= 2 and all(len(line) < 700 for line in lines), lines
    assert "\x1b" not in result.output and "bad\\nname\\x1b[31m" in result.output


def test_version_is_answered_without_loading_click() -> None:
    done = _cli("--version")
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.decode().strip() == f"componentize, version {__version__}"
    probe = "import sys; from componentize.cli import main\n"
    probe += "try: main(['--version'])\nexcept SystemExit: pass\n"
    probe += "assert 'click' not in sys.modules, 'click was imported'"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False)
    assert loaded.returncode == 0, loaded.stderr


def test_version_through_click_prints_the_same_line() -> None:
    # With another option first, click's own version option answers.
    done = _cli("-v", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().strip() == f"componentize, version {__version__}"
