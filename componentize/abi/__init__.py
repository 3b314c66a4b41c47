"""The canonical ABI (component-model CanonicalABI.md) over the WIT model.

Sizes, alignments and offsets of values in linear memory, flattening to core
value types, core signatures of `canon lower` / `canon lift`, the canonopts
they need, and the core names of imports and exports.  Pure functions of
`componentize.wit.model` values; `ptr="i64"` selects 64-bit memories.
"""

from componentize.abi.flatten import (
    MAX_FLAT_PARAMS,
    MAX_FLAT_RESULTS,
    REALLOC_TYPE,
    RESOURCE_DROP_TYPE,
    RESOURCE_NEW_TYPE,
    RESOURCE_REP_TYPE,
    CanonNeeds,
    Context,
    CoreFuncType,
    MemoryArea,
    canon_needs,
    flatten_functype,
    flatten_type,
    flatten_types,
    join,
    param_area,
    param_types,
    params_spilled,
    post_return_type,
    result_types,
    results_spilled,
    return_area,
)
from componentize.abi.layout import (
    align_to,
    alignment,
    discriminant,
    discriminant_size,
    elem_size,
    field_offsets,
    payload_offset,
    record_layout,
    variant_payload_offset,
)
from componentize.abi.names import (
    INITIALIZE,
    MEMORY,
    POST_RETURN_PREFIX,
    REALLOC,
    ROOT_MODULE,
    Owner,
    canonical_version,
    defining_resource,
    destructor_export_name,
    export_name,
    exported_resource_import,
    exported_resource_module,
    function_name,
    import_module,
    imported_resource_drop,
    interface_name,
    lowered_import,
    post_return_name,
    resource_drop_import,
)
from componentize.abi.shape import (
    FlagsShape,
    ListShape,
    PtrType,
    RecordShape,
    Scalar,
    Shape,
    StringShape,
    VariantShape,
    contains_list_or_string,
    despecialize,
    discriminant_type,
    ptr_size,
)

__all__ = [
    "INITIALIZE", "MAX_FLAT_PARAMS", "MAX_FLAT_RESULTS", "MEMORY", "POST_RETURN_PREFIX",
    "REALLOC", "REALLOC_TYPE", "RESOURCE_DROP_TYPE", "RESOURCE_NEW_TYPE", "RESOURCE_REP_TYPE",
    "ROOT_MODULE", "CanonNeeds", "Context", "CoreFuncType", "FlagsShape", "ListShape",
    "MemoryArea", "Owner", "PtrType", "RecordShape", "Scalar", "Shape", "StringShape",
    "VariantShape", "align_to", "alignment", "canon_needs", "canonical_version",
    "contains_list_or_string", "defining_resource", "despecialize", "destructor_export_name",
    "discriminant", "discriminant_size", "discriminant_type", "elem_size", "export_name",
    "exported_resource_import", "exported_resource_module", "field_offsets", "flatten_functype",
    "flatten_type", "flatten_types", "function_name", "import_module", "imported_resource_drop",
    "interface_name", "join", "lowered_import", "param_area", "param_types", "params_spilled",
    "payload_offset", "post_return_name", "post_return_type", "ptr_size", "record_layout",
    "resource_drop_import", "result_types", "results_spilled", "return_area",
    "variant_payload_offset",
]  # fmt: skip
