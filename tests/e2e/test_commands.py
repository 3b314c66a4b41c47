"""Command modules at their edges: sizes, exit codes, preopens, versions, CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import wasmtime
from harness import assert_same, differential

from componentize import component
from componentize.assemble import Options, componentize
from componentize.cli import main
from componentize.errors import UnsupportedModuleError
from componentize.run import run_component

BuildC = Callable[..., Path]

PRINT_ARGS = r"""
#include <stdio.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("%d:%s\n", i, argv[i]);
    return 0;
}
"""

PRINT_ENV = r"""
#include <stdio.h>
#include <string.h>
extern char **environ;
int main(void) {
    unsigned long total = 0, n = 0;
    for (char **e = environ; *e; e++) { total += strlen(*e); n++; }
    printf("%lu vars, %lu bytes\n", n, total);
    for (char **e = environ; *e; e++) if (strncmp(*e, "K7=", 3) == 0) puts(*e + 3);
    return 0;
}
"""

EXIT_WITH = r"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) { printf("bye %s\n", argv[1]); exit(atoi(argv[1])); }
"""

PREOPENS = r"""
#include <stdio.h>
#include <wasi/api.h>
int main(void) {
    for (__wasi_fd_t fd = 3;; fd++) {
        __wasi_prestat_t p;
        if (__wasi_fd_prestat_get(fd, &p) != 0) { printf("end at %u\n", fd); break; }
        char name[256] = {0};
        __wasi_errno_t e =
            __wasi_fd_prestat_dir_name(fd, (unsigned char *)name, p.u.dir.pr_name_len);
        printf("fd %u: %s (%u bytes, errno %u)\n", fd, name, (unsigned)p.u.dir.pr_name_len, e);
    }
    __wasi_prestat_t p;
    printf("stdout prestat errno: %u\n", __wasi_fd_prestat_get(1, &p));
    return 0;
}
"""

START_WRITES = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "from start\\n")
  (func $init
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 11))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (start $init)
  (func (export "_start")
    (i32.store (i32.const 4) (i32.const 5))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""

WRITE_AND_EXIT = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 256))))
"""


def _same(module: bytes, **run: object) -> None:
    d = differential(module, componentize(module).component, **run)  # type: ignore[arg-type]
    assert_same(d)


def test_two_hundred_args(build_c: BuildC) -> None:
    module = build_c(PRINT_ARGS).read_bytes()
    _same(module, args=[f"arg-{i}-" + "x" * (i % 17) for i in range(200)])


def test_quarter_megabyte_environment(build_c: BuildC) -> None:
    module = build_c(PRINT_ENV).read_bytes()
    env = [(f"K{i}", f"{i:04d}" * 64) for i in range(1024)]  # 1024 * 256 bytes of values
    _same(module, env=env)


@pytest.mark.parametrize("code", [0, 1, 3, 125])
def test_exit_codes_match_native(build_c: BuildC, code: int) -> None:
    module = build_c(EXIT_WITH).read_bytes()
    _same(module, args=[str(code)])


@pytest.mark.parametrize("code", [126, 255])
def test_exit_codes_native_refuses_are_kept(build_c: BuildC, code: int) -> None:
    # wasmtime's native preview1 refuses codes from 126 up; a component keeps any u8.
    module = build_c(EXIT_WITH).read_bytes()
    result = run_component(componentize(module).component, args=[str(code)])
    assert (result.exit_code, result.stdout) == (code, f"bye {code}\n".encode())


def test_exit_code_lost_below_0_2_12(build_c: BuildC) -> None:
    module = build_c(EXIT_WITH).read_bytes()
    result = componentize(module, Options(wasi_version="0.2.3"))
    assert any("exit code is lost" in w or "exact code is lost" in w for w in result.warnings)
    imports = [
        n for n, _ in component.component_imports(component.decode_component(result.component))
    ]
    assert "wasi:cli/exit@0.2.3" in imports
    assert run_component(result.component, args=["3"]).exit_code == 1
    assert run_component(result.component, args=["0"]).exit_code == 0


def test_several_preopens(build_c: BuildC) -> None:
    module = build_c(PREOPENS).read_bytes()
    _same(module, dirs={"/a": {}, "/data/b": {}, "c": {}, "/" + "long" * 40: {}})


def test_start_function_writes() -> None:
    _same(wasmtime.wat2wasm(START_WRITES))


def test_proc_exit_above_255_traps_clearly() -> None:
    result = run_component(componentize(wasmtime.wat2wasm(WRITE_AND_EXIT)).component)
    assert result.outcome == "trap"
    assert "above_255" in result.message or "unreachable" in result.message


def test_gc_keeps_only_needed_interfaces() -> None:
    built = componentize(wasmtime.wat2wasm(WRITE_AND_EXIT))
    names = {
        n.partition("@")[0]
        for n, _ in component.component_imports(component.decode_component(built.component))
    }
    assert names <= {
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:io/streams",
        "wasi:io/error",
        "wasi:cli/exit",
    }
    assert "wasi:cli/exit" in names and "wasi:io/streams" in names
    assert built.plan.version.patch == 12  # proc_exit keeps its code


def test_lowest_version_without_proc_exit() -> None:
    module = wasmtime.wat2wasm(START_WRITES)
    assert str(componentize(module).plan.version) == "0.2.0"


def test_explicit_bad_versions() -> None:
    module = wasmtime.wat2wasm(START_WRITES)
    for bad in ("0.3.0", "0.2.13", "latest", "0.2"):
        with pytest.raises(UnsupportedModuleError, match="unsupported WASI version"):
            componentize(module, Options(wasi_version=bad))
    assert "@0.2.7" in str(
        component.component_imports(
            component.decode_component(
                componentize(module, Options(wasi_version="0.2.7")).component
            )
        )
    )


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    code = done.value.code
    return (code if isinstance(code, int) else 1), capsys.readouterr().err


def test_cli_new_writes_identical_bytes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, build_c: BuildC
) -> None:
    module = build_c(PRINT_ARGS)
    one, two = tmp_path / "one.wasm", tmp_path / "two.wasm"
    assert _cli(capsys, "new", str(module), "-o", str(one))[0] == 0
    assert _cli(capsys, "new", str(module), "-o", str(two), "-v")[0] == 0
    assert one.read_bytes() == two.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.wasm", "two.wasm"]


@pytest.mark.parametrize(
    ("wat", "needle"),
    [
        ('(module (import "env" "f" (func)) (func (export "_start")))', "env.f"),
        (
            '(module (import "wasi_snapshot_preview1" "fd_write" (func)) (func (export "_start")))',
            "does not match",
        ),
        ('(module (import "wasi_snapshot_preview1" "nope" (func)))', "not a function of"),
    ],
)
def test_cli_new_refuses_bad_modules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, wat: str, needle: str
) -> None:
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wasmtime.wat2wasm(wat))
    code, err = _cli(capsys, "new", str(src), "-o", str(out))
    assert code == 2 and needle in err and "Traceback" not in err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in.wasm"]


def test_cli_new_refuses_a_component(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "in.wasm"
    src.write_bytes(componentize(wasmtime.wat2wasm(START_WRITES)).component)
    code, err = _cli(capsys, "new", str(src), "-o", str(tmp_path / "o.wasm"))
    assert code == 2 and "already a component" in err
