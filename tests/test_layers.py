"""The product does not need the dev wing.

`componentize/` is what the wheel ships; `toolchains/` (compiler profiles,
the shim build, the native preview1 oracle), `tests/` and `benches/` sit on
top of it and are not shipped, so no module of the package may import them.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "componentize"
DEV_WING = ("toolchains", "tests", "benches")


def _product_modules() -> list[str]:
    """Every module of the package, by dotted name (`__main__` would run the CLI)."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _is_dev_wing(name: str) -> bool:
    return name.split(".")[0] in DEV_WING


def test_importing_the_package_imports_no_dev_wing_module() -> None:
    modules = _product_modules()
    assert {"componentize", "componentize.cli", "componentize.assemble"} <= set(modules)
    # From the repository root, where `toolchains` and `tests` are importable:
    # an import of them would succeed and show up in sys.modules.
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert set(modules) <= set(loaded)
    assert [name for name in loaded if _is_dev_wing(name)] == []


def test_no_package_file_imports_the_dev_wing() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            found += [f"{where} {name}" for name in names if _is_dev_wing(name)]
    assert found == []


def test_wheel_ships_only_the_package() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == ["componentize*"]
    assert set(config["package-data"]) == {"componentize"}
