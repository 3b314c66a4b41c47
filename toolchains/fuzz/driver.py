"""The run loop and the command line: `python -m toolchains.fuzz`."""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time

import wasmtime

import toolchains.fuzz
from componentize.engine import engine
from toolchains.fuzz.checks import OUT, Execute, Findings, check, check_wit
from toolchains.fuzz.differential import check_seeds
from toolchains.fuzz.mutators import mutants, wit_mutants
from toolchains.fuzz.seeds import seeds


def run(
    seconds: float,
    seed: int,
    *,
    limit: int | None = None,
    wit: bool = False,
    compile_on: wasmtime.Engine | None = None,
    execute: Execute | None = None,
) -> Findings:
    rng = random.Random(seed)
    findings = Findings()
    deadline = time.monotonic() + seconds
    if wit:
        for text in wit_mutants(rng):
            check_wit(text, findings)
            if time.monotonic() > deadline or (limit and findings.inputs >= limit):
                break
        return findings
    for data in mutants(rng, seeds()):
        check(
            data,
            findings,
            run_inspect=findings.inputs % 4 == 0,
            compile_on=compile_on,
            execute=execute,
        )
        if time.monotonic() > deadline or (limit and findings.inputs >= limit):
            break
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m toolchains.fuzz",  # argparse would say `__main__.py`
        description=(toolchains.fuzz.__doc__ or "").splitlines()[0],  # the package says what it is
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wit", action="store_true", help="fuzz the WIT front end instead")
    parser.add_argument(
        "--quick", action="store_true", help="neither run the seeds nor compile each component"
    )
    parser.add_argument(
        "--execute",
        action="store_true",
        help="run each valid mutant with a _start natively and as a component (about half the "
        "throughput)",
    )
    args = parser.parse_args()
    seed_findings = Findings()
    if not (args.wit or args.quick):
        check_seeds(seed_findings)  # a few seconds: every seed run natively and as a component
    start = time.monotonic()
    compile_on = None if args.quick else engine()
    execute = Execute() if args.execute else None
    findings = run(args.seconds, args.seed, wit=args.wit, compile_on=compile_on, execute=execute)
    took = time.monotonic() - start
    findings.found.update(seed_findings.found)
    print(
        f"{findings.inputs} inputs in {took:.0f} s ({findings.inputs / took:.1f}/s): "
        f"{findings.components} components ({findings.compiled} compiled in full, "
        f"{findings.ran} run as natively), "
        f"{findings.user_errors} user errors, "
        f"{findings.refused_valid} valid modules refused, {len(findings.found)} findings"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    for (kind, message), data in findings.found.items():
        name = hashlib.sha256(data).hexdigest()[:16]
        (OUT / f"{name}.{'wit' if args.wit else 'wasm'}").write_bytes(data)
        print(f"- {kind}: {message} ({OUT / name})")
    sys.exit(1 if findings.found else 0)
