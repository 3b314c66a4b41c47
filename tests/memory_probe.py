"""A test-only rewrite of a preview1 command that reports its whole memory.

`probe(module)` returns the module with its end points routed through a
report: every `call`/`return_call` of `proc_exit` (and its table entries) goes to a
function that reports then exits, and `_start` is wrapped so that a normal
return reports too.  The report hashes memory 0, every byte up to
`memory.size` (64-bit FNV-1a over 8-byte words), and writes one line,
`memory <hash> pages <memory.size>`, to stderr with the module's own
`fd_write`; the line's buffer and iovec sit in the last 64 bytes of memory,
written after hashing.

Run natively and as a component with the same inputs, a deterministic
program must print the same line: the shim wrote nothing in the module's
memory that native preview1 did not, and grew it no more.

One normalisation: wasmtime's native `fd_write` and `fd_read` serve only
the first non-empty iovec (a short write or read, which preview1 allows)
while the shim serves them all, so a program's retry loop leaves different
state behind (wasi-libc's stdio keeps the advanced iovec on its stack).  The
probe routes the module's `fd_write`/`fd_read` calls through a loop that
passes one iovec at a time, on both sides; the shim's own multi-iovec path
is covered by the differential tests, not by this one.

New types and functions are appended, so no existing index moves; only the
bodies that call `proc_exit` are decoded.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import wasmtime

from componentize import wasm
from componentize.wasm.leb128 import u32
from componentize.wasm.reindex import Reindex

PREVIEW1 = ("wasi_snapshot_preview1", "wasi_unstable")
LINE = rb"memory [0-9a-f]{16} pages [0-9a-f]{8}\n"

# Function indices 0-3 are stand-ins for the module's fd_write, proc_exit,
# old `_start` and fd_read; 4-9 are the new functions, in this order.
_TEMPLATE = """(module
  (import "x" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "x" "proc_exit" (func $proc_exit (param i32)))
  (import "x" "start" (func $start))
  (import "x" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (func $report (local $i i32) (local $h i64) (local $end i32) (local $at i32) (local $n i32)
    (local.set $end (i32.shl (memory.size) (i32.const 16)))
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $i)))
                             (i64.const 0x100000001b3)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $next)))
    ;; "memory " + 16 hex digits + " pages " + 8 hex digits + "\\n", at end - 64
    (local.set $at (i32.sub (local.get $end) (i32.const 64)))
    (i64.store (local.get $at) (i64.const 0x2079726f6d656d))  ;; "memory " (and a 0)
    (call $hex (local.get $h) (i32.add (local.get $at) (i32.const 7)) (i32.const 16))
    (i64.store offset=23 (local.get $at) (i64.const 0x20736567617020))  ;; " pages " (and a 0)
    (call $hex (i64.extend_i32_u (memory.size)) (i32.add (local.get $at) (i32.const 30))
               (i32.const 8))
    (i32.store8 offset=38 (local.get $at) (i32.const 10))
    ;;DUMP
    (i32.store offset=48 (local.get $at) (local.get $at))
    (i32.store offset=52 (local.get $at) (i32.const 39))
    (drop (call $fd_write (i32.const 2) (i32.add (local.get $at) (i32.const 48)) (i32.const 1)
                          (i32.add (local.get $at) (i32.const 56)))))
  (func $start_then_report (call $start) (call $report))
  (func $report_then_exit (param $code i32) (call $report) (call $proc_exit (local.get $code)))
  ;; `digits` hex digits of v, most significant first, at `at`
  (func $hex (param $v i64) (param $at i32) (param $digits i32) (local $d i32)
    (loop $next
      (local.set $digits (i32.sub (local.get $digits) (i32.const 1)))
      (local.set $d (i32.wrap_i64 (i64.and (local.get $v) (i64.const 15))))
      (i32.store8 (i32.add (local.get $at) (local.get $digits))
        (i32.add (local.get $d)
          (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 4)))
      (br_if $next (local.get $digits))))
  (func $write_each (param i32 i32 i32 i32) (result i32)
    (call $each (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 0)))
  (func $read_each (param i32 i32 i32 i32) (result i32)
    (call $each (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 1)))
  ;; one iovec per call; stop at a short transfer; an error after some
  ;; bytes moved is a short transfer too (as POSIX readv/writev)
  (func $each (param $fd i32) (param $iov i32) (param $n i32) (param $out i32) (param $read i32)
    (result i32) (local $total i32) (local $errno i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $errno (if (result i32) (local.get $read)
        (then (call $fd_read (local.get $fd) (local.get $iov) (i32.const 1) (local.get $out)))
        (else (call $fd_write (local.get $fd) (local.get $iov) (i32.const 1) (local.get $out)))))
      (if (local.get $errno) (then
        (br_if $done (local.get $total))
        (return (local.get $errno))))
      (local.set $total (i32.add (local.get $total) (i32.load (local.get $out))))
      (br_if $done (i32.lt_u (i32.load (local.get $out)) (i32.load offset=4 (local.get $iov))))
      (local.set $iov (i32.add (local.get $iov) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (i32.store (local.get $out) (local.get $total))
    (i32.const 0))
  ;; memory [0, at) to stderr, whatever the host's short writes
  (func $dump (param $at i32) (local $p i32) (local $left i32) (local $n i32)
    (local.set $left (local.get $at))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $left)))
      (i32.store offset=48 (local.get $at) (local.get $p))
      (i32.store offset=52 (local.get $at) (local.get $left))
      (br_if $done (call $fd_write (i32.const 2) (i32.add (local.get $at) (i32.const 48))
                                   (i32.const 1) (i32.add (local.get $at) (i32.const 56))))
      (local.set $n (i32.load offset=56 (local.get $at)))
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $p (i32.add (local.get $p) (local.get $n)))
      (local.set $left (i32.sub (local.get $left) (local.get $n)))
      (br $next))))
)"""
_IO = wasm.FuncType(["i32", "i32", "i32", "i32"], ["i32"])
_NEW = (
    "report",
    "start_then_report",
    "report_then_exit",
    "hex",
    "write_each",
    "read_each",
    "each",
    "dump",
)
_TYPES = [
    wasm.FuncType([], []),
    wasm.FuncType([], []),
    wasm.FuncType(["i32"], []),
    wasm.FuncType(["i64", "i32", "i32"], []),
    _IO,
    _IO,
    wasm.FuncType(["i32", "i32", "i32", "i32", "i32"], ["i32"]),
    wasm.FuncType(["i32"], []),
]


class NotProbed(Exception):
    """The module lacks what the probe needs (said why)."""


class _Map(Reindex):
    def __init__(self, funcs: dict[int, int]) -> None:
        self.funcs = funcs

    def func_index(self, index: int) -> int:
        return self.funcs.get(index, index)


def probe(module: bytes, *, dump: bool = False) -> bytes:
    """`module` rewritten to report its memory when it exits or returns;
    with `dump`, the report writes all of memory before the line
    (`dumped_memory` takes it back out of stderr)."""
    m = wasm.decode_module(module)
    imports = [i for i in m.imports if i.kind == "func"]
    writes, reads = _imported(imports, "fd_write"), _imported(imports, "fd_read")
    exits = _imported(imports, "proc_exit")
    if not writes:
        raise NotProbed("it imports no fd_write to report with")
    start = wasm.export_map(m).get("_start")
    if start is None or start.kind != "func":
        raise NotProbed("it exports no _start")
    first = len(imports) + len(m.functions)  # index of the first new function
    new = {i + 4: first + i for i in range(len(_NEW))}
    # an import the module lacks: the function using it is never called;
    # let it call itself, so that its body still type-checks
    stand_in = {
        0: writes[0],
        1: exits[0] if exits else new[6],
        2: start.index,
        3: reads[0] if reads else new[9],
    }
    bodies = _template_bodies(_Map({**stand_in, **new}), dump)
    types = len(m.types)
    m = replace(
        m,
        types=[*m.types, *_TYPES],
        functions=[*m.functions, *range(types, types + len(_TYPES))],
        codes=[*m.codes, *bodies],
        exports=[
            replace(e, index=new[5]) if e.name == "_start" and e.kind == "func" else e
            for e in m.exports
        ],
    )
    routes = {old: new[6] for old in exits}
    routes |= {old: new[8] for old in writes} | {old: new[9] for old in reads}
    return wasm.encode_module(_reroute(m, routes))


def _imported(imports: list[wasm.Import], name: str) -> list[int]:
    """The function indices of every import of preview1's `name`."""
    return [at for at, i in enumerate(imports) if i.module in PREVIEW1 and i.name == name]


def _template_bodies(mapping: Reindex, dump: bool) -> list[wasm.Code]:
    text = _TEMPLATE.replace(";;DUMP", "(call $dump (local.get $at))" if dump else "")
    template = wasm.decode_module(bytes(wasmtime.wat2wasm(text)))
    out = []
    for code in template.codes:
        body = wasm.decode_code(code)
        instructions = mapping.instructions(body.instructions)
        out.append(wasm.Code(body.locals, _code_bytes(instructions)))
    return out


def _code_bytes(instructions: list[wasm.Instruction]) -> bytes:
    """The instruction bytes of a body (encode_body also writes the locals)."""
    locals_free = wasm.encode_body(wasm.Body([], instructions))
    return locals_free[1:]  # a zero count of local declarations


def _reroute(m: wasm.Module, routes: dict[int, int]) -> wasm.Module:
    """Every use of each old function in the module's code and tables made a
    use of its new one (the probe's own functions, last, are left alone)."""
    mapping = _Map(routes)
    # only the bodies whose bytes may hold `call old` or `return_call old`,
    # its index in shortest or 5-byte LEB128 (linkers leave relocations padded)
    needles = [op + index for old in routes for op in (b"\x10", b"\x12") for index in _lebs(old)]
    codes = []
    for code in m.codes[: -len(_NEW)]:
        if any(needle in code.code for needle in needles):
            body = wasm.decode_code(code)
            code = wasm.Code(body.locals, _code_bytes(mapping.instructions(body.instructions)))
        codes.append(code)
    elements = [
        replace(e, items=[routes.get(i, i) for i in e.items])
        if e.items and isinstance(e.items[0], int)
        else e
        for e in m.elements
    ]
    return replace(m, codes=[*codes, *m.codes[-len(_NEW) :]], elements=elements)


def _lebs(index: int) -> tuple[bytes, bytes]:
    padded = bytes([(index >> shift) & 0x7F | 0x80 for shift in (0, 7, 14, 21)])
    return u32(index), padded + bytes([index >> 28])


def dumped_memory(stderr: bytes) -> bytes:
    """The memory a `dump` probe wrote before its line (the last 64 bytes,
    where the line is made, left out)."""
    line = re.findall(LINE, stderr)[-1]
    size = int(line.split()[3], 16) * 65536 - 64
    end = len(stderr) - len(line)
    return stderr[end - size : end]


CACHE = Path(__file__).resolve().parent.parent / ".cache" / "probes"


def cached_probe(module: bytes, *, dump: bool = False) -> bytes:
    """`probe`, kept in .cache/probes under a key of the module, `dump` and
    this file (decoding the bodies that call the rerouted imports takes 10 s
    for the Go fixture)."""
    this = Path(__file__).read_bytes()
    key = hashlib.sha256(this + bytes([dump]) + module).hexdigest()
    path = CACHE / f"{key}.wasm"
    if path.is_file():
        return path.read_bytes()
    probed = probe(module, dump=dump)
    CACHE.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=CACHE, suffix=".tmp")  # whole, then visible
    with os.fdopen(fd, "wb") as out:
        out.write(probed)
    os.replace(tmp, path)
    return probed
