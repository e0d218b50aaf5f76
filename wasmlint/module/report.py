"""Turn module facts into findings for the five module rules (rules/<id>.toml holds their docs)."""

from __future__ import annotations

from collections import Counter

from wasmlint.evidence import (
    Evidence, GrowInstructions, GrowthPath, HostGrowthImports, HostGrowthPath, Resolution, UnboundedMemory,
)
from wasmlint.findings import Finding, Span
from wasmlint.module.analysis import (
    GLUE_EXPORT, GROWS, PANIC_ONLY, ExportFacts, ModuleFacts, analyze_module, wat_to_wasm,
)
from wasmlint.registry import (
    EXPLICIT_MEMORY_GROW, EXPORT_GROWS_ONLY_ON_PANIC, EXPORT_REACHES_MEMORY_GROW, HOST_GROWS_MEMORY,
    MEMORY_HAS_NO_MAXIMUM,
)
from wasmlint.rules import Rule

MODULE_RULES = (EXPORT_REACHES_MEMORY_GROW, EXPORT_GROWS_ONLY_ON_PANIC, HOST_GROWS_MEMORY,
                MEMORY_HAS_NO_MAXIMUM, EXPLICIT_MEMORY_GROW)


def module_findings(facts: ModuleFacts, module_path: str, rules: dict[str, Rule]) -> list[Finding]:
    """Findings on the module file itself (line 1); the merge step moves export findings onto the source `fn`."""
    out: list[Finding] = []
    at = Span(module_path)

    def add(rule_id: str, symbol: str | None, call_path: tuple[str, ...], evidence: Evidence,
            values: dict[str, str]) -> None:
        rule = rules.get(rule_id)
        if rule is None:  # deselected
            return
        out.append(rule.finding(at, values, symbol=symbol, call_path=call_path, evidence=(evidence,)))

    for export in facts.exports:
        if export.kind != "func":
            continue
        # Hosts call allocator entry points and wasm-bindgen's own exports precisely to allocate;
        # the glue re-creates its views afterwards. They are listed as allocator facts instead.
        expected = export.allocator_entry or bool(GLUE_EXPORT.match(export.name))
        values = {"export": export.name, "path": " -> ".join(export.path),
                  "function": export.path[-1] if export.path else ""}
        # (An export that grows only through the host's import has no path of its own to memory.grow.)
        if export.status in (GROWS, PANIC_ONLY) and export.path and not expected:
            panic_only = export.status == PANIC_ONLY
            add(EXPORT_GROWS_ONLY_ON_PANIC if panic_only else EXPORT_REACHES_MEMORY_GROW, export.name, export.path,
                _growth_path(export, panic_only), values)
        if export.host_growth_path and not expected:
            add(HOST_GROWS_MEMORY, export.name, export.host_growth_path,
                HostGrowthPath(export.name, export.host_growth_path),
                {"export": export.name, "path": " -> ".join(export.host_growth_path),
                 "function": export.host_growth_path[-1]})

    host_imports = facts.allocator.host_growth_imports
    if host_imports and not any(e.host_growth_path for e in facts.exports):
        names = ", ".join(f"`{name}`" for name in host_imports)
        add(HOST_GROWS_MEMORY, None, (), HostGrowthImports(tuple(host_imports)),
            {"export": "(module)", "path": names, "function": host_imports[0]})

    for memory in facts.memories:
        if memory.max_pages is None and (memory.exported_as or memory.imported):
            name = memory.exported_as[0] if memory.exported_as else memory.import_name or ""
            add(MEMORY_HAS_NO_MAXIMUM, None, (), UnboundedMemory(memory.index, name, memory.min_pages),
                {"memory": f"`{name}`", "pages": str(memory.min_pages)})

    # The export names of the functions whose grow sites are reported (not one per export: a
    # generated module has tens of thousands of exports and no such site).
    reported_funcs = {site.func_index for site in facts.grow_sites if site.in_allocator is False}
    exported_as: dict[int, str] = {}
    if reported_funcs:
        for export in facts.exports:
            if export.kind == "func" and export.index in reported_funcs:
                exported_as.setdefault(export.index, export.name)
    sites_in = Counter(site.func_index for site in facts.grow_sites)
    reported: set[int] = set()
    for site in facts.grow_sites:
        if site.in_allocator is not False or site.func_index in reported:
            continue
        reported.add(site.func_index)
        count = sites_in[site.func_index]
        add(EXPLICIT_MEMORY_GROW, exported_as.get(site.func_index), (site.function,),
            GrowInstructions(site.function, count, site.offset),
            {"function": site.function, "offset": f"{site.offset:#x}", "count": str(count)})
    return out


def _growth_path(export: ExportFacts, panic_only: bool) -> GrowthPath:
    """The export's path to memory.grow and how it gets through indirect calls; for one that grows
    only on panic, also what resolved its other indirect calls."""
    return GrowthPath(export.name, export.path, Resolution(export.resolution), export.indirect,
                      panic_only=panic_only, resolved_by=export.resolved_by if panic_only else ())


def findings_for_wat(wat: str, rules: dict[str, Rule]) -> list[Finding]:
    """Module findings for a WAT snippet (the rule files' test cases)."""
    return module_findings(analyze_module(wat_to_wasm(wat)), "case.wat", rules)
