"""`componentize run --invoke 'f(ARGS)'`: WAVE values in and out (as
`wasmtime run --invoke`), on the typed C fixture componentized once; the
WAVE reader and printer on their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from componentize import wave
from componentize.assemble import componentize
from componentize.errors import InputError
from componentize.run import TRAP_EXIT_CODE, invoke_component

ROOT = Path(__file__).resolve().parent.parent
TYPED = ROOT / "tests" / "fixtures" / "typed" / "zig-legacy-reactor.wasm"


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("invoke") / "typed.wasm"
    path.write_bytes(componentize(TYPED.read_bytes()).component)
    return path


@pytest.mark.parametrize(
    ("call", "printed"),
    [
        ("echo-bool(true)", "true"),
        ("mix(1, -2, 3, -4, 5, -6, 7, -8)", "-4"),
        ("narrow(4294967295)", "(255, -1, 65535, -1)"),
        ("floats(1.5, 2.25)", "3.375"),
        ("next-char('a')", "'b'"),
        ("reverse([1, 2, 255])", "[255, 2, 1]"),
        ('join(["a", "b\\u{e9}", "c"], "-")', '"a-bé-c"'),
        ("split(\"x,y\", ',')", '["x", "y"]'),
        ('swap((7, "s"))', '("s", 7)'),
        ("area(square(3.0))", "9.0"),
        ("grow(empty)", "empty"),
        ("next-color(blue)", "red"),
        ("toggle({read})", "{write, exec}"),
        ("toggle({})", "{read, write, exec}"),
        ("maybe-double(some(21))", "some(42)"),
        ("maybe-double(none)", "none"),
        ('parse("12")', "ok(12)"),
        ('parse("x")', 'err("not a u32: x")'),
        ('make-person("Ann", 30, ["a"])', '{name: "Ann", age: 30, tags: ["a"]}'),
        ('api#describe({name: "Bo", age: 7, tags: ["a", "b"]})', '"Bo (7): a,b"'),
    ],
)
def test_calls_print_wave(typed: Path, call: str, printed: str) -> None:
    result, text = invoke_component(typed, call)
    assert (result.exit_code, result.message) == (0, "")
    assert text == printed


def test_calling_an_import_the_host_lacks_traps(typed: Path) -> None:
    result, text = invoke_component(typed, "sum-via-host(1, 2)")
    assert text is None and result.exit_code != 0
    assert "sum" not in result.message or "host" in result.message or result.message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("nope()", "no exported function `nope`"),
        ("echo-bool(1)", "`1` is not one of true, false"),
        ("echo-bool(true, false)", "takes 1 arguments"),
        ("narrow(4294967296)", "is not a u32"),
        ("toggle({read: 1})", "is not flags"),
        ("area(circle)", "case circle with a value"),
        ('greet("x"', "expected `,`"),
        ("greet", "is not a call"),
    ],
)
def test_bad_calls_are_user_errors(typed: Path, call: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        invoke_component(typed, call)
    assert message in str(caught.value)


def test_cli_prints_the_result_and_componentizes_a_module(tmp_path: Path) -> None:
    code = "import sys; from componentize.cli.run import run; run(sys.argv[1:])"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, "--invoke", "next-color(red)", str(TYPED)],
        capture_output=True,
        env=env,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, b"green\n"), done.stderr


def test_a_trap_in_the_called_function(tmp_path: Path) -> None:
    import wasmtime

    wat = """(component
      (core module $m (func (export "f") unreachable))
      (core instance $i (instantiate $m))
      (func (export "boom") (canon lift (core func $i "f"))))"""
    path = tmp_path / "c.wasm"
    path.write_bytes(bytes(wasmtime.wat2wasm(wat)))
    result, text = invoke_component(path, "boom()")
    assert (result.exit_code, result.outcome, text) == (TRAP_EXIT_CODE, "trap", None)


@pytest.mark.parametrize(
    "text",
    [
        "[1, -2, 3.5, nan, -inf]",
        "(\"a\\n\\\"b\\u{7f}😀\", 'x', '\\'')",
        "{x: 1, y: some(ok(none))}",
        "{read, write}",
        "circle(1.5)",
    ],
)
def test_reader_and_printer_round_trip(text: str) -> None:
    _, [node] = wave.parse_call(f"f({text})")
    assert wave.to_text(node) == text
