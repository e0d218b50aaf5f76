"""Turn module facts into findings for the five module rules (rules/<id>.toml holds their docs)."""

from __future__ import annotations

from collections import Counter

from wasmlint.findings import Finding, Layer
from wasmlint.module.analysis import (
    DIRECT, GLUE_EXPORT, GROWS, PANIC_ONLY, ExportFacts, ModuleFacts, analyze_module, wat_to_wasm,
)
from wasmlint.rules import Rule

EXPORT_REACHES_MEMORY_GROW = "export-reaches-memory-grow"
EXPORT_GROWS_ONLY_ON_PANIC = "export-grows-only-on-panic"
HOST_GROWS_MEMORY = "host-grows-memory"
MEMORY_HAS_NO_MAXIMUM = "memory-has-no-maximum"
EXPLICIT_MEMORY_GROW = "explicit-memory-grow"
MODULE_RULES = (EXPORT_REACHES_MEMORY_GROW, EXPORT_GROWS_ONLY_ON_PANIC, HOST_GROWS_MEMORY,
                MEMORY_HAS_NO_MAXIMUM, EXPLICIT_MEMORY_GROW)


def module_findings(facts: ModuleFacts, module_path: str, rules: dict[str, Rule]) -> list[Finding]:
    """Findings on the module file itself (line 1); the merge step moves export findings onto the source `fn`."""
    out: list[Finding] = []

    def add(rule_id: str, symbol: str | None, call_path: tuple[str, ...], evidence: str, **values) -> None:
        rule = rules.get(rule_id)
        if rule is None:  # deselected
            return
        out.append(Finding(
            rule_id=rule_id, severity=rule.severity, message=rule.format_message(**values),
            path=module_path, line=1, column=1, end_line=1, end_column=1, layer=Layer.MODULE,
            symbol=symbol, call_path=call_path, evidence=(evidence,),
        ))

    for export in facts.exports:
        if export.kind != "func":
            continue
        # Hosts call allocator entry points and wasm-bindgen's own exports precisely to allocate;
        # the glue re-creates its views afterwards. They are listed as allocator facts instead.
        expected = export.allocator_entry or bool(GLUE_EXPORT.match(export.name))
        via = " -> ".join(export.path)
        values = {"export": export.name, "path": via, "function": export.path[-1] if export.path else ""}
        if export.status == GROWS and not expected:
            add(EXPORT_REACHES_MEMORY_GROW, export.name, export.path,
                f"module: `{export.name}` reaches memory.grow via {via}{_how(export)}", **values)
        elif export.status == PANIC_ONLY and not expected:
            add(EXPORT_GROWS_ONLY_ON_PANIC, export.name, export.path,
                f"module: `{export.name}` reaches memory.grow only through panic handling, via {via}"
                f"{_how(export)}{_resolved_by(export)}", **values)
        if export.host_growth_path and not expected:
            host_via = " -> ".join(export.host_growth_path)
            add(HOST_GROWS_MEMORY, export.name, export.host_growth_path,
                f"module: `{export.name}` asks the host to grow memory via {host_via}",
                export=export.name, path=host_via, function=export.host_growth_path[-1])

    host_imports = facts.allocator.host_growth_imports
    if host_imports and not any(e.host_growth_path for e in facts.exports):
        names = ", ".join(f"`{name}`" for name in host_imports)
        add(HOST_GROWS_MEMORY, None, (), f"module: imports {names}, through which the host grows memory",
            export="(module)", path=names, function=host_imports[0])

    for memory in facts.memories:
        if memory.max_pages is None and (memory.exported_as or memory.imported):
            label = (f"`{memory.exported_as[0]}`" if memory.exported_as else f"`{memory.import_name}`")
            add(MEMORY_HAS_NO_MAXIMUM, None, (),
                f"module: memory {memory.index} ({label}) starts at {memory.min_pages} pages and has no maximum",
                memory=label, pages=str(memory.min_pages))

    exported_as: dict[int, str] = {}
    for export in facts.exports:
        if export.kind == "func":
            exported_as.setdefault(export.index, export.name)
    sites_in = Counter(site.func_index for site in facts.grow_sites)
    reported: set[int] = set()
    for site in facts.grow_sites:
        if site.in_allocator is not False or site.func_index in reported:
            continue
        reported.add(site.func_index)
        count = sites_in[site.func_index]
        add(EXPLICIT_MEMORY_GROW, exported_as.get(site.func_index), (site.function,),
            f"module: {count} memory.grow instruction{'s' if count != 1 else ''} in `{site.function}` "
            f"(first at byte offset {site.offset:#x})",
            function=site.function, offset=f"{site.offset:#x}", count=str(count))
    return out


def _how(export: ExportFacts) -> str:
    """How the path gets through indirect calls, as the end of an evidence line."""
    if export.resolution == DIRECT:
        return " (direct calls only)"
    return "".join(f"; {hop}" for hop in export.indirect)


def _resolved_by(export: ExportFacts) -> str:
    """For an export that grows only on panic although indirect calls matched by type would reach
    memory.grow: what its indirect calls were resolved by."""
    if not export.resolved_by:
        return ""
    return f"; outside panic handling, its indirect calls go only where {_listed(export.resolved_by)} point"


def _listed(items: tuple[str, ...], limit: int = 4) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def findings_for_wat(wat: str, rules: dict[str, Rule]) -> list[Finding]:
    """Module findings for a WAT snippet (the rule files' test cases)."""
    return module_findings(analyze_module(wat_to_wasm(wat)), "case.wat", rules)
