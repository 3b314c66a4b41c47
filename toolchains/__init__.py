"""Real compilers for test fixtures and for the shim: TOML profiles + a cached builder.

    from toolchains import build, load_profile
    result = build(["prog.c"], template="hosted", opt="Oz")   # -> BuildResult(path=...)

CLI: `python -m toolchains build SRC... [-O Oz] [-o OUT]`, `python -m toolchains corpus`.
"""

from toolchains.build import (
    STATS,
    BuildJob,
    BuildResult,
    BuildStats,
    build,
    build_many,
    build_text,
    compiler_version,
    fixture_cache_dir,
    include_closure,
    zig_cache_dir,
)
from toolchains.corpus import (
    CORPUS_OPT_LEVELS,
    FIXTURES_DIR,
    Fixture,
    RunSpec,
    build_corpus,
    corpus_sources,
    read_run_spec,
    run_fixture,
)
from toolchains.errors import ToolchainError
from toolchains.profile import Language, Profile, Template, load_profile, parse_profile

__all__ = [
    "CORPUS_OPT_LEVELS",
    "FIXTURES_DIR",
    "STATS",
    "BuildJob",
    "BuildResult",
    "BuildStats",
    "Fixture",
    "Language",
    "Profile",
    "RunSpec",
    "Template",
    "ToolchainError",
    "build",
    "build_corpus",
    "build_many",
    "build_text",
    "compiler_version",
    "corpus_sources",
    "fixture_cache_dir",
    "include_closure",
    "load_profile",
    "parse_profile",
    "read_run_spec",
    "run_fixture",
    "zig_cache_dir",
]
