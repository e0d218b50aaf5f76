"""Layer 4: JavaScript/TypeScript hosts, their views over Wasm memory, and uses that may be stale."""

from wasmlint.host.analyze import analyze_host
from wasmlint.host.modules import resolve_module
from wasmlint.host.parsing import HOST_SUFFIXES
from wasmlint.host.report import HOST_RULES, host_findings
from wasmlint.host.values import HostFacts, StaleUse


def findings_for_js(code: str, rules) -> list:
    """Host findings for a snippet with no module (the rule files' test cases)."""
    return host_findings(analyze_host("case.mjs", code.encode()), rules)


__all__ = ["HOST_RULES", "HOST_SUFFIXES", "HostFacts", "StaleUse", "analyze_host",
           "findings_for_js", "host_findings", "resolve_module"]
