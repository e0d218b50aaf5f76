"""The rule registry (wasmlint/registry.py) and the rule files agree, rule identity lives in one
place, and findings are made in one way."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from wasmlint import registry
from wasmlint.rules import builtin_rules, builtin_rules_dir

PACKAGE = Path(__file__).resolve().parents[1] / "wasmlint"
RULES = builtin_rules()
RULE_IDS = {path.stem for path in builtin_rules_dir().glob("*.toml")}


def _constants() -> dict[str, str]:
    """The registry's rule-id constants: NAME -> id."""
    return {name: value for name, value in vars(registry).items()
            if name.isupper() and isinstance(value, str) and value in registry.BUILTIN}


def test_every_rule_file_has_an_implementation_and_every_implementation_a_rule_file():
    assert RULE_IDS, "no rule files found"
    assert sorted(RULE_IDS - registry.BUILTIN.keys()) == [], "rule files with no implementation in registry.py"
    assert sorted(registry.BUILTIN.keys() - RULE_IDS) == [], "implementations with no rules/<id>.toml"
    assert set(_constants().values()) == RULE_IDS, "every built-in rule id is a constant of the registry"


@pytest.mark.parametrize("rule_id", sorted(registry.BUILTIN))
def test_the_implementation_is_where_the_registry_says(rule_id):
    implementation = registry.BUILTIN[rule_id]
    constant = next(name for name, value in _constants().items() if value == rule_id)
    for reference in implementation.functions:
        module_name, function_name = reference.split(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function_name, None)), f"{reference} does not exist"
        # A matched rule is made by the source layer from its file; any other, by code that names it.
        if not implementation.matched:
            assert constant in inspect.getsource(module), f"{module_name} never names {constant}"
    rule = RULES[rule_id]
    assert rule.matches_code is implementation.matched, (
        f"{rule_id}: a rule the source layer matches has a query, methods, calls or macros; no other has")
    if not implementation.matched:
        assert rule.values == implementation.values


def test_a_rule_file_with_no_implementation_is_found(tmp_path, monkeypatch):
    # The check above, on a registry that lost an entry: the rule file is then one without code.
    reduced = {k: v for k, v in registry.BUILTIN.items() if k != registry.MEMORY_HAS_NO_MAXIMUM}
    monkeypatch.setattr(registry, "BUILTIN", reduced)
    with pytest.raises(AssertionError, match="rule files with no implementation"):
        test_every_rule_file_has_an_implementation_and_every_implementation_a_rule_file()


def _string_literals(path: Path) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_rule_ids_are_string_literals_only_in_the_registry():
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}"
             for path in sorted(PACKAGE.rglob("*.py")) if path.name != "registry.py" or path.parent != PACKAGE
             for line, value in _string_literals(path) if value in RULE_IDS]
    assert found == []


def test_findings_are_made_only_by_their_rule():
    # Rule.finding in rules.py is the one place that calls Finding(...).
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Finding":
                calls.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert len(calls) == 1 and calls[0].startswith("wasmlint/rules.py:"), calls


def test_properties_code_branches_on_come_from_the_rule_files():
    not_allocation = {rule.id for rule in RULES.values() if not rule.allocation}
    assert not_allocation == {
        registry.PARSE_ERROR, registry.UNUSED_SUPPRESSION, registry.INVALID_SUPPRESSION,
        registry.MEMORY_HAS_NO_MAXIMUM, registry.RUNTIME_UNSUPPORTED, registry.SCENARIO_EXPECTATION_FAILED,
        registry.STALE_MEMORY_VIEW, registry.CLOSURE_STORED,
    }
    assert {rule.id for rule in RULES.values() if rule.joins_source} == {registry.EXPORT_REACHES_MEMORY_GROW}
    for rule_id in not_allocation:
        assert "allocation = false" in RULES[rule_id].origin.read_text(encoding="utf-8")
