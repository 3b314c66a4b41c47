"""The package as users get it: the wheel and an install of it.

The other tests import the source tree, so a file missing from the wheel
(the shim, the bundled WIT, py.typed, a data file) or a broken console
script would pass them all.  Here:

- the wheel is built from a copy of what it is made of (pyproject.toml,
  README.md, componentize/), so the build writes nothing in the tree; it
  must hold every file of the package and the console script;
- it is installed into a venv of its own (kept in .cache/wheel/venv; only
  our wheel is reinstalled when the package changes): every file lands in
  site-packages, with the console script, and its `componentize new`
  converts the example from a directory outside the tree, with nothing of
  the tree on the path; the component runs as the example does natively;
- the environment the tests run in passes the same install check: under
  CI=true it was made by the README's `pip install .[test]`, which is not
  editable (a developer's editable install only skips).

The wheel is keyed by the package's files: a session that changed nothing
reuses it and the venv (2 s; the first build and venv take about 35 s, a
rebuild with the venv kept about 15 s).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from needs import IN_CI, missing

from componentize.run import run_component
from toolchains.native import run_module

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "componentize"
CACHE = REPO / ".cache" / "wheel"
VENV = CACHE / "venv"
HELLO = REPO / "examples" / "hello.wasm"
MADE_OF = ["pyproject.toml", "README.md"]


def _package_files() -> list[str]:
    """Every file of the package in the tree, as wheel paths."""
    return sorted(
        path.relative_to(REPO).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def _key() -> str:
    digest = hashlib.sha256()
    for rel in [*MADE_OF, *_package_files()]:
        digest.update(rel.encode() + b"\0" + hashlib.sha256((REPO / rel).read_bytes()).digest())
    return digest.hexdigest()[:20]


@pytest.fixture(scope="module")
def locked() -> Iterator[None]:
    """One session at a time builds or installs (others wait)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="module")
def wheel(locked: None) -> Path:
    key = _key()
    out = CACHE / key
    found = sorted(out.glob("componentize-*.whl"))
    if found:
        return found[0]
    with tempfile.TemporaryDirectory(prefix="componentize-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(PACKAGE, src / "componentize", ignore=shutil.ignore_patterns("__pycache__"))
        for rel in MADE_OF:
            shutil.copy2(REPO / rel, src / rel)
        _pip("wheel", str(src), "--no-deps", "-q", "-w", str(Path(tmp) / "dist"))
        built = next((Path(tmp) / "dist").glob("componentize-*.whl"))
        out.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, out / built.name)  # whole, then visible
    for old in CACHE.iterdir():  # wheels of older states of the package
        if old.is_dir() and old.name not in (key, "venv"):
            shutil.rmtree(old)
    return out / built.name


@pytest.fixture(scope="module")
def venv(wheel: Path) -> Path:
    """A venv with the wheel installed (dependencies from the index, once)."""
    stamp = VENV / "installed-wheel"
    if not (VENV / "bin" / "python").exists():
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != str(wheel):
        _pip("install", "-q", "--force-reinstall", str(wheel), python=VENV / "bin" / "python")
        stamp.write_text(str(wheel))
    return VENV


def _pip(*args: str, python: Path = Path(sys.executable)) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _outside_the_tree() -> dict[str, str]:
    """The environment for a process that must not see the source tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONSAFEPATH"] = "1"  # no script or working directory on sys.path
    return env


# ---------------------------------------------------------------- the wheel


def test_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        missing = [rel for rel in _package_files() if rel not in names]
        assert missing == []
        for rel in ("componentize/data/shim_preview1.wasm", "componentize/py.typed"):
            assert z.read(rel) == (REPO / rel).read_bytes(), rel
        wit = [n for n in names if n.startswith("componentize/data/wit/") and n.endswith(".wit")]
        assert len(wit) >= 5  # the bundled WASI 0.2 WIT: cli and its deps
        assert any(n.startswith("componentize/data/wit-resolved/") for n in names)
        info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "componentize = componentize.cli:main" in z.read(info).decode()
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        for dependency in ("wasmtime", "click", "structlog"):
            assert f"Requires-Dist: {dependency}" in metadata
        # nothing of the dev wing or the tests
        assert not [n for n in names if n.startswith(("tests/", "toolchains/", "shims/"))]


def test_installed_cli_converts_the_example(venv: Path, tmp_path: Path) -> None:
    env = _outside_the_tree()
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import componentize; print(componentize.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the installed copy, not the tree
    out = tmp_path / "hello.component.wasm"
    done = subprocess.run(
        [str(venv / "bin" / "componentize"), "new", str(HELLO), "-o", out.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    component = run_component(out.read_bytes(), args=["world"])
    native = run_module(HELLO.read_bytes(), args=["world"])
    assert component.stdout and component.stdout == native.stdout
    assert (component.exit_code, component.stderr) == (native.exit_code, native.stderr)


# ---------------------------------------------------------------- the README's install


# Run by the interpreter whose install is checked: componentize as found in
# its site-packages (a build's egg-info in the tree does not count).
_REPORT = """
import json, site
from importlib.metadata import distributions
d = next(iter(distributions(name="componentize", path=site.getsitepackages())), None)
print(json.dumps(d and {"files": [str(f) for f in d.files or []],
                        "direct_url": json.loads(d.read_text("direct_url.json") or "{}")}))
"""


def install_problems(python: Path) -> list[str]:
    """What is wrong with the install of componentize `python` sees."""
    done = subprocess.run(
        [str(python), "-c", _REPORT],
        cwd=tempfile.gettempdir(),
        env=_outside_the_tree(),
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    if report is None:
        return ["not installed in site-packages"]
    if report["direct_url"].get("dir_info", {}).get("editable"):
        return ["installed editable: site-packages holds no file of the package"]
    installed = set(report["files"])
    problems = [f"{rel} not installed" for rel in _package_files() if rel not in installed]
    if not (python.parent / "componentize").is_file():
        problems.append(f"no console script beside {python}")
    return problems


def test_the_wheel_installs_whole(venv: Path) -> None:
    assert install_problems(venv / "bin" / "python") == []


def test_the_readme_install_is_the_package() -> None:
    """The environment the tests run in, made under CI by the README's
    `pip install .[test]`: the package is in site-packages, whole (a
    developer's editable install is told apart, and only skips)."""
    problems = install_problems(Path(sys.executable))
    if problems and problems[0].startswith("installed editable") and not IN_CI:
        missing("componentize is installed editable here (the README's install is not)")
    assert problems == []
