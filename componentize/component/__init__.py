"""component layer: the component binary format.

- model: `Component` and its sections (model.py, typedefs.py, sorts.py)
- `encode_component` / `decode_component`: bytes <-> model, byte-identical round trips
- `ComponentBuilder`: appends definitions and manages the index spaces
- `WitEncoder`: component types (instancetypes for imports, func types) from WIT
- `component_imports` / `component_exports` / `core_modules`: summaries for inspect
"""

from componentize.component.builder import (
    ComponentBuilder,
    ComponentTypeBuilder,
    InstanceTypeBuilder,
    canon_options,
)
from componentize.component.decode import decode_component
from componentize.component.encode import encode_component
from componentize.component.model import Component
from componentize.component.names import ComponentNames, decode_names, encode_names, find_names
from componentize.component.sorts import ExternName, Sort, SortIdx
from componentize.component.summary import component_exports, component_imports, core_modules
from componentize.component.wit_types import WitEncoder, plan_imports

__all__ = [
    "Component",
    "ComponentBuilder",
    "ComponentNames",
    "ComponentTypeBuilder",
    "ExternName",
    "InstanceTypeBuilder",
    "Sort",
    "SortIdx",
    "WitEncoder",
    "canon_options",
    "component_exports",
    "component_imports",
    "core_modules",
    "decode_component",
    "decode_names",
    "encode_component",
    "encode_names",
    "find_names",
    "plan_imports",
]
