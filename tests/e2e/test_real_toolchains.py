"""Modules from real toolchains (clang 14/19, rustc, Go, emscripten, AssemblyScript).

The binaries are committed under tests/fixtures/real/<toolchain>/ with a
manifest (compiler versions, commands, sha256), built by
`python -m toolchains.real build`; each source's `//!` lines say how to run
it.  Every run is differential: the module under native preview1 against
its component, stdio, exit code and the preopened trees compared.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness import Dir, FileTree, assert_same, differential

from componentize.assemble import componentize
from toolchains import jco
from toolchains.real import (
    REAL_DIR,
    Run,
    check_manifest,
    custom_section_names,
    load_manifest,
    load_profiles,
    module_imports,
    read_program,
)

MANIFEST = load_manifest()
ComponentOf = Callable[[str], bytes]


def _cases() -> list[object]:
    cases: list[object] = []
    for key, entry in MANIFEST["binaries"].items():
        if entry["expect"] != "run":
            continue
        program = read_program(REAL_DIR / entry["source"])
        for run in program.runs_for(entry["toolchain"]):
            name = key.removesuffix(".wasm")
            case_id = name if run.name == "default" else f"{name}/{run.name}"
            cases.append(pytest.param(key, run, id=case_id))
    return cases


@pytest.fixture(scope="module")
def component_of() -> ComponentOf:
    """The component of a committed module, componentized once for this module's tests.

    A failure is remembered too, so the runs of a module that cannot be
    componentized each fail at once with the same error.
    """
    done: dict[str, bytes | Exception] = {}

    def get(key: str) -> bytes:
        if key not in done:
            try:
                done[key] = componentize((REAL_DIR / key).read_bytes()).component
            except Exception as exc:  # re-raised by every run of the module
                done[key] = exc
        result = done[key]
        if isinstance(result, Exception):
            raise result
        return result

    return get


def _trees(run: Run) -> dict[str, FileTree] | None:
    if not run.dirs:
        return None
    return {
        guest: {rel: Dir() if data is None else data for rel, data in files.items()}
        for guest, files in run.dirs.items()
    }


@pytest.mark.parametrize(("key", "run"), _cases())
def test_matches_native_preview1(key: str, run: Run, component_of: ComponentOf) -> None:
    module = (REAL_DIR / key).read_bytes()
    d = differential(
        module,
        component_of(key),
        args=run.args,
        env=run.env,
        dirs=_trees(run),
        stdin=run.stdin,
    )
    assert d.native.exit_code == run.exit_code, f"the fixture's own native run: {d.native}"
    assert_same(d)
    assert d.component.exit_code == run.exit_code


@pytest.fixture(scope="module")
def jco_ready(component_of: ComponentOf, jco_available: None) -> None:
    """jco installed and every runnable fixture transpiled, in one Node process."""
    keys = sorted({p.values[0] for p in _cases()})  # type: ignore[attr-defined]
    jco.transpile_many(component_of(k) for k in keys)


# Where jco's Node host itself differs from native preview1 (the official
# adapter's components differ the same way); strict: listed while true.
JCO_HOST_LIMITS = {
    "as-incremental/files.wasm": "Node host: read-directory on a preopened directory is EBADF",
    "as-stub/files.wasm": "Node host: read-directory on a preopened directory is EBADF",
}


def _jco_cases() -> list[object]:
    marked = []
    for case in _cases():
        key = case.values[0]  # type: ignore[attr-defined]
        if key in JCO_HOST_LIMITS:
            case = pytest.param(
                *case.values,
                id=case.id,  # type: ignore[attr-defined]
                marks=pytest.mark.xfail(reason=JCO_HOST_LIMITS[key], strict=True),
            )
        marked.append(case)
    return marked


@pytest.mark.parametrize(("key", "run"), _jco_cases())
def test_matches_native_preview1_under_jco(
    key: str, run: Run, component_of: ComponentOf, jco_ready: None
) -> None:
    """The same components under jco/Node, the way JavaScript hosts run them."""
    module = (REAL_DIR / key).read_bytes()
    d = differential(
        module,
        component_of(key),
        args=run.args,
        env=run.env,
        dirs=_trees(run),
        stdin=run.stdin,
        component_runner=jco.run_component_jco,
    )
    assert_same(d)
    assert d.component.exit_code == run.exit_code


def test_manifest_matches_committed_files() -> None:
    assert check_manifest() == []


def test_manifest_covers_every_toolchain() -> None:
    profiles = load_profiles()
    assert set(MANIFEST["toolchains"]) == set(profiles.toolchains)
    built = {entry["toolchain"] for entry in MANIFEST["binaries"].values()}
    assert built == set(profiles.toolchains)
    for name, tc in MANIFEST["toolchains"].items():
        assert tc["version"] and all(tc["version"]), name


def test_binaries_carry_no_debug_info_or_names() -> None:
    prefixes = tuple(MANIFEST["strip_sections"])
    for key in MANIFEST["binaries"]:
        names = custom_section_names((REAL_DIR / key).read_bytes())
        assert not [n for n in names if n.startswith(prefixes)], key


def test_emscripten_memory_growth_fixture_imports_the_growth_hook() -> None:
    entry = MANIFEST["binaries"]["emscripten/memory_growth.wasm"]
    assert entry["expect"] == "refused"
    imports = module_imports((REAL_DIR / "emscripten/memory_growth.wasm").read_bytes())
    assert ("env", "emscripten_notify_memory_growth") in imports
