"""The differential oracle for the WIT front end: each case of `cases/` (a
`.wit` file or a package directory) is resolved by us and by
`wasm-tools component wit`; both must accept or both refuse, and a refusal of
ours is a located `file:line:col` error.

`python tests/wit/oracle.py [CASES_DIR]` prints the rates (cases accepted by
wasm-tools that we accept; cases refused by wasm-tools that we refuse with a
location, and with the same line:col as wasm-tools).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from componentize.errors import WitError
from componentize.wit import bundled_wit_dir, print_resolve, resolve_dir, resolve_text, structure

CASES = Path(__file__).resolve().parent / "cases"
WASM_TOOLS = shutil.which("wasm-tools") or str(Path(sys.executable).parent / "wasm-tools")
# `--> FILE:L:C` under the message; `error: FILE:L:C: ...` (nesting too
# deep); `* FILE:L:C` first in a list (a package defined twice: the later one)
_LOCATION = re.compile(
    r"-->\s+(.+?):(\d+):(\d+)|^error: (\S+?\.wit):(\d+):(\d+):|^\s+\* (\S+?):(\d+):(\d+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str = ""
    file: str | None = None
    line: int = 0
    col: int = 0
    crashed: bool = False  # anything but a located WitError: a bug of ours

    @property
    def location(self) -> tuple[str, int, int] | None:
        return None if self.file is None else (Path(self.file).name, self.line, self.col)


def cases(root: Path = CASES) -> list[Path]:
    """The corpus, plus our bundled WASI WIT (a large real package with deps)."""
    found = sorted(p for p in root.iterdir() if p.suffix == ".wit" or p.is_dir())
    return [*found, bundled_wit_dir()] if root == CASES else found


def theirs(case: Path) -> Verdict:
    run = subprocess.run(
        [WASM_TOOLS, "component", "wit", str(case)], capture_output=True, text=True, check=False
    )
    if run.returncode == 0:
        return Verdict(True, run.stdout)
    found = _LOCATION.search(run.stderr)
    if found is None:
        return Verdict(False, run.stderr)
    file, line, col = (g for g in found.groups() if g is not None)
    return Verdict(False, run.stderr, file, int(line), int(col))


def ours(case: Path) -> Verdict:
    try:
        resolve = resolve_dir(case)
    except WitError as e:
        located = e.line > 0 and e.col > 0 and e.file.endswith(".wit")
        return Verdict(False, str(e), e.file if located else None, e.line, e.col)
    except Exception as e:  # noqa: BLE001 - the oracle counts crashes, never hides them
        return Verdict(False, f"{type(e).__name__}: {e}", crashed=True)
    return Verdict(True, print_resolve(resolve))


def round_trips(case: Path) -> bool:
    """Printing and re-parsing gives the same model, and printing is a fixpoint."""
    first = resolve_dir(case)
    text = print_resolve(first)
    again = resolve_text(text, "printed.wit")
    return structure(again) == structure(first) and print_resolve(again) == text


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else CASES
    valid = accepted = invalid = refused = located = same_place = 0
    for case in cases(root):
        want, got = theirs(case), ours(case)
        if want.ok:
            valid += 1
            accepted += got.ok
            if not got.ok:
                print(f"REJECTED {case.name}: {got.message.splitlines()[0]}")
            continue
        invalid += 1
        refused += not got.ok
        located += got.location is not None
        same_place += got.location is not None and got.location == want.location
        if got.ok or got.location is None:
            print(f"NOT REFUSED/LOCATED {case.name}: {got.message.splitlines()[:1]}")
        elif want.location is not None and got.location != want.location:
            print(f"ELSEWHERE {case.name}: ours {got.location[1:]} theirs {want.location[1:]}")
    print(f"valid {accepted}/{valid} accepted ({100 * accepted / max(valid, 1):.0f}%)")
    print(
        f"invalid {refused}/{invalid} refused, {located}/{invalid} located "
        f"({100 * located / max(invalid, 1):.0f}%), {same_place} at wasm-tools' line:col"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
