"""`[tool.componentize]` in pyproject.toml (or --config FILE): defaults for
`new`, per-input overrides, command-line options winning, unknown keys
refused with the key and the file.  Every component written is run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from componentize.cli.new import new
from componentize.component import decode_component
from componentize.component.summary import component_imports
from componentize.config import find, load
from componentize.errors import InputError
from componentize.run import run_component

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "examples" / "hello.wasm"  # a C command that prints


def wasi_versions(component: bytes) -> set[str]:
    """The WASI versions a component imports (`wasi:cli/stdout@0.2.3` -> 0.2.3)."""
    names = [name for name, _ in component_imports(decode_component(component))]
    return {name.partition("@")[2] for name in names if name.startswith("wasi:")}


def convert(cwd: Path, *argv: str) -> tuple[int, str]:
    """`componentize new ARGV` run from the directory `cwd`."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(new, list(argv))
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def runs(component: Path) -> None:
    result = run_component(component.read_bytes(), capture=True)
    assert result.exit_code == 0 and result.stdout and b"Hello" in result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """project/pyproject.toml, project/app/hello.wasm, project/legacy/hello.wasm"""
    root = tmp_path / "project"
    for sub in ("app", "legacy"):
        (root / sub).mkdir(parents=True)
        shutil.copy(HELLO, root / sub / "hello.wasm")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n'
        '[tool.componentize]\nwasi-version = "0.2.3"\n\n'
        '[tool.componentize.inputs."legacy/*.wasm"]\nwasi-version = "0.2.12"\n'
    )
    return root


def test_found_upward_with_per_input_overrides(project: Path) -> None:
    code, output = convert(project / "app", "hello.wasm", "-o", "out.wasm")
    assert code == 0, output
    assert wasi_versions((project / "app" / "out.wasm").read_bytes()) == {"0.2.3"}
    runs(project / "app" / "out.wasm")
    code, output = convert(project, "legacy/hello.wasm", "-o", "legacy.wasm")
    assert code == 0, output
    assert wasi_versions((project / "legacy.wasm").read_bytes()) == {"0.2.12"}
    runs(project / "legacy.wasm")


def test_command_line_wins(project: Path) -> None:
    code, output = convert(project, "legacy/hello.wasm", "--wasi-version", "0.2.5", "-o", "o.wasm")
    assert code == 0, output
    assert wasi_versions((project / "o.wasm").read_bytes()) == {"0.2.5"}
    runs(project / "o.wasm")


def test_batch_uses_per_input_settings(project: Path) -> None:
    code, output = convert(project, ".", "--out-dir", "../out", "-j", "1")
    assert code == 0, output
    out = project.parent / "out"
    assert wasi_versions((out / "app" / "hello.wasm").read_bytes()) == {"0.2.3"}
    assert wasi_versions((out / "legacy" / "hello.wasm").read_bytes()) == {"0.2.12"}
    runs(out / "app" / "hello.wasm")
    runs(out / "legacy" / "hello.wasm")


def test_explicit_config_file_standalone_table(tmp_path: Path) -> None:
    config = tmp_path / "componentize.toml"
    config.write_text('wasi-version = "0.2.7"\nskip-validation = true\n')
    code, output = convert(
        tmp_path, str(HELLO), "--config", str(config), "-o", str(tmp_path / "o.wasm")
    )
    assert code == 0, output
    assert wasi_versions((tmp_path / "o.wasm").read_bytes()) == {"0.2.7"}
    runs(tmp_path / "o.wasm")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('wasi-versoin = "0.2.3"', "unknown key `wasi-versoin`"),
        ("jobs = true", "`jobs` must be a int, not bool"),
        ('inputs = "x"', "`inputs` must be a table"),
        ('[tool.componentize.inputs."*.wasm"]\nfrobnicate = 1', "unknown key `frobnicate`"),
    ],
)
def test_bad_keys_are_named_with_the_file(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.componentize]\n{table}\n")
    with pytest.raises(InputError) as caught:
        load(None, cwd=tmp_path)
    assert message in str(caught.value) and "pyproject.toml" in str(caught.value)
    code, output = convert(tmp_path, str(HELLO), "-o", "o.wasm")
    assert code == 2 and message in output
    assert not (tmp_path / "o.wasm").exists()


def test_a_pyproject_without_the_table_is_skipped(tmp_path: Path) -> None:
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "a"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.componentize]\nworld = "w"\n')
    assert find(inner) == tmp_path / "pyproject.toml"
    assert load(None, cwd=inner).defaults.world == "w"


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.componentize]\nwit = "wit"\nadapt = { wasi_snapshot_preview1 = "a/p1.wasm" }\n'
    )
    defaults = load(None, cwd=tmp_path).defaults
    assert defaults.wit == str(tmp_path / "wit")
    assert defaults.adapt == {"wasi_snapshot_preview1": str(tmp_path / "a" / "p1.wasm")}
