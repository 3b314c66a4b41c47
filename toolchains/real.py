"""Fixtures from real toolchains (clang, rustc, Go, emscripten, AssemblyScript), committed.

The compilers are profiled in `toolchains/real.toml` and installed by
`toolchains/install-compilers.sh`; only the build needs them.  The programs
are `tests/fixtures/real/src/<lang>/*`; each starts with `//!` lines of TOML
saying how it is built and run, so a test needs no compiler:

    //! toolchains = ["clang14", "clang19"]   # default: every toolchain of the language
    //! flags = ["-DX=1"]                     # extra compiler flags
    //! expect = "refused"                    # componentize must refuse it (default "run")
    //! reason = "why it is refused"
    //! args = ["a"]                          # one run: argv[1:] ...
    //! env = { K = "v" }                     # ... environment, in this order
    //! stdin = "text"
    //! exit = 3                              # ... the expected exit code (default 0)
    //! dirs = { "/data" = { "in.txt" = "x", "sub/" = "" } }   # preopens and their files
    //! [[run]]                               # or several runs, each with a name
    //! name = "stdin"
    //! toolchains = ["clang14"]              # a run may be narrowed too

`python -m toolchains.real build [TOOLCHAIN...]` compiles them into
`tests/fixtures/real/<toolchain>/<program>.wasm` (custom sections of debug
info and names removed) and records compiler versions, commands and sha256
sums in `tests/fixtures/real/manifest.toml`; `check` verifies the committed
files against it; `list` shows programs and runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from componentize import wasm
from toolchains import _toml as tomllib
from toolchains import manifest as manifest_file
from toolchains.errors import ToolchainError

REPO_ROOT = Path(__file__).resolve().parent.parent
PROFILE_PATH = Path(__file__).resolve().parent / "real.toml"
NPM_DIR = Path(__file__).resolve().parent / ".npm" / "node_modules"
REAL_DIR = REPO_ROOT / "tests" / "fixtures" / "real"
SOURCE_DIR = REAL_DIR / "src"
MANIFEST_PATH = REAL_DIR / "manifest.toml"

_PROGRAM_KEYS = {"toolchains", "flags", "expect", "reason", "run"}
_RUN_KEYS = {"name", "args", "env", "stdin", "exit", "dirs", "toolchains"}
_EXPECT = {"run", "refused"}


# ---------------------------------------------------------------- toolchain profiles


@dataclass(frozen=True)
class RealToolchain:
    """One compiler + flags; its outputs go to tests/fixtures/real/<name>/."""

    name: str
    description: str
    lang: str  # sources: tests/fixtures/real/src/<lang>/
    suffix: str
    version: tuple[tuple[str, ...], ...]  # commands whose first output line names the version
    compile: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "{tmp}"
    packages: tuple[str, ...] = ()  # Debian packages whose versions the manifest records


@dataclass(frozen=True)
class Profiles:
    toolchains: Mapping[str, RealToolchain]
    strip_sections: tuple[str, ...]


def load_profiles(path: Path = PROFILE_PATH) -> Profiles:
    """Read toolchains/real.toml; every problem names its key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ToolchainError(f"cannot read toolchain profiles: {exc}", where=str(path)) from None
    tables = data.get("toolchain")
    if not isinstance(tables, dict) or not tables:
        raise ToolchainError("`toolchain` must be a table of toolchains", where=str(path))
    toolchains = {name: _parse_toolchain(name, raw, path) for name, raw in tables.items()}
    return Profiles(toolchains, _strings(data, "strip_sections", str(path), default=()))


def _parse_toolchain(name: str, raw: object, path: Path) -> RealToolchain:
    where = f"{path}: toolchain.{name}"
    if not isinstance(raw, dict):
        raise ToolchainError("must be a table", where=where)
    version = raw.get("version")
    if (
        not isinstance(version, list)
        or not version
        or not all(
            isinstance(cmd, list) and cmd and all(isinstance(a, str) for a in cmd)
            for cmd in version
        )
    ):
        raise ToolchainError("`version` must be a list of commands (lists of strings)", where=where)
    env = raw.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ToolchainError("`env` must be a table of strings", where=where)
    return RealToolchain(
        name=name,
        description=_string(raw, "description", where, default=""),
        lang=_string(raw, "lang", where),
        suffix=_string(raw, "suffix", where),
        version=tuple(tuple(cmd) for cmd in version),
        compile=_strings(raw, "compile", where),
        env=dict(env),
        cwd=_string(raw, "cwd", where, default="{tmp}"),
        packages=_strings(raw, "packages", where, default=()),
    )


def _string(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ToolchainError(f"`{key}` must be a string", where=where)
    return value


def _strings(
    table: Mapping[str, Any], key: str, where: str, default: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    value = table.get(key, default)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ToolchainError(f"`{key}` must be a list of strings", where=where)
    return tuple(value)


# ---------------------------------------------------------------- programs and runs


@dataclass(frozen=True)
class Run:
    """One way to run a program, and what it must exit with."""

    name: str
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    stdin: bytes = b""
    exit_code: int = 0
    # guest path -> {relative path: contents, or None for a directory}
    dirs: Mapping[str, Mapping[str, bytes | None]] = field(default_factory=dict)
    toolchains: tuple[str, ...] | None = None  # None: every toolchain building the program


@dataclass(frozen=True)
class Program:
    name: str
    source: Path
    lang: str
    toolchains: tuple[str, ...] | None  # None: every toolchain of the language
    flags: tuple[str, ...]
    expect: str  # "run" or "refused"
    reason: str
    runs: tuple[Run, ...]

    def built_by(self, toolchain: str) -> bool:
        return self.toolchains is None or toolchain in self.toolchains

    def runs_for(self, toolchain: str) -> list[Run]:
        return [r for r in self.runs if r.toolchains is None or toolchain in r.toolchains]


def read_program(source: Path) -> Program:
    """The program in `source`, with the `//!` TOML lines at its top parsed."""
    lines = [
        line[3:]
        for line in source.read_text(encoding="utf-8").splitlines()
        if line.startswith("//!")
    ]
    where = str(source)
    try:
        data: dict[str, Any] = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError as exc:
        raise ToolchainError(f"bad `//!` spec: {exc}", where=where) from None
    unknown = set(data) - _PROGRAM_KEYS - _RUN_KEYS
    if unknown:
        raise ToolchainError(f"unknown `//!` keys: {', '.join(sorted(unknown))}", where=where)
    expect = _string(data, "expect", where, default="run")
    if expect not in _EXPECT:
        raise ToolchainError(f"`expect` must be one of {', '.join(sorted(_EXPECT))}", where=where)
    top_run = {k: v for k, v in data.items() if k in _RUN_KEYS - {"toolchains"}}
    tables = data.get("run", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ToolchainError("`run` must be an array of tables ([[run]])", where=where)
    if tables and top_run:
        raise ToolchainError("give run keys at the top or in [[run]] tables, not both", where=where)
    if tables:
        runs = [_parse_run(t, where, None) for t in tables]
    else:
        runs = [] if expect == "refused" else [_parse_run(top_run, where, "default")]
    for i, a in enumerate(runs):  # a name may repeat only for disjoint toolchains
        for b in runs[i + 1 :]:
            if a.name == b.name and (
                a.toolchains is None
                or b.toolchains is None
                or set(a.toolchains) & set(b.toolchains)
            ):
                raise ToolchainError(f"two runs named {a.name!r} for one toolchain", where=where)
    return Program(
        name=source.stem,
        source=source,
        lang=source.parent.name,
        toolchains=_strings(data, "toolchains", where) if "toolchains" in data else None,
        flags=_strings(data, "flags", where, default=()),
        expect=expect,
        reason=_string(data, "reason", where, default=""),
        runs=tuple(runs),
    )


def _parse_run(raw: Mapping[str, Any], where: str, default_name: str | None) -> Run:
    unknown = set(raw) - _RUN_KEYS
    if unknown:
        raise ToolchainError(f"unknown run keys: {', '.join(sorted(unknown))}", where=where)
    name = _string(raw, "name", where, default=default_name)
    env = raw.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ToolchainError(f"run {name}: `env` must be a table of strings", where=where)
    exit_code = raw.get("exit", 0)
    if not isinstance(exit_code, int) or not 0 <= exit_code <= 255:
        raise ToolchainError(f"run {name}: `exit` must be an integer 0..255", where=where)
    return Run(
        name=name,
        args=_strings(raw, "args", where, default=()),
        env=tuple(env.items()),
        stdin=_string(raw, "stdin", where, default="").encode(),
        exit_code=exit_code,
        dirs=_parse_dirs(raw.get("dirs", {}), f"{where}: run {name}"),
        toolchains=_strings(raw, "toolchains", where) if "toolchains" in raw else None,
    )


def _parse_dirs(raw: object, where: str) -> dict[str, dict[str, bytes | None]]:
    if not isinstance(raw, dict):
        raise ToolchainError("`dirs` must map guest paths to tables of files", where=where)
    dirs: dict[str, dict[str, bytes | None]] = {}
    for guest, files in raw.items():
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ToolchainError(f"`dirs.{guest}` must map relative paths to strings", where=where)
        tree: dict[str, bytes | None] = {}
        for rel, content in files.items():
            if rel.endswith("/"):
                if content:
                    raise ToolchainError(f"directory {rel!r} must have an empty value", where=where)
                tree[rel.rstrip("/")] = None
            else:
                tree[rel] = content.encode()
        dirs[guest] = tree
    return dirs


def programs(lang: str, source_dir: Path = SOURCE_DIR) -> list[Program]:
    """Every program of one language, sorted by name."""
    folder = source_dir / lang
    if not folder.is_dir():
        return []
    return [
        read_program(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".") and p.suffix != ".md"
    ]


# ---------------------------------------------------------------- custom sections


def strip_custom_sections(data: bytes, prefixes: Sequence[str]) -> tuple[bytes, list[str]]:
    """`data` without the custom sections whose names start with one of `prefixes`.

    Every other section is re-encoded byte for byte by componentize's codec.
    """
    module = wasm.decode_module(data)
    removed = [c.name for c in module.customs if c.name.startswith(tuple(prefixes))]
    module.customs = [c for c in module.customs if not c.name.startswith(tuple(prefixes))]
    return wasm.encode_module(module), removed


def custom_section_names(data: bytes) -> list[str]:
    """The names of `data`'s custom sections, in order."""
    return [c.name for c in wasm.decode_module(data).customs]


def module_imports(data: bytes) -> list[tuple[str, str]]:
    """(module, name) of every import of a core module."""
    return [(i.module, i.name) for i in wasm.decode_module(data).imports]


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class Built:
    """One binary written to tests/fixtures/real/<toolchain>/<program>.wasm."""

    toolchain: str
    program: Program
    path: Path
    argv: tuple[str, ...]  # as recorded: repository-relative source, symbolic {out} and {tmp}
    removed: tuple[str, ...]  # custom sections stripped after the build
    seconds: float

    @property
    def key(self) -> str:
        return f"{self.toolchain}/{self.program.name}.wasm"


def _subst(item: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        item = item.replace("{" + key + "}", value)
    return item


def _expand(argv: Iterable[str], values: Mapping[str, str], flags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for item in argv:
        if item == "{flags}":
            out += flags
        else:
            out.append(_subst(item, values))
    return out


def _placeholders(tc: RealToolchain, source: Path, tmp: Path) -> dict[str, str]:
    values = {
        "src": str(source),
        "srcdir": str(source.parent),
        "out": str(tmp / "out.wasm"),
        "tmp": str(tmp),
        "repo": str(REPO_ROOT),
        "npm": str(NPM_DIR),
    }
    cwd = Path(_subst(tc.cwd, values)).resolve()
    values["cwd"] = str(cwd)
    values["srcrel"] = os.path.relpath(source, cwd)
    return values


def _symbolic(argv: Sequence[str], values: Mapping[str, str]) -> tuple[str, ...]:
    """argv with machine-specific paths replaced by stable names, for the manifest."""
    stable = [
        (values["out"], "{out}"),
        (values["tmp"], "{tmp}"),
        (values["src"], os.path.relpath(values["src"], REPO_ROOT)),
        (values["srcdir"], os.path.relpath(values["srcdir"], REPO_ROOT)),
        (values["npm"], "{npm}"),
        (str(REPO_ROOT), "{repo}"),
    ]
    result = []
    for item in argv:
        for path, name in stable:
            item = item.replace(path, name)
        result.append(item)
    return tuple(result)


def build_program(
    tc: RealToolchain, program: Program, out_dir: Path, strip_sections: Sequence[str]
) -> Built:
    """Compile one program with one toolchain into out_dir/<program>.wasm."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"real-{tc.name}-") as tmp_name:
        tmp = Path(tmp_name)
        values = _placeholders(tc, program.source.resolve(), tmp)
        argv = _expand(tc.compile, values, program.flags)
        env = dict(os.environ)
        env.update({k: _subst(v, values) for k, v in tc.env.items()})
        try:
            done = subprocess.run(
                argv, cwd=values["cwd"], env=env, capture_output=True, text=True, check=False
            )
        except OSError as exc:
            raise ToolchainError(
                f"cannot run {argv[0]}: {exc.strerror or exc}",
                where=f"toolchain {tc.name}",
                hint="run toolchains/install-compilers.sh",
            ) from None
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
            raise ToolchainError(
                f"{tc.name} failed (exit {done.returncode}):\n{tail}", where=str(program.source)
            )
        data = Path(values["out"]).read_bytes()
        symbolic = _symbolic(argv, values)
    stripped, removed = strip_custom_sections(data, strip_sections)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{program.name}.wasm"
    path.write_bytes(stripped)
    return Built(tc.name, program, path, symbolic, tuple(removed), time.perf_counter() - start)


def tool_version(tc: RealToolchain) -> list[str]:
    """The first output line of each of the toolchain's version commands."""
    values = {"npm": str(NPM_DIR), "repo": str(REPO_ROOT)}
    lines = []
    for cmd in tc.version:
        argv = [_subst(a, values) for a in cmd]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ToolchainError(
                f"cannot run {argv[0]}: {exc.strerror or exc}",
                where=f"toolchain {tc.name}",
                hint="run toolchains/install-compilers.sh",
            ) from None
        text = (done.stdout or done.stderr).strip()
        if done.returncode != 0 or not text:
            raise ToolchainError(f"`{' '.join(argv)}` failed", where=f"toolchain {tc.name}")
        lines.append(text.splitlines()[0].strip())
    return lines


def package_versions(names: Sequence[str]) -> list[str]:
    """`name version` of installed Debian packages (empty without dpkg-query)."""
    if not names or shutil.which("dpkg-query") is None:
        return []
    done = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Version}\n", *names],
        capture_output=True,
        text=True,
        check=False,
    )
    return sorted(line for line in done.stdout.splitlines() if line.strip())


def build_toolchains(
    names: Sequence[str] | None = None,
    *,
    profiles: Profiles | None = None,
    real_dir: Path = REAL_DIR,
    log: bool = True,
    workers: int = 1,
) -> dict[str, Any]:
    """Build every program of the named toolchains (default all); update the manifest."""
    profiles = profiles or load_profiles()
    chosen = list(names) if names else list(profiles.toolchains)
    unknown = sorted(set(chosen) - set(profiles.toolchains))
    if unknown:
        raise ToolchainError(
            f"unknown toolchains: {', '.join(unknown)}",
            hint=f"known: {', '.join(profiles.toolchains)}",
        )
    manifest = manifest_file.previous_manifest(real_dir / "manifest.toml")
    manifest["strip_sections"] = list(profiles.strip_sections)
    jobs = [
        (profiles.toolchains[name], program)
        for name in chosen
        for program in programs(profiles.toolchains[name].lang, real_dir / "src")
        if program.built_by(name)
    ]

    def run_job(job: tuple[RealToolchain, Program]) -> Built:
        tc, program = job
        b = build_program(tc, program, real_dir / tc.name, profiles.strip_sections)
        if log:
            print(f"{b.key:36} {b.path.stat().st_size:>9}  {b.seconds:5.1f}s", file=sys.stderr)
        return b

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(run_job, jobs))
    for name in chosen:
        tc = profiles.toolchains[name]
        out_dir = real_dir / name
        built = [b for b in results if b.toolchain == name]
        keep = {b.path.name for b in built}
        for stale in out_dir.glob("*.wasm"):
            if stale.name not in keep:
                stale.unlink()
        manifest["toolchains"][name] = {
            "description": tc.description,
            "version": tool_version(tc),
            "packages": package_versions(tc.packages),
            "compile": list(tc.compile),
            "env": dict(tc.env),
        }
        binaries = {k: v for k, v in manifest["binaries"].items() if v["toolchain"] != name}
        for b in built:
            data = b.path.read_bytes()
            binaries[b.key] = {
                "toolchain": name,
                "source": b.program.source.relative_to(real_dir).as_posix(),
                "source_sha256": hashlib.sha256(b.program.source.read_bytes()).hexdigest(),
                "argv": list(b.argv),
                "stripped": list(b.removed),
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "expect": b.program.expect,
            }
        manifest["binaries"] = dict(sorted(binaries.items()))
    manifest["toolchains"] = dict(sorted(manifest["toolchains"].items()))
    manifest_file.write_manifest(real_dir / "manifest.toml", manifest, ORIGIN)
    return manifest


# ---------------------------------------------------------------- the manifest

ORIGIN = manifest_file.Origin("toolchains.real", "toolchains/real.toml", "tests/fixtures/real/src/")


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    """The real fixtures' manifest (by default the committed one)."""
    return manifest_file.load_manifest(path)


def check_manifest(real_dir: Path = REAL_DIR) -> list[str]:
    """Problems between the manifest and the committed files (empty when in step)."""
    manifest = load_manifest(real_dir / "manifest.toml")
    problems = []
    listed = set(manifest["binaries"])
    for key, entry in manifest["binaries"].items():
        path = real_dir / key
        if not path.is_file():
            problems.append(f"{key}: listed but missing")
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(f"{key}: sha256 differs from the manifest")
        source = real_dir / entry["source"]
        if not source.is_file():
            problems.append(f"{key}: source {entry['source']} missing")
        elif hashlib.sha256(source.read_bytes()).hexdigest() != entry["source_sha256"]:
            problems.append(f"{key}: {entry['source']} changed since the build; rebuild")
    for name in manifest["toolchains"]:
        for path in sorted((real_dir / name).glob("*.wasm")):
            if f"{name}/{path.name}" not in listed:
                problems.append(f"{name}/{path.name}: not in the manifest")
    return problems


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = manifest_file.builder_parser(ORIGIN, __doc__)
    b = sub.add_parser("build", help="compile the programs and rewrite the manifest")
    b.add_argument("toolchains", nargs="*", help="default: all of toolchains/real.toml")
    b.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel compiles (default: one per CPU)",
    )
    sub.add_parser("check", help="verify committed binaries and sources against the manifest")
    sub.add_parser("list", help="programs, toolchains and runs")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            start = time.perf_counter()
            manifest = build_toolchains(args.toolchains, workers=args.jobs)
            total = sum(e["size"] for e in manifest["binaries"].values())
            print(
                f"{len(manifest['binaries'])} binaries, {total} bytes, "
                f"{time.perf_counter() - start:.1f}s"
            )
            return 0
        if args.cmd == "check":
            return manifest_file.report(check_manifest())
        profiles = load_profiles()
        for tc in profiles.toolchains.values():
            for program in programs(tc.lang):
                if program.built_by(tc.name):
                    runs = ", ".join(r.name for r in program.runs_for(tc.name)) or program.expect
                    print(f"{tc.name}/{program.name}: {runs}")
        return 0
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
