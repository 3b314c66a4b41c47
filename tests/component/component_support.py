"""Hand-built WASI 0.2 WIT model slices for the component tests (the parser is
another layer, so these tests build model objects directly)."""

from __future__ import annotations

from dataclasses import dataclass

from componentize.wit import model as wit


def make_package(ns: str, name: str, version: str) -> wit.Package:
    return wit.Package(wit.PackageName(ns, name, wit.Version.parse(version)))


def make_interface(pkg: wit.Package, name: str) -> wit.Interface:
    iface = wit.Interface(name, package=pkg)
    pkg.interfaces[name] = iface
    return iface


def make_type(iface: wit.Interface, name: str, body: wit.TypeBody) -> wit.TypeDef:
    td = wit.TypeDef(name, body, owner=iface)
    iface.types[name] = td
    return td


def use(iface: wit.Interface, target: wit.TypeDef, name: str | None = None) -> wit.TypeDef:
    """`use other.{target}` (or `as name`): a local alias of a foreign type."""
    return make_type(iface, name or target.name, wit.Alias(wit.TypeRef(target)))


def make_func(
    iface: wit.Interface,
    key: str,
    params: list[tuple[str, wit.Type]],
    result: wit.Type | None = None,
    resource: wit.TypeDef | None = None,
) -> wit.Function:
    kind = "method" if key.startswith("[method]") else "freestanding"
    fn = wit.Function(key.rpartition(".")[2] if resource else key, params, result, kind, resource)
    iface.functions[key] = fn
    return fn


U8 = wit.Primitive("u8")
U64 = wit.Primitive("u64")
STRING = wit.Primitive("string")


@dataclass
class Wasi:
    error: wit.Interface
    error_res: wit.TypeDef
    streams: wit.Interface
    output_stream: wit.TypeDef
    stream_error: wit.TypeDef
    stdout: wit.Interface
    stderr: wit.Interface
    run: wit.Interface


def build_wasi(version: str = "0.2.0") -> Wasi:
    io = make_package("wasi", "io", version)
    error = make_interface(io, "error")
    error_res = make_type(error, "error", wit.Resource())
    make_func(
        error, "[method]error.to-debug-string", [("self", wit.Borrow(error_res))], STRING, error_res
    )
    streams = make_interface(io, "streams")
    err_alias = use(streams, error_res)
    stream_error = make_type(
        streams,
        "stream-error",
        wit.Variant(
            [wit.Case("last-operation-failed", wit.TypeRef(err_alias)), wit.Case("closed")]
        ),
    )
    input_stream = make_type(streams, "input-stream", wit.Resource())
    output_stream = make_type(streams, "output-stream", wit.Resource())
    bytes_list = wit.ListType(U8)
    result_unit = wit.ResultType(None, wit.TypeRef(stream_error))
    make_func(
        streams,
        "[method]input-stream.read",
        [("self", wit.Borrow(input_stream)), ("len", U64)],
        wit.ResultType(bytes_list, wit.TypeRef(stream_error)),
        input_stream,
    )
    make_func(
        streams,
        "[method]output-stream.check-write",
        [("self", wit.Borrow(output_stream))],
        wit.ResultType(U64, wit.TypeRef(stream_error)),
        output_stream,
    )
    make_func(
        streams,
        "[method]output-stream.blocking-write-and-flush",
        [("self", wit.Borrow(output_stream)), ("contents", bytes_list)],
        result_unit,
        output_stream,
    )
    cli = make_package("wasi", "cli", version)
    stdout = make_interface(cli, "stdout")
    out_alias = use(stdout, output_stream)
    make_func(stdout, "get-stdout", [], wit.Own(out_alias))
    stderr = make_interface(cli, "stderr")
    err_out_alias = use(stderr, output_stream)
    make_func(stderr, "get-stderr", [], wit.TypeRef(err_out_alias))  # bare name: own
    run = make_interface(cli, "run")
    make_func(run, "run", [], wit.ResultType())
    return Wasi(error, error_res, streams, output_stream, stream_error, stdout, stderr, run)
