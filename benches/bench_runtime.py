"""Benchmark: a component made by `componentize new` against its module under native preview1.

The baseline is the same core module run under wasmtime's native preview1
(`Linker.define_wasi()`), in the same process and the same engine; the
candidate is its component (our shim) under wasmtime's WASI 0.2 host
(`component.Linker.add_wasip2()`).  Programs (zig cc, -O2):

- hello      one line through stdio (start-up cost);
- compute    a pure loop with one printf at the end (no WASI calls: code parity);
- write      100,000 `write(1, "x\\n", 2)`, so 100,000 fd_write calls;
- args+env   1,000 args and 1,000 environment variables of 64 bytes, summed;
- clock      100,000 clock_gettime(CLOCK_MONOTONIC), so 100,000 clock_time_get.

Each is compiled N times (timed), and instantiated and run N times from one
compiled copy with a fresh store each time (linker reused): compile,
instantiate and run are timed separately and the medians are shown.  The
native and component runs alternate, so load from other work on the machine
hits both alike.  stdout goes to a file, as in a real run.
The first run of each is checked: same stdout, stderr and exit code.
Ratios are component / native (> 1: the component is slower).

    PYTHONPATH=. python benches/bench_runtime.py [--runs N]
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

from componentize import log  # noqa: E402
from componentize.assemble import Options, componentize  # noqa: E402
from componentize.engine import engine  # noqa: E402
from componentize.run import find_run_export  # noqa: E402
from toolchains import build_text  # noqa: E402

LOOPS = 100_000
ARGS = tuple(f"arg{i:04d}-" + "a" * 56 for i in range(1000))
ENV = tuple((f"VAR{i:04d}", "v" * 56) for i in range(1000))

PROGRAMS: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "hello": ('#include <stdio.h>\nint main(void) { puts("Hello, world!"); return 0; }\n', (), ()),
    "compute": (
        "#include <stdio.h>\n"
        "int main(void) {\n"
        "    unsigned long long h = 1469598103934665603ull;\n"
        "    for (unsigned i = 0; i < 20000000u; i++) h = (h ^ i) * 1099511628211ull;\n"
        '    printf("%llu\\n", h);\n'
        "    return 0;\n"
        "}\n",
        (),
        (),
    ),
    "write": (
        "#include <unistd.h>\n"
        "int main(void) {\n"
        f'    for (int i = 0; i < {LOOPS}; i++) write(1, "x\\n", 2);\n'
        "    return 0;\n"
        "}\n",
        (),
        (),
    ),
    "args+env": (
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
    "clock": (
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
        "}\n",
        (),
        (),
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


def wasi(tmp: str, args: tuple[str, ...], env: tuple[tuple[str, str], ...]) -> wasmtime.WasiConfig:
    config = wasmtime.WasiConfig()
    config.argv = ["main.wasm", *args]
    config.env = list(env)
    config.stdout_file = os.path.join(tmp, "stdout")
    config.stderr_file = os.path.join(tmp, "stderr")
    return config


def exit_code_of(error: Exception) -> int:
    if isinstance(error, wasmtime.ExitTrap):
        return error.code
    raise error


# ---------------------------------------------------------------- one timed run per kind

# Each kind is a (compile, instantiate-and-run) pair; `measure` interleaves the
# native and component runs so that load from other work on the machine hits
# both alike instead of whichever happened to run during a busy spell.


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


def measure(runners: list[Runner], args: tuple[str, ...], env: tuple[tuple[str, str], ...],
            runs: int) -> list[Timing]:  # fmt: skip
    compiles: list[list[float]] = [[] for _ in runners]
    insts: list[list[float]] = [[] for _ in runners]
    execs: list[list[float]] = [[] for _ in runners]
    codes: list[set[int]] = [set() for _ in runners]
    outputs: list[tuple[bytes, bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-runtime-") as tmp:
        for i in range(runs):
            for k, runner in enumerate(runners):
                t0 = time.perf_counter()
                runner.compile()
                compiles[k].append(time.perf_counter() - t0)
                store = wasmtime.Store(engine())
                store.set_wasi(wasi(tmp, args, env))
                inst, run, code = runner.once(store)
                store.close()
                insts[k].append(inst)
                execs[k].append(run)
                codes[k].add(code)
                if i == 0:  # the first run's output is the one compared
                    outputs.append((Path(tmp, "stdout").read_bytes(),
                                    Path(tmp, "stderr").read_bytes()))  # fmt: skip
    timings = []
    for k in range(len(runners)):
        if len(codes[k]) != 1:
            raise RuntimeError(f"exit codes differ between runs: {codes[k]}")
        compile_s, inst_s, run_s = (statistics.median(xs[k]) for xs in (compiles, insts, execs))
        timings.append(Timing(compile_s, inst_s, run_s, *outputs[k], codes[k].pop()))
    return timings


# ---------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}" if seconds < 0.1 else f"{seconds * 1000:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per measurement")
    opts = parser.parse_args()
    log.configure(0)  # warnings only

    print(f"run time, component (WASI 0.2 + our shim) / module (native preview1); "
          f"median of {opts.runs} runs; times in ms")  # fmt: skip
    head = (f"  {'program':9} {'':9} {'compile':>8} {'instant.':>8} {'run':>8} {'inst+run':>9}"
            f"  {'module':>7} {'component':>9}")  # fmt: skip
    print(head)
    problems = []
    for name, (source, args, env) in PROGRAMS.items():
        module = build_text(source, name=f"bench-rt-{name.replace('+', '-')}", opt="O2")
        data = module.path.read_bytes()
        comp = componentize(data, Options(wasi_version="auto")).component
        native, ours = measure([native_runner(data), component_runner(comp)], args, env,
                               opts.runs)  # fmt: skip
        if (native.stdout, native.stderr, native.exit_code) != (
            ours.stdout, ours.stderr, ours.exit_code):  # fmt: skip
            problems.append(name)
        for label, t, size in (("native", native, len(data)), ("component", ours, len(comp))):
            print(f"  {name if label == 'native' else '':9} {label:9} {ms(t.compile):>8} "
                  f"{ms(t.instantiate):>8} {ms(t.run):>8} {ms(t.total):>9}"
                  + (f"  {size:7d}" if label == "native" else f"  {'':7} {size:9d}"))  # fmt: skip
        print(f"  {'':9} {'ratio':9} {ours.compile / native.compile:7.2f}x "
              f"{ours.instantiate / native.instantiate:7.2f}x {ours.run / native.run:7.2f}x "
              f"{ours.total / native.total:8.2f}x")  # fmt: skip
    print(
        "\noutput (stdout, stderr, exit code) component vs native: "
        + ("identical for every program" if not problems else f"DIFFERS for {problems}")
    )


if __name__ == "__main__":
    main()
