from __future__ import annotations

import pytest

from componentize.errors import WitError
from componentize.wit.lexer import tokenize


def kinds(text: str) -> list[str]:
    return [t.kind for t in tokenize(text)][:-1]


def test_operators_keywords_and_ids() -> None:
    toks = tokenize("interface foo-bar { x: func() -> u32; }")
    assert [t.kind for t in toks] == [
        "interface",
        "id",
        "{",
        "id",
        ":",
        "func",
        "(",
        ")",
        "->",
        "u32",
        ";",
        "}",
        "eof",
    ]
    assert toks[1].text == "foo-bar"


def test_positions_are_line_and_column() -> None:
    toks = tokenize("package a:b;\n\n  interface x {}\n", "f.wit")
    iface = toks[5]
    assert iface.kind == "interface"
    assert (iface.span.file, iface.span.line, iface.span.col) == ("f.wit", 3, 3)


def test_explicit_identifiers_escape_keywords() -> None:
    toks = tokenize("%variant %enum plain")
    assert [(t.kind, t.text, t.explicit) for t in toks[:3]] == [
        ("id", "variant", True),
        ("id", "enum", True),
        ("id", "plain", False),
    ]


def test_versions_and_integers() -> None:
    toks = tokenize("@0.2.0-rc-2023-11-10+b.1 list<u8, 4> @1.0.0.{")
    assert toks[1].kind == "semver" and toks[1].text == "0.2.0-rc-2023-11-10+b.1"
    assert [t.kind for t in toks[2:8]] == ["list", "<", "u8", ",", "int", ">"]
    # the `.` after a version is not part of it
    assert [t.text for t in toks[9:12]] == ["1.0.0", ".", "{"]


def test_doc_comments_attach_to_next_token() -> None:
    text = "// plain\n/// first\n///second\n/** block\n * two\n */\ninterface x {}"
    tok = tokenize(text)[0]
    assert tok.kind == "interface"
    assert tok.docs == ("first", "second", "block", "two")


def test_nested_block_comments_and_underscore() -> None:
    assert kinds("/* a /* b */ c */ result<_, e>") == ["result", "<", "_", ",", "id", ">"]


def test_error_context_is_a_keyword() -> None:
    assert kinds("error-context") == ["error-context"]


@pytest.mark.parametrize(
    ("text", "line", "col", "msg"),
    [
        ("a\n  $", 2, 3, "unexpected character"),
        ("x /* never closed", 1, 3, "unterminated block comment"),
        ("x fooBar", 1, 3, "all lower or all upper"),
        ("x foo_bar", 1, 3, "kebab-case"),
        ("x\u202e", 1, 2, "forbidden character"),
        ('x "abc', 1, 3, "unterminated string"),
    ],
)
def test_lexer_errors_are_located(text: str, line: int, col: int, msg: str) -> None:
    with pytest.raises(WitError) as info:
        tokenize(text, "t.wit")
    assert (info.value.file, info.value.line, info.value.col) == ("t.wit", line, col)
    assert msg in info.value.what


def test_acronym_words_are_fine() -> None:
    assert [t.text for t in tokenize("parse-XML-document XML")][:2] == [
        "parse-XML-document",
        "XML",
    ]
