"""The descriptor flags path_open asks the host for, seen by a fake host.

wasmtime grants `mutate-directory` on anything, so differential tests cannot
see what is asked; jco's Node host refuses it, and a guest that asked for it
on a plain file open would get ENOTSUP there.  path_open must ask only for
what the preview1 call needs: read/write for files, `mutate-directory` only
for directories, and go on without it where the host refuses it.
"""

from __future__ import annotations

import struct

from .harness import Host, Shim

READ, WRITE, MUTATE_DIRECTORY = 1, 2, 32  # wasi:filesystem descriptor-flags
DIRECTORY_TYPE, REGULAR_FILE_TYPE = 3, 6  # descriptor-type
UNSUPPORTED = 27  # error-code
O_CREAT, O_DIRECTORY, O_TRUNC = 1, 2, 8
FD_READ, FD_WRITE, ALL_RIGHTS = 0x2, 0x40, 0x1FFFFFFF
KEEP = {"path_open", "fd_close", "fd_fdstat_get", "fd_filestat_set_times"}


class FsShim(Shim):
    """Records every open-at; paths ending in "dir" are directories."""

    def __init__(self, refuse_mutate: bool = False) -> None:
        self.refuse_mutate = refuse_mutate
        self.opened: list[tuple[str, int, int]] = []  # (path, open-flags, descriptor-flags)
        self.paths: dict[int, str] = {}
        self.asked: list[tuple[str, str]] = []  # (get-type, path)
        self.replaced: set[str] = set()  # paths that name another file than when first opened
        self.set_times: list[int] = []  # handles whose times were set
        super().__init__(KEEP, Host(preopens=["/"]))

    def w_types_method_descriptor_open_at(
        self, handle: int, path_flags: int, ptr: int, n: int, oflags: int, flags: int, ret: int
    ) -> None:
        path = self.pr(ptr, n).decode()
        self.opened.append((path, oflags, flags))
        if self.refuse_mutate and flags & MUTATE_DIRECTORY:
            self.pw(ret, struct.pack("<BxxxB", 1, UNSUPPORTED))
            return
        new = 200 + len(self.opened)
        self.paths[new] = path
        self.pw(ret, struct.pack("<BxxxI", 0, new))

    def w_types_method_descriptor_get_type(self, handle: int, ret: int) -> None:
        self.asked.append(("get-type", self.paths[handle]))
        kind = DIRECTORY_TYPE if self.paths[handle].endswith("dir") else REGULAR_FILE_TYPE
        self.pw(ret, bytes([0, kind]))

    def w_types_method_descriptor_set_times(self, handle: int, *args: int) -> None:
        self.set_times.append(handle)
        self.pw(args[-1], b"\0\0")

    def w_types_method_descriptor_metadata_hash(self, handle: int, ret: int) -> None:
        path = self.paths[handle]
        lower = len(path) + (1000 * handle if path in self.replaced else 0)
        self.pw(ret, struct.pack("<BxxxxxxxQQ", 0, lower, 7))

    def open(self, path: str, oflags: int, rights: int) -> int:
        self.gw(0x1000, path.encode())
        return int(self.call("path_open", 3, 1, 0x1000, len(path), oflags, rights, rights, 0, 8))


def test_files_are_opened_with_read_and_write_only() -> None:
    shim = FsShim()
    assert shim.open("f.txt", 0, FD_READ) == 0
    assert shim.open("f.txt", 0, ALL_RIGHTS & ~FD_WRITE) == 0  # wasi-libc's O_RDONLY
    assert shim.open("g.txt", O_CREAT | O_TRUNC, FD_WRITE) == 0
    assert shim.open("h.txt", 0, FD_READ | FD_WRITE) == 0
    assert shim.opened == [
        ("f.txt", 0, READ),
        ("f.txt", 0, READ),
        ("g.txt", O_CREAT | O_TRUNC, WRITE),
        ("h.txt", 0, READ | WRITE),
    ]


def test_directories_ask_for_mutate_directory() -> None:
    shim = FsShim()
    assert shim.open("sub.dir", O_DIRECTORY, FD_READ) == 0
    assert shim.opened == [("sub.dir", O_DIRECTORY, READ | MUTATE_DIRECTORY)]


def test_a_host_refusing_mutate_directory_still_opens_directories() -> None:
    shim = FsShim(refuse_mutate=True)
    assert shim.open("sub.dir", O_DIRECTORY, ALL_RIGHTS & ~FD_WRITE) == 0  # opendir()
    assert shim.opened == [
        ("sub.dir", O_DIRECTORY, READ | MUTATE_DIRECTORY),
        ("sub.dir", O_DIRECTORY, READ),
    ]
    assert struct.unpack("<I", shim.gr(8, 4)) == (4,)


def last_fd(shim: FsShim) -> int:
    return int(struct.unpack("<I", shim.gr(8, 4))[0])


def filetype(shim: FsShim, fd: int) -> int:
    assert shim.call("fd_fdstat_get", fd, 0x2000) == 0
    return shim.gr(0x2000, 1)[0]


def test_the_type_is_asked_only_when_needed() -> None:
    """path_open makes one host call: O_DIRECTORY opens are directories, write
    opens files, read-only ones stay untyped until something needs the type
    (here fd_fdstat_get, which asks get-type once per fd)."""
    shim = FsShim()
    assert shim.open("f.txt", 0, FD_READ) == 0
    f = last_fd(shim)
    assert shim.open("sub.dir", O_DIRECTORY, FD_READ) == 0
    assert shim.open("g.txt", O_CREAT, FD_WRITE) == 0
    g = last_fd(shim)
    assert shim.asked == []
    for _ in range(2):
        assert filetype(shim, f) == 4  # regular file
        assert filetype(shim, g) == 4
    assert shim.asked == [("get-type", "f.txt"), ("get-type", "g.txt")]


def test_a_directory_opened_as_a_file_is_reopened_as_a_directory() -> None:
    shim = FsShim()
    assert shim.open("sub.dir", 0, FD_READ) == 0
    assert shim.opened == [("sub.dir", 0, READ)]
    assert filetype(shim, last_fd(shim)) == 3  # typed now: a directory
    assert shim.opened == [("sub.dir", 0, READ), ("sub.dir", O_DIRECTORY, READ | MUTATE_DIRECTORY)]
    assert ("descriptor", 201) in shim.host.dropped


def test_a_directory_whose_path_names_another_now_keeps_its_handle() -> None:
    shim = FsShim()
    assert shim.open("sub.dir", 0, FD_READ) == 0
    shim.replaced.add("sub.dir")  # renamed away, another directory put there
    assert filetype(shim, last_fd(shim)) == 3
    assert ("descriptor", 202) in shim.host.dropped  # the reopened one
    assert ("descriptor", 201) not in shim.host.dropped


def test_closing_the_parent_types_its_untyped_children_first() -> None:
    shim = FsShim()
    assert shim.open("sub.dir", 0, FD_READ) == 0
    assert shim.call("fd_close", 3) == 0  # the preopen it was opened from
    assert shim.asked == [("get-type", "sub.dir")]
    assert shim.host.dropped.index(("descriptor", 201)) < shim.host.dropped.index(
        ("descriptor", 100)
    )
    assert filetype(shim, last_fd(shim)) == 3


def test_a_closed_untyped_fd_is_not_typed_when_its_parent_closes() -> None:
    shim = FsShim()
    assert shim.open("f.txt", 0, FD_READ) == 0
    assert shim.call("fd_close", last_fd(shim)) == 0
    assert shim.call("fd_close", 3) == 0
    assert shim.asked == []


def test_setting_times_types_the_fd_first() -> None:
    """A directory opened as a file gets mutate-directory before its times are set."""
    shim = FsShim()
    assert shim.open("sub.dir", 0, FD_READ) == 0
    assert shim.call("fd_filestat_set_times", last_fd(shim), 0, 0, 2) == 0  # atim now
    assert shim.set_times == [202]  # the reopened handle


def test_setting_times_on_a_file_is_one_get_type() -> None:
    shim = FsShim()
    assert shim.open("f.txt", 0, FD_READ) == 0
    assert shim.call("fd_filestat_set_times", last_fd(shim), 0, 0, 2) == 0
    assert shim.set_times == [201]
    assert shim.asked == [("get-type", "f.txt")]
