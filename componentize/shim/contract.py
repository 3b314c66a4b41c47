"""The shim contract: the names the preview1 shim (C, shims/preview1/), its
build-time post-processor (toolchains/shim/postprocess.py) and the assembler
(componentize/assemble/) agree on.  Each is defined here, once; the others
import it.

The linked shim (wasm-ld's output, before post-processing)
    imports  env/memory                     SHIM_MEMORY_IMPORT: its own memory
             env/memory-grow                SHIM_MEMORY_GROW_IMPORT (core.c)
             componentize:guest/<intrinsic> GUEST_MODULE: functions standing for
                                            the guest's memory and `_start`
                                            (shims/preview1/guest.h)
             wasi:*/*@0.2.12 functions      from shims/preview1/wasi_imports.h
    defines  global 0                       the stack pointer (mut i32), its only global
    exports  `componentize_init`            INIT_EXPORT: the start-up code

The prebuilt shim (componentize/data/shim_preview1.wasm, post-processed)
    imports  env/memory                     SHIM_MEMORY_IMPORT, memory 0: the shim's
                                            stack, state and allocation arena
             componentize:guest/memory      SHIM_GUEST_MEMORY_IMPORT, memory 1: the
                                            guest's memory (the intrinsics became
                                            instructions on it)
             componentize:guest/start-table SHIM_START_TABLE_IMPORT: funcref table,
                                            min 1, only while `run` is kept; slot 0
                                            must hold the guest's `_start` (START_TYPE)
             wasi:*/*@0.2.12 functions      named at SHIM_WASI_VERSION; canon lower'd
                                            with memory 0 and REALLOC_EXPORT; the
                                            assembler renames them to the target;
                                            a name ending in GUEST_LOWERING (file.c:
                                            `descriptor.read#guest`) is that function
                                            lowered with memory 1, the guest's, so the
                                            host writes a read straight into the
                                            guest's buffer (cabi_realloc returns it)
             env/stack-pointer              SHIM_STACK_POINTER_IMPORT, global 0 (mut
                                            i32): the C stack pointer; any initial
                                            value (INIT_EXPORT sets it)
             env/memory-grow                SHIM_MEMORY_GROW_IMPORT (MEMORY_GROW_TYPE):
                                            memory.grow on memory 0, done by the host
    exports  preview1 functions             by name (`fd_write`...); preview0 ones whose
                                            ABI differs as `wasi_unstable#<name>`
                                            (catalog.shim_export says which is which)
             `proc_exit_ok_err`             PROC_EXIT_OK_ERR_EXPORT: proc_exit for
                                            targets without exit-with-code
             `run`                          RUN_EXPORT, () -> i32: calls `_start`,
                                            lifted as wasi:cli/run's result<_, _>
             `cabi_realloc`                 REALLOC_EXPORT (REALLOC_TYPE)
             `componentize_init`            INIT_EXPORT, () -> (): sets the stack
                                            pointer, sizes memory 0, initialises
                                            state; calls no WASI.  To be called once,
                                            before anything else (gc always keeps it)
    no start function, no defined memory, table or global, and memory touched by
    plain loads/stores and memory.size only (memory.copy/fill are functions the
    post-processor appended): componentize.wasm.portable.js_host_problems is []

The provider module (made by the assembler, assemble/guest.py) defines what the
shim and the main module share, so neither has to be instantiated first:
    exports  PROVIDER_GUEST_MEMORY_EXPORT   the guest's memory (the main module's
                                            limits): the shim's memory 1, the main
                                            module's memory import
             PROVIDER_SHIM_MEMORY_EXPORT    the shim's memory 0
             PROVIDER_REALLOC_TABLE_EXPORT  one-slot table, later filled with the
                                            shim's REALLOC_EXPORT
             PROVIDER_START_TABLE_EXPORT    one-slot table, later filled with the
                                            guest's `_start`: the shim's start-table
             PROVIDER_REALLOC_EXPORT        REALLOC_TYPE, calls slot 0 of the realloc
                                            table: the `realloc` of every canon lower

A main module that defined its memory imports it, once the assembler has
turned the definition into an import, as MAIN_MEMORY_IMPORT.

Capabilities (`--deny`, componentize/shim/deny.py): the C code asks the
function named CAPABILITIES_FUNCTION (found by the name section; () -> i32,
returning every bit) which CAP_* bits it has before any path that calls the
interface behind a bit; CAPABILITY_BITS has the values of shims/preview1/shim.h.
"""

from __future__ import annotations

from collections.abc import Iterable

from componentize.wasm.model import FuncType
from componentize.wit.model import Version

# The WASI version the prebuilt shim's imports are named with (the bundled WIT's).
SHIM_WASI_VERSION = Version(0, 2, 12)

# The shim's imports.
SHIM_MEMORY_IMPORT = ("env", "memory")
GUEST_MODULE = "componentize:guest"  # the intrinsics before post-processing; then:
SHIM_GUEST_MEMORY_IMPORT = (GUEST_MODULE, "memory")
GUEST_LOWERING = "#guest"  # import name suffix: lower with the guest's memory


def lowered_function(import_name: str) -> tuple[str, bool]:
    """A shim WASI import's function name, and whether it is lowered with the
    guest's memory (`[method]descriptor.read#guest`)."""
    base = import_name.removesuffix(GUEST_LOWERING)
    return base, base != import_name


def lowers_on_guest(imports: Iterable[tuple[str, str]]) -> bool:
    """Whether any of a shim's WASI imports (module, name) is lowered with
    the guest's memory."""
    return any(lowered_function(name)[1] for _, name in imports)


SHIM_START_TABLE_IMPORT = (GUEST_MODULE, "start-table")

# The shim's exports that are not preview1 or preview0 functions.
REALLOC_EXPORT = "cabi_realloc"
RUN_EXPORT = "run"
# `proc_exit` keeps the exit code through `wasi:cli/exit.exit-with-code`
# (WASI 0.2.12+); this variant reports only success/failure through `exit`.
PROC_EXIT_OK_ERR_EXPORT = "proc_exit_ok_err"
# () -> (): sets up the stack pointer, memory 0 and the shim's state.  The
# shim has no start function (JS hosts refuse one in a multi-memory module):
# the assembler calls this once, before anything else calls the shim.
INIT_EXPORT = "componentize_init"

# What makes the prebuilt shim a module every host runs.  jco (Node 20)
# transpiles a core module using several memories only if it defines no
# memory, table, global, data, element or start, and touches memory with
# plain loads/stores and memory.size only (componentize.wasm.portable checks
# this); so the shim's stack pointer and its way to grow memory 0 are imports.
SHIM_STACK_POINTER_IMPORT = ("env", "stack-pointer")  # global (mut i32)
SHIM_MEMORY_GROW_IMPORT = ("env", "memory-grow")  # func MEMORY_GROW_TYPE on memory 0
MEMORY_GROW_TYPE = FuncType(["i32"], ["i32"])  # pages -> old size in pages, or -1

# What the provider module exports.
PROVIDER_GUEST_MEMORY_EXPORT = "guest-memory"
PROVIDER_SHIM_MEMORY_EXPORT = "shim-memory"
PROVIDER_REALLOC_EXPORT = "realloc"
PROVIDER_REALLOC_TABLE_EXPORT = "realloc-table"
PROVIDER_START_TABLE_EXPORT = "start-table"
PROVIDER_STACK_POINTER_EXPORT = "stack-pointer"  # the shim's SHIM_STACK_POINTER_IMPORT
PROVIDER_MEMORY_GROW_EXPORT = "memory-grow"  # the shim's SHIM_MEMORY_GROW_IMPORT

# The main module's import of its own memory, when it defined it.
MAIN_MEMORY_IMPORT = (GUEST_MODULE, "memory")

# The types of the functions in the two slots.
REALLOC_TYPE = FuncType(["i32"] * 4, ["i32"])
START_TYPE = FuncType([], [])

# `capabilities()` in shims/preview1/core.c, and its CAP_* bits (shim.h): the
# interface whose every call the C code guards with the bit.
CAPABILITIES_FUNCTION = "capabilities"
CAPABILITY_BITS = {
    "wasi:cli/stdin": 1,
    "wasi:cli/stdout": 2,
    "wasi:cli/stderr": 4,
    "wasi:cli/terminal-stdin": 8,
    "wasi:cli/terminal-stdout": 16,
    "wasi:cli/terminal-stderr": 32,
    "wasi:cli/environment": 64,
    "wasi:filesystem/preopens": 128,
    "wasi:clocks/wall-clock": 256,
    "wasi:clocks/monotonic-clock": 512,
    "wasi:random/random": 1024,
}
