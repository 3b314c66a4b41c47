"""componentize.run, `componentize run`, and the differential harness.

Modules and components are written here in WAT (wasmtime's wat2wasm reads
the component text format too), so these tests need no componentizer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime
from click.testing import CliRunner
from harness import Dir, Node, Symlink, assert_same, build_tree, differential, snapshot_tree

from componentize.assemble import componentize
from componentize.cli.run import run as run_command
from componentize.errors import InputError, UnsupportedModuleError
from componentize.run import (
    ERROR_EXIT_CODE,
    TRAP_EXIT_CODE,
    Limits,
    cause_of,
    run_component,
    wasm_kind,
)
from toolchains.native import run_module

REPO = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- fixtures in WAT

# Memory map of the test modules: 0..16 iovec/scratch, 16.. "hello\n",
# 64.. file name, 200 fd out-param, 304 (8-aligned) u64 out-param,
# 400 filestat, 1024.. argv/env pointers, 4096.. their strings, 8192.. stdin.
_MODULE = """(module
 (import "{ns}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
 (import "{ns}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
 (import "{ns}" "proc_exit" (func $exit (param i32)))
 (import "{ns}" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
 (import "{ns}" "args_get" (func $args_get (param i32 i32) (result i32)))
 (import "{ns}" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
 (import "{ns}" "environ_get" (func $env_get (param i32 i32) (result i32)))
 (import "{ns}" "path_open"
   (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
 (import "{ns}" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
 (import "{ns}" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
 (import "{ns}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
 (memory (export "memory") 1)
 (data (i32.const 16) "hello\\n")
 (data (i32.const 64) "{file}")
 (func $print (param $fd i32) (param $ptr i32) (param $len i32)
   (i32.store (i32.const 0) (local.get $ptr))
   (i32.store (i32.const 4) (local.get $len))
   (drop (call $write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
 (func $hello (call $print (i32.const 1) (i32.const 16) (i32.const 6)))
 (func $open_file (param $oflags i32) (result i32)
   (drop (call $open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const {file_len})
     (local.get $oflags) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0)
     (i32.const 200)))
   (i32.load (i32.const 200)))
 {start}
 (func (export "_start") {body}))"""


def module(body: str, *, ns: str = "wasi_snapshot_preview1", start: str = "") -> bytes:
    """A preview1 (or `wasi_unstable`) command module whose `_start` is `body`."""
    file = "out.txt"
    wat = _MODULE.format(ns=ns, body=body, start=start, file=file, file_len=len(file))
    return bytes(wasmtime.wat2wasm(wat))


# A command component by hand: stdout through wasi:io/streams, exit and
# exit-with-code from wasi:cli/exit, and `run` from its core module.
_COMPONENT = """(component $C
  (import "wasi:io/error@{v}" (instance $ioerr (export "error" (type (sub resource)))))
  (alias export $ioerr "error" (type $error))
  (import "wasi:io/streams@{v}" (instance $streams
    (export "output-stream" (type $os (sub resource)))
    (alias outer $C $error (type $err))
    (export "error" (type $err2 (eq $err)))
    (type $se (variant (case "last-operation-failed" (own $err2)) (case "closed")))
    (export "stream-error" (type $se2 (eq $se)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8))
            (result (result (error $se2)))))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@{v}" (instance $stdout
    (alias outer $C $output-stream (type $os))
    (export "output-stream" (type $os2 (eq $os)))
    (export "get-stdout" (func (result (own $os2))))))
  (import "wasi:cli/exit@{v}" (instance $exit
    (export "exit" (func (param "status" (result))))
    {ewc_decl}))
  (core module $mem (memory (export "memory") 1))
  (core instance $memi (instantiate $mem))
  (alias core export $memi "memory" (core memory $memory))
  (core func $exit_l (canon lower (func $exit "exit")))
  {ewc_lower}
  (core func $stdout_l (canon lower (func $stdout "get-stdout")))
  (core func $write_l (canon lower
    (func $streams "[method]output-stream.blocking-write-and-flush") (memory $memory)))
  (core module $m
    (import "env" "memory" (memory 1))
    (import "wasi" "exit" (func $exit (param i32)))
    (import "wasi" "exit-with-code" (func $exit_with_code (param i32)))
    (import "wasi" "get-stdout" (func $get_stdout (result i32)))
    (import "wasi" "write" (func $write (param i32 i32 i32 i32)))
    (data (i32.const 16) "hello\\n")
    (func $hello (call $write (call $get_stdout) (i32.const 16) (i32.const 6) (i32.const 32)))
    (func (export "run") (result i32) {body}))
  (core instance $i (instantiate $m
    (with "env" (instance (export "memory" (memory $memory))))
    (with "wasi" (instance
      (export "exit" (func $exit_l))
      (export "exit-with-code" (func {ewc_func}))
      (export "get-stdout" (func $stdout_l))
      (export "write" (func $write_l))))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run_instance (export "run" (func $run)))
  (export "{run_name}" (instance $run_instance)))"""


def component(body: str, *, version: str = "0.2.12", run_name: str | None = None) -> bytes:
    """A command component whose core `run` (returning 0 ok / 1 err) is `body`.

    Below 0.2.12 there is no exit-with-code; `$exit_with_code` is then
    bound to `exit` so the core module keeps one shape.
    """
    has_ewc = version == "0.2.12"
    wat = _COMPONENT.format(
        v=version,
        body=body,
        run_name=run_name or f"wasi:cli/run@{version}",
        ewc_decl='(export "exit-with-code" (func (param "status-code" u8)))' if has_ewc else "",
        ewc_lower='(core func $ewc_l (canon lower (func $exit "exit-with-code")))'
        if has_ewc
        else "",
        ewc_func="$ewc_l" if has_ewc else "$exit_l",
    )
    return bytes(wasmtime.wat2wasm(wat))


# ---------------------------------------------------------------- run_module


def test_module_hello_returns_zero() -> None:
    result = run_module(module("(call $hello)"))
    assert (result.exit_code, result.outcome) == (0, "returned")
    assert result.stdout == b"hello\n"
    assert result.stderr == b""


def test_module_stderr_is_captured_apart() -> None:
    result = run_module(module("(call $print (i32.const 2) (i32.const 16) (i32.const 6))"))
    assert result.stdout == b""
    assert result.stderr == b"hello\n"


@pytest.mark.parametrize("code", [0, 1, 3, 42, 125])
def test_module_proc_exit_keeps_code_below_126(code: int) -> None:
    result = run_module(module(f"(call $hello) (call $exit (i32.const {code}))"))
    assert (result.exit_code, result.outcome, result.message) == (code, "exit", "")
    assert result.stdout == b"hello\n"


@pytest.mark.parametrize("code", [126, 255, 256, -1])
def test_module_proc_exit_from_126_is_a_host_error(code: int) -> None:
    # Native preview1 refuses these codes with an error (not an exit, not a trap).
    result = run_module(module(f"(call $hello) (call $exit (i32.const {code}))"))
    assert (result.exit_code, result.outcome) == (ERROR_EXIT_CODE, "error")
    assert "invalid exit status" in result.message
    assert result.stdout == b"hello\n"


def test_module_trap_exits_134_like_the_wasmtime_cli() -> None:
    result = run_module(module("(call $hello) unreachable"))
    assert (result.exit_code, result.outcome) == (134, "trap")
    assert result.trapped
    assert "unreachable" in result.message
    assert "backtrace" not in result.message
    assert result.stdout == b"hello\n"


def test_module_start_function_exit_is_reported() -> None:
    start = "(func $st (call $hello) (call $exit (i32.const 7))) (start $st)"
    result = run_module(module("(call $hello)", start=start))
    assert (result.exit_code, result.outcome, result.stdout) == (7, "exit", b"hello\n")


_PRINT_ARGV = """
  (drop (call $args_sizes (i32.const 304) (i32.const 308)))
  (drop (call $args_get (i32.const 1024) (i32.const 4096)))
  (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 308)))
  (call $exit (i32.load (i32.const 304)))"""

_PRINT_ENVIRON = """
  (drop (call $env_sizes (i32.const 304) (i32.const 308)))
  (drop (call $env_get (i32.const 1024) (i32.const 4096)))
  (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 308)))
  (call $exit (i32.load (i32.const 304)))"""


def test_module_argv_starts_with_program_name() -> None:
    result = run_module(module(_PRINT_ARGV), args=["a", "b c"], program_name="prog.wasm")
    assert result.exit_code == 3
    assert result.stdout == b"prog.wasm\0a\0b c\0"


def test_module_program_name_defaults_to_file_name(tmp_path: Path) -> None:
    path = tmp_path / "named.wasm"
    path.write_bytes(module(_PRINT_ARGV))
    assert run_module(path).stdout == b"named.wasm\0"
    assert run_module(module(_PRINT_ARGV)).stdout == b"main.wasm\0"


def test_module_environment_in_order() -> None:
    result = run_module(module(_PRINT_ENVIRON), env=[("B", "2"), ("A", "x=y")])
    assert result.exit_code == 2
    assert result.stdout == b"B=2\0A=x=y\0"
    assert run_module(module(_PRINT_ENVIRON), env={"K": "v"}).stdout == b"K=v\0"


def test_module_stdin_bytes_and_empty_default() -> None:
    echo = """
      (i32.store (i32.const 0) (i32.const 8192))
      (i32.store (i32.const 4) (i32.const 4096))
      (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 304)))
      (call $print (i32.const 1) (i32.const 8192) (i32.load (i32.const 304)))"""
    assert run_module(module(echo), stdin=b"from stdin").stdout == b"from stdin"
    assert run_module(module(echo)).stdout == b""


def test_module_writes_into_preopened_dir(tmp_path: Path) -> None:
    # oflags 1|8 = creat|trunc
    body = """
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 6))
      (drop (call $write (call $open_file (i32.const 9)) (i32.const 0) (i32.const 1)
        (i32.const 8)))"""
    result = run_module(module(body), dirs=[(tmp_path, ".")])
    assert result.exit_code == 0
    assert (tmp_path / "out.txt").read_bytes() == b"hello\n"


_SEEK_AND_STAT = """
  (drop (call $seek (call $open_file (i32.const 0)) (i64.const -2) (i32.const {end})
    (i32.const 304)))
  (i64.store (i32.const {after}) (i64.const 0x1122334455667788))
  (drop (call $fstat (i32.load (i32.const 200)) (i32.const 400)))
  (call $exit (i32.add
    (i32.mul (i32.const 10) (i32.wrap_i64 (i64.load (i32.const 304))))
    (i32.add (i32.wrap_i64 (i64.load (i32.const {size})))
             (i32.eq (i32.load (i32.const {nlink})) (i32.const 1)))))"""


def test_module_wasi_unstable_matches_preview1(tmp_path: Path) -> None:
    (tmp_path / "out.txt").write_bytes(b"0123456789")
    # SEEK_END is 2 in preview1 and 1 in preview0; filestat's nlink is u64
    # at 24 in preview1 and u32 at 20 in preview0 (size at 32 / 24).
    p1 = _SEEK_AND_STAT.format(end=2, after=464, size=432, nlink=424)
    p0 = _SEEK_AND_STAT.format(end=1, after=456, size=424, nlink=420)
    native = run_module(module(p1), dirs=[(tmp_path, ".")])
    legacy = run_module(module(p0, ns="wasi_unstable"), dirs=[(tmp_path, ".")])
    assert native.exit_code == 8 * 10 + 10 + 1
    assert legacy == native


def test_module_wasi_unstable_stat_keeps_bytes_after_buffer() -> None:
    body = """
      (i64.store (i32.const 456) (i64.const 0x1122334455667788))
      (drop (call $fstat (i32.const 1) (i32.const 400)))
      (call $exit (i64.eq (i64.load (i32.const 456)) (i64.const 0x1122334455667788)))"""
    assert run_module(module(body, ns="wasi_unstable")).exit_code == 1


_POLL_CLOCK = """
  (i64.store (i32.const 1024) (i64.const 0x2a))
  (i32.store8 (i32.const 1032) (i32.const 0))
  {clock}
  (call $exit (i32.add
    (i32.mul (i32.ne (call $poll (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 304))
                     (i32.const 0)) (i32.const 100))
    (i32.add (i32.mul (i32.load (i32.const 304)) (i32.const 10))
    (i32.add (i64.eq (i64.load (i32.const 2048)) (i64.const 0x2a))
    (i32.add (i32.mul (i32.const 2) {kept})
             (i32.mul (i32.const 4) (i32.eqz (i32.load8_u (i32.const 2058)))))))))"""


def test_module_wasi_unstable_poll_oneoff_clock_matches_preview1() -> None:
    # A relative 1 us monotonic clock subscription, userdata 0x2a.  preview0
    # has an `identifier` field before the clock id; it must survive the call.
    p1 = _POLL_CLOCK.format(
        clock="(i32.store (i32.const 1040) (i32.const 1)) (i64.store (i32.const 1048) "
        "(i64.const 1000))",
        kept="(i32.eq (i32.load (i32.const 1040)) (i32.const 1))",
    )
    p0 = _POLL_CLOCK.format(
        clock="(i64.store (i32.const 1040) (i64.const 0x77)) (i32.store (i32.const 1048) "
        "(i32.const 1)) (i64.store (i32.const 1056) (i64.const 1000))",
        kept="(i64.eq (i64.load (i32.const 1040)) (i64.const 0x77))",
    )
    native = run_module(module(p1))
    legacy = run_module(module(p0, ns="wasi_unstable"))
    assert native.exit_code == 10 + 1 + 2 + 4, native
    assert legacy == native


def test_module_wasi_unstable_poll_oneoff_fd_subscription() -> None:
    # fd_write (type 2) on stdout: ready at once; the event has type 2.
    body = """
      (i64.store (i32.const 1024) (i64.const 0x2a))
      (i32.store8 (i32.const 1032) (i32.const 2))
      (i32.store (i32.const 1040) (i32.const 1))
      (drop (call $poll (i32.const 1024) (i32.const 2048) (i32.const 1) (i32.const 304)))
      (call $exit (i32.add (i32.mul (i32.load (i32.const 304)) (i32.const 10))
                           (i32.load8_u (i32.const 2058))))"""
    assert run_module(module(body)).exit_code == 12
    assert run_module(module(body, ns="wasi_unstable")).exit_code == 12


def test_module_wasi_unstable_bridge_needs_exported_memory() -> None:
    wat = """(module
      (import "wasi_unstable" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))
      (memory 1)
      (func (export "_start")))"""
    with pytest.raises(UnsupportedModuleError, match="memory"):
        run_module(bytes(wasmtime.wat2wasm(wat)))


def test_module_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        run_module(tmp_path / "missing.wasm")
    with pytest.raises(InputError, match="directory"):
        run_module(tmp_path)
    with pytest.raises(InputError, match="not a WebAssembly binary"):
        run_module(b"hello world")
    with pytest.raises(InputError, match="component"):
        run_module(component("(i32.const 0)"))
    with pytest.raises(InputError, match="cannot compile"):
        run_module(b"\0asm\x01\0\0\0\x01\xff")
    with pytest.raises(InputError, match="not a directory"):
        run_module(module(""), dirs=[(tmp_path / "nope", ".")])


def test_wasm_kind() -> None:
    assert wasm_kind(module("")) == "module"
    assert wasm_kind(component("(i32.const 0)")) == "component"
    with pytest.raises(InputError):
        wasm_kind(b"\0asm")


def test_cause_of_strips_backtrace() -> None:
    text = "error while executing at wasm backtrace:\n    0: 0x1 - f\n\nCaused by:\n    boom\n"
    assert cause_of(text) == "boom"
    assert cause_of("single line") == "single line"


# ---------------------------------------------------------------- run_component


@pytest.mark.parametrize(
    ("body", "code", "outcome"),
    [
        ("(call $hello) (i32.const 0)", 0, "returned"),
        ("(call $hello) (i32.const 1)", 1, "returned"),
        ("(call $hello) (call $exit (i32.const 0)) (i32.const 1)", 0, "exit"),
        ("(call $hello) (call $exit (i32.const 1)) (i32.const 0)", 1, "exit"),
        ("(call $hello) (call $exit_with_code (i32.const 0)) (i32.const 1)", 0, "exit"),
        ("(call $hello) (call $exit_with_code (i32.const 3)) (i32.const 0)", 3, "exit"),
        ("(call $hello) (call $exit_with_code (i32.const 126)) (i32.const 0)", 126, "exit"),
        ("(call $hello) (call $exit_with_code (i32.const 255)) (i32.const 0)", 255, "exit"),
        ("(call $hello) unreachable", TRAP_EXIT_CODE, "trap"),
    ],
)
def test_component_exit_codes(body: str, code: int, outcome: str) -> None:
    result = run_component(component(body))
    assert (result.exit_code, result.outcome) == (code, outcome)
    assert result.stdout == b"hello\n"


def test_component_trap_message() -> None:
    result = run_component(component("unreachable"))
    assert "unreachable" in result.message
    assert "backtrace" not in result.message


@pytest.mark.parametrize("version", ["0.2.0", "0.2.6"])
def test_component_older_wasi_versions_run(version: str) -> None:
    result = run_component(component("(call $hello) (i32.const 0)", version=version))
    assert (result.exit_code, result.stdout) == (0, b"hello\n")
    result = run_component(component("(call $exit (i32.const 1)) (i32.const 0)", version=version))
    assert (result.exit_code, result.outcome) == (1, "exit")


def test_component_without_run_export_is_refused() -> None:
    data = component("(i32.const 0)", run_name="my:pkg/other@1.0.0")
    with pytest.raises(InputError, match="not a command"):
        run_component(data)


def test_component_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="componentize new"):
        run_component(module(""))
    with pytest.raises(InputError, match="no such file"):
        run_component(tmp_path / "missing.wasm")
    with pytest.raises(InputError, match="cannot compile"):
        run_component(b"\0asm\x0d\0\x01\0\x01\xff")


# ---------------------------------------------------------------- CLI


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(run_command, args)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


def test_cli_missing_file_one_line(tmp_path: Path) -> None:
    code, output = _cli([str(tmp_path / "missing.wasm")])
    assert code == 2
    assert output.strip().splitlines() == [f"error: {tmp_path / 'missing.wasm'}: no such file"]


def test_cli_core_module_is_componentized_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "m.wasm"
    path.write_bytes(module("(call $hello)"))
    done = _cli_subprocess([str(path)])
    assert (done.returncode, done.stdout, done.stderr) == (0, b"hello\n", b"")


@pytest.mark.parametrize("content", [b"", b"not wasm at all", b"\0asm\x0d\0\x01\0\x01\xff"])
def test_cli_bad_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wasm"
    path.write_bytes(content)
    code, output = _cli([str(path)])
    assert code == 2
    assert output.startswith("error: ")
    assert "Traceback" not in output


def test_cli_directory_and_bad_options(tmp_path: Path) -> None:
    assert _cli([str(tmp_path)])[0] == 2
    path = tmp_path / "c.wasm"
    path.write_bytes(component("(i32.const 0)"))
    code, output = _cli(["--dir", str(tmp_path / "nope"), str(path)])
    assert (code, output.count("\n") <= 2) == (2, True)
    assert _cli(["--env", "=x", str(path)])[0] == 2
    assert _cli(["--dir", f"{tmp_path}::", str(path)])[0] == 2
    assert _cli(["--timeout", "0", str(path)])[0] == 2
    assert _cli(["--fuel", "-1", str(path)])[0] == 2


def _cli_subprocess(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    # Inherited stdio goes to the real fds, which only a child process shows.
    code = "import sys; from componentize.cli.run import run; run(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, env=env, timeout=120
    )


def test_cli_runs_component_with_inherited_stdio_and_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "c.wasm"
    body = "(call $hello) (call $exit_with_code (i32.const 3)) (i32.const 0)"
    path.write_bytes(component(body))
    done = _cli_subprocess(
        ["--dir", f"{tmp_path}::/sandbox", "--env", "K=V", str(path), "--", "x", "--y"]
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, b"hello\n", b"")


def test_cli_everything_after_the_file_goes_to_the_program(tmp_path: Path) -> None:
    path = tmp_path / "c.wasm"
    path.write_bytes(componentize((REPO / "examples" / "hello.wasm").read_bytes()).component)
    done = _cli_subprocess(["--argv0", "prog", str(path), "--dir", "x", "-v"])
    assert done.returncode == 0
    assert b"3 arguments" in done.stdout and b"argv[1] = --dir" in done.stdout
    assert b"argv[3] = -v" in done.stdout


LOOP = "(loop $l (br $l)) (i32.const 0)"


def test_cli_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "c.wasm"
    path.write_bytes(component(LOOP))
    done = _cli_subprocess(["--timeout", "0.5", str(path)])
    assert done.returncode == TRAP_EXIT_CODE
    assert done.stderr.decode().strip() == "error: time limit of 0.5 s exceeded"


def test_fuel_limit_and_enough_fuel() -> None:
    result = run_component(component(LOOP), limits=Limits(fuel=100_000))
    assert (result.exit_code, result.message) == (TRAP_EXIT_CODE, "fuel limit of 100000 exhausted")
    enough = run_component(component("(call $hello) (i32.const 0)"), limits=Limits(fuel=10**9))
    assert (enough.exit_code, enough.stdout) == (0, b"hello\n")


def test_compile_cache_runs_the_same() -> None:
    for _ in range(2):
        result = run_component(component("(call $hello) (i32.const 0)"), compile_cache=True)
        assert (result.exit_code, result.stdout) == (0, b"hello\n")


def test_cli_trap_exits_134_with_message(tmp_path: Path) -> None:
    path = tmp_path / "c.wasm"
    path.write_bytes(component("unreachable"))
    done = _cli_subprocess([str(path)])
    assert done.returncode == TRAP_EXIT_CODE
    assert done.stderr.decode().startswith("error: wasm trap")


# ---------------------------------------------------------------- harness


def test_snapshot_tree_records_kinds_contents_and_links(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {"a.txt": b"A", "sub/b.bin": b"\0\1", "empty": Dir(), "link": Symlink("sub/b.bin")},
    )
    tree = snapshot_tree(tmp_path)
    assert list(tree) == ["a.txt", "empty", "link", "sub", "sub/b.bin"]
    assert tree["a.txt"].kind == "file" and tree["a.txt"].data == b"A"
    assert tree["sub/b.bin"].data == b"\0\1"
    assert tree["empty"].kind == tree["sub"].kind == "dir"
    assert tree["link"] == Node("symlink", b"sub/b.bin")


_HELLO_EXIT_3_MODULE = "(call $hello) (call $exit (i32.const 3))"
_HELLO_EXIT_3_COMPONENT = "(call $hello) (call $exit_with_code (i32.const 3)) (i32.const 0)"


def test_differential_same_behaviour_passes() -> None:
    d = differential(
        module(_HELLO_EXIT_3_MODULE), component(_HELLO_EXIT_3_COMPONENT), files={"x": b"1"}
    )
    assert d.native.exit_code == d.component.exit_code == 3
    assert d.native_tree == d.component_tree
    assert d.native_tree["."]["x"].data == b"1"
    assert_same(d)


def test_differential_reports_every_difference() -> None:
    # Native writes out.txt and exits 3; the component only prints and returns ok.
    write = """
      (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
      (drop (call $write (call $open_file (i32.const 9)) (i32.const 0) (i32.const 1)
        (i32.const 8)))
      (call $print (i32.const 1) (i32.const 16) (i32.const 5))
      (call $exit (i32.const 3))"""
    d = differential(module(write), component("(call $hello) (i32.const 0)"), files={"x": b"1"})
    # Each run had its own copy: the component's tree is the initial one.
    assert d.native_tree["."]["out.txt"].data == b"hello\n"
    assert list(d.component_tree["."]) == ["x"]
    with pytest.raises(AssertionError) as failure:
        assert_same(d)
    report = str(failure.value)
    assert "exit: native 3 (exit) != component 0 (returned)" in report
    assert "stdout: native 5 bytes, component 6 bytes" in report
    assert "out.txt: native file 6 bytes" in report and "component (absent)" in report


def test_differential_several_preopens_and_stdin() -> None:
    d = differential(
        module(_HELLO_EXIT_3_MODULE),
        component(_HELLO_EXIT_3_COMPONENT),
        dirs={".": {"a": b"1"}, "/data": {"b/c": b"2"}},
        stdin=b"ignored",
    )
    assert set(d.native_tree) == {".", "/data"}
    assert list(d.component_tree["/data"]) == ["b", "b/c"]
    assert_same(d)
    with pytest.raises(ValueError):
        differential(b"", b"", files={}, dirs={})
