"""WAVE, the WebAssembly Value Encoding: component values as text, as
`wasmtime run --invoke 'f(1, "x")'` takes and prints them.

    bool       true, false
    integers   42, -7             floats  1.5, -0.0, nan, inf, -inf
    char       'x', '\\u{1f600}'   string  "a\\tb\\u{e9}"
    list       [1, 2, 3]          tuple   (1, "a")
    record     {x: 1, y: 2}       flags   {read, write}   (none: {})
    variant    circle(1.5), none  enum    red
    option     some(1), none      result  ok(1), err("bad"), ok

`parse_call` reads `NAME(ARG, ...)`; `to_python` turns a parsed value into
what wasmtime's component API takes for a type, `to_wave` prints what it
returns.  Types come from wasmtime (`wasmtime.component` type objects).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from wasmtime import component as wc

from componentize.errors import InputError

# ---------------------------------------------------------------- syntax


@dataclass(frozen=True)
class Atom:
    """A number, `true`/`false`, or a label (`red`, `none`, `ok`...)."""

    text: str


@dataclass(frozen=True)
class Text:
    value: str
    char: bool  # 'x' rather than "x"


@dataclass(frozen=True)
class Seq:
    items: tuple[Node, ...]
    kind: str  # list | tuple


@dataclass(frozen=True)
class Braces:
    """`{...}`: a record (every item `name: value`) or flags (bare names)."""

    items: tuple[tuple[str, Node | None], ...]


@dataclass(frozen=True)
class Case:
    """`label(payload)`."""

    label: str
    payload: Node


Node = Atom | Text | Seq | Braces | Case

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<char>'(?:[^'\\]|\\.|\\u\{[0-9a-fA-F]+\})')
    | (?P<atom>[-+]?[A-Za-z0-9_.%\-]+)
    | (?P<punct>[()\[\]{},:])
    )""",
    re.X,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            found = _TOKEN.match(text, pos)
            if not found or found.end() == pos:
                raise self.error("unexpected character", pos)
            kind = found.lastgroup or ""
            start = found.start(kind)
            self.tokens.append((kind, found.group(kind), start))
            pos = found.end()
        self.at = 0

    def error(self, what: str, pos: int | None = None) -> InputError:
        if pos is None:
            pos = self.tokens[self.at][2] if self.at < len(self.tokens) else len(self.text)
        return InputError(
            f"{what} at column {pos + 1} of `{self.text}`",
            where="--invoke",
            hint='write the call as in `wasmtime run --invoke`, e.g. greet("you", 3)',
        )

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.at >= len(self.tokens):
            raise self.error(f"expected `{expected}`" if expected else "expected a value")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected `{expected}`")
        self.at += 1
        return token

    def items(self, close: str) -> list[Node]:
        found: list[Node] = []
        while self.peek() != close:
            found.append(self.value())
            if self.peek() != close:
                self.take(",")
        self.take(close)
        return found

    def value(self) -> Node:
        kind, text, _ = self.take()
        if kind == "str":
            return Text(_unescape(text[1:-1], self), char=False)
        if kind == "char":
            return Text(_unescape(text[1:-1], self), char=True)
        if text == "[":
            return Seq(tuple(self.items("]")), "list")
        if text == "(":
            return Seq(tuple(self.items(")")), "tuple")
        if text == "{":
            return self.braces()
        if kind != "atom":
            raise self.error(f"unexpected `{text}`")
        if self.peek() == "(":
            self.take("(")
            payload = self.value()
            self.take(")")
            return Case(text, payload)
        return Atom(text)

    def braces(self) -> Braces:
        items: list[tuple[str, Node | None]] = []
        while self.peek() != "}":
            kind, name, _ = self.take()
            if kind != "atom":
                raise self.error("expected a field or flag name")
            if self.peek() == ":":
                self.take(":")
                items.append((name, self.value()))
            else:
                items.append((name, None))
            if self.peek() != "}":
                self.take(",")
        self.take("}")
        return Braces(tuple(items))


def _unescape(body: str, parser: _Parser) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and body[i + 2 : i + 3] == "{":
            end = body.index("}", i)
            out.append(chr(int(body[i + 3 : end], 16)))
            i = end + 1
        else:
            raise parser.error(f"unknown escape `\\{nxt}`")
    return "".join(out)


def parse_call(text: str) -> tuple[str, list[Node]]:
    """`NAME(ARG, ...)` -> (NAME, the arguments); NAME may be an
    interface's function, `INTERFACE#NAME`."""
    name, paren, rest = text.partition("(")
    name = name.strip()
    if not paren or not name or any(c.isspace() for c in name):
        raise InputError(
            f"`{text}` is not a call",
            where="--invoke",
            hint='write the call as in `wasmtime run --invoke`, e.g. greet("you", 3)',
        )
    parser = _Parser("(" + rest)
    parser.take("(")
    args = parser.items(")")
    if parser.at != len(parser.tokens):
        raise parser.error("unexpected text after the call")
    return name, args


# ---------------------------------------------------------------- values

_INTS = {"S8": 8, "S16": 16, "S32": 32, "S64": 64, "U8": 8, "U16": 16, "U32": 32, "U64": 64}


def _kind(ty: Any) -> str:
    return type(ty).__name__


def to_python(node: Node, ty: Any) -> Any:  # noqa: C901 - one arm per type
    """The value wasmtime's component API takes for `node` as a `ty`."""
    kind = _kind(ty)
    if kind == "Bool":
        return _atom(node, ("true", "false"), ty) == "true"
    if kind in _INTS:
        return _int(node, kind)
    if kind in ("F32", "F64"):
        return _float(node)
    if kind in ("Char", "String"):
        if not isinstance(node, Text) or (kind == "Char" and len(node.value) != 1):
            raise _mismatch(node, "a char like 'x'" if kind == "Char" else 'a string like "x"')
        return node.value
    if kind == "ListType":
        items = _seq(node, "list")
        values = [to_python(item, ty.element) for item in items]
        return bytes(values) if _kind(ty.element) == "U8" else values
    if kind == "TupleType":
        items = _seq(node, "tuple")
        if len(items) != len(ty.elements):
            raise _mismatch(node, f"a tuple of {len(ty.elements)}")
        return tuple(to_python(i, t) for i, t in zip(items, ty.elements, strict=True))
    if kind == "RecordType":
        return _record(node, ty)
    if kind == "FlagsType":
        if not isinstance(node, Braces) or any(v is not None for _, v in node.items):
            raise _mismatch(node, "flags like {a, b}")
        names = {name for name, _ in node.items}
        if not names <= set(ty.names):
            raise _mismatch(node, f"flags among {', '.join(ty.names)}")
        return names
    if kind == "EnumType":
        return _atom(node, tuple(ty.names), ty)
    if kind == "OptionType":
        if isinstance(node, Atom) and node.text == "none":
            return None
        if isinstance(node, Case) and node.label == "some":
            return to_python(node.payload, ty.payload)
        raise _mismatch(node, "some(...) or none")
    if kind == "ResultType":
        return _result(node, ty)
    if kind == "VariantType":
        return _variant(node, ty)
    raise _mismatch(node, f"a {kind} (not supported by --invoke)")


def _mismatch(node: Node, expected: str) -> InputError:
    return InputError(
        f"`{to_text(node)}` is not {expected}",
        where="--invoke",
        hint="check the function's parameter types (componentize wit FILE.wasm)",
    )


def _atom(node: Node, choices: tuple[str, ...], ty: Any) -> str:
    if not isinstance(node, Atom) or node.text not in choices:
        raise _mismatch(node, f"one of {', '.join(choices)}")
    return node.text


def _int(node: Node, kind: str) -> int:
    if not isinstance(node, Atom) or not re.fullmatch(r"[-+]?\d+", node.text):
        raise _mismatch(node, f"an integer ({kind.lower()})")
    value = int(node.text)
    bits = _INTS[kind]
    low, high = (
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind[0] == "S" else (0, (1 << bits) - 1)
    )
    if not low <= value <= high:
        raise _mismatch(node, f"a {kind.lower()} ({low} to {high})")
    return value


def _float(node: Node) -> float:
    if isinstance(node, Atom):
        special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
        if node.text in special:
            return special[node.text]
        try:
            return float(node.text)
        except ValueError:
            pass
    raise _mismatch(node, "a number")


def _seq(node: Node, kind: str) -> tuple[Node, ...]:
    if not isinstance(node, Seq) or node.kind != kind:
        raise _mismatch(node, "a list like [1, 2]" if kind == "list" else "a tuple like (1, 2)")
    return node.items


def _record(node: Node, ty: Any) -> wc.Record:
    if not isinstance(node, Braces) or any(v is None for _, v in node.items):
        raise _mismatch(node, "a record like {x: 1}")
    given = dict(node.items)
    names = [name for name, _ in ty.fields]
    if set(given) != set(names):
        raise _mismatch(node, f"a record with fields {', '.join(names)}")
    record = wc.Record()
    for name, field_type in ty.fields:
        value = given[name]
        assert value is not None
        setattr(record, name, to_python(value, field_type))
    return record


def _result(node: Node, ty: Any) -> Any:
    label = node.label if isinstance(node, Case) else node.text if isinstance(node, Atom) else ""
    if label not in ("ok", "err"):
        raise _mismatch(node, "ok(...) or err(...)")
    payload_type = ty.ok if label == "ok" else ty.err
    if isinstance(node, Case):
        if payload_type is None:
            raise _mismatch(node, f"{label} without a value")
        return _case_value(label, to_python(node.payload, payload_type), ty)
    if payload_type is not None:
        raise _mismatch(node, f"{label}(...) with a value")
    return _case_value(label, None, ty)


def _variant(node: Node, ty: Any) -> Any:
    cases = dict(ty.cases)
    label = node.label if isinstance(node, Case) else node.text if isinstance(node, Atom) else ""
    if label not in cases:
        raise _mismatch(node, f"one of the cases {', '.join(cases)}")
    payload_type = cases[label]
    if isinstance(node, Case) and payload_type is not None:
        return _case_value(label, to_python(node.payload, payload_type), ty)
    if isinstance(node, Atom) and payload_type is None:
        return _case_value(label, None, ty)
    raise _mismatch(node, f"case {label} {'with' if payload_type else 'without'} a value")


def _cases(ty: Any) -> list[tuple[str, Any]]:
    if _kind(ty) == "ResultType":
        return [("ok", ty.ok), ("err", ty.err)]
    return list(ty.cases)


def _classes(ty: Any) -> set[type]:
    found: set[type] = set()
    if ty is None:
        found.add(object)
    else:
        ty.add_classes(found)
    return found


def _tagged(ty: Any) -> bool:
    """Whether wasmtime's API shows this variant or result as a
    `Variant(tag, payload)`: only when the Python classes of two cases
    overlap; otherwise a case is its payload (None without one)."""
    seen: set[type] = set()
    for _, case in _cases(ty):
        classes = _classes(case)
        if classes & seen:
            return True
        seen |= classes
    return False


def _case_value(label: str, payload: Any, ty: Any) -> Any:
    return wc.Variant(label, payload) if _tagged(ty) else payload


def _case_of(value: Any, ty: Any) -> tuple[str, Any]:
    """(label, payload) of what wasmtime returned for a variant or result."""
    if _tagged(ty):
        return str(value.tag), value.payload
    for label, case in _cases(ty):
        if case is None and value is None:
            return label, None
        if case is not None and isinstance(value, tuple(_classes(case))):
            return label, value
    raise InputError(f"cannot print {value!r} as a {_kind(ty)}", where="--invoke")


def to_text(node: Node) -> str:
    """A parsed value, printed back (for messages)."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Text):
        return _quote(node.value, "'" if node.char else '"')
    if isinstance(node, Seq):
        inner = ", ".join(to_text(i) for i in node.items)
        return f"[{inner}]" if node.kind == "list" else f"({inner})"
    if isinstance(node, Braces):
        return (
            "{" + ", ".join(n if v is None else f"{n}: {to_text(v)}" for n, v in node.items) + "}"
        )
    return f"{node.label}({to_text(node.payload)})"


def _quote(text: str, mark: str) -> str:
    out = []
    for c in text:
        if c in (mark, "\\"):
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif not c.isprintable():
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    return mark + "".join(out) + mark


def to_wave(value: Any, ty: Any) -> str:  # noqa: C901 - one arm per type
    """What a function returned, as WAVE."""
    kind = _kind(ty)
    if kind == "Bool":
        return "true" if value else "false"
    if kind in _INTS:
        return str(value)
    if kind in ("F32", "F64"):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value))
    if kind == "Char":
        return _quote(value, "'")
    if kind == "String":
        return _quote(value, '"')
    if kind == "ListType":
        return "[" + ", ".join(to_wave(v, ty.element) for v in value) + "]"
    if kind == "TupleType":
        return "(" + ", ".join(to_wave(v, t) for v, t in zip(value, ty.elements, strict=True)) + ")"
    if kind == "RecordType":
        fields = (f"{n}: {to_wave(getattr(value, n), t)}" for n, t in ty.fields)
        return "{" + ", ".join(fields) + "}"
    if kind == "FlagsType":
        return "{" + ", ".join(n for n in ty.names if n in value) + "}"
    if kind == "EnumType":
        return str(value)
    if kind == "OptionType":
        return "none" if value is None else f"some({to_wave(value, ty.payload)})"
    if kind in ("ResultType", "VariantType"):
        label, payload = _case_of(value, ty)
        payload_type = dict(_cases(ty))[label]
        if payload_type is None:
            return label
        return f"{label}({to_wave(payload, payload_type)})"
    return repr(value)
