"""`componentize wit`: printing, world selection, gating, and error reporting."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from componentize.cli.wit import wit
from componentize.wit import resolve_text, structure


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(wit, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_bundled_wit_without_dir() -> None:
    code, out, _ = run()
    assert code == 0
    assert out.startswith("package wasi:cli@0.2.12;")
    assert "package wasi:io@0.2.12 {" in out
    assert structure(resolve_text(out)) is not None


def test_world_at_an_older_version(reference_dir: Path) -> None:
    code, out, _ = run(str(reference_dir), "--world", "command", "--wasi-version", "0.2.3")
    assert code == 0
    assert "package wasi:cli@0.2.3;" in out and "exit-with-code" not in out
    assert "import wasi:io/streams@0.2.3;" in out
    code, out, _ = run(str(reference_dir), "--world", "wasi:cli/command", "--no-docs")
    assert code == 0 and "exit-with-code" in out and "///" not in out


def test_features(reference_dir: Path) -> None:
    _, plain, _ = run(str(reference_dir))
    _, tz, _ = run(str(reference_dir), "--features", "clocks-timezone,other")
    assert "interface timezone" not in plain and "interface timezone" in tz


def test_bad_wit_reports_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wit"
    bad.write_text("package a:b;\ninterface x {\n  type y = z;\n}\n")
    code, out, err = run(str(tmp_path))
    assert code == 2 and out == ""
    assert err.strip() == f"{bad}:3:12: unknown type `z`"
    assert "Traceback" not in err


def test_syntax_error_and_unknown_world(tmp_path: Path) -> None:
    (tmp_path / "a.wit").write_text("package a:b;\nworld w {\n  import ;\n}\n")
    code, _, err = run(str(tmp_path))
    assert code == 2 and err.startswith(f"{tmp_path / 'a.wit'}:3:10: expected")
    (tmp_path / "a.wit").write_text("package a:b;\nworld w {}\n")
    code, _, err = run(str(tmp_path), "--world", "nope")
    assert code == 2 and "no world `nope`" in err


def test_bad_version_option() -> None:
    code, _, err = run("--wasi-version", "two")
    assert code == 2 and "not a version" in err


def test_missing_dir(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope"))
    assert code == 2 and "no such directory" in err


def test_module_without_world_is_a_clear_error(tmp_path: Path) -> None:
    import wasmtime

    path = tmp_path / "plain.wasm"
    path.write_bytes(wasmtime.wat2wasm("(module)"))
    code, out, err = run(str(path))
    assert code == 2 and out == ""
    assert str(path) in err and "no WIT world" in err and "component-type" in err


def test_broken_component_is_located(tmp_path: Path) -> None:
    path = tmp_path / "c.wasm"
    path.write_bytes(b"\0asm\x0d\x00\x01\x00\x07\x05")
    code, out, err = run(str(path))
    assert code == 2 and out == ""
    assert "section" in err and "offset" in err


def test_deep_nesting_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    """1,000 nested `list<` (or 500 `tuple<`) once ended in a RecursionError
    (exit 3); now, as wit-parser, nesting deeper than 100 is a user error."""
    for word, depth in (("list", 1000), ("tuple", 500), ("option", 2000)):
        deep = tmp_path / f"{word}.wit"
        deep.write_text(f"package a:b;\ninterface i {{ type t = {f'{word}<' * depth}u8; }}\n")
        code, out, err = run(str(deep))
        # the 101st type expression is where it stops: 23 columns, then 100 openers
        col = 24 + 100 * (len(word) + 1)
        assert (code, out) == (2, "") and err.startswith(f"{deep}:2:{col}: type nesting too deep")
