;; AssemblyScript's `abort(message, file, line, column)` for a module built
;; without @assemblyscript/wasi-shim, doing what that shim's abort does:
;; `abort: MESSAGE in FILE(LINE:COLUMN)\n` to fd 2, then proc_exit(255).
;; Like it, the text is built in the module's memory: the iovec at 0, the
;; written count at 8, the text from 12.  Strings are AssemblyScript's
;; (UTF-16, byte length at ptr - 4; 0 for null), written as UTF-8, a lone
;; surrogate as three bytes.  Spliced into the rules module
;; (componentize/assemble/rules.py), which imports $fd_write, $proc_exit
;; and the memory.

(func $abort (param $msg i32) (param $file i32) (param $line i32) (param $col i32)
  (local $p i32)
  (i64.store (i32.const 12) (i64.const 0x203a74726f6261)) ;; "abort: "
  (local.set $p (call $utf8 (i32.const 19) (local.get $msg)))
  (i32.store (local.get $p) (i32.const 0x206e6920)) ;; " in "
  (local.set $p (call $utf8 (i32.add (local.get $p) (i32.const 4)) (local.get $file)))
  (i32.store8 (local.get $p) (i32.const 0x28)) ;; "("
  (local.set $p (call $dec (i32.add (local.get $p) (i32.const 1)) (local.get $line)))
  (i32.store8 (local.get $p) (i32.const 0x3a)) ;; ":"
  (local.set $p (call $dec (i32.add (local.get $p) (i32.const 1)) (local.get $col)))
  (i32.store16 (local.get $p) (i32.const 0x0a29)) ;; ")\n"
  (local.set $p (i32.add (local.get $p) (i32.const 2)))
  (i32.store (i32.const 0) (i32.const 12))
  (i32.store (i32.const 4) (i32.sub (local.get $p) (i32.const 12)))
  (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
  (call $proc_exit (i32.const 255))
  unreachable)

;; 0x80 | (c >> shift) & 0x3f: a UTF-8 continuation byte
(func $cont (param $c i32) (param $shift i32) (result i32)
  (i32.or (i32.const 0x80)
    (i32.and (i32.shr_u (local.get $c) (local.get $shift)) (i32.const 0x3f))))

;; code point $c as UTF-8 at $dst; returns the end
(func $put (param $dst i32) (param $c i32) (result i32)
  (if (i32.lt_u (local.get $c) (i32.const 0x80))
    (then
      (i32.store8 (local.get $dst) (local.get $c))
      (return (i32.add (local.get $dst) (i32.const 1)))))
  (if (i32.lt_u (local.get $c) (i32.const 0x800))
    (then
      (i32.store8 (local.get $dst)
        (i32.or (i32.const 0xc0) (i32.shr_u (local.get $c) (i32.const 6))))
      (i32.store8 offset=1 (local.get $dst) (call $cont (local.get $c) (i32.const 0)))
      (return (i32.add (local.get $dst) (i32.const 2)))))
  (if (i32.lt_u (local.get $c) (i32.const 0x10000))
    (then
      (i32.store8 (local.get $dst)
        (i32.or (i32.const 0xe0) (i32.shr_u (local.get $c) (i32.const 12))))
      (i32.store8 offset=1 (local.get $dst) (call $cont (local.get $c) (i32.const 6)))
      (i32.store8 offset=2 (local.get $dst) (call $cont (local.get $c) (i32.const 0)))
      (return (i32.add (local.get $dst) (i32.const 3)))))
  (i32.store8 (local.get $dst)
    (i32.or (i32.const 0xf0) (i32.shr_u (local.get $c) (i32.const 18))))
  (i32.store8 offset=1 (local.get $dst) (call $cont (local.get $c) (i32.const 12)))
  (i32.store8 offset=2 (local.get $dst) (call $cont (local.get $c) (i32.const 6)))
  (i32.store8 offset=3 (local.get $dst) (call $cont (local.get $c) (i32.const 0)))
  (i32.add (local.get $dst) (i32.const 4)))

;; the AssemblyScript string at $s as UTF-8 at $dst; returns the end
(func $utf8 (param $dst i32) (param $s i32) (result i32)
  (local $i i32) (local $n i32) (local $c i32) (local $d i32)
  (if (i32.eqz (local.get $s)) (then (return (local.get $dst))))
  (local.set $n (i32.load (i32.sub (local.get $s) (i32.const 4))))
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $c (i32.load16_u (i32.add (local.get $s) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      ;; a high surrogate followed by a low one: one code point
      (if (i32.and
            (i32.eq (i32.and (local.get $c) (i32.const 0xfc00)) (i32.const 0xd800))
            (i32.lt_u (local.get $i) (local.get $n)))
        (then
          (local.set $d (i32.load16_u (i32.add (local.get $s) (local.get $i))))
          (if (i32.eq (i32.and (local.get $d) (i32.const 0xfc00)) (i32.const 0xdc00))
            (then
              (local.set $c
                (i32.add (i32.const 0x10000)
                  (i32.or
                    (i32.shl (i32.and (local.get $c) (i32.const 0x3ff)) (i32.const 10))
                    (i32.and (local.get $d) (i32.const 0x3ff)))))
              (local.set $i (i32.add (local.get $i) (i32.const 2)))))))
      (local.set $dst (call $put (local.get $dst) (local.get $c)))
      (br $next)))
  (local.get $dst))

;; $v in decimal at $dst; returns the end
(func $dec (param $dst i32) (param $v i32) (result i32)
  (local $t i32) (local $end i32)
  (local.set $t (local.get $v))
  (local.set $end (i32.add (local.get $dst) (i32.const 1)))
  (block $counted
    (loop $count
      (br_if $counted (i32.lt_u (local.get $t) (i32.const 10)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (local.set $end (i32.add (local.get $end) (i32.const 1)))
      (br $count)))
  (local.set $t (local.get $end))
  (loop $digit
    (local.set $t (i32.sub (local.get $t) (i32.const 1)))
    (i32.store8 (local.get $t) (i32.add (i32.const 0x30) (i32.rem_u (local.get $v) (i32.const 10))))
    (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
    (br_if $digit (local.get $v)))
  (local.get $end))
