"""Compile C/C++ sources to .wasm through a profile, cached by content.

The cache key hashes everything that decides the output bytes: the source
files and the headers they include (found by scanning `#include` lines), the
full flag list, the profile, and the compiler's own version string.  A hit
returns the cached file without starting the compiler, so a second run of
the test suite compiles nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from toolchains.errors import ToolchainError
from toolchains.profile import Language, Profile, Template, load_profile

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CACHE_ENV = "COMPONENTIZE_FIXTURE_CACHE"
ZIG_CACHE_ENV = "COMPONENTIZE_ZIG_CACHE"
INSTALL_HINT = "install the test extra: pip install -e .[test]"
_KEY_SCHEMA = 2  # bump when the key layout or the output naming changes


def fixture_cache_dir() -> Path:
    """Where built .wasm files are kept: $COMPONENTIZE_FIXTURE_CACHE or <repo>/.cache/fixtures."""
    env = os.environ.get(FIXTURE_CACHE_ENV)
    return Path(env) if env else REPO_ROOT / ".cache" / "fixtures"


def zig_cache_dir() -> Path:
    """The compiler's own cache: $COMPONENTIZE_ZIG_CACHE or <repo>/.cache/zig."""
    env = os.environ.get(ZIG_CACHE_ENV)
    return Path(env) if env else REPO_ROOT / ".cache" / "zig"


@dataclass
class BuildStats:
    """Counts for this process; tests use them to prove a warm run compiles nothing."""

    compiles: int = 0
    hits: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, *, compiled: bool, seconds: float) -> None:
        with self._lock:
            if compiled:
                self.compiles += 1
                self.seconds += seconds
            else:
                self.hits += 1


STATS = BuildStats()


@dataclass(frozen=True)
class BuildResult:
    path: Path  # the .wasm: `output` when one was given, else the cache entry
    key: str  # sha256 hex of everything that decides the bytes
    cached: bool  # True when no compiler ran
    seconds: float  # compile time (0.0 on a hit)
    argv: tuple[str, ...]  # the compiler command (paths of a fresh compile)


@dataclass(frozen=True)
class BuildJob:
    """One build() call, as data, for build_many()."""

    sources: tuple[Path, ...]
    template: str = "hosted"
    opt: str = "O2"
    flags: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    strip: bool | None = None
    output: Path | None = None


_version_lock = threading.Lock()
_versions: dict[tuple[str, ...], str] = {}


def compiler_version(profile: Profile) -> str:
    """Run the compiler's version command once per process; check it matches the pin."""
    argv = (*profile.argv_prefix(), *profile.version_args)
    with _version_lock:
        if argv not in _versions:
            _check_installed(profile)
            proc = _run(argv, profile, what="query the compiler version")
            _versions[argv] = proc.stdout.decode(errors="replace").strip()
        version = _versions[argv]
    if version != profile.version:
        raise ToolchainError(
            f"{profile.name} {version} is installed but the profile pins {profile.version}",
            where=str(profile.path),
            hint=INSTALL_HINT,
        )
    return version


def build(
    sources: Sequence[Path | str] | Path | str,
    *,
    profile: Profile | str = "zig",
    template: str = "hosted",
    opt: str = "O2",
    flags: Sequence[str] = (),
    exports: Sequence[str] = (),
    strip: bool | None = None,
    output: Path | str | None = None,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Compile `sources` into one .wasm (cached).

    `strip=None` strips unless `opt` is one of the template's debug levels.
    `flags` are appended after the template's (e.g. -I, -D, -Wl,...); `exports`
    become `-Wl,--export=NAME`.  With `output`, the result is also copied there.
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    tmpl = prof.template(template)
    srcs = _as_paths(sources)
    lang = _language(tmpl, srcs)
    do_strip = opt not in tmpl.debug_levels if strip is None else strip
    args = [
        *tmpl.flags,
        *lang.flags,
        *tmpl.opt_flags(opt),
        *(tmpl.strip_flags if do_strip else ()),
        *(tmpl.export_flag.replace("{name}", name) for name in exports),
        *flags,
    ]
    key = _cache_key(prof, tmpl, lang, args, srcs)
    cache = cache_dir or fixture_cache_dir()
    entry = cache / f"{srcs[0].stem}-{template}-{opt}-{key[:24]}.wasm"
    argv = (*prof.argv_prefix(), lang.driver, *args, *map(str, srcs), "-o", str(entry))
    if entry.is_file():
        STATS.record(compiled=False, seconds=0.0)
        result = BuildResult(entry, key, True, 0.0, argv)
    else:
        seconds = _compile(prof, argv, entry, srcs[0].stem)
        STATS.record(compiled=True, seconds=seconds)
        result = BuildResult(entry, key, False, seconds, argv)
    if output is not None:
        _install(entry, Path(output))
        result = BuildResult(Path(output), key, result.cached, result.seconds, argv)
    return result


def build_text(
    text: str,
    *,
    suffix: str = ".c",
    name: str = "snippet",
    profile: Profile | str = "zig",
    template: str = "hosted",
    opt: str = "O2",
    flags: Sequence[str] = (),
    exports: Sequence[str] = (),
    strip: bool | None = None,
    output: Path | str | None = None,
    cache_dir: Path | None = None,
) -> BuildResult:
    """Compile source text: it is written under the cache (named by content hash), then built."""
    cache = cache_dir or fixture_cache_dir()
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    source = cache / "src" / f"{name}-{digest}{suffix}"
    if not source.is_file():
        _atomic_write(source, text.encode())
    return build(
        [source],
        profile=profile,
        template=template,
        opt=opt,
        flags=flags,
        exports=exports,
        strip=strip,
        output=output,
        cache_dir=cache,
    )


def build_many(
    jobs: Sequence[BuildJob],
    *,
    profile: Profile | str = "zig",
    cache_dir: Path | None = None,
    workers: int = 2,
) -> list[BuildResult]:
    """Build many jobs with a small thread pool; results are in `jobs` order.

    zig builds wasi-libc (and libc++) once per language, level and strip
    setting.  The first job of each such group runs in a first wave, the rest
    after it, so no two compiles wait on (or redo) the same library build.
    """
    from concurrent.futures import ThreadPoolExecutor

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    compiler_version(prof)  # fail once, clearly, before starting threads
    results: list[BuildResult | None] = [None] * len(jobs)
    seen: set[tuple[str, str, str, bool | None]] = set()
    first_wave: list[int] = []
    for i, job in enumerate(jobs):
        group = (job.template, job.sources[0].suffix, job.opt, job.strip)
        if group not in seen:
            seen.add(group)
            first_wave.append(i)
    second_wave = sorted(set(range(len(jobs))) - set(first_wave))

    def run(i: int) -> None:
        job = jobs[i]
        results[i] = build(
            job.sources,
            profile=prof,
            template=job.template,
            opt=job.opt,
            flags=job.flags,
            exports=job.exports,
            strip=job.strip,
            output=job.output,
            cache_dir=cache_dir,
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for wave in (first_wave, second_wave):
            list(pool.map(run, wave))  # list() re-raises the first failure
    return [r for r in results if r is not None]


# -- cache key ---------------------------------------------------------------

_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\r\n]+)[>"]', re.MULTILINE)
_INC_FLAGS = ("-I", "-iquote", "-isystem", "-idirafter")


def include_closure(sources: Sequence[Path], flags: Sequence[str]) -> list[Path]:
    """Local headers reached from `sources` through `#include`, found by scanning.

    Headers not found in the including file's directory or an -I-style
    directory are system headers: they come with the compiler, whose version
    is already in the key.  Computed includes (`#include MACRO`) are not seen.
    """
    dirs = _include_dirs(flags)
    found: dict[Path, None] = {}
    todo = list(sources)
    while todo:
        current = todo.pop()
        for quote, name in _INCLUDE.findall(_read(current)):
            search = ([current.parent] if quote == b'"' else []) + dirs
            for base in search:
                candidate = (base / name.decode(errors="replace")).resolve()
                if candidate.is_file():
                    if candidate not in found and candidate not in sources:
                        found[candidate] = None
                        todo.append(candidate)
                    break
    return sorted(found)


def _include_dirs(flags: Sequence[str]) -> list[Path]:
    dirs: list[Path] = []
    for i, flag in enumerate(flags):
        for prefix in _INC_FLAGS:
            if flag == prefix and i + 1 < len(flags):
                dirs.append(Path(flags[i + 1]))
            elif flag.startswith(prefix) and len(flag) > len(prefix):
                dirs.append(Path(flag[len(prefix) :]))
    return dirs


def _cache_key(
    prof: Profile, tmpl: Template, lang: Language, args: Sequence[str], srcs: Sequence[Path]
) -> str:
    def digest(path: Path) -> str:
        return hashlib.sha256(_read(path)).hexdigest()

    material = {
        "schema": _KEY_SCHEMA,
        "profile": prof.digest,
        "template": tmpl.name,
        "driver": lang.driver,
        "compiler": compiler_version(prof),
        "args": list(args),
        "sources": [[p.name, digest(p)] for p in srcs],
        "headers": [[str(p), digest(p)] for p in include_closure(srcs, args)],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


# -- running the compiler ----------------------------------------------------


def _compile(prof: Profile, argv: Sequence[str], entry: Path, stem: str) -> float:
    """Run the compiler in a private temporary directory, then rename into place.

    The output's file name ends up in the `name` section (as the module
    name), so it must not carry the pid or the cache key: it is always
    `<first source stem>.wasm`, which keeps debug builds reproducible.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=entry.parent) as tmp:
        out = Path(tmp) / f"{stem}.wasm"
        start = time.perf_counter()
        _run([*argv[:-1], str(out)], prof, what=f"compile {entry.name}")
        seconds = time.perf_counter() - start
        os.replace(out, entry)
    return seconds


def _run(argv: Sequence[str], prof: Profile, *, what: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    zig_cache = zig_cache_dir()
    for name in prof.cache_env:
        env[name] = str(zig_cache)
    try:
        proc = subprocess.run(list(argv), capture_output=True, env=env, check=False)
    except OSError as exc:
        raise ToolchainError(
            f"cannot run {prof.name} to {what}: {exc.strerror or exc}", hint=INSTALL_HINT
        ) from None
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        detail = "\n".join(lines[-40:]) or f"exit status {proc.returncode}"
        raise ToolchainError(f"{prof.name} failed to {what}:\n{detail}", hint=" ".join(argv))
    return proc


def _check_installed(prof: Profile) -> None:
    if prof.command[0] == "{python}" and len(prof.command) >= 3 and prof.command[1] == "-m":
        if importlib.util.find_spec(prof.command[2]) is None:
            raise ToolchainError(
                f"{prof.name} is missing: the Python package {prof.package}=={prof.version} "
                "is not installed",
                hint=INSTALL_HINT,
            )
    elif shutil.which(prof.command[0]) is None:
        raise ToolchainError(
            f"{prof.name} is missing: {prof.command[0]} is not on PATH", hint=INSTALL_HINT
        )


# -- small helpers -------------------------------------------------------------


def _as_paths(sources: Sequence[Path | str] | Path | str) -> list[Path]:
    items = [sources] if isinstance(sources, str | Path) else list(sources)
    if not items:
        raise ToolchainError("nothing to build: no source files given")
    paths = [Path(s).resolve() for s in items]
    for path in paths:
        if not path.is_file():
            raise ToolchainError("source file not found", where=str(path))
    return paths


def _language(tmpl: Template, srcs: Sequence[Path]) -> Language:
    langs = {tmpl.language_for(s).name: tmpl.language_for(s) for s in srcs}
    if len(langs) > 1:
        raise ToolchainError(
            f"sources mix languages ({', '.join(sorted(langs))}); build them separately",
            where=", ".join(str(s) for s in srcs),
        )
    return next(iter(langs.values()))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ToolchainError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _install(entry: Path, output: Path) -> None:
    data = entry.read_bytes()
    if output.is_file() and output.read_bytes() == data:
        return  # keep the mtime of an up-to-date output
    try:
        _atomic_write(output, data)
    except OSError as exc:
        raise ToolchainError(f"cannot write: {exc.strerror or exc}", where=str(output)) from None
