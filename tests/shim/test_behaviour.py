"""The shim's preview1 functions against faked WASI 0.2 imports (harness.py);
expected values are wasmtime's native preview1 results."""

from __future__ import annotations

import struct

import pytest
import wasmtime

from .harness import Exit, Host, Shim

EBADF, EINVAL, ENAMETOOLONG, ENOTDIR, ESPIPE = 8, 28, 37, 54, 70


def iovecs(shim: Shim, at: int, bufs: list[tuple[int, bytes]]) -> None:
    for i, (addr, data) in enumerate(bufs):
        shim.gw(addr, data)
        shim.gw(at + 8 * i, struct.pack("<II", addr, len(data)))


def test_fd_write_all_iovecs_in_one_call() -> None:
    shim = Shim({"fd_write"})
    iovecs(shim, 0, [(100, b"hello "), (200, b""), (300, b"world\n")])
    assert shim.call("fd_write", 1, 0, 3, 500) == 0
    assert struct.unpack("<I", shim.gr(500, 4))[0] == 12
    assert shim.host.out[1] == b"hello world\n"
    assert shim.call("fd_write", 2, 0, 1, 500) == 0
    assert shim.host.out[2] == b"hello "


def test_fd_write_large_completes_in_chunks() -> None:
    shim = Shim({"fd_write"})
    shim.guest.grow(shim.store, 20)
    data = bytes(range(256)) * 4096  # 1 MiB
    iovecs(shim, 0, [(65536, data)])
    assert shim.call("fd_write", 1, 0, 1, 16) == 0
    assert struct.unpack("<I", shim.gr(16, 4))[0] == len(data)
    assert bytes(shim.host.out[1]) == data
    assert max(shim.host.write_sizes) <= 4096


def test_fd_write_many_iovecs() -> None:
    shim = Shim({"fd_write"})
    bufs = [(8192 + 4 * i, b"%03d" % (i % 1000)) for i in range(1000)]
    iovecs(shim, 0, bufs)
    assert shim.call("fd_write", 1, 0, len(bufs), 60000) == 0
    assert shim.host.out[1] == b"".join(d for _, d in bufs)


@pytest.mark.parametrize("fd", [0, 3, 99, 2**31])
def test_fd_write_bad_fd(fd: int) -> None:
    shim = Shim({"fd_write"})
    assert shim.call("fd_write", fd, 0, 0, 16) == EBADF


def test_fd_write_out_of_bounds_traps_before_writing() -> None:
    shim = Shim({"fd_write"})
    iovecs(shim, 0, [(100, b"x"), (65530, b"")])
    shim.gw(12, struct.pack("<I", 100))  # second iovec: 100 bytes at 65530
    with pytest.raises(wasmtime.Trap):
        shim.call("fd_write", 1, 0, 2, 16)
    assert shim.host.out[1] == b""


@pytest.mark.parametrize("at", [65536 - 2, 2**32 - 2])  # past the end; wrapping around 2**32
def test_copies_to_the_guest_trap_out_of_bounds_before_writing(at: int) -> None:
    # The copies between the memories do not check bounds (postprocess.py):
    # the C checks the guest's range first, here that of fd_prestat_dir_name.
    shim = Shim({"fd_prestat_dir_name"}, Host(preopens=["/dir"]))
    before = shim.gr(0, 65536)
    with pytest.raises(wasmtime.Trap):
        shim.call("fd_prestat_dir_name", 3, at, 4)
    assert shim.gr(0, 65536) == before


def test_fd_read_first_blocks_then_only_available() -> None:
    shim = Shim({"fd_read"}, Host(stdin=b"abcdefgh"))
    iovecs(shim, 0, [(100, b"\0" * 3), (200, b"\0" * 10)])
    assert shim.call("fd_read", 0, 0, 2, 500) == 0
    assert struct.unpack("<I", shim.gr(500, 4))[0] == 8
    assert shim.gr(100, 3) == b"abc" and shim.gr(200, 5) == b"defgh"
    assert shim.call("fd_read", 0, 0, 2, 500) == 0  # end of input
    assert struct.unpack("<I", shim.gr(500, 4))[0] == 0
    assert shim.call("fd_read", 1, 0, 2, 500) == EBADF


def test_args_and_environ() -> None:
    args = ["prog"] + [f"arg{i}" for i in range(200)]
    env = [("K", "v" * 1000), ("EMPTY", "")]
    shim = Shim(
        {"args_get", "args_sizes_get", "environ_get", "environ_sizes_get"}, Host(args=args, env=env)
    )
    assert shim.call("args_sizes_get", 0, 4) == 0
    argc, size = struct.unpack("<II", shim.gr(0, 8))
    assert argc == len(args) and size == sum(len(a) + 1 for a in args)
    assert shim.call("args_get", 16, 4096) == 0
    ptrs = struct.unpack(f"<{argc}I", shim.gr(16, 4 * argc))
    assert [shim.gr(p, 64).split(b"\0")[0].decode() for p in ptrs] == args
    assert shim.call("environ_sizes_get", 0, 4) == 0
    assert struct.unpack("<II", shim.gr(0, 8)) == (2, 1002 + 1 + 6 + 1)
    assert shim.call("environ_get", 16, 8192) == 0
    p0, p1 = struct.unpack("<II", shim.gr(16, 8))
    assert shim.gr(p0, 1003) == b"K=" + b"v" * 1000 + b"\0"
    assert shim.gr(p1, 7) == b"EMPTY=\0"


def test_clocks() -> None:
    shim = Shim({"clock_time_get", "clock_res_get"})
    assert shim.call("clock_time_get", 0, 0, 8) == 0
    assert struct.unpack("<Q", shim.gr(8, 8))[0] == 1_700_000_000 * 10**9 + 123
    assert shim.call("clock_time_get", 1, 0, 8) == 0
    assert struct.unpack("<Q", shim.gr(8, 8))[0] == 42_000
    assert shim.call("clock_res_get", 0, 8) == 0
    assert struct.unpack("<Q", shim.gr(8, 8))[0] == 1
    assert shim.call("clock_res_get", 1, 8) == 0
    assert struct.unpack("<Q", shim.gr(8, 8))[0] == 7
    for cpu_clock in (2, 3):
        assert shim.call("clock_time_get", cpu_clock, 0, 8) == EBADF
        assert shim.call("clock_res_get", cpu_clock, 8) == EBADF
    assert shim.call("clock_time_get", 4, 0, 8) == EINVAL


def test_random_get_small_takes_u64s() -> None:
    """Up to 16 bytes come from get-random-u64 calls, stored straight into
    the buffer (no list, no arena); the bytes around it stay untouched."""
    shim = Shim({"random_get"})
    for n in (0, 1, 8, 13, 16):
        shim.host.random_u64s = 0
        shim.gw(100, b"\xee" * 40)
        assert shim.call("random_get", 101, n) == 0
        words = b"".join(struct.pack("<Q", 0x0807060504030201 * k) for k in range(1, 5))
        assert shim.gr(100, 40) == b"\xee" + words[:n] + b"\xee" * (39 - n)
        assert shim.host.random_u64s == (n + 7) // 8
    shim.host.random_u64s = 0
    assert shim.call("random_get", 101, 17) == 0  # more: one get-random-bytes
    assert shim.gr(101, 17) == bytes(range(17))
    assert shim.host.random_u64s == 0


def test_random_get_large() -> None:
    shim = Shim({"random_get"})
    shim.guest.grow(shim.store, 3)
    assert shim.call("random_get", 10, 200_000) == 0
    got = shim.gr(10, 200_000)
    assert got[:65536] == bytes(i % 251 for i in range(65536))
    assert got[65536:65546] == bytes(range(10))  # second chunk


def test_proc_exit_variants() -> None:
    shim = Shim({"proc_exit", "proc_exit_ok_err"})
    for code in (0, 3, 255):
        with pytest.raises(Exit) as e:
            shim.call("proc_exit", code)
        assert e.value.code == code
    with pytest.raises(Exit) as e:
        shim.call("proc_exit_ok_err", 3)
    assert e.value.code == "err"
    with pytest.raises(wasmtime.Trap, match="unreachable"):
        shim.call("proc_exit", 256)


def test_seek_tell_close_fdstat() -> None:
    shim = Shim(
        {"fd_seek", "fd_tell", "fd_fdstat_set_flags", "fd_fdstat_get", "fd_close", "fd_write"},
        Host(preopens=["/sandbox", "other"]),
    )
    for fd in (0, 1, 2):
        assert shim.call("fd_seek", fd, 0, 1, 8) == ESPIPE
        assert shim.call("fd_tell", fd, 8) == ESPIPE
        assert shim.call("fd_fdstat_set_flags", fd, 0) == EBADF
    assert shim.call("fd_seek", 3, 0, 1, 8) == EBADF
    assert shim.call("fd_fdstat_get", 1, 8) == 0
    assert shim.gr(8, 1) == b"\0" and struct.unpack("<QQ", shim.gr(16, 16)) == (0x40, 0x40)
    assert shim.call("fd_fdstat_get", 0, 8) == 0
    assert struct.unpack("<QQ", shim.gr(16, 16)) == (0x2, 0x2)
    assert shim.call("fd_fdstat_get", 3, 8) == 0
    assert shim.gr(8, 1) == b"\3"
    assert shim.call("fd_fdstat_get", 5, 8) == EBADF
    assert shim.call("fd_close", 2) == 0 and shim.call("fd_close", 2) == EBADF
    iovecs(shim, 100, [(200, b"x")])
    assert shim.call("fd_write", 2, 100, 1, 8) == EBADF


def test_fdstat_terminal() -> None:
    shim = Shim({"fd_fdstat_get"}, Host(terminal=True))
    assert shim.call("fd_fdstat_get", 1, 8) == 0
    assert shim.gr(8, 1) == b"\2"
    assert ("terminal_output", 77) in shim.host.dropped


def test_prestat() -> None:
    preopens = [f"/dir{i}" for i in range(40)]
    shim = Shim({"fd_prestat_get", "fd_prestat_dir_name", "fd_close"}, Host(preopens=preopens))
    for fd, name in enumerate(preopens, 3):
        assert shim.call("fd_prestat_get", fd, 8) == 0
        assert struct.unpack("<BxxxI", shim.gr(8, 8)) == (0, len(name))
        assert shim.call("fd_prestat_dir_name", fd, 100, len(name)) == 0
        assert shim.gr(100, len(name)) == name.encode()
    assert shim.call("fd_prestat_get", 3 + len(preopens), 8) == EBADF
    assert shim.call("fd_prestat_get", 1, 8) == EBADF
    assert shim.call("fd_prestat_dir_name", 1, 100, 10) == ENOTDIR
    assert shim.call("fd_prestat_dir_name", 3, 100, 2) == ENAMETOOLONG
    assert shim.call("fd_close", 4) == 0
    assert ("descriptor", 101) in shim.host.dropped
    assert shim.call("fd_prestat_get", 4, 8) == EBADF


def test_run_calls_start_and_sched_yield() -> None:
    shim = Shim({"run", "sched_yield"})
    assert shim.call("run") == 0
    assert shim.started == [True]
    assert shim.call("sched_yield") == 0
