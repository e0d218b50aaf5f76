"""Turn stale view uses into findings, judged per export by the module the host loads."""

from __future__ import annotations

from wasmlint.evidence import Evidence, HostGrowthPath, HostView, ModuleGrows, NoModule, NotExported, SourceAllocates
from wasmlint.findings import Finding, Severity, Span
from wasmlint.host.callbacks import as_happens, happens
from wasmlint.host.values import Grow, HostFacts, StaleUse
from wasmlint.registry import STALE_MEMORY_VIEW
from wasmlint.rules import Rule

HOST_RULES = (STALE_MEMORY_VIEW,)


def _may_happen(grow: Grow, module) -> bool:
    """A call made in an import callback happens only if the export that ran it calls that import
    (and the export's own call seen from it, only if it grows before calling the import)."""
    return happens(grow, module)


def _verdict(use: StaleUse, module) -> tuple[str | None, tuple[str, ...], bool]:
    """(the export that grows memory, its path in the module, whether an export's growth is
    unknown): from the module's facts, or (None, (), True) without a module."""
    grows = [g for g in use.grows if _may_happen(g, module)]
    for grow in grows:
        if grow.host_grow:
            # Grown by the host's JavaScript; inside an export's call (an import callback), the
            # module's path from that export to the import is the evidence.
            export = module.export(grow.inside) if module is not None and grow.inside else None
            path = (export.host_growth_path or export.path) if export is not None else ()
            return (grow.inside or grow.text), path, False
    if module is None:
        # Any of the calls may have grown memory: name the last one before the use.
        last = next((e for g in reversed(use.grows) for e in g.exports), None)
        return last, (), True
    unknown = False
    # The calls inside the function before the ones that ran before it: they are the nearer cause.
    for grow in sorted(grows, key=lambda g: g.earlier):
        for name in grow.exports:
            export = module.export(name)
            if export is None or export.kind != "func":
                unknown = True
                continue
            if export.status == "grows" or export.host_growth_path:
                return name, export.path or export.host_growth_path, False
    return None, (), unknown


def host_findings(facts: HostFacts, rules: dict[str, Rule], module=None, module_label: str | None = None) -> list[Finding]:
    """`stale-memory-view` findings of one host file. `module` is the ModuleFacts of the module
    the host loads (None: not found); with it, only uses after an export that reaches
    memory.grow are reported, as the rule's severity; without it, every use is a warning."""
    rule = rules.get(STALE_MEMORY_VIEW)
    if rule is None:
        return []
    if module is not None and any(m.shared for m in module.memories if m.exported_as or m.imported):
        return []  # a shared memory's SharedArrayBuffer never detaches
    found: list[Finding] = []
    for seen in facts.uses:
        use = as_happens(seen, module)
        if use is None:
            continue  # made only in import callbacks, inside export calls that never call their import
        export, path, unknown = _verdict(use, module)
        if export is None and not unknown:
            continue  # every call between the view and the use is known not to grow memory
        grow = next((g for g in sorted(use.grows, key=lambda g: g.earlier)
                     if _may_happen(g, module) and (export in g.exports or g.text == export)), use.grows[-1])
        if module is not None and export is not None:
            severity = rule.severity
        else:
            severity = min(rule.severity, Severity.WARNING)
            export = export or next((e for g in reversed(use.grows) for e in g.exports), "an export")
        made = f"at line {use.created_line}" + (", kept across calls" if use.from_entry else "")
        evidence: list[Evidence] = [HostView(
            use.holder, use.ctor, use.created_text, use.created_line, use.from_entry,
            grow.text, grow.line, grow.exports, grow.via, grow.host_grow, grow.earlier, use.text, use.line,
        )]
        if module is not None and path and getattr(module, "from_source", False):
            evidence.append(SourceAllocates(export, path, module.export(export).at, module_label or ""))
        elif module is not None and path and path == module.export(export).host_growth_path:
            evidence.append(HostGrowthPath(export, path))  # the host's import grows it
        elif module is not None and path:
            evidence.append(ModuleGrows(export, path, module_label or ""))
        elif module is not None and not grow.host_grow:
            evidence.append(NotExported(export, module_label or ""))
        elif module is None and not grow.host_grow:
            evidence.append(NoModule())
        found.append(rule.finding(
            Span(facts.path, use.line, use.column, use.end_line, use.end_column),
            {"view": use.holder, "ctor": use.ctor, "export": export, "made": made, "call": grow.text,
             "call_line": str(grow.line)},
            severity=severity,
            symbol=export if not grow.host_grow or grow.inside else None,
            call_path=path,
            evidence=tuple(evidence),
            snippet=use.text,
        ))
    return found
