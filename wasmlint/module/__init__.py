"""Layer 2: decode compiled modules and find the exports that can reach `memory.grow`."""

from wasmlint.module.analysis import (
    GROWS,
    NO,
    PANIC_ONLY,
    ModuleFacts,
    ModuleLoadError,
    analyze_loaded_module,
    analyze_module,
    analyze_module_file,
    load_module_bytes,
    render_inspect_text,
)
from wasmlint.module.decoder import DecodeError, WasmModule, decode_module
from wasmlint.module.demangle import demangle
from wasmlint.module.report import MODULE_RULES, findings_for_wat, module_findings

__all__ = [
    "GROWS", "NO", "PANIC_ONLY", "MODULE_RULES", "DecodeError", "ModuleFacts", "ModuleLoadError",
    "WasmModule", "analyze_loaded_module", "analyze_module", "analyze_module_file", "decode_module", "demangle",
    "findings_for_wat", "load_module_bytes", "module_findings", "render_inspect_text",
]
