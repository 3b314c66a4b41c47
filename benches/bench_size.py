"""Bytes a component adds to its module, ours against the official adapter's, and where ours go.

    PYTHONPATH=. python benches/bench_size.py [--official jco|wasm-tools|none] [--each]

Inputs: the 72 modules of the WASI conformance suite (found as
tests/conformance finds them). Bytes added = component size - module size.
Ours: this checkout's `componentize()`; official: `jco new IN --wasi-command`
(cached, see variants.py) or `wasm-tools component new IN --adapt
wasi_snapshot_preview1=ADAPTER` with the adapter jco ships. Prints the
median, min and max added bytes of each and the ratio of the medians (the
issue 13 target: <= 0.30), then where our added bytes go, by section and
item of our output (componentize's own decoders), per part: median, mean and
share of the mean total (the means add up to the mean total; medians do not),
and the parts of the component whose added bytes are the median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import variants  # noqa: E402

from componentize import wasm  # noqa: E402
from componentize.component import decode_component  # noqa: E402
from componentize.component.encode import encode_alias, encode_section  # noqa: E402
from componentize.component.model import (  # noqa: E402
    AliasSection,
    CoreModuleSection,
    CustomSection,
    ImportSection,
    Section,
    TypeSection,
)
from componentize.component.names import NAME_SECTION  # noqa: E402
from componentize.component.sorts import Sort  # noqa: E402
from toolchains import jco  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "conformance"))
from wasi_testsuite import discover, suite_dir  # noqa: E402

ADAPTER = (
    "node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm"  # in jco's prefix
)
TARGET = 0.30
PREAMBLE = 8  # magic, version, layer

# The parts our added bytes are split into, in the order they are printed.
PARTS = {
    "shim code": "the shim's type, function, code... sections (not imports, exports, customs)",
    "shim imports": "the shim's import section (names of what it calls)",
    "shim exports": "the shim's export section",
    "shim names/custom": "the shim's custom sections (name, producers)",
    "main module": "the main module's section minus the module's own size (rewrites, header)",
    "glue modules": "provider, stubs, fillers, initializer (core module sections)",
    "component types": "type sections and type aliases (imported instance types)",
    "component imports": "import sections (interface names and type references)",
    "canon/alias/instance": "canon, alias (not types), core and component instances, exports",
    "component names": "the component-name custom section",
    "other": "preamble, other custom sections",
}


@dataclass(frozen=True)
class Sizes:
    """One module and its two components."""

    name: str
    module: int
    ours: int
    official: int | None
    parts: dict[str, int]

    @property
    def added(self) -> int:
        return self.ours - self.module

    @property
    def official_added(self) -> int | None:
        return None if self.official is None else self.official - self.module


def _core_sections(data: bytes) -> Iterable[tuple[str, int]]:
    """(kind, bytes) of each section of a core module, custom ones as "custom"."""
    module = wasm.decode_module(data)
    for sid, raw in module.raw.items():
        yield wasm.SECTION_NAMES[sid], raw.end - raw.start
    for custom in module.customs:
        assert custom.raw is not None
        yield "custom", custom.raw.end - custom.raw.start


def _shim_parts(data: bytes, section_size: int) -> dict[str, int]:
    parts = dict.fromkeys(("shim code", "shim imports", "shim exports", "shim names/custom"), 0)
    key = {"import": "shim imports", "export": "shim exports", "custom": "shim names/custom"}
    for kind, size in _core_sections(data):
        parts[key.get(kind, "shim code")] += size
    # The core module header and the component section's own header count as code.
    parts["shim code"] += section_size - sum(parts.values())
    return parts


def _section_part(section: Section) -> str:
    if isinstance(section, TypeSection):
        return "component types"
    if isinstance(section, ImportSection):
        return "component imports"
    if isinstance(section, CustomSection):
        return "component names" if section.name == NAME_SECTION else "other"
    return "canon/alias/instance"


def _code_section(data: bytes) -> bytes | None:
    raw = wasm.decode_module(data).raw.get(10)
    return None if raw is None else raw.source[raw.start : raw.end]


def breakdown(component: bytes, module: bytes) -> dict[str, int]:
    """Where each byte `component` adds to `module` is; the values sum to the difference.

    The main module is the core module with the input's code section (code
    bodies are copied as they are); the shim is the largest of the others.
    """
    parts = dict.fromkeys(PARTS, 0)
    parts["other"] = PREAMBLE
    code = _code_section(module)
    cores: list[tuple[bytes, int]] = []
    for section in decode_component(component).sections:
        size = len(encode_section(section))
        if isinstance(section, CoreModuleSection):
            cores.append((section.module, size))
        elif isinstance(section, AliasSection):
            types = sum(len(encode_alias(a)) for a in section.aliases if a.sort == Sort.TYPE)
            parts["component types"] += types
            parts["canon/alias/instance"] += size - types
        else:
            parts[_section_part(section)] += size
    main = next(i for i, (data, _) in enumerate(cores) if _code_section(data) == code)
    parts["main module"] = cores[main][1] - len(module)
    others = [c for i, c in enumerate(cores) if i != main]
    if others:
        shim = max(others, key=lambda c: c[1])
        others.remove(shim)
        parts.update(_shim_parts(*shim))
    parts["glue modules"] = sum(size for _, size in others)
    assert sum(parts.values()) == len(component) - len(module), parts
    return parts


def official_component(path: Path, how: str) -> bytes | None:
    if how == "none":
        return None
    if how == "jco":
        return variants.official(path)
    adapter = jco.ensure_jco() / ADAPTER
    wasm_tools = Path(sys.executable).with_name("wasm-tools")
    done = subprocess.run(
        [
            str(wasm_tools),
            "component",
            "new",
            str(path),
            "--adapt",
            f"wasi_snapshot_preview1={adapter}",
        ],
        capture_output=True,
        check=True,
    )
    return done.stdout


def measure(how: str) -> list[Sizes]:
    out = []
    for case in discover(suite_dir()):
        data = case.wasm.read_bytes()
        ours = variants.now(data)
        official = official_component(case.wasm, how)
        out.append(
            Sizes(
                case.name,
                len(data),
                len(ours),
                None if official is None else len(official),
                breakdown(ours, data),
            )
        )
    return out


def _stats(values: Sequence[int]) -> str:
    return f"{statistics.median(values):>9,.0f} {min(values):>8,} {max(values):>8,}"


def report(sizes: list[Sizes], how: str, each: bool) -> None:
    ours = [s.added for s in sizes]
    print(f"bytes added (component - module) over {len(sizes)} conformance modules")
    print(f"  {'':<10} {'median':>9} {'min':>8} {'max':>8}")
    print(f"  {'ours':<10} {_stats(ours)}")
    official = [s.official_added for s in sizes if s.official_added is not None]
    if official:
        print(f"  {'official':<10} {_stats(official)}   ({how})")
        ratio = statistics.median(ours) / statistics.median(official)
        verdict = "holds" if ratio <= TARGET else "MISSED"
        per = statistics.median(s.added / s.official_added for s in sizes if s.official_added)
        print(f"  ratio of medians ours/official: {ratio:.3f} (target <= {TARGET}: {verdict})")
        print(f"  median of per-module ratios:     {per:.3f}")
    _print_parts(sizes)
    if each:
        _print_each(sizes)


def _print_parts(sizes: list[Sizes]) -> None:
    mean_total = statistics.mean(s.added for s in sizes)
    middle = sorted(sizes, key=lambda s: s.added)[len(sizes) // 2]
    print(f"\nwhere our added bytes go (median component: {middle.name}, {middle.added:,} added)")
    print(f"  {'part':<22} {'median':>7} {'mean':>7} {'share':>6} {middle.name[:18]:>18}")
    for part, what in PARTS.items():
        values = [s.parts[part] for s in sizes]
        mean = statistics.mean(values)
        share = mean / mean_total
        print(
            f"  {part:<22} {statistics.median(values):>7,.0f} {mean:>7,.0f}"
            f" {share:>6.1%} {middle.parts[part]:>18,}   {what}"
        )
    print(f"  {'total':<22} {'':>7} {mean_total:>7,.0f} {1:>6.0%} {middle.added:>18,}")


def _print_each(sizes: list[Sizes]) -> None:
    width = max(len(s.name) for s in sizes)
    print(f"\n  {'module':<{width}} {'bytes':>9} {'added':>7} {'official':>8} {'ratio':>6}")
    for s in sizes:
        off = s.official_added
        ratio = f"{s.added / off:.3f}" if off else ""
        print(f"  {s.name:<{width}} {s.module:>9,} {s.added:>7,} {off or '':>8} {ratio:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--official",
        choices=("jco", "wasm-tools", "none"),
        default="jco",
        help="how the official component is made (default: jco new, as the other benches)",
    )
    parser.add_argument("--each", action="store_true", help="one line per module too")
    args = parser.parse_args()
    report(measure(args.official), args.official, args.each)


if __name__ == "__main__":
    main()
