"""Build time of the preview1 shim (dev wing; not in the wheel).

    python -m toolchains.shim [--check]     (same as python -m toolchains.shim.build)

`bindgen` generates the C header of the WASI 0.2 imports from `wit/`, `build`
compiles shims/preview1/ with the zig profile, `postprocess` turns the linked
module into the shim componentize ships (componentize/data/shim_preview1.wasm).
"""
