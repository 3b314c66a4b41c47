"""componentize: turn WASI preview1 core modules into WASI 0.2 components.

Pipeline, one subpackage per layer (lower layers never import higher ones):
    wasm -> wit -> abi -> component -> shim -> assemble -> cli
"""

__version__ = "0.1.0"
