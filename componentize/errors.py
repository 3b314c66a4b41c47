"""Every error the tool reports to a user, one class per kind.

Each error carries three parts: what is wrong, where (file, section, offset,
import name ...), and what to do about it.  The CLI prints `str(error)` on one
or two lines and exits with status 2.  `InternalError` is different: it means
componentize itself is wrong, and says so.
"""

from __future__ import annotations

MAX_PART = 300
"""Longest `what`, `where` or `hint` shown; longer ones keep both ends."""


def printable(text: str, limit: int = MAX_PART) -> str:
    """`text` safe to print on one line: control and other non-printable
    characters escaped (`\\n`, `\\x1b`, `\\u{200b}`), and at most `limit`
    characters (the middle elided), so that a name taken from the input
    cannot break a message or the terminal."""
    out = []
    for char in text:
        if char.isprintable():
            out.append(char)
        elif char in "\n\t\r":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char])
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{{{ord(char):x}}}")
    shown = "".join(out)
    if len(shown) <= limit:
        return shown
    keep = (limit - 5) // 2
    return f"{shown[:keep]} ... {shown[-keep:]}"


class ComponentizeError(Exception):
    """Base of all user-facing errors.  What is shown of `what`, `where` and
    `hint` is `printable`: names from the input are escaped and shortened
    to `max_part` characters (None: not shortened)."""

    max_part: int | None = MAX_PART

    def __init__(self, what: str, *, where: str = "", hint: str = "") -> None:
        limit = self.max_part if self.max_part is not None else len(what + where + hint) * 4
        self.what = printable(what, limit)
        self.where = printable(where, limit)
        self.hint = printable(hint, limit)
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.where}: {self.what}" if self.where else self.what
        return f"{head}\n  hint: {self.hint}" if self.hint else head


class InputError(ComponentizeError):
    """The input file cannot be used at all (missing, a directory, empty ...)."""


class WasmDecodeError(ComponentizeError):
    """Malformed core or component binary.  `offset` is a byte offset in the file."""

    def __init__(
        self, what: str, *, section: str = "", offset: int | None = None, hint: str = ""
    ) -> None:
        self.section = section
        self.offset = offset
        parts = []
        if section:
            parts.append(f"{section} section")
        if offset is not None:
            parts.append(f"offset {offset:#x}")
        super().__init__(what, where=", ".join(parts), hint=hint)


class WitError(ComponentizeError):
    """Bad WIT: `file:line:col: message`."""

    def __init__(self, what: str, *, file: str = "<wit>", line: int = 0, col: int = 0) -> None:
        self.file = file
        self.line = line
        self.col = col
        super().__init__(what, where=f"{file}:{line}:{col}")


class UnsupportedModuleError(ComponentizeError):
    """A well-formed module that componentize cannot turn into a component."""


class InternalError(Exception):
    """A broken invariant inside componentize: a bug, never the user's fault."""

    def __init__(self, what: str) -> None:
        super().__init__(f"internal error (a bug in componentize, please report it): {what}")
