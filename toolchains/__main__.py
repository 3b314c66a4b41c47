"""`python -m toolchains ...`: build by hand what the tests build automatically.

python -m toolchains build hello.c -O Oz -o hello.wasm
python -m toolchains build shim.c -t freestanding -O Oz --export fd_write -X -Iinclude
python -m toolchains corpus          # build the whole fixture corpus, print timings
python -m toolchains info            # profile, templates, compiler version, caches
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from toolchains.build import STATS, build, compiler_version, fixture_cache_dir, zig_cache_dir
from toolchains.corpus import CORPUS_OPT_LEVELS, build_corpus
from toolchains.errors import ToolchainError
from toolchains.profile import load_profile


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _cmd_build(args: argparse.Namespace) -> int:
    strip = None if args.strip is None else args.strip == "yes"
    result = build(
        args.sources,
        profile=args.profile,
        template=args.template,
        opt=args.opt,
        flags=args.flag,
        exports=args.export,
        strip=strip,
        output=args.output,
    )
    state = "cached" if result.cached else f"compiled in {result.seconds:.1f}s"
    print(f"{result.path} ({state}, key {result.key[:16]})")
    if args.verbose:
        print(" ".join(result.argv))
    return 0


def _cmd_corpus(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    fixtures = build_corpus(opt_levels=args.levels, profile=args.profile, workers=args.jobs)
    for fx in fixtures:
        print(f"{fx.id:28} {fx.path.stat().st_size:>9}  {fx.path}")
    print(
        f"{len(fixtures)} modules, {STATS.compiles} compiled, {STATS.hits} cached, "
        f"{time.perf_counter() - start:.1f}s"
    )
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    prof = load_profile(args.profile)
    print(f"profile   {prof.name} ({prof.path})")
    print(f"compiler  {prof.package} {compiler_version(prof)} (pinned {prof.version})")
    print(f"caches    fixtures {fixture_cache_dir()}, {prof.name} {zig_cache_dir()}")
    for tmpl in prof.templates.values():
        print(f"template  {tmpl.name}: {tmpl.description}")
        print(f"          flags {' '.join(tmpl.flags)}; levels {', '.join(tmpl.opt)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m toolchains",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-p", "--profile", default="zig", help="profile name or .toml path")
    sub = parser.add_subparsers(required=True)

    b = sub.add_parser("build", help="compile sources to one .wasm (cached)")
    b.add_argument("sources", nargs="+")
    b.add_argument("-t", "--template", default="hosted")
    b.add_argument("-O", "--opt", default="O2", help="level name from the profile (O0, O2, Oz...)")
    b.add_argument("-o", "--output", help="copy the result here")
    b.add_argument(
        "-X",
        "--flag",
        action="append",
        default=[],
        help="extra compiler flag (repeatable), e.g. -X-Iinclude",
    )
    b.add_argument("--export", action="append", default=[], help="export a symbol (repeatable)")
    b.add_argument("--strip", choices=["yes", "no"], help="default: the template's choice")
    b.add_argument("-v", "--verbose", action="store_true", help="print the compiler command")
    b.set_defaults(func=_cmd_build)

    c = sub.add_parser("corpus", help="build the fixture corpus")
    c.add_argument("--levels", nargs="+", default=list(CORPUS_OPT_LEVELS))
    c.add_argument("-j", "--jobs", type=int, default=2)
    c.set_defaults(func=_cmd_corpus)

    i = sub.add_parser("info", help="show the profile and the compiler")
    i.set_defaults(func=_cmd_info)
    return parser


if __name__ == "__main__":
    sys.exit(main())
