"""How path_open's rights and flags become a descriptor's access, against native.

wasi-libc before 2023 derives the rights of a file opened through a directory
fd from that fd's `fs_rights_inheriting`, so a file opened for writing may be
asked for with `fd_datasync` and `fd_allocate` but without `fd_write`
(clang 14's wasi-libc does exactly that): native preview1 still writes.
Each case opens a file or directory with one set of rights and prints the
errno of the calls that need read, write or directory-mutation access; native
preview1 and the component must print the same and leave the same files.
"""

from __future__ import annotations

from harness import assert_same, differential

from componentize.assemble import componentize

from .wat_program import Program

P1 = ("path_open", "fd_write", "fd_read", "fd_close", "path_create_directory", "fd_fdstat_get")
RIGHT_BITS = range(30)  # preview1 rights: fd_datasync (bit 0) .. sock_accept (bit 29)
O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC = 1, 2, 4, 8
# What wasi-libc of 2022 passes for open(O_WRONLY|O_CREAT) through a directory
# fd whose inheriting rights are wasmtime's for an opened directory.
OLD_LIBC_WRITE = 0x3FB7FFBB & ~0x42


def _open(p: Program, dirfd: str, path: str, oflags: int, rights: int) -> str:
    """path_open; leaves errno in $e and the new fd (or -1) in $fd."""
    return f"""
      (local.set $e (call $p1.path_open {dirfd} (i32.const 1) {p.text(path)} (i32.const {oflags})
        (i64.const {rights}) (i64.const {rights}) (i32.const 0) (i32.const 0x100)))
      (local.set $fd (select (i32.const -1) (i32.load (i32.const 0x100)) (local.get $e)))"""


def _probe(p: Program, label: str) -> str:
    """Print errnos of the open, a 1-byte write, a 1-byte read and fdstat, then
    the rights fdstat gives, and close."""
    return f"""{p.say(label)} (call $u32 (local.get $e))
      (i32.store (i32.const 0x200) (i32.const 0x300)) (i32.store (i32.const 0x204) (i32.const 1))
      (i32.store8 (i32.const 0x300) (i32.const 120))
      (call $u32 (call $p1.fd_write (local.get $fd) (i32.const 0x200) (i32.const 1)
                                    (i32.const 0x208)))
      (call $u32 (call $p1.fd_read (local.get $fd) (i32.const 0x200) (i32.const 1)
                                   (i32.const 0x208)))
      (call $u32 (call $p1.fd_fdstat_get (local.get $fd) (i32.const 0x108)))
      (call $u64 (i64.load (i32.const 0x110))) (call $u64 (i64.load (i32.const 0x118)))
      (drop (call $p1.fd_close (local.get $fd))) (call $nl)"""


def _module(p: Program, body: str) -> bytes:
    return p.module(f"(local $e i32) (local $fd i32) (local $dir i32) {body}")


def test_file_access_follows_rights_and_oflags_as_native() -> None:
    p = Program([], P1)
    body = ""
    rights_cases = [(f"bit{bit}", 1 << bit) for bit in RIGHT_BITS]
    rights_cases += [("none", 0), ("rw", 0x42), ("old-libc-write", OLD_LIBC_WRITE)]
    for oflags in (0, O_CREAT, O_TRUNC, O_CREAT | O_TRUNC, O_CREAT | O_EXCL):
        for label, rights in rights_cases:
            path = f"new-{oflags}-{label}.txt" if oflags & O_EXCL else "f.txt"
            body += _open(p, "(i32.const 3)", path, oflags, rights)
            body += _probe(p, f"oflags{oflags} {label}")
    module = _module(p, body)
    d = differential(module, componentize(module).component, files={"f.txt": b"abc"})
    assert_same(d)
    assert d.component.stdout is not None
    assert d.component.stdout.count(b"\n") == 5 * len(rights_cases)


def test_files_created_through_opened_directories_as_native() -> None:
    # A directory opened with each single right; through it, a file created
    # with only fd_write, one with an old wasi-libc's rights, and a directory.
    p = Program([], P1)
    body = ""
    for bit in RIGHT_BITS:
        body += _open(p, "(i32.const 3)", "sub", O_DIRECTORY, 1 << bit)
        body += f"{p.say(f'dir{bit}')} (call $u32 (local.get $e)) (call $nl)"
        body += "(local.set $dir (local.get $fd))"
        for name, rights in (("w", 0x40), ("old", OLD_LIBC_WRITE)):
            body += _open(p, "(local.get $dir)", f"{name}{bit}.txt", O_CREAT, rights)
            body += _probe(p, f"dir{bit} {name}")
        body += f"""{p.say(f"dir{bit} mkdir")}
            (call $u32 (call $p1.path_create_directory (local.get $dir) {p.text(f"d{bit}")}))
            (call $nl) (drop (call $p1.fd_close (local.get $dir)))"""
    module = _module(p, body)
    d = differential(module, componentize(module).component, files={"sub/keep": b""})
    assert_same(d)
