"""WIT lexer: text -> tokens, each with its file:line:col and preceding docs.

Comments are whitespace, except doc comments (`/// ...` and `/** ... */`),
which are attached to the next token so the parser can give them to the
item that token starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from componentize.errors import WitError

KEYWORDS = frozenset(
    [
        "as",
        "async",
        "bool",
        "borrow",
        "char",
        "constructor",
        "enum",
        "export",
        "f32",
        "f64",
        "flags",
        "from",
        "func",
        "future",
        "import",
        "include",
        "interface",
        "list",
        "map",
        "option",
        "own",
        "package",
        "record",
        "resource",
        "result",
        "s16",
        "s32",
        "s64",
        "s8",
        "static",
        "stream",
        "string",
        "tuple",
        "type",
        "u16",
        "u32",
        "u64",
        "u8",
        "use",
        "variant",
        "with",
        "world",
        "error-context",
    ]
)

# one char operators; `->` is handled separately
OPERATORS = frozenset("=,:;(){}<>*/.@")

_WORD = r"[a-zA-Z][a-zA-Z0-9]*"
_ID = re.compile(rf"{_WORD}(?:-{_WORD})*")
# a semver: pre-release and build parts are dot-separated identifiers, so a
# trailing `.{` (as in `use a:b/c@1.0.0.{x}`) is never swallowed
_SEMVER = re.compile(
    r"\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_INT = re.compile(r"\d+")
_WS = re.compile(r"[ \t\r\n]+")
# bidi overrides and control chars other than \t \n \r are forbidden (WIT.md)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    col: int

    def error(self, msg: str) -> WitError:
        return WitError(msg, file=self.file, line=self.line, col=self.col)


@dataclass(frozen=True)
class Token:
    kind: str  # "id", "int", "semver", "string", "eof", a keyword, or an operator
    text: str  # identifier without `%`, literal text, or the operator/keyword itself
    span: Span
    start: int  # offsets in the source, to tell `a:b` from `a: b`
    end: int
    docs: tuple[str, ...] = ()
    explicit: bool = False  # `%name`


class _Lexer:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.counted = 0
        self.docs: list[str] = []

    def span_at(self, pos: int) -> Span:
        # positions only move forward, so count newlines incrementally
        if pos < self.counted:
            self.line, self.counted = 1, 0
        self.line += self.text.count("\n", self.counted, pos)
        self.counted = pos
        self.line_start = self.text.rfind("\n", 0, pos) + 1
        return Span(self.file, self.line, pos - self.line_start + 1)

    def fail(self, pos: int, msg: str) -> WitError:
        return self.span_at(pos).error(msg)

    def tokens(self) -> list[Token]:
        bad = _FORBIDDEN.search(self.text)
        if bad:
            raise self.fail(bad.start(), f"forbidden character U+{ord(bad.group()):04X}")
        out: list[Token] = []
        while True:
            self.skip_trivia()
            if self.pos >= len(self.text):
                out.append(self.make("eof", "", self.pos, self.pos))
                return out
            out.append(self.next_token())

    def make(self, kind: str, text: str, start: int, end: int, explicit: bool = False) -> Token:
        tok = Token(kind, text, self.span_at(start), start, end, tuple(self.docs), explicit)
        self.docs = []
        return tok

    def skip_trivia(self) -> None:
        text = self.text
        while self.pos < len(text):
            m = _WS.match(text, self.pos)
            if m:
                self.pos = m.end()
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                end = len(text) if end < 0 else end
                if text.startswith("///", self.pos) and not text.startswith("////", self.pos):
                    self.docs.append(_strip_one_space(text[self.pos + 3 : end].rstrip("\r")))
                self.pos = end
            elif text.startswith("/*", self.pos):
                self.block_comment()
            else:
                return

    def block_comment(self) -> None:
        start = self.pos
        is_doc = self.text.startswith("/**", start) and not self.text.startswith("/**/", start)
        depth, pos = 0, start
        while pos < len(self.text):
            if self.text.startswith("/*", pos):
                depth, pos = depth + 1, pos + 2
            elif self.text.startswith("*/", pos):
                depth, pos = depth - 1, pos + 2
                if depth == 0:
                    break
            else:
                pos += 1
        if depth != 0:
            raise self.fail(start, "unterminated block comment")
        if is_doc:
            body = self.text[start + 3 : pos - 2]
            for raw in body.strip().split("\n"):
                line = raw.strip()
                line = line[1:] if line.startswith("*") else line
                self.docs.append(_strip_one_space(line.rstrip()))
        self.pos = pos

    def next_token(self) -> Token:
        text, start = self.text, self.pos
        ch = text[start]
        if text.startswith("->", start):
            self.pos += 2
            return self.make("->", "->", start, self.pos)
        if ch in OPERATORS:
            self.pos += 1
            return self.make(ch, ch, start, self.pos)
        if ch == "_" and not (start + 1 < len(text) and (text[start + 1].isalnum())):
            self.pos += 1
            return self.make("_", "_", start, self.pos)
        if ch.isdigit():
            m = _SEMVER.match(text, start) or _INT.match(text, start)
            assert m is not None
            self.pos = m.end()
            kind = "int" if m.re is _INT else "semver"
            return self.make(kind, m.group(), start, self.pos)
        if ch == '"':
            return self.string()
        explicit = ch == "%"
        m = _ID.match(text, start + 1 if explicit else start)
        if not m:
            raise self.fail(start, f"unexpected character {ch!r}")
        end = m.end()
        if (
            end < len(text)
            and (text[end].isalnum() or text[end] in "-_")
            and (not text.startswith("->", end))
        ):
            raise self.fail(start, f"invalid identifier {text[start : end + 1]!r}: use kebab-case")
        word = m.group()
        _check_label(word, self.span_at(start))
        self.pos = end
        if not explicit and word in KEYWORDS:
            return self.make(word, word, start, end)
        return self.make("id", word, start, end, explicit)

    def string(self) -> Token:
        start = self.pos
        end = self.text.find('"', start + 1)
        if end < 0 or "\n" in self.text[start:end]:
            raise self.fail(start, "unterminated string literal")
        self.pos = end + 1
        return self.make("string", self.text[start + 1 : end], start, self.pos)


def _strip_one_space(s: str) -> str:
    return s[1:] if s.startswith(" ") else s


def _check_label(word: str, span: Span) -> None:
    """Each word of a kebab-case label is all lower case or all upper case."""
    for part in word.split("-"):
        letters = [c for c in part if c.isalpha()]
        if not (all(c.islower() for c in letters) or all(c.isupper() for c in letters)):
            raise span.error(
                f"invalid identifier `{word}`: each word must be all lower or all upper case"
            )


def tokenize(text: str, file: str = "<wit>") -> list[Token]:
    """Split WIT source into tokens; the last one has kind "eof"."""
    return _Lexer(text, file).tokens()
