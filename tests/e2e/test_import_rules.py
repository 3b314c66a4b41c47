"""Import rules: imports no WASI host provides, served as the user says
(`--import-rule MODULE.NAME=trap|unreachable|zero|noop`) or by the built-in
rule of the detected toolchain (AssemblyScript's abort, Emscripten's
memory-growth hook), with real modules from those compilers both ways.
Every component made here is run."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime
from click.testing import CliRunner

from componentize.assemble import Options, componentize
from componentize.cli.new import new
from componentize.errors import UnsupportedModuleError
from componentize.run import TRAP_EXIT_CODE, run_component
from toolchains.native import run_module

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
AS = FIXTURES / "prebuilt" / "assemblyscript"
EMSCRIPTEN_GROWTH = FIXTURES / "real" / "emscripten" / "memory_growth.wasm"
ABORT_TEXT = "abort: n is too big: ü𝄞 in abort.ts(4:12)\n".encode()


def test_assemblyscript_abort_without_the_wasi_shim_does_what_the_shim_does() -> None:
    with_shim = run_component(componentize((AS / "abort.wasm").read_bytes()).component)
    native = run_module((AS / "abort.wasm").read_bytes())
    result = componentize((AS / "abort-no-wasi-shim.wasm").read_bytes())
    assert result.warnings == [
        "env.abort: prints the message to stderr and exits with 255 (built-in AssemblyScript rule)"
    ]
    served = run_component(result.component)
    assert served.stderr == with_shim.stderr == native.stderr == ABORT_TEXT
    assert (served.exit_code, with_shim.exit_code) == (255, 255)
    assert served.stdout == b""


def test_assemblyscript_module_that_does_not_abort_runs() -> None:
    result = run_component(componentize((AS / "no-wasi-shim.wasm").read_bytes()).component)
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"", b"")


def test_emscripten_memory_growth_hook_is_a_noop() -> None:
    result = componentize(EMSCRIPTEN_GROWTH.read_bytes())
    assert any("emscripten_notify_memory_growth: does nothing" in w for w in result.warnings)
    ran = run_component(result.component)
    assert (ran.exit_code, ran.stdout) == (0, b"grew: last byte 1\n")


@pytest.mark.parametrize("path", [AS / "abort-no-wasi-shim.wasm", EMSCRIPTEN_GROWTH])
def test_without_builtin_rules_they_are_refused(path: Path) -> None:
    with pytest.raises(UnsupportedModuleError, match="no WASI host provides"):
        componentize(path.read_bytes(), Options(builtin_rules=False))


def test_a_user_rule_replaces_the_builtin_one() -> None:
    data = (AS / "abort-no-wasi-shim.wasm").read_bytes()
    result = componentize(data, Options(import_rules=("env.abort=trap",)))
    assert result.warnings == []
    ran = run_component(result.component)
    assert (ran.exit_code, ran.outcome, ran.stderr) == (TRAP_EXIT_CODE, "trap", b"")


P1 = "wasi_snapshot_preview1"
WAT = f"""(module
  (import "{P1}" "proc_exit" (func $exit (param i32)))
  (import "host.v2" "get.value" (func $get (result i32)))
  (import "host.v2" "wide" (func $wide (param i64) (result i64 f32 f64)))
  (import "host.v2" "tell" (func $tell (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $tell (i32.const 1))
    (drop (drop (drop (call $wide (i64.const 5)))))
    (call $exit (i32.add (call $get) (i32.const 7)))))"""


def module() -> bytes:
    return bytes(wasmtime.wat2wasm(WAT))


def test_zero_and_noop_rules() -> None:
    rules = ("host.v2.get.value=zero", "host.v2.wide=zero", "host.v2.tell=noop")
    ran = run_component(componentize(module(), Options(import_rules=rules)).component)
    assert (ran.exit_code, ran.outcome) == (7, "exit")


@pytest.mark.parametrize("action", ["trap", "unreachable"])
def test_trap_rules(action: str) -> None:
    rules = ("host.v2.get.value=zero", "host.v2.wide=zero", f"host.v2.tell={action}")
    ran = run_component(componentize(module(), Options(import_rules=rules)).component)
    assert (ran.exit_code, ran.outcome) == (TRAP_EXIT_CODE, "trap")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (("host.v2.get.value=noop",), "returns i32: a noop cannot"),
        (("host.v2.nope=zero",), "imports no function `host.v2.nope`"),
        (("host.v2.tell=explode",), "is not MODULE.NAME=ACTION"),
        (("host.v2.tell=zero",), "`host.v2.get.value`"),  # the other imports are unserved
    ],
)
def test_rule_errors(rules: tuple[str, ...], message: str) -> None:
    with pytest.raises(UnsupportedModuleError) as caught:
        componentize(module(), Options(import_rules=rules))
    assert message in str(caught.value)


def test_cli_import_rules(tmp_path: Path) -> None:
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(module())
    argv = [str(src), "-o", str(out), "--import-rule", "host.v2.get.value=zero"]
    argv += ["--import-rule", "host.v2.wide=zero", "--import-rule", "host.v2.tell=noop"]
    result = CliRunner().invoke(new, argv)
    assert result.exit_code == 0, result.output
    assert run_component(out.read_bytes()).exit_code == 7
    refused = CliRunner().invoke(
        new, [str(AS / "abort-no-wasi-shim.wasm"), "-o", str(out), "--no-builtin-rules"]
    )
    assert refused.exit_code == 2 and "@assemblyscript/wasi-shim" in refused.output


def test_config_import_rules(tmp_path: Path) -> None:
    (tmp_path / "componentize.toml").write_text(
        'import-rules = { "host.v2.get.value" = "zero", "host.v2.wide" = "zero", '
        '"host.v2.tell" = "noop" }\n'
    )
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(module())
    argv = [str(src), "-o", str(out), "--config", str(tmp_path / "componentize.toml")]
    result = CliRunner().invoke(new, argv)
    assert result.exit_code == 0, result.output
    assert run_component(out.read_bytes()).exit_code == 7


def test_inspect_names_the_builtin_rules() -> None:
    from componentize.cli.inspect import inspect

    for path, words in [
        (AS / "abort-no-wasi-shim.wasm", "served: prints the message to stderr and exits with 255"),
        (EMSCRIPTEN_GROWTH, "served: does nothing (built-in Emscripten rule)"),
    ]:
        result = CliRunner().invoke(inspect, [str(path)])
        assert result.exit_code == 0 and words in result.output
