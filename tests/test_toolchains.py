"""The fixture toolchain: profiles, the content-hash cache, and the corpus under native preview1."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import wasmtime

from componentize.run import RunResult
from toolchains import (
    CORPUS_OPT_LEVELS,
    STATS,
    Fixture,
    ToolchainError,
    build,
    build_corpus,
    build_text,
    corpus_sources,
    include_closure,
    load_profile,
    parse_profile,
    run_fixture,
)
from toolchains.__main__ import main as toolchains_main
from toolchains.native import run_module

REPO = Path(__file__).resolve().parent.parent
PROGRAMS = [name for name, _ in corpus_sources()]
HELLO = '#include <stdio.h>\nint main(void) { puts("GREETING"); return 0; }\n'


def by_id(corpus: list[Fixture], name: str, opt: str) -> Fixture:
    return next(f for f in corpus if f.name == name and f.opt == opt)


def text(result: RunResult) -> str:
    return stdout(result).decode(errors="replace")


def stdout(result: RunResult) -> bytes:
    assert result.stdout is not None  # run_module captures by default
    return result.stdout


@functools.cache
def run_once(fx: Fixture) -> RunResult:
    """Corpus programs are deterministic: run each once per session (fresh scratch dir)."""
    return run_fixture(fx)


# -- profiles ----------------------------------------------------------------


def test_zig_profile_loads_and_matches_the_pinned_test_extra() -> None:
    prof = load_profile("zig")
    assert set(prof.templates) >= {"hosted", "freestanding"}
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins = [
        d for d in pyproject["project"]["optional-dependencies"]["test"] if d.startswith("ziglang")
    ]
    assert pins == [f"ziglang=={prof.version}"]
    hosted = prof.template("hosted")
    assert hosted.flags[:2] == ("-target", "wasm32-wasi")
    assert set(CORPUS_OPT_LEVELS) <= set(hosted.opt)
    free = prof.template("freestanding")
    for flag in (
        "wasm32-freestanding",
        "-fno-jump-tables",
        "-Wl,--no-entry",
        "-Wl,--import-memory",
        "-Wl,-z,stack-size=0",
    ):
        assert flag in free.flags


def _zig_data() -> dict[str, Any]:
    return tomllib.loads((REPO / "toolchains" / "zig.toml").read_text())


def _break(path: str, value: Any) -> dict[str, Any]:
    """The zig profile with the value at dotted `path` replaced (None deletes it)."""
    data = _zig_data()
    *parents, last = path.split(".")
    table = data
    for key in parents:
        table = table[key]
    if value is None:
        del table[last]
    else:
        table[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("toolchain.version", None, "`toolchain.version` is missing"),
        ("toolchain.command", [], "`toolchain.command` must not be empty"),
        ("toolchain.command", "zig cc", "`toolchain.command` must be a list of strings"),
        ("templates.hosted.opt", ["-O2"], "`templates.hosted.opt` must be a table"),
        ("templates.hosted.opt.O2", [2], "`templates.hosted.opt.O2` must be a list of strings"),
        ("templates.hosted.debug_levels", ["O9"], "names unknown levels O9"),
        ("templates.hosted.export_flag", "--export", "must contain {name}"),
        ("templates.hosted.lang", {}, "must define at least one language"),
        ("templates", {}, "must define at least one template"),
    ],
)
def test_bad_profile_names_the_key(path: str, value: Any, message: str) -> None:
    with pytest.raises(ToolchainError, match=re.escape(message)) as info:
        parse_profile(_break(path, value), Path("bad.toml"))
    assert "bad.toml" in str(info.value)


def test_unreadable_and_invalid_profile_files(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="cannot read toolchain profile"):
        load_profile(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("[toolchain\nname = ")
    with pytest.raises(ToolchainError, match="not valid TOML"):
        load_profile(tmp_path / "broken.toml")
    prof = load_profile("zig")
    with pytest.raises(ToolchainError, match="no template 'gpu'"):
        prof.template("gpu")
    with pytest.raises(ToolchainError, match="unknown optimization level 'O7'"):
        prof.template("hosted").opt_flags("O7")


def test_missing_or_wrong_compiler_says_how_to_install() -> None:
    missing = parse_profile(
        _break("toolchain.command", ["{python}", "-m", "no_such_zig_package_here"]), Path("x")
    )
    with pytest.raises(ToolchainError, match=re.escape("pip install -e .[test]")):
        build_text(HELLO, profile=missing)
    wrong = parse_profile(_break("toolchain.version", "0.0.1"), Path("x"))
    with pytest.raises(ToolchainError, match="pins 0.0.1") as info:
        build_text(HELLO, profile=wrong)
    assert "pip install -e .[test]" in str(info.value)


# -- the builder and its cache -------------------------------------------------


def test_second_build_compiles_nothing(tmp_path: Path) -> None:
    first = build_text(HELLO, opt="Oz", cache_dir=tmp_path)
    assert not first.cached and first.path.is_file()
    mtime, compiles = first.path.stat().st_mtime_ns, STATS.compiles
    second = build_text(HELLO, opt="Oz", cache_dir=tmp_path)
    assert second.cached
    assert STATS.compiles == compiles
    assert second.path == first.path and second.path.stat().st_mtime_ns == mtime
    assert wasmtime.Module.validate(wasmtime.Engine(), first.path.read_bytes()) is None


def test_key_follows_flags_headers_and_strip(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "inc").mkdir(parents=True)
    (src / "inc" / "value.h").write_text("#define VALUE 1\n")
    (src / "prog.c").write_text(
        '#include <stdio.h>\n#include "value.h"\n'
        'int main(void) { printf("%d %d\\n", VALUE, EXTRA); return 0; }\n'
    )
    cache = tmp_path / "cache"

    def make(extra: str, strip: bool | None = None) -> Any:
        return build(
            [src / "prog.c"],
            opt="O2",
            flags=[f"-I{src / 'inc'}", f"-DEXTRA={extra}"],
            strip=strip,
            cache_dir=cache,
        )

    base = make("5")
    assert make("5").key == base.key
    assert make("6").key != base.key
    assert make("5", strip=False).key != base.key
    (src / "inc" / "value.h").write_text("#define VALUE 2\n")
    changed = make("5")
    assert changed.key != base.key and not changed.cached
    assert run_output(changed.path) == b"2 5\n" and run_output(base.path) == b"1 5\n"


def run_output(path: Path) -> bytes:
    fx = Fixture(name="adhoc", opt="O2", path=path, source=path)
    result = run_fixture(fx)
    assert result.exit_code == 0, result.message
    return stdout(result)


def test_same_inputs_give_identical_bytes(tmp_path: Path) -> None:
    one = build_text(HELLO, opt="O2", cache_dir=tmp_path / "a")
    two = build_text(HELLO, opt="O2", cache_dir=tmp_path / "b")
    assert not two.cached and one.key == two.key
    assert one.path.read_bytes() == two.path.read_bytes()


def test_include_closure_follows_local_headers_only(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "a.h").write_text('#include "b.h"\n#include "a.h"\n')  # a cycle
    (tmp_path / "inc" / "b.h").write_text("#include <stdio.h>\n")
    (tmp_path / "main.c").write_text('#include "a.h"\n  #  include <b.h>\n#include "nope.h"\n')
    found = include_closure([tmp_path / "main.c"], [f"-I{tmp_path / 'inc'}"])
    assert found == sorted([(tmp_path / "a.h").resolve(), (tmp_path / "inc" / "b.h").resolve()])


def test_compile_error_is_reported_with_the_compiler_message(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="undeclared identifier 'nope'"):
        build_text("int main(void) { return nope; }\n", cache_dir=tmp_path)
    with pytest.raises(ToolchainError, match="source file not found"):
        build([tmp_path / "absent.c"], cache_dir=tmp_path)
    (tmp_path / "x.rs").write_text("fn main() {}\n")
    with pytest.raises(ToolchainError, match="cannot compile .rs files"):
        build([tmp_path / "x.rs"], cache_dir=tmp_path)


def test_freestanding_template_builds_a_libc_free_library(tmp_path: Path) -> None:
    source = (
        '__attribute__((export_name("add"))) int add(int a, int b) { return a + b; }\n'
        "int twice(int x) { return x * 2; }\n"
    )
    result = build_text(
        source,
        template="freestanding",
        opt="Oz",
        exports=["twice"],
        output=tmp_path / "lib.wasm",
        cache_dir=tmp_path / "cache",
    )
    assert result.path == tmp_path / "lib.wasm"
    module = wasmtime.Module.from_file(wasmtime.Engine(), str(result.path))
    assert [(i.module, i.name) for i in module.imports] == [("env", "memory")]
    exports = {e.name for e in module.exports}
    assert {"add", "twice"} <= exports and "_start" not in exports
    assert not any(i.module.startswith("wasi") for i in module.imports)


def test_cli_build_and_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "hello.c"
    src.write_text(HELLO)
    out = tmp_path / "out" / "hello.wasm"
    assert toolchains_main(["build", str(src), "-O", "Oz", "-o", str(out)]) == 0
    assert out.is_file() and str(out) in capsys.readouterr().out
    assert toolchains_main(["build", str(tmp_path / "missing.c")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "source file not found" in err


def test_build_c_fixture_compiles_text_and_files(build_c: Any, tmp_path: Path) -> None:
    assert run_output(build_c(HELLO)) == b"GREETING\n"
    cpp = '#include <iostream>\nint main() { std::cout << "cxx " << 6 * 7 << "\\n"; }\n'
    assert run_output(build_c(cpp, opt="Oz", suffix=".cpp")) == b"cxx 42\n"
    path = tmp_path / "f.c"
    path.write_text(HELLO.replace("GREETING", "from a file"))
    assert run_output(build_c(path, opt="O0")) == b"from a file\n"


# -- the corpus ----------------------------------------------------------------


def test_corpus_has_every_program_at_every_level(corpus: list[Fixture]) -> None:
    assert len(PROGRAMS) >= 12
    assert {(f.name, f.opt) for f in corpus} == {
        (name, opt) for name in PROGRAMS for opt in CORPUS_OPT_LEVELS
    }
    assert any(f.source.suffix == ".cpp" for f in corpus)


def test_warm_corpus_build_compiles_nothing(corpus: list[Fixture]) -> None:
    compiles, hits = STATS.compiles, STATS.hits
    again = build_corpus()
    assert STATS.compiles == compiles
    assert STATS.hits == hits + len(corpus)
    assert [f.path for f in again] == [f.path for f in corpus]


def test_debug_levels_keep_custom_sections(corpus: list[Fixture]) -> None:
    debug = by_id(corpus, "c/stdio", "O0").path.read_bytes()
    release = by_id(corpus, "c/stdio", "Oz").path.read_bytes()
    for name in (b".debug_info", b"producers", b"name"):
        assert name in debug
    assert b".debug_info" not in release


@pytest.mark.parametrize("opt", CORPUS_OPT_LEVELS)
@pytest.mark.parametrize("name", PROGRAMS)
def test_corpus_module_runs_under_native_preview1(
    corpus: list[Fixture], name: str, opt: str
) -> None:
    fx = by_id(corpus, name, opt)
    data = fx.path.read_bytes()
    assert data[:8] == b"\0asm\x01\0\0\0"
    wasmtime.Module.validate(wasmtime.Engine(), data)
    result = run_once(fx)
    assert result.outcome in ("returned", "exit"), result.message  # no trap, no host error
    assert result.exit_code == fx.run.exit_code
    assert result.stdout


@pytest.mark.parametrize("name", PROGRAMS)
def test_output_is_the_same_at_every_level(corpus: list[Fixture], name: str) -> None:
    runs = [run_once(by_id(corpus, name, opt)) for opt in CORPUS_OPT_LEVELS]
    assert all(
        (r.stdout, r.stderr, r.exit_code) == (runs[0].stdout, runs[0].stderr, runs[0].exit_code)
        for r in runs
    )
    assert "no" not in re.findall(r": (yes|no)\b", text(runs[0]))  # property checks all hold


def _manyfuncs_result(argc: int) -> int:
    mask = 0xFFFFFFFF
    x = argc
    for _ in range(3):
        for i, n in enumerate(range(100, 600)):
            x = (((x ^ (n * 2654435761)) & mask) + (x >> (n % 7)) * n + i) & mask
    return x


def _bigdata_sums() -> tuple[int, int]:
    table = bytes(((i % 256) * 167 + 13) & 0xFF for i in range(1 << 20))
    weighted = sum(b * (i % 251 + 1) for i, b in enumerate(table))
    scratch = bytearray(4096)
    scratch[:8] = bytes(range(1, 9))
    h = 0
    for i in range(4096):
        h = (h * 31 + (scratch[i] ^ table[i * 7])) & 0xFFFFFFFF
    return weighted, h


def test_expected_outputs(corpus: list[Fixture]) -> None:
    def out(name: str, opt: str = "Oz") -> RunResult:
        return run_once(by_id(corpus, name, opt))

    assert out("c/hello").stdout == b"hello from wasm32-wasi\n"
    assert out("c/constructor", "O0").stdout == (
        b"constructor: raw write\nconstructor: printf\nmain sees initialized=42\n"
        b"atexit handler\ndestructor\n"
    )
    ex = out("c/exit_code")
    assert (ex.exit_code, ex.stdout, ex.stderr) == (3, b"exiting with 3\n", b"stderr before exit\n")
    args = text(out("c/args_env")).splitlines()
    assert args[:6] == [
        "argc=6",
        "argv[1]=[first]",
        "argv[2]=[with space]",
        "argv[3]=[]",
        "argv[4]=[ünïcödé]",
        "argv[5]=[--flag=1]",
    ]
    assert "env[2]=[WITH_EQUALS=a=b=c]" in args and "environ entries: 3" in args
    typed = "first line\nsecond line\nno newline at end"
    assert text(out("c/stdin_echo")) == f"{typed.upper()}\n-- bytes {len(typed)} lines 2 eof rc 0\n"
    big = out("c/bigwrite", "O2")
    pattern = bytes(10 if i % 64 == 63 else 97 + i % 26 for i in range(1 << 20))
    assert big.stdout == pattern and big.stderr == b"first write: 1048576, total: 1048576\n"
    numbers = [i for i in range(1000) if i % 10 != 5]
    expected = "".join(f"{i}{chr(10) if i % 20 == 19 else ' '}" for i in numbers)
    assert text(out("c/writev")) == expected
    listing = text(out("c/dirlist")).splitlines()
    assert listing == [
        ". dir",
        ".. dir",
        *(f"file{i:02d}.txt file" for i in range(12)),
        "subdir dir",
        "entries: 15",
    ]
    assert text(out("c/manyfuncs")) == f"functions: 500\nresult: {_manyfuncs_result(1)}\n"
    weighted, scratch_hash = _bigdata_sums()
    assert text(out("c/bigdata", "O0")) == (
        f"table bytes: 1048576\nweighted sum: {weighted}\nscratch hash: {scratch_hash}\n"
    )
    ios = out("cpp/iostream")
    assert text(ios).splitlines()[0] == "sorted: alpha mu zeta"
    assert "......42|ff|3.14" in text(ios) and ios.stderr == b"cerr line\nclog line\n"


def test_files_fixture_leaves_its_scratch_dir_clean(corpus: list[Fixture], tmp_path: Path) -> None:
    result = run_fixture(by_id(corpus, "c/files", "O2"), tmp_path)
    lines = text(result).splitlines()
    assert "stat: 0 size 18 regular 1" in lines and "pread at 5: one" in lines
    assert "line three" in lines and "unlink: 0" in lines
    assert list(tmp_path.iterdir()) == []  # everything it made, it removed


def test_bundled_example_is_rebuilt_byte_for_byte() -> None:
    committed = (REPO / "examples" / "hello.wasm").read_bytes()
    rebuilt = build([REPO / "examples" / "hello.c"], opt="Oz")
    assert rebuilt.path.read_bytes() == committed, "rebuild examples/hello.wasm (see hello.c)"
    result = run_output_args(REPO / "examples" / "hello.wasm", ["a", "b c"])
    assert (
        result == b"Hello from a WASI preview1 module!\n2 arguments\n  argv[1] = a\n"
        b"  argv[2] = b c\n"
    )


def run_output_args(path: Path, args: list[str]) -> bytes:
    result = run_module(path, args=args)
    assert result.exit_code == 0, result.message
    return stdout(result)


def test_runner_refuses_a_module_without_start(tmp_path: Path) -> None:
    # A reactor: it links (no imports, exported memory) but has `_initialize`, not `_start`.
    lib = build_text(
        "int f(int x) { return x; }\n",
        flags=["-mexec-model=reactor"],
        exports=["f"],
        cache_dir=tmp_path,
    )
    result = run_module(lib.path)
    assert (result.outcome, result.exit_code) == ("error", 1)
    assert "no exported function `_start`" in result.message


def test_several_preopens(corpus: list[Fixture], tmp_path: Path) -> None:
    fx = by_id(corpus, "c/preopens", "O2")
    assert fx.run.preopens == ("/first", "/second/nested", "/third")
    result = run_fixture(fx, tmp_path)
    assert text(result).splitlines() == [
        "/third/marker-3.txt -> marker 3 in /third",
        "/second/nested/marker-2.txt -> marker 2 in /second/nested",
        "/first/marker-1.txt -> marker 1 in /first",
        "cross lookup: No such file or directory",
    ]
    assert (tmp_path / "p1" / "marker-2.txt").read_text() == "marker 2 in /second/nested\n"


def _tail_calls(n: int) -> int:
    acc, even = 0, True
    while n:
        acc = (acc + 2) if even else (acc * 3 + 1) & 0xFFFFFFFF
        n, even = n - 1, not even
    return acc if even else (acc + 1) & 0xFFFFFFFF


def test_post_mvp_features_fixture(corpus: list[Fixture]) -> None:
    dot = sum((i - 100) * (3 * i + 7) for i in range(256))
    expected = (
        f"simd dot: {dot}\nsimd sqrt*100: 300\ntail calls: {_tail_calls(1000000)}\n"
        f"bulk memory sum: {65535 * 90 + 7}\n"
    )
    for opt in CORPUS_OPT_LEVELS:
        fx = by_id(corpus, "c/features", opt)
        module = wasmtime.Module.from_file(wasmtime.Engine(), str(fx.path))
        names = sorted(str(i.name) for i in module.imports)
        if opt == "O0":  # zig's debug builds add its UBSan runtime, which imports more
            assert {"fd_write", "proc_exit"} <= set(names)
        else:
            assert names == ["fd_write", "proc_exit"]  # no libc
        assert text(run_once(fx)) == expected
