"""`componentize new --deny NAME`: capability trimming.

A denied interface is absent from the component's imports (exact import
sets), and the preview1 calls that needed it answer as native preview1 does
without the capability: a component denied `wasi:filesystem` and given
preopens behaves as the module natively given none (same stdout, stderr,
exit code; the directories untouched).  Where native preview1 always has the
capability (clocks, randomness) the answer is ENOTCAPABLE (76), checked
against fixed expectations.  Every component made here is run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pytest
import wasmtime
from harness import Dir, FileTree, build_tree, snapshot_tree

from componentize import component as comp
from componentize.assemble import Options, componentize
from componentize.batch import Job, convert_many
from componentize.cli import main
from componentize.config import load as load_config
from componentize.errors import InputError
from componentize.run import RunResult, run_component
from componentize.shim import deny
from toolchains.native import run_module
from toolchains.real import REAL_DIR, load_manifest, read_program

REPO = Path(__file__).resolve().parent.parent
SUITE = REPO.parent / "shared" / "conformance" / "wasi-testsuite" / "tests"
NOTCAPABLE, BADF = 76, 8


def make(module: bytes, *names: str) -> bytes:
    return componentize(module, Options(deny=frozenset(names))).component


def imports(component: bytes) -> set[str]:
    """The component's imports, unversioned."""
    decoded = comp.decode_component(component)
    return {deny.unversioned(name) for name, _ in comp.component_imports(decoded)}


def outcome(r: RunResult) -> tuple[int, bytes | None, bytes | None, str]:
    return r.exit_code, r.stdout, r.stderr, r.outcome


def run_with_trees(
    component: bytes, trees: Mapping[str, FileTree], **kw: object
) -> tuple[RunResult, dict[str, object]]:
    """Run `component` with `trees` preopened; the result and the trees after."""
    with tempfile.TemporaryDirectory(prefix="componentize-deny-") as tmp:
        roots = {guest: Path(tmp) / f"d{i}" for i, guest in enumerate(trees)}
        for guest, root in roots.items():
            root.mkdir()
            build_tree(root, trees[guest])
        dirs = [(root, guest) for guest, root in roots.items()]
        result = run_component(component, dirs=dirs, **kw)  # type: ignore[arg-type]
        return result, {guest: snapshot_tree(root) for guest, root in roots.items()}


def before(trees: Mapping[str, FileTree]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, object] = {}
        for i, (guest, files) in enumerate(trees.items()):
            root = Path(tmp) / f"d{i}"
            root.mkdir()
            build_tree(root, files)
            out[guest] = snapshot_tree(root)
        return out


# ------------------------------------------------------------ real programs

MANIFEST = load_manifest()
FS_PROGRAMS = ["clang19/files.wasm", "rust/files.wasm", "clang19/openat.wasm", "as-stub/files.wasm"]


def _run_spec(key: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], dict[str, FileTree]]:
    entry = MANIFEST["binaries"][key]
    run = read_program(REAL_DIR / entry["source"]).runs_for(entry["toolchain"])[0]
    trees: dict[str, FileTree] = {
        guest: {rel: Dir() if data is None else data for rel, data in files.items()}
        for guest, files in run.dirs.items()
    }
    return run.args, run.env, trees or {"/data": {"f.txt": b"x"}}


@pytest.mark.parametrize("key", FS_PROGRAMS)
def test_filesystem_denied_is_native_without_preopens(key: str) -> None:
    module = (REAL_DIR / key).read_bytes()
    component = make(module, "wasi:filesystem")
    assert not {i for i in imports(component) if i.startswith("wasi:filesystem")}
    args, env, trees = _run_spec(key)
    native = run_module(module, args=args, env=env, program_name="p")
    denied, after = run_with_trees(component, trees, args=args, env=env, program_name="p")
    assert outcome(denied) == outcome(native)
    assert not denied.trapped or native.trapped
    assert after == before(trees)  # the preopens it was given are untouched


CONFORMANCE = [
    ("c", "fopen-with-access"),
    ("c", "stat-dev-ino"),
    ("rust", "close_preopen"),
    ("rust", "fd_readdir"),
    ("rust", "path_exists"),
    ("c", "pread-with-access"),
    ("c", "sock_shutdown-not_sock"),
]


@pytest.mark.parametrize(("lang", "name"), CONFORMANCE)
def test_conformance_modules_denied_filesystem_and_sockets(lang: str, name: str) -> None:
    base = SUITE / lang / "testsuite" / "wasm32-wasip1"
    if not base.is_dir():
        pytest.skip("wasi-testsuite not found")
    module = (base / f"{name}.wasm").read_bytes()
    spec_file = base / f"{name}.json"
    spec = json.loads(spec_file.read_text()) if spec_file.exists() else {}
    args = tuple(spec.get("args", ()))
    env = tuple(spec.get("env", {}).items())
    component = make(module, "wasi:filesystem", "wasi:sockets")
    assert not {
        i for i in imports(component) if i.split(":")[1].split("/")[0] in ("filesystem", "sockets")
    }
    native = run_module(module, args=args, env=env, program_name="p")
    trees: dict[str, FileTree] = {d: {"a.txt": b"a"} for d in spec.get("dirs", ["fs-tests.dir"])}
    denied, after = run_with_trees(component, trees, args=args, env=env, program_name="p")
    assert outcome(denied) == outcome(native)
    assert after == before(trees)


# ------------------------------------------------------------ small WAT programs

# Calls each function once and prints the errno it returned (and a value it
# wrote, where there is one), one per line.
PROBE = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x800) "f.txt")
  (func $num (param $v i32) (local $p i32)
    (local.set $p (i32.const 0x140))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $l (local.get $v)))
    (i32.store8 (i32.const 0x140) (i32.const 10))
    (i32.store (i32.const 0x150) (local.get $p))
    (i32.store (i32.const 0x154) (i32.sub (i32.const 0x141) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 0x150) (i32.const 1) (i32.const 0x158))))
  ;; one clock subscription: clock id, flags (1: absolute), timeout 1 ns
  (func $poll1 (param $id i32) (param $flags i32) (result i32)
    (i64.store (i32.const 0x200) (i64.const 7))
    (i32.store8 (i32.const 0x208) (i32.const 0))
    (i32.store (i32.const 0x210) (local.get $id))
    (i64.store (i32.const 0x218) (i64.const 1))
    (i64.store (i32.const 0x220) (i64.const 0))
    (i32.store16 (i32.const 0x228) (local.get $flags))
    (call $poll (i32.const 0x200) (i32.const 0x300) (i32.const 1) (i32.const 0x340)))
  (func (export "_start")
    (call $num (call $prestat (i32.const 3) (i32.const 0x100)))
    (call $num (call $path_open (i32.const 3) (i32.const 1) (i32.const 0x800) (i32.const 5)
      (i32.const 0) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 0x100)))
    (call $num (call $close (i32.const 3)))
    (call $num (call $fdstat (i32.const 1) (i32.const 0x100)))
    (call $num (call $time (i32.const 1) (i64.const 1) (i32.const 0x100)))
    (call $num (call $time (i32.const 0) (i64.const 1) (i32.const 0x100)))
    (call $num (call $res (i32.const 0) (i32.const 0x100)))
    (call $num (call $random (i32.const 0x100) (i32.const 16)))
    (call $num (call $args (i32.const 0x100) (i32.const 0x104)))
    (call $num (i32.load (i32.const 0x100)))
    (call $num (call $env (i32.const 0x100) (i32.const 0x104)))
    (call $num (i32.load (i32.const 0x100)))
    (call $num (call $poll1 (i32.const 0) (i32.const 1)))
    (call $num (call $poll1 (i32.const 0) (i32.const 0)))
    (call $num (call $poll1 (i32.const 1) (i32.const 0)))))
"""
# prestat, path_open, close, fdstat(1), monotonic, realtime, res, random,
# args rc + argc, environ rc + count, poll abs realtime, rel realtime, monotonic
NATIVE_NO_DIRS = [BADF, BADF, BADF, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0]


def _lines(result: RunResult) -> list[int]:
    assert result.outcome == "returned", result
    assert result.stdout is not None
    return [int(line) for line in result.stdout.decode().split()]


def test_probe_filesystem_denied_matches_native_without_preopens() -> None:
    module = bytes(wasmtime.wat2wasm(PROBE))
    native = run_module(module, args=["x"], env=[("A", "1")], program_name="p")
    assert _lines(native) == NATIVE_NO_DIRS
    component = make(module, "wasi:filesystem")
    denied, _ = run_with_trees(
        component, {"/": {"f.txt": b"hi"}}, args=["x"], env=[("A", "1")], program_name="p"
    )
    assert outcome(denied) == outcome(native)


def test_probe_clocks_random_environment_denied() -> None:
    module = bytes(wasmtime.wat2wasm(PROBE))
    component = make(
        module, "wasi:filesystem", "wasi:clocks/wall-clock", "wasi:random", "wasi:cli/environment"
    )
    got = imports(component)
    assert not got & {"wasi:clocks/wall-clock", "wasi:random/random", "wasi:cli/environment"}
    assert "wasi:clocks/monotonic-clock" in got
    result = run_component(component, args=["x"], env=[("A", "1")], program_name="p")
    expected = [BADF, BADF, BADF, 0, 0, NOTCAPABLE, NOTCAPABLE, NOTCAPABLE, 0, 0, 0, 0]
    assert _lines(result) == [*expected, NOTCAPABLE, 0, 0]


def test_probe_monotonic_clock_denied() -> None:
    module = bytes(wasmtime.wat2wasm(PROBE))
    component = make(module, "wasi:clocks", "wasi:filesystem")
    assert not {i for i in imports(component) if i.startswith("wasi:clocks")}
    result = run_component(component, args=["x"], env=[("A", "1")], program_name="p")
    clocks = [NOTCAPABLE] * 3  # monotonic, realtime, realtime resolution
    polls = [NOTCAPABLE] * 3  # every clock subscription needs the monotonic clock
    assert _lines(result) == [BADF, BADF, BADF, 0, *clocks, 0, 0, 2, 0, 1, *polls]


def test_probe_undenied_matches_native() -> None:
    """The same probe with nothing denied: the capabilities() hook changes nothing."""
    module = bytes(wasmtime.wat2wasm(PROBE))
    native = run_module(module, args=["x"], env=[("A", "1")], program_name="p")
    result = run_component(make(module), args=["x"], env=[("A", "1")], program_name="p")
    assert outcome(result) == outcome(native)


STDIO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x10) "hi\\n")
  (func (export "_start") (local $rc i32)
    (i32.store (i32.const 0) (i32.const 0x10))
    (i32.store (i32.const 4) (i32.const 3))
    (local.set $rc (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.add (i32.mul (local.get $rc) (i32.const 10))
      (call $fdstat (i32.const 1) (i32.const 0x20))))))
"""


def test_stdout_denied_is_a_closed_fd() -> None:
    module = bytes(wasmtime.wat2wasm(STDIO))
    component = make(module, "wasi:cli/stdout", "wasi:cli/terminal-output")
    assert imports(component) == {
        "wasi:cli/exit",
        "wasi:cli/stderr",
        "wasi:io/error",
        "wasi:io/streams",
        "wasi:filesystem/types",  # fd_fdstat_get knows preopens
        "wasi:filesystem/preopens",
        "wasi:cli/terminal-input",  # and asks whether stdin is a terminal
        "wasi:cli/terminal-stdin",
    }
    result = run_component(component)
    assert (result.exit_code, result.stdout, result.stderr) == (BADF * 10 + BADF, b"", b"hi\n")
    full = run_component(make(module))
    assert (full.exit_code, full.stdout, full.stderr) == (0, b"hi\n", b"hi\n")


def test_denying_io_leaves_no_stdio_and_does_not_trap() -> None:
    module = bytes(wasmtime.wat2wasm(STDIO))
    component = make(module, "wasi:io")
    terminals = {"input", "output", "stdin", "stdout", "stderr"}
    assert imports(component) == {"wasi:cli/exit"} | {f"wasi:cli/terminal-{t}" for t in terminals}
    result = run_component(component)
    assert (result.exit_code, result.stdout, result.stderr) == (BADF * 10 + BADF, b"", b"")


# ------------------------------------------------------------ names, options, CLI


def test_expand_closes_over_type_users() -> None:
    assert deny.users()["wasi:clocks/wall-clock"] == {"wasi:filesystem/types"}  # datetime
    assert deny.users()["wasi:io/streams"] >= {"wasi:cli/stdout", "wasi:filesystem/types"}
    assert deny.expand(["wasi:filesystem/types"]) == {
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
    }
    assert "wasi:filesystem/preopens" in deny.expand(["wasi:clocks/wall-clock"])
    assert {"wasi:cli/stdout", "wasi:clocks/monotonic-clock"} <= deny.expand(["wasi:io/poll"])
    assert deny.expand(["wasi:sockets"]) >= {"wasi:sockets/tcp", "wasi:sockets/network"}
    assert deny.implied_warnings(["wasi:filesystem"]) == []
    assert "wasi:filesystem/preopens" in deny.implied_warnings(["wasi:clocks/wall-clock"])[0]


@pytest.mark.parametrize("name", ["wasi:nope", "wasi:cli/exit", "wasi:cli/run", "filesystem"])
def test_unknown_or_undeniable_names_are_errors(name: str) -> None:
    with pytest.raises(InputError) as error:
        deny.expand([name])
    assert "wasi:filesystem (/preopens, /types)" in str(error.value)  # the deniable names
    assert "/udp-create-socket)" in str(error.value)  # all of them


def test_cli_new_deny_and_inspect(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    module = tmp_path / "probe.wasm"
    module.write_bytes(wasmtime.wat2wasm(PROBE))
    out = tmp_path / "out.wasm"
    with pytest.raises(SystemExit) as done:
        main(
            [
                "new",
                str(module),
                "--deny",
                "wasi:filesystem",
                "--deny",
                "wasi:random",
                "-o",
                str(out),
            ]
        )
    assert done.value.code in (0, None)
    with pytest.raises(SystemExit):
        main(["inspect", str(out), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert "filesystem" in report["unreachable"] and "random" in report["unreachable"]
    assert "wasi:clocks/wall-clock@0.2.0" in report["capabilities"]["wall-clock"]
    assert _lines(run_component(out.read_bytes()))[:3] == [BADF] * 3
    with pytest.raises(SystemExit) as done:
        main(["new", str(module), "--deny", "wasi:cli/exit", "-o", str(tmp_path / "no.wasm")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "cannot deny `wasi:cli/exit`" in err and "deniable: wasi:cli (/environment," in err
    assert not (tmp_path / "no.wasm").exists()


def test_cli_subprocess_unknown_name(tmp_path: Path) -> None:
    module = tmp_path / "probe.wasm"
    module.write_bytes(wasmtime.wat2wasm(STDIO))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "componentize",
            "new",
            str(module),
            "--deny",
            "wasi:disk",
            "-o",
            str(tmp_path / "o.wasm"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "--deny wasi:disk" in done.stderr and "wasi:sockets (/instance-network" in done.stderr


def test_config_deny_and_batch(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.componentize]\ndeny = ["wasi:filesystem"]\n'
        '[tool.componentize.inputs."b*"]\ndeny = ["wasi:random"]\n'
    )
    config = load_config(None, cwd=tmp_path)
    settings = config.for_input(str(tmp_path / "b.wasm"))
    assert settings.deny == ("wasi:filesystem", "wasi:random")
    options = settings.options("b.wasm")
    source = tmp_path / "b.wasm"
    source.write_bytes(wasmtime.wat2wasm(PROBE))
    [done] = convert_many([Job(source, tmp_path / "out" / "b.wasm", options)])
    assert done.ok, done.error
    component = (tmp_path / "out" / "b.wasm").read_bytes()
    assert not {i for i in imports(component) if i.startswith(("wasi:filesystem", "wasi:random"))}
    assert _lines(run_component(component))[7] == NOTCAPABLE  # random_get
    (tmp_path / "pyproject.toml").write_text('[tool.componentize]\ndeny = ["wasi:disk"]\n')
    with pytest.raises(InputError, match="pyproject.toml"):
        load_config(None, cwd=tmp_path)


def test_world_importing_a_denied_interface_is_refused() -> None:
    from componentize.assemble import plan

    with pytest.raises(Exception, match="--deny denies"):
        plan.refuse_denied(
            {("wasi:random/random@0.2.0", "get-random-bytes")}, deny.expand(["wasi:random"]), "m"
        )


# ------------------------------------------------------------ no path reaches a stub

BROAD = (
    "wasi:filesystem",
    "wasi:clocks",
    "wasi:random",
    "wasi:cli/environment",
    "wasi:cli/stdin",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
)
BROAD_PROGRAMS = [
    "clang19/stdio.wasm",
    "clang19/sleep_poll.wasm",
    "clang19/clocks.wasm",
    "clang14/rewinddir.wasm",
    "rust/time.wasm",
    "rust/stdio.wasm",
    "as-stub/clocks.wasm",
    "emscripten/stdio.wasm",
]


@pytest.mark.parametrize("key", BROAD_PROGRAMS)
def test_broad_deny_never_reaches_a_stub(key: str) -> None:
    """Whatever the program then does (its own panic on a clock error is
    its business), no denied import's stub runs: a trap there would name it."""
    component = make((REAL_DIR / key).read_bytes(), *BROAD)
    assert imports(component) <= {
        "wasi:cli/exit",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:io/error",
        "wasi:io/streams",
        "wasi:io/poll",
    }
    result = run_component(component, args=["a"], stdin=b"in\n")
    assert "denied" not in result.message
    assert result.outcome in ("returned", "exit") or key.startswith("rust/")


def test_a_reached_stub_says_which_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net itself: with capabilities() left granting everything,
    the C takes its normal path into a stub, and the trap names it."""
    from componentize import shim

    module = bytes(wasmtime.wat2wasm(STDIO))
    shim._kept.cache_clear()
    monkeypatch.setattr(deny, "capability_mask", lambda denied: -1)
    try:
        component = make(module, "wasi:cli/stdout")
    finally:
        shim._kept.cache_clear()
    result = run_component(component)
    assert result.trapped
    assert "denied wasi cli stdout get stdout is not supported" in result.message


def test_denied_component_under_jco(jco_available: None, tmp_path: Path) -> None:
    """JS hosts take the trimmed shim too: the filesystem-denied probe, given
    a preopen, answers under jco/Node as the module natively given none (the
    clock and random lines are the host's business, so only the first four)."""
    from toolchains import jco

    module = bytes(wasmtime.wat2wasm(PROBE))
    component = make(module, "wasi:filesystem", "wasi:random")
    (tmp_path / "f.txt").write_bytes(b"hi")
    result = jco.run_component_jco(component, dirs=[(tmp_path, "/")], program_name="p")
    assert _lines(result)[:4] == NATIVE_NO_DIRS[:4]
    assert _lines(result)[7] == NOTCAPABLE


def test_cli_out_dir_passes_deny(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.wasm").write_bytes(wasmtime.wat2wasm(PROBE))
    argv = ["new", str(tmp_path / "a.wasm"), str(tmp_path / "b.wasm"), "--out-dir"]
    with pytest.raises(SystemExit) as done:
        main([*argv, str(tmp_path / "out"), "-j", "1", "--deny", "wasi:random"])
    assert done.value.code in (0, None), capsys.readouterr().err
    for name in ("a", "b"):
        component = (tmp_path / "out" / f"{name}.wasm").read_bytes()
        assert "wasi:random/random" not in imports(component)
        assert _lines(run_component(component))[7] == NOTCAPABLE


def test_denying_sockets_changes_nothing() -> None:
    """preview1 cannot open sockets, so the shim never imports wasi:sockets:
    the component is byte for byte the undenied one (and runs as native)."""
    module = bytes(wasmtime.wat2wasm(PROBE))
    component = make(module, "wasi:sockets")
    assert component == make(module)
    native = run_module(module, args=["x"], env=[("A", "1")], program_name="p")
    result = run_component(component, args=["x"], env=[("A", "1")], program_name="p")
    assert outcome(result) == outcome(native)
