"""The shim's stack cannot reach its state (shims/preview1/shim.h): the state
lies below STACK_LIMIT, the stack grows down from STACK_TOP, no function
calls itself through others, and all the functions' frames together fit
between the two twice over (a chain of calls holds each function once; the
host's call of cabi_realloc during an import, or the guest's calls of the
exports while `run` waits, start a second chain on top)."""

from __future__ import annotations

import re

from componentize.shim import load_shim_module
from componentize.shim.contract import INIT_EXPORT
from componentize.wasm.instructions import decode_expr
from componentize.wasm.model import Instruction
from componentize.wasm.query import imported_count
from toolchains.shim.build import SOURCE_DIR


def _define(name: str) -> int:
    text = (SOURCE_DIR / "shim.h").read_text()
    found = re.search(rf"^#define {name} (\d+)u?$", text, re.M)
    assert found, name
    return int(found.group(1))


def _ops(body: list[Instruction], at: int, n: int) -> list[tuple[str, tuple[object, ...]]]:
    return [(i.op, i.imm) for i in body[at : at + n]]


def test_all_frames_together_fit_between_state_and_stack_top() -> None:
    module = load_shim_module()
    bodies = [decode_expr(c.code) for c in module.codes]
    init = next(e.index for e in module.exports if e.name == INIT_EXPORT)
    init_body = bodies[init - imported_count(module, "func")]
    assert _ops(init_body, 0, 2) == [("i32.const", (_define("STACK_TOP"),)), ("global.set", (0,))]
    frames = []
    for body in bodies:
        for at, ins in enumerate(body):
            if ins.op == "global.get" and ins.imm == (0,):  # the stack pointer
                const, sub = body[at + 1 : at + 3]
                assert (const.op, sub.op) == ("i32.const", "i32.sub"), _ops(body, at, 3)
                assert isinstance(const.imm[0], int) and const.imm[0] > 0
                frames.append(const.imm[0])
    assert frames, "some functions have frames"
    assert 2 * sum(frames) <= _define("STACK_TOP") - _define("STACK_LIMIT")


def test_no_function_calls_itself() -> None:
    module = load_shim_module()
    first = imported_count(module, "func")
    calls = {
        first + i: {ins.imm[0] for ins in decode_expr(c.code) if ins.op == "call"}
        for i, c in enumerate(module.codes)
    }
    done: set[object] = set()

    def walk(f: object, path: tuple[object, ...]) -> None:
        assert f not in path, f"a cycle of calls through function {f}"
        if f in done or not isinstance(f, int) or f not in calls:
            return
        for g in calls[f]:
            walk(g, (*path, f))
        done.add(f)

    for f in calls:
        walk(f, ())
