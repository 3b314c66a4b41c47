"""WAT command modules for shim tests, importing WASI functions by name.

`Program` declares each import with the spec's core signature (from the
shim catalog), keeps a string pool in data segments and brings small
printing helpers, so a test body can print what calls wrote into memory:

    p = Program(["fd_seek"])                      # wasi_unstable imports
    body = f"{p.say('pos')} (call $u64 (i64.const 3)) (call $nl)"
    module_bytes = p.module(body)                 # prints "pos 3\n"

Helpers: $print(ptr, len), $ch(c), $nl, $u64(v) / $u32(v) (" <decimal>"),
$bytes(addr, n) (" <hex>"), $eq64(a, b) (" 1" if the u64s are equal),
$open(path, len, oflags) -> fd or -errno (path_open from preopen fd 3;
unless open_helper=False).
"""

from __future__ import annotations

import wasmtime

from componentize.shim import PREVIEW0, PREVIEW1, signature

# Scratch memory map of the programs: 0x100.. structures the calls fill,
# 0xF00.. the helpers' scratch, 0x1000.. buffers, 0x8000.. strings.
HELPERS = """
  (func $print (param $p i32) (param $n i32)
    (i32.store (i32.const 0xF00) (local.get $p))
    (i32.store (i32.const 0xF04) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0xF00) (i32.const 1) (i32.const 0xF08))))
  (func $ch (param $c i32)
    (i32.store8 (i32.const 0xF10) (local.get $c))
    (call $print (i32.const 0xF10) (i32.const 1)))
  (func $nl (call $ch (i32.const 10)))
  ;; " <decimal>"
  (func $u64 (param $v i64) (local $p i32)
    (local.set $p (i32.const 0xF40))
    (loop $l
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $l (i64.ne (local.get $v) (i64.const 0))))
    (call $ch (i32.const 32))
    (call $print (local.get $p) (i32.sub (i32.const 0xF40) (local.get $p))))
  (func $u32 (param $v i32) (call $u64 (i64.extend_i32_u (local.get $v))))
  ;; " 1" if the u64 at a and at b are equal, else " 0"
  (func $eq64 (param $a i32) (param $b i32)
    (call $u32 (i64.eq (i64.load (local.get $a)) (i64.load (local.get $b)))))
  (func $hexdigit (param $d i32) (result i32)
    (i32.add (local.get $d)
      (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
  ;; " <hex bytes>" of memory [a, a+n)
  (func $bytes (param $a i32) (param $n i32) (local $i i32) (local $b i32)
    (call $ch (i32.const 32))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $b (i32.load8_u (i32.add (local.get $a) (local.get $i))))
      (i32.store8 (i32.const 0xF20) (call $hexdigit (i32.shr_u (local.get $b) (i32.const 4))))
      (i32.store8 (i32.const 0xF21) (call $hexdigit (i32.and (local.get $b) (i32.const 15))))
      (call $print (i32.const 0xF20) (i32.const 2))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
"""


OPEN_HELPER = """
  ;; path_open from the preopen (fd 3), following symlinks; the new fd or -errno.
  ;; Directories (oflags 2) without the fd_write right (bit 6): EISDIR else.
  (func $open (param $path i32) (param $len i32) (param $oflags i32) (result i32)
    (local $e i32) (local $rights i64)
    (local.set $rights (select (i64.const 0x1fffffbf) (i64.const 0x1fffffff)
                               (i32.and (local.get $oflags) (i32.const 2))))
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (local.get $path) (local.get $len)
      (local.get $oflags) (local.get $rights) (local.get $rights) (i32.const 0) (i32.const 0xF80)))
    (if (result i32) (local.get $e)
      (then (i32.sub (i32.const 0) (local.get $e)))
      (else (i32.load (i32.const 0xF80)))))
"""


class Program:
    """A WAT command module: imports by name, a string pool, helpers."""

    def __init__(
        self, p0: list[str], p1: tuple[str, ...] = (), *, open_helper: bool = True
    ) -> None:
        names = {"fd_write", *p0} | ({"path_open"} if open_helper else set())
        self.helpers = HELPERS + (OPEN_HELPER if open_helper else "")
        self.imports = [_import(PREVIEW0, n, f"${n}") for n in sorted(names)]
        self.imports += [_import(PREVIEW1, n, f"$p1.{n}") for n in p1]
        self.data: list[str] = []
        self.next = 0x8000

    def text(self, s: str) -> str:
        """`(i32.const addr) (i32.const len)` of `s` in the string pool."""
        raw = s.encode()
        addr, self.next = self.next, self.next + len(raw)
        self.data.append(f'(data (i32.const {addr}) "{_escape(raw)}")')
        return f"(i32.const {addr}) (i32.const {len(raw)})"

    def say(self, label: str) -> str:
        """Print `label` (the start of an output line)."""
        return f"(call $print {self.text(label)})"

    def module(self, body: str) -> bytes:
        parts = [
            "(module",
            *self.imports,
            '(memory (export "memory") 2)',
            *self.data,
            self.helpers,
            f'(func (export "_start")\n{body})',
            ")",
        ]
        text = "\n".join(parts)
        return bytes(wasmtime.wat2wasm(text))


def _import(module: str, name: str, ident: str) -> str:
    sig = signature(module, name)
    assert sig is not None, name
    params = f"(param {' '.join(sig.params)})" if sig.params else ""
    results = f"(result {' '.join(sig.results)})" if sig.results else ""
    return f'(import "{module}" "{name}" (func {ident} {params} {results}))'


def _escape(raw: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in raw)
