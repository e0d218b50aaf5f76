"""Every built-in rule: its id (the constants the code imports) and what makes its findings.

A rule's docs, severity and properties live in `rules/<id>.toml`; this module says which code
implements each id and which values that code gives the rule's message. `tests/test_registry.py`
fails when a rule file has no entry here, an entry has no rule file, or an implementation is not
where this module says. Rule ids appear as string literals nowhere else in `wasmlint/`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Source rules the source layer's matcher implements from their query / methods / calls / macros.
ALLOC_API_IN_EXPORT = "alloc-api-in-export"
BOX_IN_EXPORT = "box-in-export"
CLONE_IN_EXPORT = "clone-in-export"
COLLECT_IN_EXPORT = "collect-in-export"
CONCAT_IN_EXPORT = "concat-in-export"
EMPTY_COLLECTION_IN_EXPORT = "empty-collection-in-export"
FFI_STRING_ALLOC_IN_EXPORT = "ffi-string-alloc-in-export"
FMT_FORMAT_IN_EXPORT = "fmt-format-in-export"
FORMAT_IN_EXPORT = "format-in-export"
HEAP_TYPE_IN_EXPORT_SIGNATURE = "heap-type-in-export-signature"
MAP_ALLOC_IN_EXPORT = "map-alloc-in-export"
MEMORY_GROW_CALL_IN_EXPORT = "memory-grow-call-in-export"
PUSH_IN_EXPORT = "push-in-export"
REFCOUNT_IN_EXPORT = "refcount-in-export"
STRING_ALLOC_IN_EXPORT = "string-alloc-in-export"
STRING_TRANSFORM_IN_EXPORT = "string-transform-in-export"
TO_OWNED_IN_EXPORT = "to-owned-in-export"
TO_STRING_IN_EXPORT = "to-string-in-export"
VEC_ALLOC_IN_EXPORT = "vec-alloc-in-export"
VEC_MACRO_IN_EXPORT = "vec-macro-in-export"
CLOSURE_STORED = "closure-stored"
# About the files themselves (source and host layers).
PARSE_ERROR = "parse-error"
UNUSED_SUPPRESSION = "unused-suppression"
INVALID_SUPPRESSION = "invalid-suppression"
# Module layer.
EXPORT_REACHES_MEMORY_GROW = "export-reaches-memory-grow"
EXPORT_GROWS_ONLY_ON_PANIC = "export-grows-only-on-panic"
HOST_GROWS_MEMORY = "host-grows-memory"
MEMORY_HAS_NO_MAXIMUM = "memory-has-no-maximum"
EXPLICIT_MEMORY_GROW = "explicit-memory-grow"
# Runtime layer.
RUNTIME_GROWTH = "runtime-growth"
RUNTIME_UNSUPPORTED = "runtime-unsupported"
SCENARIO_EXPECTATION_FAILED = "scenario-expectation-failed"
# Host layer.
STALE_MEMORY_VIEW = "stale-memory-view"


@dataclass(frozen=True)
class Implementation:
    """What makes a rule's findings: functions given as `module:function`, and the values they
    give the rule's message (every one, for every finding). `matched` rules are made by the source
    layer from what they match; their values are what their patterns capture (see rules.py)."""

    functions: tuple[str, ...]
    values: tuple[str, ...] = ()
    matched: bool = False


MATCHED = Implementation(("wasmlint.source.analyze:analyze_crate",), matched=True)
_MODULE = ("wasmlint.module.report:module_findings",)
_RUNTIME = ("wasmlint.runtime.report:runtime_findings",)
_SUPPRESSIONS = ("wasmlint.suppress:suppression_findings",)
_EXPORT_PATH = ("export", "path", "function")

BUILTIN: dict[str, Implementation] = {
    ALLOC_API_IN_EXPORT: MATCHED,
    BOX_IN_EXPORT: MATCHED,
    CLOSURE_STORED: Implementation(("wasmlint.source.analyze:_stored_closure",), ("place", "by")),
    CLONE_IN_EXPORT: MATCHED,
    COLLECT_IN_EXPORT: MATCHED,
    CONCAT_IN_EXPORT: MATCHED,
    EMPTY_COLLECTION_IN_EXPORT: MATCHED,
    FFI_STRING_ALLOC_IN_EXPORT: MATCHED,
    FMT_FORMAT_IN_EXPORT: MATCHED,
    FORMAT_IN_EXPORT: MATCHED,
    HEAP_TYPE_IN_EXPORT_SIGNATURE: MATCHED,
    MAP_ALLOC_IN_EXPORT: MATCHED,
    MEMORY_GROW_CALL_IN_EXPORT: MATCHED,
    PUSH_IN_EXPORT: MATCHED,
    REFCOUNT_IN_EXPORT: MATCHED,
    STRING_ALLOC_IN_EXPORT: MATCHED,
    STRING_TRANSFORM_IN_EXPORT: MATCHED,
    TO_OWNED_IN_EXPORT: MATCHED,
    TO_STRING_IN_EXPORT: MATCHED,
    VEC_ALLOC_IN_EXPORT: MATCHED,
    VEC_MACRO_IN_EXPORT: MATCHED,
    PARSE_ERROR: Implementation(("wasmlint.source.analyze:_parse_error", "wasmlint.host.run:_parse_error"), ("detail",)),
    UNUSED_SUPPRESSION: Implementation(_SUPPRESSIONS, ("rule",)),
    INVALID_SUPPRESSION: Implementation(_SUPPRESSIONS, ("detail",)),
    EXPORT_REACHES_MEMORY_GROW: Implementation(_MODULE, _EXPORT_PATH),
    EXPORT_GROWS_ONLY_ON_PANIC: Implementation(_MODULE, _EXPORT_PATH),
    HOST_GROWS_MEMORY: Implementation(_MODULE, _EXPORT_PATH),
    MEMORY_HAS_NO_MAXIMUM: Implementation(_MODULE, ("memory", "pages")),
    EXPLICIT_MEMORY_GROW: Implementation(_MODULE, ("function", "offset", "count")),
    RUNTIME_GROWTH: Implementation(_RUNTIME, ("export", "call", "before", "after")),
    RUNTIME_UNSUPPORTED: Implementation(_RUNTIME, ("reason",)),
    SCENARIO_EXPECTATION_FAILED: Implementation(_RUNTIME, ("failure", "scenario")),
    STALE_MEMORY_VIEW: Implementation(("wasmlint.host.report:host_findings",),
                                      ("view", "ctor", "export", "made", "call", "call_line")),
}

# The refinements a source rule can ask for by name (`check = ...`, implemented in
# source/analyze.py), and the values each adds to the rule's message.
OWNED_COPY = "owned-copy"
CLONED_HEAP_VALUE = "cloned-heap-value"
HEAP_RECEIVER = "heap-receiver"
SOURCE_CHECKS: dict[str, tuple[str, ...]] = {
    OWNED_COPY: (),
    CLONED_HEAP_VALUE: ("owner",),
    HEAP_RECEIVER: (),
}
