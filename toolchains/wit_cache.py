"""`python -m toolchains.wit_cache [--check]`: store (or check) the bundled WIT
resolved for every WASI version we target (see componentize/wit/bundled.py)."""

from __future__ import annotations

import argparse
import sys

from componentize.assemble.plan import HIGHEST, LOWEST
from componentize.wit import bundled_wit_dir, resolve_dir
from componentize.wit.bundled import dump, resolved_dir, resolved_file
from componentize.wit.model import Version


def versions() -> list[Version]:
    return [Version(0, 2, patch) for patch in range(LOWEST.patch, HIGHEST.patch + 1)]


def expected(version: Version) -> bytes:
    return dump(resolve_dir(bundled_wit_dir(), version=version))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    resolved_dir().mkdir(exist_ok=True)
    for version in versions():
        path, data = resolved_file(version), expected(version)
        if path.is_file() and path.read_bytes() == data:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_bytes(data)
    if stale:
        verb = "stale" if args.check else "written"
        print(f"{verb}: {', '.join(stale)}", file=sys.stderr)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
