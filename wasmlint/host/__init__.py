"""Layer 4: JavaScript/TypeScript hosts, their views over Wasm memory, and uses that may be stale.

The names below are imported when first used: a run whose hosts all come from the cache (a
pre-commit run) never loads the analyser and the JavaScript grammars."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "analyze_host": "wasmlint.host.analyze",
    "resolve_module": "wasmlint.host.modules",
    "HOST_SUFFIXES": "wasmlint.host.parsing",
    "HOST_RULES": "wasmlint.host.report",
    "host_findings": "wasmlint.host.report",
    "HostFacts": "wasmlint.host.values",
    "StaleUse": "wasmlint.host.values",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'wasmlint.host' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)


def findings_for_js(code: str, rules) -> list:
    """Host findings for a snippet with no module (the rule files' test cases)."""
    from wasmlint.host.analyze import analyze_host
    from wasmlint.host.report import host_findings

    return host_findings(analyze_host("case.mjs", code.encode()), rules)


__all__ = ["HOST_RULES", "HOST_SUFFIXES", "HostFacts", "StaleUse", "analyze_host",
           "findings_for_js", "host_findings", "resolve_module"]
