"""Benchmark: components of a module, made three ways, against the module under native preview1.

The baseline is the core module run under wasmtime's native preview1
(`Linker.define_wasi()`), in the same process and the same engine.  The
candidates are its components under wasmtime's WASI 0.2 host
(`component.Linker.add_wasip2()`):

- now        made by this checkout's `componentize()`;
- before     made by the package at commit b0afd90 (`--before`), the layout
             before issue 10 (main module imports its memory and the shim's
             functions directly; the shim uses memory.copy), from a temporary
             `git worktree` (see variants.py; removed afterwards);
- official   the official preview1 adapter's component, `jco new IN
             --wasi-command` (pinned jco of toolchains/jco.py; `--no-official`
             skips it).

Programs (zig cc, -O2):

- hello      one line through stdio (start-up cost);
- compute    a pure loop with one printf at the end (no WASI calls: code parity);
- write      100,000 `write(1, "x\\n", 2)`, so 100,000 fd_write calls;
- args+env   1,000 args and 1,000 environment variables of 64 bytes, summed;
- clock      100,000 clock_gettime(CLOCK_MONOTONIC), so 100,000 clock_time_get;
- read8m     an 8 MiB file (preopened dir) read with 128 `read(fd, buf, 65536)`
             (fd_read), then one more read at EOF;
- random     50,000 `__wasi_random_get(buf, 16)`;
- open       5,000 open(O_RDONLY) + close of a file in the preopened dir
             (path_open, fd_close);
- readdir    a 1,000-entry directory in the preopened dir listed 5 times
             with opendir/readdir/closedir (fd_readdir through wasi-libc's
             buffer; every entry's inode is computed, though the program
             prints only names: the official adapter reports inode 0 for one);
- memory     memory-heavy code with a few WASI calls: two 32 MiB buffers
             (malloc, so memory.grow) filled, copied and moved 8 times
             (memcpy/memmove), touched every 4 KiB, one printf.

Each is compiled N times (timed), and instantiated and run N times from one
compiled copy with a fresh store each time (linker reused): compile,
instantiate and run are timed separately and the medians are shown.  The
native and component runs alternate (the order rotates every round), so load
from other work on the machine hits all alike.  stdout goes to a file, as in a
real run.  The first run of each is checked: same stdout, stderr and exit code
as native.  Ratios are component / native (> 1: the component is slower).

    PYTHONPATH=. python benches/bench_runtime.py [--runs N] [--before COMMIT] [--no-official]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import wasmtime
from wasmtime import component as wc

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import variants  # noqa: E402

from componentize import log  # noqa: E402
from componentize.engine import engine  # noqa: E402
from componentize.run import find_run_export  # noqa: E402
from toolchains import build_text  # noqa: E402

LOOPS = 100_000
ARGS = tuple(f"arg{i:04d}-" + "a" * 56 for i in range(1000))
ENV = tuple((f"VAR{i:04d}", "v" * 56) for i in range(1000))
BIG_FILE = "big.bin"
BIG_SIZE = 8 << 20  # 8 MiB, read in 64 KiB reads
GUEST_DIR = "/data"
LIST_DIR = "list"  # in the data dir: LIST_ENTRIES empty files
LIST_ENTRIES = 1000


@dataclass(frozen=True)
class Program:
    source: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    preopen: bool = False  # the data dir (holding BIG_FILE) preopened as GUEST_DIR


PROGRAMS: dict[str, Program] = {
    "hello": Program('#include <stdio.h>\nint main(void) { puts("Hello, world!"); return 0; }\n'),
    "compute": Program(
        "#include <stdio.h>\n"
        "int main(void) {\n"
        "    unsigned long long h = 1469598103934665603ull;\n"
        "    for (unsigned i = 0; i < 20000000u; i++) h = (h ^ i) * 1099511628211ull;\n"
        '    printf("%llu\\n", h);\n'
        "    return 0;\n"
        "}\n"
    ),
    "write": Program(
        "#include <unistd.h>\n"
        "int main(void) {\n"
        f'    for (int i = 0; i < {LOOPS}; i++) write(1, "x\\n", 2);\n'
        "    return 0;\n"
        "}\n"
    ),
    "args+env": Program(
        "#include <stdio.h>\n#include <string.h>\n"
        "extern char **environ;\n"
        "int main(int argc, char **argv) {\n"
        "    unsigned long total = 0, vars = 0;\n"
        "    for (int i = 0; i < argc; i++) total += strlen(argv[i]);\n"
        "    for (char **e = environ; *e; e++, vars++) total += strlen(*e);\n"
        '    printf("%d args, %lu vars, %lu bytes\\n", argc, vars, total);\n'
        "    return 0;\n"
        "}\n",
        ARGS,
        ENV,
    ),
    "clock": Program(
        "#include <stdio.h>\n#include <time.h>\n"
        "int main(void) {\n"
        "    struct timespec last = {0, 0}, now;\n"
        "    int backwards = 0;\n"
        f"    for (int i = 0; i < {LOOPS}; i++) {{\n"
        "        clock_gettime(CLOCK_MONOTONIC, &now);\n"
        "        if (now.tv_sec < last.tv_sec ||\n"
        "            (now.tv_sec == last.tv_sec && now.tv_nsec < last.tv_nsec)) backwards++;\n"
        "        last = now;\n"
        "    }\n"
        f'    printf("{LOOPS} reads, %d backwards\\n", backwards);\n'
        "    return 0;\n"
        "}\n"
    ),
    "read8m": Program(
        "#include <fcntl.h>\n#include <stdio.h>\n#include <unistd.h>\n"
        "static unsigned char buf[65536];\n"
        "int main(void) {\n"
        f'    int fd = open("{GUEST_DIR}/{BIG_FILE}", O_RDONLY);\n'
        '    if (fd < 0) { perror("open"); return 1; }\n'
        "    unsigned long total = 0, reads = 0, sum = 0;\n"
        "    ssize_t n;\n"
        "    while ((n = read(fd, buf, sizeof buf)) > 0) {\n"
        "        total += (unsigned long)n; reads++;\n"
        "        for (ssize_t i = 0; i < n; i += 4096) sum += buf[i];\n"
        "    }\n"
        "    close(fd);\n"
        '    printf("%lu bytes in %lu reads, sum %lu\\n", total, reads, sum);\n'
        "    return n < 0;\n"
        "}\n",
        preopen=True,
    ),
    "random": Program(
        "#include <stdio.h>\n#include <wasi/api.h>\n"
        "int main(void) {\n"
        "    unsigned char buf[16];\n"
        "    unsigned long zero = 0;\n"
        "    for (int i = 0; i < 50000; i++) {\n"
        "        if (__wasi_random_get(buf, sizeof buf) != 0) return 1;\n"
        "        zero += buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0;\n"
        "    }\n"
        '    printf("50000 random_get(16), %s\\n", zero < 5 ? "ok" : "suspicious");\n'
        "    return 0;\n"
        "}\n"
    ),
    "open": Program(
        "#include <fcntl.h>\n#include <stdio.h>\n#include <unistd.h>\n"
        "int main(void) {\n"
        "    for (int i = 0; i < 5000; i++) {\n"
        f'        int fd = open("{GUEST_DIR}/{BIG_FILE}", O_RDONLY);\n'
        '        if (fd < 0) { perror("open"); return 1; }\n'
        "        close(fd);\n"
        "    }\n"
        '    puts("5000 open+close");\n'
        "    return 0;\n"
        "}\n",
        preopen=True,
    ),
    "readdir": Program(
        "#include <dirent.h>\n#include <stdio.h>\n"
        "int main(void) {\n"
        "    unsigned long entries = 0, names = 0;\n"
        "    for (int i = 0; i < 5; i++) {\n"
        f'        DIR *d = opendir("{GUEST_DIR}/{LIST_DIR}");\n'
        '        if (!d) { perror("opendir"); return 1; }\n'
        "        struct dirent *e;\n"
        "        while ((e = readdir(d))) { entries++; names += (unsigned char)e->d_name[0]; }\n"
        "        closedir(d);\n"
        "    }\n"
        '    printf("%lu entries, %lu\\n", entries, names);\n'
        "    return 0;\n"
        "}\n",
        preopen=True,
    ),
    "memory": Program(
        "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
        "int main(void) {\n"
        "    size_t n = 32u << 20;\n"
        "    unsigned char *a = malloc(n), *b = malloc(n);\n"
        "    if (!a || !b) return 1;\n"
        "    for (size_t i = 0; i < n; i++) a[i] = (unsigned char)(i * 31u);\n"
        "    unsigned long sum = 0;\n"
        "    for (int round = 0; round < 8; round++) {\n"
        "        memcpy(b, a, n);\n"
        "        for (size_t i = (size_t)round; i < n; i += 4096) b[i] ^= (unsigned char)round;\n"
        "        memmove(a + 1, b, n - 1);\n"
        "        sum += a[round * 4096 + 7] + b[n - 1 - round];\n"
        "    }\n"
        '    printf("%lu\\n", sum);\n'
        "    return 0;\n"
        "}\n"
    ),
}


@dataclass
class Timing:
    compile: float  # medians, seconds
    instantiate: float
    run: float
    stdout: bytes
    stderr: bytes
    exit_code: int

    @property
    def total(self) -> float:
        return self.instantiate + self.run


def wasi(tmp: str, prog: Program, data_dir: str) -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.argv = ["main.wasm", *prog.args]
    config.env = list(prog.env)
    config.stdout_file = os.path.join(tmp, "stdout")
    config.stderr_file = os.path.join(tmp, "stderr")
    if prog.preopen:
        config.preopen_dir(data_dir, GUEST_DIR)
    return config


def exit_code_of(error: Exception) -> int:
    if isinstance(error, wasmtime.ExitTrap):
        return error.code
    raise error


# ---------------------------------------------------------------- one timed run per kind

# Each kind is a (compile, instantiate-and-run) pair; `measure` interleaves the
# native and component runs so that load from other work on the machine hits
# all alike instead of whichever happened to run during a busy spell.


@dataclass
class Runner:
    compile: Callable[[], object]
    once: Callable[[wasmtime.Store], tuple[float, float, int]]  # instantiate s, run s, exit code


def native_runner(data: bytes) -> Runner:
    module = wasmtime.Module(engine(), data)
    linker = wasmtime.Linker(engine())
    linker.define_wasi()

    def once(store: wasmtime.Store) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        instance = linker.instantiate(store, module)
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        t1 = time.perf_counter()
        code = 0
        try:
            start(store)
        except (wasmtime.ExitTrap, wasmtime.Trap, wasmtime.WasmtimeError) as e:
            code = exit_code_of(e)
        return t1 - t0, time.perf_counter() - t1, code

    return Runner(lambda: wasmtime.Module(engine(), data), once)


def component_runner(data: bytes) -> Runner:
    component = wc.Component(engine(), data)
    run_name = find_run_export(component)
    assert run_name is not None
    linker = wc.Linker(engine())
    linker.add_wasip2()

    def once(store: wasmtime.Store) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        instance = linker.instantiate(store, component)
        iface = instance.get_export_index(store, run_name)
        index = instance.get_export_index(store, "run", iface)
        func = instance.get_func(store, index) if index else None
        assert func is not None
        t1 = time.perf_counter()
        try:
            result = func(store)
            func.post_return(store)
            code = 0 if getattr(result, "tag", None) == "ok" else 1
        except (wasmtime.ExitTrap, wasmtime.Trap, wasmtime.WasmtimeError) as e:
            code = exit_code_of(e)
        return t1 - t0, time.perf_counter() - t1, code

    return Runner(lambda: wc.Component(engine(), data), once)


def measure(runners: list[Runner], prog: Program, data_dir: str, runs: int) -> list[Timing]:
    n = len(runners)
    compiles: list[list[float]] = [[] for _ in runners]
    insts: list[list[float]] = [[] for _ in runners]
    execs: list[list[float]] = [[] for _ in runners]
    codes: list[set[int]] = [set() for _ in runners]
    outputs: list[tuple[bytes, bytes]] = [(b"", b"")] * n
    with tempfile.TemporaryDirectory(prefix="bench-runtime-") as tmp:
        for i in range(runs):
            for k in [(i + j) % n for j in range(n)]:  # the order rotates every round
                runner = runners[k]
                t0 = time.perf_counter()
                runner.compile()
                compiles[k].append(time.perf_counter() - t0)
                store = wasmtime.Store(engine())
                store.set_wasi(wasi(tmp, prog, data_dir))
                inst, run, code = runner.once(store)
                store.close()
                insts[k].append(inst)
                execs[k].append(run)
                codes[k].add(code)
                if i == 0:  # the first run's output is the one compared
                    outputs[k] = (
                        Path(tmp, "stdout").read_bytes(),
                        Path(tmp, "stderr").read_bytes(),
                    )
    timings = []
    for k in range(n):
        if len(codes[k]) != 1:
            raise RuntimeError(f"exit codes differ between runs: {codes[k]}")
        compile_s, inst_s, run_s = (statistics.median(xs[k]) for xs in (compiles, insts, execs))
        timings.append(Timing(compile_s, inst_s, run_s, *outputs[k], codes[k].pop()))
    return timings


# ---------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.1 else f"{seconds * 1000:.0f}"


def make_components(
    modules: dict[str, bytes], paths: dict[str, Path], before: str | None, official: bool
) -> dict[str, dict[str, bytes]]:
    """{variant: {program: component}} for the variants asked for."""
    out = {"now": {name: variants.now(data) for name, data in modules.items()}}
    if before is not None:
        with variants.Before(before) as old:
            out["before"] = dict(zip(paths, old.make(list(paths.values())), strict=True))
    if official:
        out["official"] = {name: variants.official(path) for name, path in paths.items()}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per measurement")
    parser.add_argument(
        "--before",
        default=variants.BEFORE_COMMIT,
        help="commit whose componentize makes the 'before' components",
    )
    parser.add_argument("--no-before", action="store_true", help="skip the 'before' components")
    parser.add_argument("--no-official", action="store_true", help="skip the official adapter")
    parser.add_argument("--only", nargs="*", help="only these programs")
    opts = parser.parse_args()
    log.configure(0)  # warnings only

    names = [n for n in PROGRAMS if not opts.only or n in opts.only]
    paths = {
        n: build_text(PROGRAMS[n].source, name=f"bench-rt-{n.replace('+', '-')}", opt="O2").path
        for n in names
    }
    modules = {n: p.read_bytes() for n, p in paths.items()}
    comps = make_components(
        modules, paths, None if opts.no_before else opts.before, not opts.no_official
    )
    kinds = list(comps)
    notes = {
        "now": "this checkout",
        "before": f"componentize at {opts.before}",
        "official": f"jco {variants.jco_version()} new --wasi-command"
        if "official" in comps
        else "",
    }
    print(
        "run time under wasmtime, component (WASI 0.2) / module (native preview1); "
        f"median of {opts.runs} interleaved runs; times in ms"
    )
    print("components: " + "; ".join(f"{k} = {notes[k]}" for k in kinds))
    print(
        f"  {'program':9} {'':9} {'compile':>8} {'instant.':>8} {'run':>8} {'inst+run':>9}"
        f" {'bytes':>8}   ratios: {'compile':>7} {'run':>6} {'inst+run':>8}"
    )
    problems = []
    summary: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-runtime-data-") as data_dir:
        Path(data_dir, BIG_FILE).write_bytes(bytes(range(256)) * (BIG_SIZE // 256))
        Path(data_dir, LIST_DIR).mkdir()
        for i in range(LIST_ENTRIES):
            Path(data_dir, LIST_DIR, f"entry-{i:04d}").touch()
        for name in names:
            prog = PROGRAMS[name]
            runners = [native_runner(modules[name])]
            runners += [component_runner(comps[k][name]) for k in kinds]
            native, *rest = measure(runners, prog, data_dir, opts.runs)
            print(
                f"  {name:9} {'native':9} {ms(native.compile):>8} {ms(native.instantiate):>8} "
                f"{ms(native.run):>8} {ms(native.total):>9} {len(modules[name]):8d}"
            )
            summary[name] = {}
            for kind, t in zip(kinds, rest, strict=True):
                if (t.stdout, t.stderr, t.exit_code) != (
                    native.stdout,
                    native.stderr,
                    native.exit_code,
                ):
                    problems.append(f"{name} ({kind})")
                summary[name][kind] = t.total / native.total
                print(
                    f"  {'':9} {kind:9} {ms(t.compile):>8} {ms(t.instantiate):>8} "
                    f"{ms(t.run):>8} {ms(t.total):>9} {len(comps[kind][name]):8d}   "
                    f"{'':7} {t.compile / native.compile:6.2f}x {t.run / native.run:5.2f}x "
                    f"{t.total / native.total:7.2f}x"
                )
    print("\ninst+run, component / native (now/before: ours now over ours before)")
    print(
        f"  {'program':9}"
        + "".join(f" {k:>9}" for k in kinds)
        + (f" {'now/before':>11}" if "before" in kinds else "")
    )
    for name, ratios in summary.items():
        line = f"  {name:9}" + "".join(f" {ratios[k]:8.2f}x" for k in kinds)
        if "before" in kinds:
            line += f" {ratios['now'] / ratios['before']:10.2f}x"
        print(line)
    print(
        "\noutput (stdout, stderr, exit code) component vs native: "
        + (
            "identical for every program and component"
            if not problems
            else f"DIFFERS for {problems}"
        )
    )


if __name__ == "__main__":
    main()
