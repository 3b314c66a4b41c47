"""Our bundled `wit/` declares exactly what WASI 0.2.12 declares.

Both our files and the reference files (WASI 0.2.12 as hosts ship it, kept
outside the repo in ../shared/reference) are resolved with
`componentize.wit` for several target versions and feature sets, and every
package must have the same structure, comments aside.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from componentize.wit import bundled_wit_dir, resolve_dir, structure
from componentize.wit.model import Resolve, Version
from tests.needs import needs

REPO = Path(__file__).resolve().parent.parent
OURS = REPO / "wit"
REFERENCE = Path(
    os.environ.get(
        "COMPONENTIZE_WASI_REFERENCE",
        REPO.parent / "shared" / "reference" / "wasi" / "wit-0.2.12",
    )
)
PACKAGES = ["cli", "io", "clocks", "random", "filesystem", "sockets"]
ALL_FEATURES = frozenset({"clocks-timezone", "network-error-code"})
VERSIONS = ["0.2.0", "0.2.3", "0.2.12"]

needs_reference = needs(
    (REFERENCE / "cli.wit").is_file(),
    f"WASI 0.2.12 reference WIT not found at {REFERENCE} "
    "(set COMPONENTIZE_WASI_REFERENCE to its directory)",
)


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference files arranged as the resolver expects: cli in the
    directory, the other packages as single files in `deps/`."""
    root = tmp_path_factory.mktemp("reference-wit")
    (root / "deps").mkdir()
    shutil.copy(REFERENCE / "cli.wit", root / "cli.wit")
    for name in PACKAGES[1:]:
        shutil.copy(REFERENCE / f"{name}.wit", root / "deps" / f"{name}.wit")
    return root


def _resolve(path: Path, version: str | None, features: frozenset[str]) -> Resolve:
    target = Version.parse(version) if version else None
    return resolve_dir(path, version=target, features=features)


def _by_name(resolve: Resolve) -> dict[str, object]:
    return {f"{p.name.namespace}:{p.name.name}": structure(p) for p in resolve.packages}


@needs_reference
@pytest.mark.parametrize("features", [frozenset(), ALL_FEATURES], ids=["stable", "all-features"])
@pytest.mark.parametrize("version", [None, *VERSIONS], ids=["ungated", *VERSIONS])
def test_bundled_wit_matches_reference(
    reference_dir: Path, version: str | None, features: frozenset[str]
) -> None:
    ours = _resolve(OURS, version, features)
    theirs = _resolve(reference_dir, version, features)
    assert [str(p.name) for p in ours.packages] == [str(p.name) for p in theirs.packages]
    ours_by_name, theirs_by_name = _by_name(ours), _by_name(theirs)
    assert sorted(ours_by_name) == sorted(f"wasi:{n}" for n in PACKAGES)
    for name, shape in ours_by_name.items():
        assert shape == theirs_by_name[name], f"{name} differs at {version} {sorted(features)}"


def test_packages_and_root() -> None:
    resolve = _resolve(OURS, None, frozenset())
    assert resolve.root is not None
    assert str(resolve.root.name) == "wasi:cli@0.2.12"
    assert {str(p.name) for p in resolve.packages} == {f"wasi:{n}@0.2.12" for n in PACKAGES}
    assert set(resolve.root.worlds) == {"imports", "command"}


def test_gates_select_what_each_version_has() -> None:
    old = _resolve(OURS, "0.2.0", frozenset())
    new = _resolve(OURS, "0.2.12", ALL_FEATURES)
    old_exit = old.interface("wasi:cli/exit").functions
    assert "exit" in old_exit and "exit-with-code" not in old_exit
    assert "exit-with-code" in new.interface("wasi:cli/exit").functions
    assert "timezone" not in old.package("wasi:clocks").interfaces
    assert "timezone" in new.package("wasi:clocks").interfaces
    assert "network-error-code" not in old.interface("wasi:sockets/network").functions
    assert "network-error-code" in new.interface("wasi:sockets/network").functions
    # targeting 0.2.3 names every package at that version
    assert {str(p.name) for p in _resolve(OURS, "0.2.3", frozenset()).packages} == {
        f"wasi:{n}@0.2.3" for n in PACKAGES
    }


def test_command_world_exports_run() -> None:
    world = _resolve(OURS, "0.2.0", frozenset()).root
    assert world is not None
    command = world.worlds["command"]
    assert list(command.exports) == ["wasi:cli/run@0.2.0"]
    assert "wasi:filesystem/preopens@0.2.0" in command.imports
    assert "wasi:clocks/timezone@0.2.0" not in command.imports


def test_bundled_dir_is_our_wit() -> None:
    assert bundled_wit_dir().resolve() == OURS.resolve()


_DOC = re.compile(r"^\s*///?(.*)$")


def _comment_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text().splitlines():
        match = _DOC.match(line)
        if match and match.group(1).strip():
            lines.append(match.group(1).strip())
    return lines


def test_comments_are_short() -> None:
    for path in sorted(OURS.rglob("*.wit")):
        for text in _comment_lines(path):
            assert len(text) <= 90, f"{path.name}: long comment {text!r}"


@needs_reference
def test_comments_are_our_own() -> None:
    """No comment line of ours repeats a doc line of the standard."""
    theirs = {t for p in REFERENCE.glob("*.wit") for t in _comment_lines(p) if len(t) > 24}
    for path in sorted(OURS.rglob("*.wit")):
        copied = [t for t in _comment_lines(path) if t in theirs]
        assert not copied, f"{path.name} repeats the reference's comments: {copied}"


def test_the_stored_resolves_match_the_wit_files() -> None:
    """`new` loads each version's resolve from package data (wit/bundled.py);
    after an edit of the WIT, `python -m toolchains.wit_cache` stores them anew."""
    from toolchains import wit_cache

    for version in wit_cache.versions():
        stored = wit_cache.resolved_file(version)
        assert stored.is_file(), f"{stored.name} missing: run python -m toolchains.wit_cache"
        assert stored.read_bytes() == wit_cache.expected(version), (
            f"{stored.name} is stale: run python -m toolchains.wit_cache"
        )


def test_a_stored_resolve_loads_as_the_fresh_one() -> None:
    from componentize.wit.bundled import bundled_resolve

    version = Version(0, 2, 3)
    fresh = resolve_dir(bundled_wit_dir(), version=version)
    assert structure(bundled_resolve(version), docs=True) == structure(fresh, docs=True)
