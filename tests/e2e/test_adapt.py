"""`componentize new --adapt NAME=FILE`: the official preview1 adapter (shipped
in jco's npm package, installed by toolchains.jco) instead of our shim.

Real programs (the committed fixtures, wasi-testsuite cases) are run as
components with wasmtime and compared with native preview1 and with the
component the official CLI makes from the same module and adapter
(`wasm-tools component new --adapt`, the test extra's binary, only an
oracle).  The adapter's behaviour is the oracle's, not ours to fix: it exits
with 1 for any `proc_exit(n)` with n != 0 (wasi:cli/exit.exit takes a result).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from harness import Differential, Dir, FileTree, assert_same, differential

from componentize import wasm
from componentize.assemble import Options
from componentize.assemble.adapter import adapt, parse_adapt
from componentize.cli.new import new
from componentize.component import component_imports, core_modules, decode_component
from componentize.component.world_of import component_world
from componentize.errors import InputError, UnsupportedModuleError
from componentize.run import RunResult, run_component
from componentize.wit import model as wit_model
from componentize.wit.printer import print_type
from tests.needs import missing
from toolchains import jco
from toolchains.real import REAL_DIR, Run, load_manifest, read_program

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
from wasi_testsuite import (  # noqa: E402
    Case,
    discover,
    run_case,
    spec_failures,
    suite_dir,
)

NAME = "wasi_snapshot_preview1"
WASM_TOOLS = shutil.which("wasm-tools")
MANIFEST = load_manifest()
Adapted = Callable[[str], bytes]


def adapter_path(kind: str) -> Path:
    lib = jco.ensure_jco() / "node_modules" / "@bytecodealliance" / "jco" / "lib"
    return lib / f"wasi_snapshot_preview1.{kind}.wasm"


@pytest.fixture(scope="module")
def command_adapter(jco_available: None) -> bytes:
    return adapter_path("command").read_bytes()


@pytest.fixture(scope="module")
def adapted(command_adapter: bytes) -> Adapted:
    """Our component of a module (a path), made once per module of tests."""
    done: dict[str, bytes] = {}

    def get(path: str) -> bytes:
        if path not in done:
            data = Path(path).read_bytes()
            done[path] = adapt(data, {NAME: command_adapter}, Options(source=path)).component
        return done[path]

    return get


@pytest.fixture(scope="module")
def official(command_adapter: bytes, tmp_path_factory: pytest.TempPathFactory) -> Adapted:
    """The official CLI's component of the same module with the same adapter."""
    if WASM_TOOLS is None:
        missing("wasm-tools (test extra) not installed")
    out_dir = tmp_path_factory.mktemp("official")
    done: dict[str, bytes] = {}

    def get(path: str) -> bytes:
        if path not in done:
            out = out_dir / f"{len(done)}.wasm"
            spec = f"{NAME}={adapter_path('command')}"
            argv = [str(WASM_TOOLS), "component", "new", path, "--adapt", spec, "-o", str(out)]
            subprocess.run(argv, check=True, capture_output=True)
            done[path] = out.read_bytes()
        return done[path]

    return get


def adapter_exit(native: RunResult) -> int:
    """What the adapter makes of a native exit: wasi:cli/exit.exit(ok | err)."""
    if native.outcome != "exit":
        return native.exit_code
    return 0 if native.exit_code == 0 else 1


# ---------------------------------------------------------------- real programs

# (fixture, run): C from two clangs, Rust, AssemblyScript; stdio, args/env,
# files and directories, clocks, exit codes.  Go works too (both its runs
# that exit with 0 match native) but its 2.7 MB module takes 7 s: not here.
REAL = [
    ("clang19/stdio.wasm", "stdin"),
    ("clang19/args_env.wasm", "some"),
    ("clang19/files.wasm", "default"),
    ("clang19/exit_code.wasm", "exit3"),
    ("clang14/rewinddir.wasm", "default"),
    ("rust/files.wasm", "default"),
    ("rust/stdio.wasm", "stdin"),
    ("as-stub/files.wasm", "default"),
]


def real_run(key: str, name: str) -> Run:
    entry = MANIFEST["binaries"][key]
    runs = read_program(REAL_DIR / entry["source"]).runs_for(entry["toolchain"])
    return next(r for r in runs if r.name == name)


def trees(run: Run) -> dict[str, FileTree] | None:
    if not run.dirs:
        return None
    return {
        guest: {rel: Dir() if data is None else data for rel, data in files.items()}
        for guest, files in run.dirs.items()
    }


def run_real(key: str, name: str, component: bytes) -> Differential:
    run = real_run(key, name)
    module = (REAL_DIR / key).read_bytes()
    kwargs = {"args": run.args, "env": run.env, "dirs": trees(run), "stdin": run.stdin}
    return differential(module, component, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("key", "name"), REAL, ids=[f"{k}/{n}" for k, n in REAL])
def test_real_program_matches_native(key: str, name: str, adapted: Adapted) -> None:
    d = run_real(key, name, adapted(str(REAL_DIR / key)))
    assert d.native.exit_code == real_run(key, name).exit_code
    assert d.component.exit_code == adapter_exit(d.native), d.component
    # The exit code checked, the rest (stdio, trees) must be native's.
    assert_same(d._replace(component=replace(d.component, exit_code=d.native.exit_code)))


# open_modes: the adapter's output differs from native preview1 (how it
# reports some open flags); the official CLI's component gives the same.
SAME_AS_OFFICIAL = [("clang19/open_modes.wasm", "default"), ("clang19/exit_code.wasm", "abort")]


OFFICIAL_CASES = SAME_AS_OFFICIAL + REAL[:2]


@pytest.mark.parametrize(
    ("key", "name"), OFFICIAL_CASES, ids=[f"{k}/{n}" for k, n in OFFICIAL_CASES]
)
def test_real_program_matches_official_cli(
    key: str, name: str, adapted: Adapted, official: Adapted
) -> None:
    ours = run_real(key, name, adapted(str(REAL_DIR / key)))
    theirs = run_real(key, name, official(str(REAL_DIR / key)))
    assert ours.component == theirs.component
    assert ours.component_tree == theirs.component_tree


def world_summary(component: bytes) -> dict[str, object]:
    """Each import and export of the component's world: its functions (names,
    parameter and result types) and its type names; order-free."""
    _, world = component_world(decode_component(component))
    out: dict[str, object] = {}
    for direction, items in (("import", world.imports), ("export", world.exports)):
        for key, item in items.items():
            iface = item.item
            assert isinstance(iface, wit_model.Interface)
            functions = {
                name: (
                    [(p, print_type(t)) for p, t in fn.params],
                    fn.result and print_type(fn.result),
                )
                for name, fn in iface.functions.items()
            }
            out[f"{direction} {key}"] = (functions, sorted(iface.types))
    return out


@pytest.mark.parametrize("key", ["clang19/stdio.wasm", "rust/files.wasm", "as-stub/files.wasm"])
def test_same_world_as_official_cli(key: str, adapted: Adapted, official: Adapted) -> None:
    """The same imports (only what the gc'd adapter calls) and exports, with
    the same types, as the official CLI's component."""
    path = str(REAL_DIR / key)
    assert world_summary(adapted(path)) == world_summary(official(path))


def test_adapter_is_gc_d_and_output_no_bigger_than_official(
    adapted: Adapted, official: Adapted, command_adapter: bytes
) -> None:
    """The adapter keeps what the module imports: no larger than the
    official CLI's gc'd copy plus our stack init (100 bytes); the whole
    component no larger than the official one."""
    path = str(REAL_DIR / "clang19/stdio.wasm")
    ours, theirs = adapted(path), official(path)
    ours_modules = sorted(m.size for m in core_modules(decode_component(ours)))
    theirs_modules = sorted(m.size for m in core_modules(decode_component(theirs)))
    main = Path(path).stat().st_size
    ours_adapter = max(s for s in ours_modules if s != main)
    theirs_adapter = max(s for s in theirs_modules if s != main)
    assert ours_adapter <= theirs_adapter + 100 < len(command_adapter) // 2
    assert len(ours) <= len(theirs)


# ---------------------------------------------------------------- wasi-testsuite

SUITE_CASES = [
    "c/fdopendir-with-access",
    "c/pwrite-with-append",
    "rust/fd_readdir",
    "rust/path_rename",
    "assemblyscript/fd_write-to-stdout",
    "assemblyscript/proc_exit-failure",
]


@pytest.fixture(scope="module")
def suite() -> dict[str, Case]:
    cases = {c.name: c for c in discover(suite_dir())}
    if not cases:
        missing(f"no wasi-testsuite at {suite_dir()}")
    return cases


@pytest.mark.parametrize("name", SUITE_CASES)
def test_wasi_testsuite_case(name: str, suite: dict[str, Case], adapted: Adapted) -> None:
    """The spec's exit code (as the adapter maps it) and output; the
    official adapter's components behave the same on all 72 cases."""
    case = suite[name]
    result = run_case(case, adapted(str(case.wasm)))
    expected = replace(case, exit_code=min(case.exit_code, 1))
    assert spec_failures(expected, result) == []


# ---------------------------------------------------------------- layouts


def wat_module(text: str) -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(text))


HELLO_DATA = '(data (i32.const 16) "hi\\n") (data (i32.const 0) "\\10\\00\\00\\00\\03\\00\\00\\00")'
HELLO_CALL = "(drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))"
HELLO_START = f'(func (export "_start") {HELLO_CALL})'


def test_module_exporting_cabi_realloc_serves_the_adapter(command_adapter: bytes) -> None:
    """The adapter's stack comes from the module's own allocator (which
    counts its calls: `_start` writes only if it was called), not a stand-in."""
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 2)
      (global $next (mut i32) (i32.const 4096))
      (global $calls (export "calls") (mut i32) (i32.const 0))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (drop (memory.grow (i32.const 2)))
        (i32.mul (i32.sub (memory.size) (i32.const 2)) (i32.const 65536)))
      {HELLO_DATA}
      (func (export "_start")
        (if (global.get $calls) (then {HELLO_CALL}))))""")
    result = run_component(adapt(module, {NAME: command_adapter}).component)
    assert (result.exit_code, result.stdout) == (0, b"hi\n")


def test_module_importing_its_memory(command_adapter: bytes) -> None:
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "env" "memory" (memory 1))
      {HELLO_DATA}{HELLO_START})""")
    result = run_component(adapt(module, {NAME: command_adapter}).component)
    assert (result.exit_code, result.stdout) == (0, b"hi\n")


def test_start_function_runs_after_the_adapter_is_ready(command_adapter: bytes) -> None:
    """A start section calling WASI runs from the initializer, once the
    adapter has its stack (the official CLI's component traps there)."""
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      {HELLO_DATA}
      (func $init {HELLO_CALL})
      (start $init)
      (func (export "_start")))""")
    result = run_component(adapt(module, {NAME: command_adapter}).component)
    assert (result.exit_code, result.stdout) == (0, b"hi\n")


def test_reactor_adapter_on_a_reactor(jco_available: None) -> None:
    module = wat_module(f"""(module
      (import "{NAME}" "random_get" (func (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_initialize")))""")
    reactor = adapter_path("reactor").read_bytes()
    result = adapt(module, {NAME: reactor})
    assert result.kind == "reactor" and result.warnings == []


# ---------------------------------------------------------------- errors


def cli(*argv: str) -> tuple[int, str]:
    done = CliRunner().invoke(new, list(argv))
    return done.exit_code, done.output


@pytest.mark.parametrize("spec", ["wasi_snapshot_preview1", "=x.wasm", "name=", ""])
def test_malformed_adapt_option(spec: str) -> None:
    with pytest.raises(InputError, match="is not NAME=FILE"):
        parse_adapt(spec)


def test_cli_errors_are_user_errors(tmp_path: Path, jco_available: None) -> None:
    module = str(REAL_DIR / "clang19/stdio.wasm")
    out = str(tmp_path / "out.wasm")
    command, reactor = adapter_path("command"), adapter_path("reactor")
    component = tmp_path / "component.wasm"
    component.write_bytes(b"\0asm\x0d\0\x01\0")
    broken = tmp_path / "broken.wasm"
    broken.write_bytes(command.read_bytes()[:1000])
    cases = [
        ([f"--adapt={NAME}={component}"], "is a component; an adapter is a core module"),
        ([f"--adapt={NAME}={broken}"], "not a valid WebAssembly module"),
        ([f"--adapt={NAME}"], "is not NAME=FILE"),
        ([f"--adapt={NAME}={tmp_path / 'missing.wasm'}"], "no such file"),
        ([f"--adapt={NAME}={REAL_DIR / 'manifest.toml'}"], "not a WebAssembly binary"),
        ([f"--adapt=env={command}"], "imports nothing from `env`"),
        ([f"--adapt={NAME}={command}", f"--adapt={NAME}={command}"], "adapted twice"),
        (["--wasi-version", "0.2.3", f"--adapt={NAME}={command}"], "--wasi-version"),
    ]
    for extra, message in cases:
        code, output = cli(module, "-o", out, *extra)
        assert code == 2 and message in output and "Traceback" not in output, (extra, output)
        assert not Path(out).exists()
    code, output = cli(module, "-o", out, f"--adapt={NAME}={reactor}")
    assert code == 0 and "no adapter exports wasi:cli/run" in output


def test_adapter_missing_an_export_is_named(tmp_path: Path) -> None:
    adapter = wat_module("""(module
      (import "env" "memory" (memory 0))
      (func (export "fd_write") (param i32 i32 i32 i32) (result i32) (i32.const 0)))""")
    module = (REAL_DIR / "clang19/stdio.wasm").read_bytes()
    with pytest.raises(UnsupportedModuleError, match="does not export `fd_close`, `fd_fdstat_get`"):
        adapt(module, {NAME: adapter})


def test_fixed_memory_is_refused(command_adapter: bytes) -> None:
    """emscripten's default memory cannot grow: the adapter's two pages
    would trap at the first call (they do in the official CLI's output)."""
    module = (REAL_DIR / "emscripten/stdio.wasm").read_bytes()
    with pytest.raises(UnsupportedModuleError, match="memory cannot grow"):
        adapt(module, {NAME: command_adapter})


def test_import_no_adapter_serves(command_adapter: bytes) -> None:
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "env" "log" (func (param i32)))
      (memory 1) (func (export "_start")))""")
    with pytest.raises(UnsupportedModuleError, match="`env.log`, which no adapter serves"):
        adapt(module, {NAME: command_adapter})


def test_adapter_must_import_the_module_memory(command_adapter: bytes) -> None:
    adapter = wat_module("""(module
      (memory 1)
      (func (export "fd_write") (param i32 i32 i32 i32) (result i32) (i32.const 0)))""")
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory 1) (func (export "_start")))""")
    with pytest.raises(UnsupportedModuleError, match="imports 0 memories and defines 1"):
        adapt(module, {NAME: adapter})


# ---------------------------------------------------------------- several adapters


def two_module() -> bytes:
    return wat_module(f"""(module
      (import "{NAME}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_unstable" "fd_write" (func $old (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      {HELLO_DATA}
      (func (export "_start")
        {HELLO_CALL}
        (drop (call $old (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))""")


def test_two_adapters_share_the_wasi_imports(command_adapter: bytes) -> None:
    """Each module NAME gets its adapter instance; the component imports
    each WASI interface once."""
    reactor = adapter_path("reactor").read_bytes()
    result = adapt(two_module(), {NAME: command_adapter, "wasi_unstable": reactor})
    assert sorted(result.adapters) == ["wasi_snapshot_preview1", "wasi_unstable"]
    assert run_component(result.component).stdout == b"hi\nhi\n"


def test_two_command_adapters_are_refused(command_adapter: bytes) -> None:
    with pytest.raises(UnsupportedModuleError, match="both export wasi:cli/run@0.2.12"):
        adapt(two_module(), {NAME: command_adapter, "wasi_unstable": command_adapter})


# ---------------------------------------------------------------- JavaScript hosts


def test_runs_under_jco(adapted: Adapted) -> None:
    """Every core module fits what JS hosts take (one memory each): the
    component runs under jco/Node as under wasmtime."""
    key, name = "clang19/files.wasm", "default"
    run = real_run(key, name)
    d = differential(
        (REAL_DIR / key).read_bytes(),
        adapted(str(REAL_DIR / key)),
        args=run.args,
        env=run.env,
        dirs=trees(run),
        stdin=run.stdin,
        component_runner=jco.run_component_jco,
    )
    assert_same(d)


def test_adapter_without_its_world_uses_the_bundled_wit(command_adapter: bytes) -> None:
    """No component-type section: the bundled WASI WIT at the highest
    version the adapter imports serves every import (preopens@0.2.6 too)."""
    module = wasm.decode_module(command_adapter)
    customs = [c for c in module.customs if not c.name.startswith("component-type")]
    bare = wasm.encode_module(replace(module, customs=customs))
    key = "clang19/stdio.wasm"
    d = run_real(key, "stdin", adapt((REAL_DIR / key).read_bytes(), {NAME: bare}).component)
    assert_same(d)


# ---------------------------------------------------------------- a module with its own world

TYPED_WIT = """package test:adapt;

world doubler {
  import wasi:cli/environment@0.2.3;
  export double: func(x: u32) -> u32;
}
"""


def test_module_world_beside_the_adapter(tmp_path: Path, jco_available: None) -> None:
    """The module's own world (--wit/--world) is lifted and lowered beside the
    adapter: `double` is exported with its WIT type and writes through
    preview1 (the adapter); the module's direct WASI 0.2 import
    (environment.get-arguments, named at 0.2.3) is served by the adapters'
    0.2.12 interface (one import per interface, as wit-component merges
    them), lowered into its memory with its own cabi_realloc, which also
    gave the adapter its stack."""
    import wasmtime
    from wasmtime import component as wc

    from componentize.engine import engine

    wit_dir = tmp_path / "wit"
    (wit_dir / "deps" / "cli").mkdir(parents=True)
    (wit_dir / "world.wit").write_text(TYPED_WIT)
    (wit_dir / "deps" / "cli" / "env.wit").write_text(
        "package wasi:cli@0.2.3;\n"
        "interface environment { get-arguments: func() -> list<string>; }\n"
    )
    module = wat_module(f"""(module
      (import "{NAME}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (import "wasi:cli/environment@0.2.3" "get-arguments" (func $args (param i32)))
      (memory (export "memory") 4)
      (global $next (mut i32) (i32.const 4096))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        (global.get $next)
        (global.set $next (i32.add (global.get $next) (i32.and (i32.add (local.get 3)
          (i32.const 7)) (i32.const -8)))))
      {HELLO_DATA}
      (func (export "double") (param i32) (result i32)
        (call $args (i32.const 64))
        {HELLO_CALL}
        (i32.add (i32.mul (local.get 0) (i32.const 2)) (i32.load (i32.const 68)))))""")
    reactor = adapter_path("reactor").read_bytes()
    options = Options(wit=str(wit_dir), world="doubler")
    component = adapt(module, {NAME: reactor}, options).component
    imports = [name for name, _ in component_imports(decode_component(component))]
    assert "wasi:cli/environment@0.2.12" in imports
    assert not [name for name in imports if name.endswith("@0.2.3")]
    store = wasmtime.Store(engine())
    wasi = wasmtime.WasiConfig()
    wasi.argv = ["prog", "a", "b"]
    wasi.stdout_file = str(tmp_path / "stdout")
    store.set_wasi(wasi)
    linker = wc.Linker(engine())
    linker.add_wasip2()
    instance = linker.instantiate(store, wc.Component(engine(), component))
    index = instance.get_export_index(store, "double")
    assert index is not None
    func = instance.get_func(store, index)
    assert func is not None
    assert func(store, 20) == 43  # 2 * 20 + the number of arguments
    func.post_return(store)
    assert (tmp_path / "stdout").read_bytes() == b"hi\n"
