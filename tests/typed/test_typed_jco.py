"""Typed worlds under jco/Node.js: the same calls, the same results as under wasmtime.

Every fixture of `tests/fixtures/typed/` (its world embedded by wasm-tools),
componentized by ours and by the official pipeline, is transpiled by jco and
instantiated under Node with the world's imports written in JavaScript
(`jco_host.mjs`, the counterpart of `oracle.Host`).  Each script below is the
calls of one test of `test_typed_worlds.py`, with its arguments.  A
component's scripts run one after the other on one instance under jco
(`toolchains.jco.call_many`: every component in one Node process) and on one
`oracle.Guest` under wasmtime, each script followed by what the host imports
received so far (logs, checksum inputs, scaled points, counters made and
dropped, clock reads); the two hosts must agree step by step (the value
returned, or the err a result threw).  One test per script and component
compares its part; a trap would show in the first script that has one, and
in those after it (the instance is then dead on both hosts).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import wasmtime
import wasmtime.component as wc

from componentize.wit import find_world, model, resolve_dir
from toolchains import jco
from toolchains.jco import BigInt, Call, Drop, Handle, HostCall, Step
from toolchains.typed import WIT_PATH, WORLD

from . import oracle
from .jco_values import plain, plain_js, split_result, to_js
from .oracle import API, PIPELINES, Guest, record

HOST_MODULE = Path(__file__).resolve().parent / "jco_host.mjs"
ENV = {"TYPED_VAR": "from the host"}
POST_RETURN_ROUNDS = 2

Case = tuple[str, str]  # pipeline, variant
CASES: list[Case] = [(p, n) for p in PIPELINES for n in oracle.variant_names()]


def f32(x: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", x))[0])


# ---------------------------------------------------------------- the scripts


def api(func: str, *args: Any, bind: str | None = None) -> Call:
    return Call(API, func, args, bind)


def scalars() -> list[Step]:
    return [
        api("echo-bool", True),
        api("echo-bool", False),
        api("mix", 255, -128, 65535, -32768, 4294967295, -2147483648, 2**63, 0),
        api("mix", 0, 0, 0, 0, 0, 0, 0, -(2**63)),
        api("mix", 1, 2, 3, 4, 5, 6, 7, -8),
        api("narrow", 0x12345678),
        api("narrow", 0xFFFF8180),
        api("floats", 1.5, 2.25),
        api("floats", f32(0.1), 10.0),
        *[api("next-char", c) for c in ("a", "\u00e9", "\ud7ff", "\U0001f600", "\U0010ffff")],
        api("next-color", "red"),
        api("next-color", "blue"),
        api("toggle", {"read"}),
        api("toggle", set()),
    ]


BIG = bytes(range(256)) * 16


def strings_and_lists() -> list[Step]:
    return [
        api("greet", "w\u00f6rld \U0001f30d"),
        HostCall("set", ["hostname", "x" * 1000]),
        api("greet", ""),
        api("reverse", b"abc\x00\xff"),
        api("reverse", b""),
        api("reverse", BIG),
        api("checksum", b"\x01\x02\x03"),
        api("checksum", BIG),
        api("join", ["a", "bc", "\u00e9"], ", "),
        api("join", [], "-"),
        api("split", "a,b,,c", ","),
        api("split", "", ","),
        api("find", ["x", "y", "z"], "z"),
        api("find", ["x"], "q"),
        api("find", [], ""),
    ]


def records_and_tuples() -> list[Step]:
    return [
        api("make-person", "Ada", 36, ["math", "engines"]),
        api("make-person", "", 0, []),
        api("describe", record(name="Bob", age=255, tags=["a", "b"])),
        api("describe", record(name="C", age=7, tags=[])),
        api("swap", (7, "seven")),
        api("swap", (2**32 - 1, "")),
    ]


def variants() -> list[Step]:
    circle, square = wc.Variant("circle", 2.0), wc.Variant("square", 3.0)
    return [
        api("area", circle),
        api("area", square),
        api("area", wc.Variant("rect", (2.0, 2.5))),
        api("area", wc.Variant("empty")),
        api("grow", circle),
        api("grow", wc.Variant("rect", (1.5, 2.0))),
        api("grow", wc.Variant("empty")),
        api("maybe-double", 21),
        api("maybe-double", None),
        api("maybe-double", 2**31),
        api("parse", "4294967295"),
        api("parse", "12a"),
        api("parse", ""),
    ]


def _many_args(values: list[int]) -> list[int | float]:
    """many's a3 and a4 are f32 and f64."""
    return [float(v) if i in (2, 3) else v for i, v in enumerate(values)]


def spilled_params() -> list[Step]:
    """17 flat parameters: lifted from a tuple in the guest's memory."""
    args = [1, 2**40, 2.5, 1.25, 200, -300, 7, -(2**40), *range(10, 19)]
    return [api("many", *args), api("many", *_many_args([0] * 17))]


def imports_called_from_exports() -> list[Step]:
    return [api("move-point", 3, -4, 2.5), api("sum-via-host", 2**32 - 1, 2)]


def world_functions() -> list[Step]:
    """A world-level export calling a world-level import."""
    return [
        Call(None, "version"),
        HostCall("set", ["now", BigInt(2**64 - 1)]),
        Call(None, "version"),
    ]


def wasi_through_preview1() -> list[Step]:
    return [api("getenv", "TYPED_VAR"), api("getenv", "NOT_SET")]


def exported_resource() -> list[Step]:
    """Constructor, methods, static; the guest's destructor runs when jco's
    `[Symbol.dispose]()` drops a handle, and when the guest drops one it was given."""
    a, b, m = Handle("a"), Handle("b"), Handle("m")
    return [
        api("destroyed"),
        api("[constructor]accumulator", 10, bind="a"),
        api("[constructor]accumulator", -3, bind="b"),
        api("[method]accumulator.add", a, 5),
        api("[method]accumulator.add", b, 2**40),
        api("[method]accumulator.total", a),
        api("[method]accumulator.total", b),
        api("[static]accumulator.merge", a, b, bind="m"),
        api("[method]accumulator.total", m),
        api("destroyed"),
        Drop("a"),
        api("destroyed"),
        Drop("b"),
        api("destroyed"),
        api("consume", m),
        api("destroyed"),
    ]


def imported_resource() -> list[Step]:
    """The guest makes a host counter (a JavaScript class under jco), bumps it and
    drops it: the host's destructor (`[Symbol.dispose]`) runs."""
    return [api("count-with-host", 5, 3), api("count-with-host", 0, 0)]


def _every_export(round_: int) -> list[Step]:
    acc, acc2 = f"acc{round_}", f"acc{round_}b"
    return [
        api("greet", "leak?"),
        api("reverse", b"12345"),
        api("checksum", b"xyz"),
        api("join", ["a", "b"], "+"),
        api("split", "a b c", " "),
        api("find", ["a", "b"], "b"),
        api("make-person", "P", 1, ["t1", "t2"]),
        api("describe", record(name="Q", age=2, tags=["u"])),
        api("swap", (1, "one")),
        api("grow", wc.Variant("square", 1.0)),
        api("maybe-double", 4),
        api("parse", "17"),
        api("parse", "nope"),
        api("many", *_many_args(list(range(17)))),
        api("move-point", 1, 1, 1.0),
        api("count-with-host", 1, 1),
        api("getenv", "TYPED_VAR"),
        api("getenv", "NOT_SET"),
        Call(None, "version"),
        api("[constructor]accumulator", 1, bind=acc),
        api("[static]accumulator.merge", Handle(acc), Handle(acc), bind=acc2),
        Drop(acc),
        api("consume", Handle(acc2)),
        api("live-allocations"),
    ]


def post_return_frees() -> list[Step]:
    """Each round ends with the guest's count of live allocations: flat from the
    first round on when every post-return ran."""
    return [s for r in range(1 + POST_RETURN_ROUNDS) for s in _every_export(r)]


def initialize_runs_once() -> list[Step]:
    return [api("init-count"), api("echo-bool", True), api("init-count")]


SCRIPTS: dict[str, Callable[[], list[Step]]] = {
    f.__name__: f
    for f in (
        scalars,
        strings_and_lists,
        records_and_tuples,
        variants,
        spilled_params,
        imports_called_from_exports,
        world_functions,
        wasi_through_preview1,
        exported_resource,
        imported_resource,
        post_return_frees,
        initialize_runs_once,
    )
}


def command_runs(run: str) -> list[Step]:
    """A command keeps wasi:cli/run (its main) and exports the world's functions too."""
    return [Call(run, "run"), api("echo-bool", True)]


# ---------------------------------------------------------------- types of the steps


@cache
def world() -> model.World:
    return find_world(resolve_dir(WIT_PATH.parent), WORLD)


RUN = model.Function("run", [], model.ResultType())  # wasi:cli/run's run


def function(call: Call) -> model.Function:
    if call.interface is None:
        item = world().exports[call.func].item
    elif call.interface.startswith("wasi:cli/run@"):
        return RUN
    else:
        interface = world().exports[call.interface].item
        assert isinstance(interface, model.Interface)
        item = interface.functions[call.func]
    assert isinstance(item, model.Function)
    return item


def _case_types(fn: model.Function) -> tuple[model.Type | None, model.Type | None]:
    """The types of what a call returns and of what it throws (a result's err)."""
    if isinstance(fn.result, model.ResultType):
        return fn.result.ok, fn.result.err
    return fn.result, None


# ---------------------------------------------------------------- the two hosts

Seen = tuple[str, Any]  # (ok | thrown | trap | ..., the value in comparable form)
RECORDS = HostCall("records")  # what the host received so far, after each script


def run_wasmtime(component: bytes, steps: list[Step]) -> list[Seen]:
    guest = Guest(component, env=ENV)
    handles: dict[str, Any] = {}
    return [_wasmtime_step(guest, handles, step) for step in steps]


def _wasmtime_step(guest: Guest, handles: dict[str, Any], step: Step) -> Seen:
    if isinstance(step, Drop):
        handles.pop(step.name).drop(guest.store)
        return ("ok", None)
    if isinstance(step, HostCall):
        return ("ok", _host_call(guest.host, step))
    args = [handles[a.name] if isinstance(a, Handle) else a for a in step.args]
    try:
        result = guest.call(guest.func(step.func, step.interface), *args)
    except (wasmtime.Trap, wasmtime.WasmtimeError):
        return ("trap", None)
    if step.bind is not None:
        handles[step.bind] = result
    fn = function(step)
    if isinstance(fn.result, model.ResultType):
        tag, payload = split_result(fn.result, result)
        ok, err = _case_types(fn)
        return ("ok", plain(ok, payload)) if tag == "ok" else ("thrown", plain(err, payload))
    return ("ok", plain(fn.result, result))


def _host_call(host: oracle.Host, step: HostCall) -> Any:
    """jco_host.mjs's `records()` and `set(name, value)`, on oracle.Host."""
    if step.method == "records":
        return host_records(host)
    name, value = step.args
    setattr(host, str(name), value.value if isinstance(value, BigInt) else value)
    return None


def host_records(host: oracle.Host) -> dict[str, Any]:
    """oracle.Host's records in jco_host.mjs's form (copies: the host goes on)."""
    return {
        "logs": list(host.logs),
        "scaled": [list(s) for s in host.scaled],
        "checksums": list(host.checksums),
        "counters_made": host.counters_made,
        "counters_dropped": list(host.counters_dropped),
        "now_calls": host.now_calls,
        "counters": [list(kv) for kv in sorted(host.counters.items())],
    }


def jco_steps(steps: list[Step]) -> list[Step]:
    """The steps with their arguments as jco takes them."""
    return [_jco_step(s) for s in steps]


def _jco_step(step: Step) -> Step:
    if not isinstance(step, Call):
        return step
    params = function(step).params
    args = [to_js(t, a) for (_, t), a in zip(params, step.args, strict=True)]
    return Call(step.interface, step.func, args, step.bind)


def seen_under_jco(steps: list[Step], report: jco.CallReport) -> list[Seen]:
    assert report.instantiation is None, f"jco could not instantiate: {report.instantiation}"
    return [_jco_seen(s, o) for s, o in zip(steps, report.outcomes, strict=True)]


def _jco_seen(step: Step, outcome: jco.Outcome) -> Seen:
    if outcome.kind == "trap":
        return ("trap", None)  # its message is the host's own
    if outcome.kind not in ("ok", "thrown"):
        return (outcome.kind, outcome.message)
    if not isinstance(step, Call):
        return (outcome.kind, outcome.value)
    ok, err = _case_types(function(step))
    return (outcome.kind, plain_js(ok if outcome.kind == "ok" else err, outcome.value))


# ---------------------------------------------------------------- the components, both hosts


def component_for(case: Case) -> bytes:
    pipeline, name = case
    module = oracle.embedded_module(name, "wasm-tools")
    return _component(pipeline, module, oracle.variant(name).kind)


@cache
def _component(pipeline: str, module: bytes, kind: str) -> bytes:
    return oracle.make_component(pipeline, module, kind)


def _applies(case: Case, script: str) -> bool:
    kind = oracle.variant(case[1]).kind
    if script == "initialize_runs_once":
        return kind == "reactor"
    return script != "command_runs" or kind == "command"


SCRIPT_NAMES = [*SCRIPTS, "command_runs"]


@cache
def session(case: Case) -> tuple[list[Step], dict[str, slice]]:
    """Every script of a case, one after the other on one instance (jco takes
    ~0.1 s to instantiate one), each followed by the host's records; where each
    script's steps are.  initialize_runs_once comes first: its first call is the
    instance's first."""
    steps: list[Step] = []
    where: dict[str, slice] = {}
    for name in sorted(SCRIPT_NAMES, key=lambda n: n != "initialize_runs_once"):
        if not _applies(case, name):
            continue
        if name == "command_runs":
            script = command_runs(run_export(component_for(case)))
        else:
            script = SCRIPTS[name]()
        where[name] = slice(len(steps), len(steps) + len(script) + 1)
        steps += [*script, RECORDS]
    return steps, where


def run_export(component: bytes) -> str:
    """wasi:cli/run with the version this component exports it at."""
    return next(n for n in Guest(component).exports() if n.startswith("wasi:cli/run@"))


@cache
def under_wasmtime(case: Case) -> list[Seen]:
    return run_wasmtime(component_for(case), session(case)[0])


@pytest.fixture(scope="module")
def under_jco(jco_available: None) -> dict[Case, list[Seen]]:
    """Every case's session under jco: one transpile batch, one Node process."""
    oracle.adapter("reactor")  # the official pipeline's adapter comes with jco
    jobs = [
        jco.CallJob(component_for(c), HOST_MODULE, jco_steps(session(c)[0]), ENV) for c in CASES
    ]
    reports = jco.call_many(jobs)
    return {c: seen_under_jco(session(c)[0], r) for c, r in zip(CASES, reports, strict=True)}


SCRIPT_CASES = [(c, n) for c in CASES for n in SCRIPT_NAMES if _applies(c, n)]


@pytest.mark.parametrize(
    ("case", "script"), SCRIPT_CASES, ids=[f"{n}-{c[0]}-{c[1]}" for c, n in SCRIPT_CASES]
)
def test_same_as_wasmtime(case: Case, script: str, under_jco: dict[Case, list[Seen]]) -> None:
    """The script's steps return (or throw) the same under jco as under wasmtime,
    and the host imports received the same."""
    steps, where = session(case)
    part = where[script]
    for step, js, native in zip(
        steps[part], under_jco[case][part], under_wasmtime(case)[part], strict=True
    ):
        assert js == native, f"{_short(step)}: {_difference(js, native)}"
    assert all(kind in ("ok", "thrown") for kind, _ in under_jco[case][part])


def _short(value: object, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _difference(js: Seen, native: Seen) -> str:
    """What differs: the host's records key by key (they are long), else both."""
    ours, theirs = js[1], native[1]
    if js[0] == native[0] and isinstance(ours, dict) and isinstance(theirs, dict):
        keys = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        parts = [f"{k}: jco {_short(ours.get(k))}, wasmtime {_short(theirs.get(k))}" for k in keys]
        return "; ".join(parts)
    return f"jco {_short(js)}, wasmtime {_short(native)}"


def test_every_export_is_called() -> None:
    """The scripts call every function of the exported interface (constructor,
    methods and static included) and every world-level export."""
    called = {(s.interface, s.func) for f in SCRIPTS.values() for s in f() if isinstance(s, Call)}
    api_item = world().exports[API].item
    assert isinstance(api_item, model.Interface)
    expected: set[tuple[str | None, str]] = {(API, name) for name in api_item.functions}
    exports = world().exports.items()
    expected |= {(None, k) for k, e in exports if isinstance(e.item, model.Function)}
    assert expected - called == set()


@pytest.mark.parametrize("case", CASES, ids=[f"{p}-{n}" for p, n in CASES])
def test_resources_are_dropped_under_jco(case: Case, under_jco: dict[Case, list[Seen]]) -> None:
    """Besides agreeing with wasmtime: the guest's destructor runs once per
    `[Symbol.dispose]()` of an exported resource's handle and per owned handle
    passed back, and the JavaScript counter class sees both its objects disposed."""
    steps, where = session(case)
    part = where["exported_resource"]
    destroyed = [
        value
        for step, (_, value) in zip(steps[part], under_jco[case][part], strict=True)
        if isinstance(step, Call) and step.func == "destroyed"
    ]
    first = destroyed[0]
    assert destroyed == [first, first, first + 1, first + 2, first + 3]
    kind, records = under_jco[case][where["imported_resource"]][-1]
    assert (kind, records["counters_made"], records["counters_dropped"]) == ("ok", 2, [1001, 1002])
    assert records["counters"] == []
