"""Mutation search for differences from wasm-tools: corpus cases with a line
duplicated, dropped, swapped or a word replaced (or, with `--tokens`, tokens
dropped, inserted or replaced) are resolved by us and by wasm-tools; a
different decision, an unlocated error or a crash of ours is printed.

`python tests/wit/mutate.py SEED COUNT [--tokens]` (found the empty `use`
list, unused top-level uses and paths with spaces that the corpus now holds).
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from oracle import CASES, WASM_TOOLS  # type: ignore[import-not-found]

from componentize.errors import WitError
from componentize.wit import resolve_text
from componentize.wit.lexer import tokenize

WORDS = ["borrow<r>", "own<r>", "map<string, u8>", "list<t>", "u8", "@since(version = 1.0.0)"]
TOKENS = ["{", "}", "<", ">", ",", ";", ":", "(", ")", "@", "/", ".", "->", "_", "use", "import"]
TOKENS += ["export", "include", "with", "as", "package", "interface", "world", "func", "type"]
TOKENS += ["resource", "record", "static", "constructor", "borrow", "map", "list", "x", "a:b/c"]


def by_lines(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    k, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.random()
    if op < 0.2:
        lines.insert(k, lines[j])
    elif op < 0.35:
        del lines[k]
    elif op < 0.5:
        lines[k], lines[j] = lines[j], lines[k]
    else:
        words = list(re.finditer(r"[a-z][a-z0-9-]*", lines[k]))
        if words:
            w = rng.choice(words)
            new = rng.choice(re.findall(r"[a-z][a-z0-9-]*", text) + WORDS)
            lines[k] = lines[k][: w.start()] + new + lines[k][w.end() :]
    return "\n".join(lines)


def by_tokens(text: str, rng: random.Random) -> str:
    pieces = [text[t.start : t.end] for t in tokenize(text)[:-1]]
    k = rng.randrange(len(pieces))
    op = rng.random()
    if op < 0.33:
        del pieces[k]
    elif op < 0.66:
        pieces.insert(k, rng.choice(TOKENS))
    else:
        pieces[k] = rng.choice(TOKENS)
    return " ".join(pieces)


def _lexes(text: str) -> bool:
    try:
        tokenize(text)
    except WitError:
        return False
    return True


def accepted_by_wasm_tools(text: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.wit"
        path.write_text(text)
        run = subprocess.run([WASM_TOOLS, "component", "wit", str(path)], capture_output=True)
        return run.returncode == 0


def main(seed: int, count: int, tokens: bool) -> int:
    rng = random.Random(seed)
    texts = [p.read_text() for p in sorted(CASES.glob("*.wit")) if p.stat().st_size < 3000]
    if tokens:  # only texts that lex can be cut into tokens
        texts = [t for t in texts if _lexes(t)]
    found = 0
    for _ in range(count):
        text = rng.choice(texts)
        mutated = by_tokens(text, rng) if tokens else by_lines(text, rng)
        try:
            resolve_text(mutated, "m.wit")
            ours, why = True, ""
        except WitError as e:
            ours, why = False, str(e)
            if e.line <= 0:
                found += 1
                print("UNLOCATED", repr(mutated), why)
        except Exception as e:  # noqa: BLE001 - a crash is what we look for
            found += 1
            print("CRASH", type(e).__name__, e, repr(mutated))
            continue
        if ours != accepted_by_wasm_tools(mutated):
            found += 1
            print("DIFFERENT", "accepted" if ours else why, repr(mutated))
    print(f"{count} mutants, {found} findings")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2]), "--tokens" in sys.argv[3:]))
