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

# a label's first word starts with a letter, later ones may start with a digit
# (`ipv4-2nd`, Explainer.md `label`)
_WORD = r"[a-zA-Z][a-zA-Z0-9]*"
_ID = re.compile(rf"{_WORD}(?:-[a-zA-Z0-9]+)*")
# a semver: pre-release and build parts are dot-separated identifiers, so a
# trailing `.{` (as in `use a:b/c@1.0.0.{x}`) is never swallowed
_SEMVER = re.compile(
    r"\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
_INT = re.compile(r"\d+")
_WS = re.compile(r"[ \t\r\n]+")
_MASTER = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<doc>///(?!/)[^\n]*)"
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<block>/\*)"
    r"|(?P<op>->|[=,:;(){}<>*/.@])"
    rf"|(?P<semver>{_SEMVER.pattern})"
    r"|(?P<int>\d+)"
    rf"|(?P<id>%?{_ID.pattern})"
    r"|(?P<under>_(?![a-zA-Z0-9]))"
    r'|(?P<string>"[^"\n]*"?)'
)
# a label whose words are all lower or all upper case (the common fast path)
_LABEL = re.compile(
    r"[a-z][a-z0-9]*(?:-(?:[a-z0-9]+|[A-Z0-9]+))*|[A-Z][A-Z0-9]*(?:-(?:[a-z0-9]+|[A-Z0-9]+))*"
)
# bidi overrides and control chars other than \t \n \r are forbidden (WIT.md)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build
class Span:
    file: str
    line: int
    col: int

    def error(self, msg: str) -> WitError:
        return WitError(msg, file=self.file, line=self.line, col=self.col)


@dataclass(slots=True)
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
        # one master regex; line/col are tracked from the whitespace we skip
        text, file, out = self.text, self.file, []
        line, line_start, pos, n = 1, 0, 0, len(text)
        match = _MASTER.match
        while pos < n:
            mo = match(text, pos)
            if mo is None:
                raise Span(file, line, pos - line_start + 1).error(
                    f"unexpected character {text[pos]!r}"
                )
            kind, end = mo.lastgroup, mo.end()
            if kind in ("ws", "comment", "doc", "block"):
                if kind == "doc":
                    self.docs.append(_strip_one_space(mo.group()[3:].rstrip("\r")))
                elif kind == "block":
                    self.pos = pos
                    self.block_comment()
                    end = self.pos
                nl = text.count("\n", pos, end)
                if nl:
                    line += nl
                    line_start = text.rfind("\n", pos, end) + 1
                pos = end
                continue
            span = Span(file, line, pos - line_start + 1)
            word = mo.group()
            explicit = False
            if kind == "id":
                explicit = word[0] == "%"
                word = word[1:] if explicit else word
                nxt = text[end : end + 1]
                if nxt and nxt in "-_" and not text.startswith("->", end):
                    raise span.error(f"invalid identifier {text[pos : end + 1]!r}: use kebab-case")
                if not _LABEL.fullmatch(word):
                    _check_label(word, span)
                if not explicit and word in KEYWORDS:
                    kind = word
            elif kind == "op":
                kind = word
            elif kind == "under":
                kind = "_"
            elif kind == "string":
                if not word.endswith('"') or len(word) < 2:
                    raise span.error("unterminated string literal")
                word = word[1:-1]
            tok = Token(kind, word, span, pos, end, tuple(self.docs), explicit)  # type: ignore[arg-type]
            if self.docs:
                self.docs = []
            out.append(tok)
            pos = end
        out.append(
            Token("eof", "", Span(file, line, pos - line_start + 1), pos, pos, tuple(self.docs))
        )
        return out

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
