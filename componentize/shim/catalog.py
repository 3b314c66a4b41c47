"""The preview1 and preview0 functions as data, and which shim export implements each.

Core signatures come from the witx definitions in the WASI spec
(`wasi_snapshot_preview1.witx`, `wasi_unstable.witx`): every handle, pointer,
size and enum is an i32, 64-bit values (timestamps, offsets, rights, cookies)
are i64, the errno result is an i32 and `proc_exit` returns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from componentize.shim.contract import PROC_EXIT_OK_ERR_EXPORT
from componentize.shim.contract import REALLOC_EXPORT as REALLOC_EXPORT  # gc.py, sizes.py

PREVIEW1 = "wasi_snapshot_preview1"
PREVIEW0 = "wasi_unstable"
MODULES = (PREVIEW1, PREVIEW0)


@dataclass(frozen=True)
class Signature:
    params: tuple[str, ...]
    results: tuple[str, ...]

    def __str__(self) -> str:
        return f"({', '.join(self.params)}) -> ({', '.join(self.results)})"


def _sig(params: str, results: str = "i32") -> Signature:
    return Signature(tuple(params.split()), tuple(results.split()))


PREVIEW1_FUNCTIONS: dict[str, Signature] = {
    "args_get": _sig("i32 i32"),
    "args_sizes_get": _sig("i32 i32"),
    "environ_get": _sig("i32 i32"),
    "environ_sizes_get": _sig("i32 i32"),
    "clock_res_get": _sig("i32 i32"),
    "clock_time_get": _sig("i32 i64 i32"),
    "fd_advise": _sig("i32 i64 i64 i32"),
    "fd_allocate": _sig("i32 i64 i64"),
    "fd_close": _sig("i32"),
    "fd_datasync": _sig("i32"),
    "fd_fdstat_get": _sig("i32 i32"),
    "fd_fdstat_set_flags": _sig("i32 i32"),
    "fd_fdstat_set_rights": _sig("i32 i64 i64"),
    "fd_filestat_get": _sig("i32 i32"),
    "fd_filestat_set_size": _sig("i32 i64"),
    "fd_filestat_set_times": _sig("i32 i64 i64 i32"),
    "fd_pread": _sig("i32 i32 i32 i64 i32"),
    "fd_prestat_get": _sig("i32 i32"),
    "fd_prestat_dir_name": _sig("i32 i32 i32"),
    "fd_pwrite": _sig("i32 i32 i32 i64 i32"),
    "fd_read": _sig("i32 i32 i32 i32"),
    "fd_readdir": _sig("i32 i32 i32 i64 i32"),
    "fd_renumber": _sig("i32 i32"),
    "fd_seek": _sig("i32 i64 i32 i32"),
    "fd_sync": _sig("i32"),
    "fd_tell": _sig("i32 i32"),
    "fd_write": _sig("i32 i32 i32 i32"),
    "path_create_directory": _sig("i32 i32 i32"),
    "path_filestat_get": _sig("i32 i32 i32 i32 i32"),
    "path_filestat_set_times": _sig("i32 i32 i32 i32 i64 i64 i32"),
    "path_link": _sig("i32 i32 i32 i32 i32 i32 i32"),
    "path_open": _sig("i32 i32 i32 i32 i32 i64 i64 i32 i32"),
    "path_readlink": _sig("i32 i32 i32 i32 i32 i32"),
    "path_remove_directory": _sig("i32 i32 i32"),
    "path_rename": _sig("i32 i32 i32 i32 i32 i32"),
    "path_symlink": _sig("i32 i32 i32 i32 i32"),
    "path_unlink_file": _sig("i32 i32 i32"),
    "poll_oneoff": _sig("i32 i32 i32 i32"),
    "proc_exit": _sig("i32", ""),
    "proc_raise": _sig("i32"),
    "sched_yield": _sig(""),
    "random_get": _sig("i32 i32"),
    "sock_accept": _sig("i32 i32 i32"),
    "sock_recv": _sig("i32 i32 i32 i32 i32 i32"),
    "sock_send": _sig("i32 i32 i32 i32 i32"),
    "sock_shutdown": _sig("i32 i32"),
}

# wasi_unstable has no sock_accept; its core signatures are the same.
PREVIEW0_FUNCTIONS: dict[str, Signature] = {
    name: sig for name, sig in PREVIEW1_FUNCTIONS.items() if name != "sock_accept"
}

# Preview0 functions whose ABI differs from preview1 (preview0-typenames.witx
# against preview1-typenames.witx): `whence` numbers cur, end, set from 0
# (fd_seek); `linkcount` is u32, making `filestat` 56 bytes (fd_filestat_get,
# path_filestat_get); `subscription_clock` starts with a u64 `identifier`,
# making `subscription` 56 bytes (poll_oneoff); `rights` has no
# `sock_accept` bit (fd_fdstat_get).  `dirent`, `event`, `fdstat`, `prestat`,
# `errno` and every flags type are the same.  These have their own shim entry
# point, exported as `wasi_unstable#<name>` (shims/preview1/preview0.c).
PREVIEW0_DIFFERS = frozenset(
    ("fd_seek", "fd_filestat_get", "path_filestat_get", "poll_oneoff", "fd_fdstat_get")
)

SIGNATURES: dict[str, dict[str, Signature]] = {
    PREVIEW1: PREVIEW1_FUNCTIONS,
    PREVIEW0: PREVIEW0_FUNCTIONS,
}


def signature(module: str, name: str) -> Signature | None:
    """The spec's core signature of `module.name`, None if it is no such function."""
    return SIGNATURES.get(module, {}).get(name)


def shim_export(module: str, name: str, *, exit_with_code: bool = True) -> str:
    """The name of the shim export implementing `module.name`.

    `exit_with_code` says whether the target WASI version has
    `wasi:cli/exit.exit-with-code` (0.2.12 and later); without it `proc_exit`
    maps to the variant that can only report success or failure.
    """
    if name == "proc_exit" and not exit_with_code:
        return PROC_EXIT_OK_ERR_EXPORT
    if module == PREVIEW0 and name in PREVIEW0_DIFFERS:
        return f"{PREVIEW0}#{name}"
    return name
