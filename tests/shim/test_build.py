"""The shim build: deterministic, and the committed binary is what the sources give."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from componentize.shim import load_shim
from toolchains.shim import build as shim_build
from toolchains.shim.build import build, compile_shim, main
from toolchains.shim.postprocess import postprocess_bytes

pytest.importorskip("ziglang")


def test_build_is_deterministic_and_committed(tmp_path: Path) -> None:
    _, first = build()  # through the fixture cache
    second = postprocess_bytes(compile_shim(cache_dir=tmp_path))  # fresh compile
    assert first == second
    assert first == load_shim(), "run `python -m toolchains.shim` and commit"


def test_check_writes_nothing_and_reports_differences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a copy of the sources with a stale header, and a wrong committed binary
    sources = tmp_path / "repo" / "shims" / "preview1"
    shutil.copytree(shim_build.SOURCE_DIR, sources)
    header = sources / shim_build.HEADER.name
    stale = header.read_text().replace("#define", "#define  ", 1)
    header.write_text(stale)
    output = tmp_path / "repo" / "shim.wasm"
    output.write_bytes(b"old")
    monkeypatch.setattr(shim_build, "ROOT", tmp_path / "repo")
    monkeypatch.setattr(shim_build, "SOURCE_DIR", sources)
    monkeypatch.setattr(shim_build, "HEADER", header)
    monkeypatch.setattr(shim_build, "OUTPUT", output)

    assert main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "shims/preview1/wasi_imports.h differs" in err and "shim.wasm (3 bytes)" in err
    assert "python -m toolchains.shim" in err
    assert header.read_text() == stale and output.read_bytes() == b"old"

    assert main([]) == 0  # the rebuild writes both, identical to the committed ones
    assert header.read_text() == shim_build.header_text()
    assert output.read_bytes() == load_shim()
    assert main(["--check"]) == 0
    assert "shim is up to date" in capsys.readouterr().out
