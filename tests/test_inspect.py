"""`componentize inspect` and the analysis behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import wasmtime

from componentize import wasm
from componentize.assemble.analyze import analyze
from componentize.cli import main
from componentize.run import run_component

REACTOR_WAT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func (param i32 i32 i32) (result i32)))
  (import "wasi_unstable" "fd_seek" (func (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "no_such_function" (func))
  (import "env" "helper" (func (param i32)))
  (import "env" "memory" (memory 2 10 shared))
  (memory 1)
  (export "mem2" (memory 1))
  (export "_initialize" (func 5))
  (export "add" (func 6))
  (func)
  (func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (@custom "my-section" "hello")
)
"""


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def reactor(tmp_path: Path) -> Path:
    path = tmp_path / "reactor.wasm"
    path.write_bytes(wasmtime.wat2wasm(REACTOR_WAT))
    return path


def test_analysis_of_a_reactor(reactor: Path) -> None:
    a = analyze(wasm.decode_module(reactor.read_bytes()))
    assert a.kind == "reactor"
    by_name = {(i.module, i.name): i for i in a.imports}
    assert by_name["wasi_snapshot_preview1", "fd_write"].problem == ""
    clock = by_name["wasi_snapshot_preview1", "clock_time_get"]
    assert "does not match" in clock.problem
    assert clock.expected == "(i32, i64, i32) -> (i32)"
    assert by_name["wasi_unstable", "fd_seek"].problem == ""
    assert "not a function of" in by_name["wasi_snapshot_preview1", "no_such_function"].problem
    assert not by_name["env", "helper"].is_wasi
    mem0, mem1 = a.memories
    assert (mem0.imported_from, mem0.shared, mem0.min, mem0.max) == (("env", "memory"), True, 2, 10)
    assert (mem1.imported_from, mem1.exported_as) == (None, ("mem2",))
    assert a.custom_sections == [("my-section", 5)]


def test_inspect_json_keys(capsys: pytest.CaptureFixture[str], reactor: Path) -> None:
    code, out, _ = run_cli(capsys, "inspect", "--json", str(reactor))
    assert code == 0
    report = json.loads(out)
    for key in ("kind", "imports", "exports", "memories", "custom_sections", "producers"):
        assert key in report
    assert report["kind"] == "reactor"
    assert {"module": "env", "name": "helper", "kind": "func"}.items() <= report["imports"][
        4
    ].items()
    assert {"name": "add", "kind": "func"} in report["exports"]


def test_inspect_text_flags_mismatch(capsys: pytest.CaptureFixture[str], reactor: Path) -> None:
    code, out, _ = run_cli(capsys, "inspect", str(reactor))
    assert code == 0
    assert "kind: reactor" in out
    assert "MISMATCH" in out and "clock_time_get" in out
    assert "shared" in out and "imported from env.memory" in out


def test_inspect_real_command(capsys: pytest.CaptureFixture[str]) -> None:
    example = Path(__file__).parent.parent / "examples" / "hello.wasm"
    code, out, _ = run_cli(capsys, "inspect", "--json", str(example))
    assert code == 0
    report = json.loads(out)
    assert report["kind"] == "command"
    wasi = [i for i in report["imports"] if i["module"] == "wasi_snapshot_preview1"]
    assert wasi and all(i["wasi"]["ok"] for i in wasi)
    assert report["producers"] or report["custom_sections"] is not None


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"hello world, not wasm", "not a WebAssembly binary"),
        (b"\0asm\x01\0\0\0\x01\x05\x01\x60", "offset"),  # truncated type section
        (b"\0asm\x02\0\0\0", "version"),
    ],
)
def test_inspect_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, needle: str
) -> None:
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(content)
    code, out, err = run_cli(capsys, "inspect", str(bad))
    assert code == 2
    assert needle in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_inspect_missing_file_and_directory(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(capsys, "inspect", str(tmp_path / "nope.wasm"))
    assert code == 2 and "no such file" in err
    code, _, err = run_cli(capsys, "inspect", str(tmp_path))
    assert code == 2 and "directory" in err


def test_inspect_component_reports_shim_sizes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    example = Path(__file__).parent.parent / "examples" / "hello.wasm"
    out_path = tmp_path / "hello.component.wasm"
    assert run_cli(capsys, "new", str(example), "-o", str(out_path))[0] == 0
    code, out, _ = run_cli(capsys, "inspect", "--json", str(out_path))
    assert code == 0
    report = json.loads(out)
    assert report["type"] == "component"
    assert {"name": "wasi:cli/run@0.2.12", "kind": "instance"} in report["exports"]
    assert any(i["name"].startswith("wasi:cli/stdout@") for i in report["imports"])
    shim = next(m for m in report["core_modules"] if m["name"] == "shim")
    assert report["shim_size"] == shim["size"]
    sizes = report["shim_functions"]
    assert "fd_write" in sizes and "run" in sizes
    assert all(0 < size < shim["size"] for size in sizes.values())


def test_inspect_component_lists_what_it_can_reach(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """WASI imports grouped by capability, and the capabilities it has none of;
    the component is run too (what inspect says it cannot reach, it cannot)."""
    example = Path(__file__).parent.parent / "examples" / "hello.wasm"
    out_path = tmp_path / "hello.component.wasm"
    argv = ["new", str(example), "-o", str(out_path), "--deny", "wasi:cli/terminal-output"]
    assert (
        run_cli(capsys, *argv, "--deny", "wasi:cli/environment", "--deny", "wasi:filesystem")[0]
        == 0
    )
    code, out, _ = run_cli(capsys, "inspect", "--json", str(out_path))
    report = json.loads(out)
    assert report["capabilities"] == {
        "exit": ["wasi:cli/exit@0.2.12"],
        "terminal": ["wasi:cli/terminal-input@0.2.12", "wasi:cli/terminal-stdin@0.2.12"],
        "stdio": ["wasi:cli/stdout@0.2.12", "wasi:cli/stderr@0.2.12"],
        "io": ["wasi:io/error@0.2.12", "wasi:io/streams@0.2.12"],
    }
    assert report["unreachable"] == [
        "filesystem",
        "sockets",
        "wall-clock",
        "monotonic-clock",
        "random",
        "environment",
    ]
    assert report["other_imports"] == []
    code, text, _ = run_cli(capsys, "inspect", str(out_path))
    assert "  stdio: wasi:cli/stdout@0.2.12, wasi:cli/stderr@0.2.12\n" in text
    assert (
        "cannot reach: filesystem, sockets, wall-clock, monotonic-clock, random, environment"
        in text
    )
    result = run_component(out_path, args=["a"])
    # no environment: argc is 0 (a WASI host granting no arguments); hello prints argc - 1
    assert (result.exit_code, result.stdout) == (
        0,
        b"Hello from a WASI preview1 module!\n-1 arguments\n",
    )
