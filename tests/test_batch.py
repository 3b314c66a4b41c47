"""Batch conversion: `componentize new A B DIR 'glob' --out-dir OUT [-j N]`
and its API (`componentize.batch`).  Every component written is run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from componentize.batch import Job, convert_many, plan_jobs
from componentize.cli.new import new
from componentize.errors import InputError
from componentize.run import run_component

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "examples" / "hello.wasm"
REAL = ROOT / "tests" / "fixtures" / "real"
ARGS_ENV = [REAL / "clang19" / "args_env.wasm", REAL / "rust" / "args_env.wasm"]


def runs(component: Path) -> bytes:
    result = run_component(component.read_bytes(), args=["x"], capture=True)
    assert result.exit_code == 0, result
    assert result.stdout is not None
    return result.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """in/hello.wasm, in/sub/clang.wasm, in/sub/rust.wasm, in/notes.txt"""
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    shutil.copy(HELLO, root / "hello.wasm")
    shutil.copy(ARGS_ENV[0], root / "sub" / "clang.wasm")
    shutil.copy(ARGS_ENV[1], root / "sub" / "rust.wasm")
    (root / "notes.txt").write_text("not a module")
    return root


def test_directory_keeps_relative_names_and_every_output_runs(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(new, [str(tree), "--out-dir", str(out), "-j", "2"])
    assert result.exit_code == 0, result.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["hello.wasm", "sub/clang.wasm", "sub/rust.wasm"]
    assert b"Hello" in runs(out / "hello.wasm")
    assert b"x" in runs(out / "sub" / "clang.wasm")
    assert b"x" in runs(out / "sub" / "rust.wasm")
    assert "converted 3 of 3 modules" in result.output


def test_a_failure_does_not_stop_the_others(tree: Path, tmp_path: Path) -> None:
    bad = tree / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x05\x03\x01\x00")  # a truncated memory section
    out = tmp_path / "out"
    result = CliRunner().invoke(new, [str(bad), str(HELLO), "--out-dir", str(out), "-j", "1"])
    assert result.exit_code == 2
    assert "converted 1 of 2 modules" in result.output and "1 failed" in result.output
    assert str(bad) in result.output
    assert sorted(p.name for p in out.iterdir()) == ["hello.wasm"]
    runs(out / "hello.wasm")


def test_glob_patterns_are_expanded(tree: Path, tmp_path: Path) -> None:
    jobs = plan_jobs([str(tree / "sub" / "*.wasm")], tmp_path / "out")
    assert [j.output.name for j in jobs] == ["clang.wasm", "rust.wasm"]


def test_two_inputs_for_one_output_are_refused_before_anything_is_written(
    tree: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(HELLO, other / "clang.wasm")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        new, [str(tree / "sub" / "clang.wasm"), str(other / "clang.wasm"), "--out-dir", str(out)]
    )
    assert result.exit_code == 2
    assert "would both be written to" in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["a.wasm", "b.wasm", "-o", "x.wasm"], "give one input and -o"),
        (["a.wasm"], "give one input and -o"),
        (["a.wasm", "-o", "x.wasm", "--out-dir", "d"], "cannot be combined with --out-dir"),
    ],
)
def test_bad_combinations_are_usage_errors(argv: list[str], message: str) -> None:
    result = CliRunner().invoke(new, argv)
    assert result.exit_code == 2
    assert message in result.output


def test_empty_directory_and_unmatched_pattern(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no .wasm or .wat files"):
        plan_jobs([str(tmp_path)], tmp_path / "out")
    with pytest.raises(InputError, match="no file matches"):
        plan_jobs([str(tmp_path / "*.wasm")], tmp_path / "out")


def test_api_outcomes_in_job_order_with_workers(tmp_path: Path) -> None:
    jobs = [
        Job(ARGS_ENV[1], tmp_path / "rust.wasm"),
        Job(tmp_path / "missing.wasm", tmp_path / "missing-out.wasm"),
        Job(HELLO, tmp_path / "hello.wasm"),
    ]
    seen: list[str] = []
    outcomes = convert_many(jobs, workers=2, done=lambda o: seen.append(o.job.output.name))
    assert [o.job for o in outcomes] == jobs
    assert [o.ok for o in outcomes] == [True, False, True]
    assert "missing.wasm" in outcomes[1].error
    assert sorted(seen) == sorted(j.output.name for j in jobs)
    assert outcomes[0].size == (tmp_path / "rust.wasm").stat().st_size
    assert not (tmp_path / "missing-out.wasm").exists()
    runs(tmp_path / "rust.wasm")
    runs(tmp_path / "hello.wasm")
