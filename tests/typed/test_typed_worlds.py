"""Typed worlds: a module built for a WIT world becomes a component that lifts
the world's exports and lowers its imports (issue 11).

Every fixture of `tests/fixtures/typed/` (C by zig cc, clang 19 and 14, Rust
1.63; wit-component and cm32p2 names; reactors and commands), its world
embedded by wasm-tools or by us, is componentized by the official pipeline
(`wasm-tools component new --adapt` with the preview1 adapter of jco) and by
ours, and checked through wasmtime-py's component API (`oracle.py`): every
export called with typed values, what the host imports received, resource
destructors on both sides, post-return (the guest's live allocations stay
flat), `_initialize` run once, a command's `run`.  `-k official` runs the
official pipeline alone, which checks the fixtures and the oracle themselves.
"""

from __future__ import annotations

import re
import struct
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest
import wasmtime.component as wc

from componentize.errors import ComponentizeError

from . import oracle
from .oracle import API, EMBEDDERS, PIPELINES, Guest, record

CASES = [
    (pipeline, embedder, name)
    for pipeline in PIPELINES
    for embedder in EMBEDDERS
    for name in oracle.variant_names()
]


REACTOR_CASES = [c for c in CASES if oracle.variant(c[2]).kind == "reactor"]
COMMAND_CASES = [c for c in CASES if oracle.variant(c[2]).kind == "command"]


def _id(case: tuple[str, str, str]) -> str:
    pipeline, embedder, name = case
    return f"{pipeline}-{embedder}-{name}"


_COMPONENTS: dict[tuple[str, str, str], bytes] = {}


def component_for(pipeline: str, embedder: str, name: str) -> bytes:
    key = (pipeline, embedder, name)
    if key not in _COMPONENTS:
        module = oracle.embedded_module(name, embedder)
        _COMPONENTS[key] = oracle.make_component(pipeline, module, oracle.variant(name).kind)
    return _COMPONENTS[key]


@pytest.fixture(params=CASES, ids=_id)
def case(request: pytest.FixtureRequest) -> tuple[str, str, str]:
    pipeline, _, _ = request.param
    if pipeline == "official":
        request.getfixturevalue("jco_adapter")
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def guest(case: tuple[str, str, str]) -> Guest:
    return Guest(component_for(*case), env={"TYPED_VAR": "from the host"})


def lang(case: tuple[str, str, str]) -> str:
    return oracle.variant(case[2]).lang


def f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


# ---------------------------------------------------------------- exports, by type


def test_scalars(guest: Guest) -> None:
    assert guest.api("echo-bool", True) is True
    assert guest.api("echo-bool", False) is False
    small = 255 - 128 + 65535 - 32768 + 4294967295 - 2147483648
    # u64 2**63 read as s64 is -2**63; the sum is an s64
    assert guest.api("mix", 255, -128, 65535, -32768, 4294967295, -2147483648, 2**63, 0) == (
        small - 2**63
    )
    assert guest.api("mix", 0, 0, 0, 0, 0, 0, 0, -(2**63)) == -(2**63)
    assert guest.api("mix", 1, 2, 3, 4, 5, 6, 7, -8) == 20
    assert guest.api("narrow", 0x12345678) == (0x78, 0x78, 0x5678, 0x5678)
    assert guest.api("narrow", 0xFFFF8180) == (0x80, -128, 0x8180, 0x8180 - 0x10000)
    assert guest.api("floats", 1.5, 2.25) == 3.375
    assert guest.api("floats", f32(0.1), 10.0) == f32(0.1) * 10.0
    assert guest.api("next-char", "a") == "b"
    assert guest.api("next-char", "\u00e9") == "\u00ea"
    assert guest.api("next-char", "\ud7ff") == "\ue000"
    assert guest.api("next-char", "\U0001f600") == "\U0001f601"
    assert guest.api("next-char", "\U0010ffff") == "\x00"
    assert guest.api("next-color", "red") == "green"
    assert guest.api("next-color", "blue") == "red"
    assert guest.api("toggle", {"read"}) == {"write", "exec"}
    assert guest.api("toggle", set()) == {"read", "write", "exec"}


def test_strings_and_lists(guest: Guest, case: tuple[str, str, str]) -> None:
    # greet calls host.hostname (a string lowered with the guest's realloc) and host.log
    expected = f"hello, w\u00f6rld \U0001f30d, from pyhost ({lang(case)})"
    assert guest.api("greet", "w\u00f6rld \U0001f30d") == expected
    assert guest.host.logs == [expected]
    guest.host.hostname = "x" * 1000
    assert guest.api("greet", "") == f"hello, , from {'x' * 1000} ({lang(case)})"
    assert guest.api("reverse", b"abc\x00\xff") == b"\xff\x00cba"
    assert guest.api("reverse", b"") == b""
    big = bytes(range(256)) * 16
    assert guest.api("reverse", big) == big[::-1]
    assert guest.api("checksum", b"\x01\x02\x03") == 6 + 3
    assert guest.api("checksum", big) == sum(big) + len(big)
    assert guest.host.checksums == [b"\x01\x02\x03", big]
    assert guest.api("join", ["a", "bc", "\u00e9"], ", ") == "a, bc, \u00e9"
    assert guest.api("join", [], "-") == ""
    assert guest.api("split", "a,b,,c", ",") == ["a", "b", "", "c"]
    assert guest.api("split", "", ",") == [""]
    assert guest.api("find", ["x", "y", "z"], "z") == 2
    assert guest.api("find", ["x"], "q") is None
    assert guest.api("find", [], "") is None


def test_records_and_tuples(guest: Guest) -> None:
    p = guest.api("make-person", "Ada", 36, ["math", "engines"])
    assert (p.name, p.age, p.tags) == ("Ada", 36, ["math", "engines"])
    p = guest.api("make-person", "", 0, [])
    assert (p.name, p.age, p.tags) == ("", 0, [])
    assert guest.api("describe", record(name="Bob", age=255, tags=["a", "b"])) == "Bob (255): a,b"
    assert guest.api("describe", record(name="C", age=7, tags=[])) == "C (7): "
    assert guest.api("swap", (7, "seven")) == ("seven", 7)
    assert guest.api("swap", (2**32 - 1, "")) == ("", 2**32 - 1)


def test_variants(guest: Guest) -> None:
    circle, square = wc.Variant("circle", 2.0), wc.Variant("square", 3.0)
    assert guest.api("area", circle) == 12.0
    assert guest.api("area", square) == 9.0
    assert guest.api("area", wc.Variant("rect", (2.0, 2.5))) == 5.0
    assert guest.api("area", wc.Variant("empty")) == 0.0
    assert guest.api("grow", circle) == wc.Variant("circle", 4.0)
    assert guest.api("grow", wc.Variant("rect", (1.5, 2.0))) == wc.Variant("rect", (3.0, 4.0))
    assert guest.api("grow", wc.Variant("empty")) == wc.Variant("empty")
    assert guest.api("maybe-double", 21) == 42
    assert guest.api("maybe-double", None) is None
    assert guest.api("maybe-double", 2**31) is None
    # result<u32, string>: wasmtime-py gives the payload (ok int, err str)
    assert guest.api("parse", "4294967295") == 4294967295
    assert guest.api("parse", "12a") == "not a u32: 12a"
    assert guest.api("parse", "") == "not a u32: "


def _many_args(values: list[int]) -> list[int | float]:
    """many's a3 and a4 are f32 and f64."""
    return [float(v) if i in (2, 3) else v for i, v in enumerate(values)]


def test_spilled_params(guest: Guest) -> None:
    """17 flat parameters: lifted from a tuple in the guest's memory."""
    args = [1, 2**40, 2.5, 1.25, 200, -300, 7, -(2**40), *range(10, 19)]
    expected = 1 + 2**40 + 5 + 5 + 200 - 300 + 7 - 2**40
    expected += sum((i + 1) * v for i, v in enumerate(range(10, 19)))
    assert guest.api("many", *args) == expected % 2**64
    assert guest.api("many", *_many_args([0] * 17)) == 0


def test_imports_called_from_exports(guest: Guest) -> None:
    assert guest.api("move-point", 3, -4, 2.5) == (7, -10)
    assert guest.host.scaled == [(3, -4, 2.5)]
    assert guest.api("sum-via-host", 2**32 - 1, 2) == 1


def test_world_functions(guest: Guest, case: tuple[str, str, str]) -> None:
    """A world-level export calling a world-level import."""
    assert guest.root("version") == f"typed-{lang(case)} 42"
    guest.host.now = 2**64 - 1
    assert guest.root("version") == f"typed-{lang(case)} {2**64 - 1}"
    assert guest.host.now_calls == 2


def test_wasi_through_preview1(guest: Guest) -> None:
    """getenv goes through wasi-libc's preview1 environ_get: the adapter or our shim."""
    assert guest.api("getenv", "TYPED_VAR") == "from the host"
    assert guest.api("getenv", "NOT_SET") is None


# ---------------------------------------------------------------- resources


def test_exported_resource(guest: Guest) -> None:
    before = guest.api("destroyed")
    ctor = guest.func("[constructor]accumulator")
    add = guest.func("[method]accumulator.add")
    total = guest.func("[method]accumulator.total")
    merge = guest.func("[static]accumulator.merge")
    a = guest.call(ctor, 10)
    b = guest.call(ctor, -3)
    guest.call(add, a, 5)
    guest.call(add, b, 2**40)
    assert guest.call(total, a) == 15
    assert guest.call(total, b) == 2**40 - 3
    m = guest.call(merge, a, b)
    assert guest.call(total, m) == 2**40 + 12
    assert guest.api("destroyed") == before
    a.drop(guest.store)  # the guest's destructor runs
    assert guest.api("destroyed") == before + 1
    b.drop(guest.store)
    assert guest.api("destroyed") == before + 2
    # an owned handle passed back: the guest reads its rep and drops it
    assert guest.api("consume", m) == 2**40 + 12
    assert guest.api("destroyed") == before + 3


def test_imported_resource(guest: Guest) -> None:
    """The guest makes a host counter, calls its method and drops it: the host's destructor."""
    assert guest.api("count-with-host", 5, 3) == 8
    assert guest.host.counters_made == 1
    assert guest.host.counters_dropped == [1001]
    assert guest.host.counters == {}
    assert guest.api("count-with-host", 0, 0) == 0
    assert guest.host.counters_dropped == [1001, 1002]


# ---------------------------------------------------------------- post-return, initialization


def test_post_return_frees(guest: Guest) -> None:
    """Each export frees its arguments and each post-return what its export returned:
    the guest's count of live allocations is the same after 8 more rounds."""
    oracle.every_export(guest)
    live = guest.api("live-allocations")
    for _ in range(8):
        oracle.every_export(guest)
    assert guest.api("live-allocations") == live


@pytest.mark.parametrize("case", REACTOR_CASES, ids=_id, indirect=True)
def test_initialize_runs_once(guest: Guest) -> None:
    """A reactor's initialization export (_initialize or cm32p2_initialize) runs once,
    before the first export call (a command initializes in _start)."""
    assert guest.api("init-count") == 1
    guest.api("echo-bool", True)
    assert guest.api("init-count") == 1


def test_exports_of_the_world(guest: Guest, case: tuple[str, str, str]) -> None:
    expected = {API, "version"}
    if oracle.variant(case[2]).kind == "command":
        expected |= {"wasi:cli/run"}
    names = {re.sub(r"@0\.2\.\d+$", "", n) for n in guest.exports()}
    assert names == expected


@pytest.mark.parametrize("case", COMMAND_CASES, ids=_id, indirect=True)
def test_command_runs(case: tuple[str, str, str]) -> None:
    """A command keeps wasi:cli/run (its main) and exports the world's functions too."""
    with oracle.stdout_file() as out:
        guest = Guest(component_for(*case), stdout=out)
        run_name = next(n for n in guest.exports() if n.startswith("wasi:cli/run@"))
        assert guest.call(guest.func("run", run_name)) == wc.Variant("ok")
        assert out.read_text() == "typed command\n"
    assert guest.api("echo-bool", True) is True


# ---------------------------------------------------------------- the world, compared


@pytest.mark.parametrize("embedder", EMBEDDERS)
@pytest.mark.parametrize("name", oracle.variant_names())
def test_differential_world(name: str, embedder: str, jco_adapter: None) -> None:
    """Ours and the official pipeline give a component with the same non-WASI imports,
    the same exports and the same type definitions (WASI imports differ: the adapter
    and our shim need different interfaces, at different versions)."""
    official = oracle.component_wit(component_for("official", embedder, name), cache=True)
    ours = oracle.component_wit(component_for("ours", embedder, name))
    assert oracle.normalize_world(ours) == oracle.normalize_world(official)


@pytest.mark.parametrize("name", ["clang19-legacy-reactor", "rust-cm32p2-reactor"])
def test_our_embed_matches_wasm_tools(name: str) -> None:
    """The world our embed writes reads the same as wasm-tools' (both through
    `wasm-tools component wit` of the embedded modules)."""
    texts = []
    for embedder in EMBEDDERS:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.wasm"
            path.write_bytes(oracle.embedded_module(name, embedder))
            done = subprocess.run(
                [oracle.wasm_tools(), "component", "wit", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            texts.append(done.stdout)
    assert texts[0] == texts[1]


# ---------------------------------------------------------------- refusals

SMALL_WIT = """
package test:small@0.1.0;

interface api {
  echo: func(x: u32) -> u32;
  name: func() -> string;
}

world small {
  import log: func(msg: string);
  export api;
}
"""

GOOD = """
(module
  (import "$root" "log" (func (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 64)
  (func (export "test:small/api@0.1.0#echo") (param i32) (result i32) local.get 0)
  (func (export "test:small/api@0.1.0#name") (result i32) i32.const 0))
"""

# the same with the standard names of BuildTargets.md
GOOD_CM32P2 = (
    GOOD.replace('"$root"', '"cm32p2"')
    .replace("test:small/api@0.1.0#", "cm32p2|test:small/api@0.1|")
    .replace('"cabi_realloc"', '"cm32p2_realloc"')
)

REFUSALS = {
    # echo's core signature is (i32) -> i32; here it takes an i64
    "signature": (
        GOOD.replace('#echo") (param i32)', '#echo") (param i64)').replace(
            "local.get 0)", "local.get 0 i32.wrap_i64)"
        ),
        "echo",
    ),
    # the world exports name, the module does not
    "missing-export": (
        GOOD.replace('(func (export "test:small/api@0.1.0#name") (result i32) i32.const 0)', ""),
        "name",
    ),
    # an import the world does not have
    "unknown-import": (
        GOOD.replace(
            '(import "$root" "log" (func (param i32 i32)))',
            '(import "$root" "log" (func (param i32 i32)))\n'
            '  (import "$root" "frobnicate" (func (param i32)))',
        ),
        "frobnicate",
    ),
    # the world's log takes a string, (i32 i32); here one i32
    "import-signature": (
        GOOD.replace(
            '(import "$root" "log" (func (param i32 i32)))',
            '(import "$root" "log" (func (param i32)))',
        ),
        "log",
    ),
    # the standard names: echo with the wrong type
    "cm32p2-signature": (
        GOOD_CM32P2.replace(
            '|echo") (param i32) (result i32)', '|echo") (param i32) (result i64)'
        ).replace("local.get 0)", "local.get 0 i64.extend_i32_u)"),
        "echo",
    ),
    # a post-return taking what the export does not return
    "post-return-signature": (
        GOOD.replace(
            '(func (export "test:small/api@0.1.0#name") (result i32) i32.const 0)',
            '(func (export "test:small/api@0.1.0#name") (result i32) i32.const 0)\n'
            '  (func (export "cabi_post_test:small/api@0.1.0#name") (param i64))',
        ),
        "name",
    ),
}

# the refusals whose message shows the core signature found and the one expected
SIGNATURES = {
    "signature": ("(i64) -> (i32)", "(i32) -> (i32)"),
    "cm32p2-signature": ("(i32) -> (i64)", "(i32) -> (i32)"),
}


@cache
def _small_module(wat: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="typed-small-") as tmp:
        wit = Path(tmp) / "small.wit"
        wit.write_text(SMALL_WIT)
        src = Path(tmp) / "m.wat"
        src.write_text(wat)
        out = Path(tmp) / "m.wasm"
        subprocess.run(
            [oracle.wasm_tools(), "component", "embed", str(wit), "--world", "small"]
            + [str(src), "-o", str(out)],
            capture_output=True,
            check=True,
        )
        return out.read_bytes()


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("names", ["legacy", "cm32p2"])
def test_small_world_is_accepted(names: str, pipeline: str, jco_adapter: None) -> None:
    """The refusal tests' base modules are fine, and echo works."""
    module = _small_module(GOOD if names == "legacy" else GOOD_CM32P2)
    guest = Guest(oracle.make_component(pipeline, module, "reactor"), other_imports_trap=True)
    assert guest.call(guest.func("echo", "test:small/api@0.1.0"), 7) == 7


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("problem", sorted(REFUSALS))
def test_refused(problem: str, pipeline: str, jco_adapter: None) -> None:
    """A module that does not match its world is refused, naming the function (and,
    for a wrong core type, the type found and the type the world flattens to:
    compared without spaces)."""
    wat, name = REFUSALS[problem]
    module = _small_module(wat)
    if pipeline == "official":
        with pytest.raises(oracle.OfficialError, match=re.escape(name)):
            oracle.official(module)
    else:
        with pytest.raises(ComponentizeError, match=re.escape(name)) as refused:
            oracle.ours(module)
        for signature in SIGNATURES.get(problem, ()):
            assert signature.replace(" ", "") in str(refused.value).replace(" ", "")
