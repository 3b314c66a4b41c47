"""The bundled WASI WIT, resolved ahead of time for each WASI 0.2.N.

Parsing and resolving our WIT files costs about 0.1 s of CPU, most of what a
small `componentize new` does.  The result is a pure function of the
committed `.wit` files and the target version, so `python -m
toolchains.wit_cache` stores each version's `Resolve` as a pickle under
`componentize/data/wit-resolved/` and this module loads it (about 4 ms).
tests/test_bundled_wit.py checks every stored file against a fresh resolve,
so an edit of the WIT without a rebuild fails the suite.  The files are only
ever read from our own package data.
"""

from __future__ import annotations

import pickle
import zlib
from functools import cache
from pathlib import Path

from componentize.wit.model import Resolve, Version

PICKLE_PROTOCOL = 4  # stable across the Python versions we support


def resolved_dir() -> Path:
    """Where the stored resolves live (package data)."""
    return Path(__file__).resolve().parent.parent / "data" / "wit-resolved"


def resolved_file(version: Version) -> Path:
    return resolved_dir() / f"{version}.pickle.z"


def dump(resolve: Resolve) -> bytes:
    """The stored form of a resolve (zlib: 54 KB -> 9 KB a version); the same
    bytes for the same resolve."""
    return zlib.compress(pickle.dumps(resolve, protocol=PICKLE_PROTOCOL), 9)


@cache
def bundled_resolve(version: Version) -> Resolve:
    """Our WASI WIT gated at `version`: the stored resolve when there is one,
    else resolved from the `.wit` files (a version we store nothing for)."""
    path = resolved_file(version)
    if path.is_file():
        resolve = pickle.loads(zlib.decompress(path.read_bytes()))
        assert isinstance(resolve, Resolve)
        return resolve
    from componentize.wit import bundled_wit_dir, resolve_dir

    return resolve_dir(bundled_wit_dir(), version=version)
