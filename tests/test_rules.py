"""Every inline case of every rule file, one generated test each: `<rule>::<case>`.

A `flag` case that reports nothing on the expected lines is *missing*; an `ok` case that reports
something is *noisy*.
"""

from __future__ import annotations

import pytest

from wasmlint.check import analyze_sources
from wasmlint.findings import Layer
from wasmlint.rules import RuleCase, builtin_rules, load_rules_from, builtin_rules_dir

RULES = builtin_rules()
CASES = [(rule, case) for rule in RULES.values() for case in rule.tests]


def findings_for(rule, case: RuleCase):
    if rule.layer is Layer.SOURCE:
        from wasmlint.suppress import hide_suppressed, suppression_findings

        source_rules = {k: r for k, r in RULES.items() if r.layer is Layer.SOURCE}
        outcome = analyze_sources([("case.rs", case.code.encode(), ())], source_rules, set(RULES))
        shown = hide_suppressed(outcome.findings, outcome.suppressions)
        return shown + suppression_findings(outcome.suppressions, outcome.problems, source_rules, set(source_rules))
    if rule.layer is Layer.HOST:
        from wasmlint.host import findings_for_js

        return findings_for_js(case.code, RULES)
    if rule.layer is Layer.MODULE:
        from wasmlint.module import findings_for_wat
    else:
        from wasmlint.runtime import findings_for_wat
    return findings_for_wat(case.code, RULES)


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.id}::{c.name}" for r, c in CASES])
def test_rule_case(rule, case):
    found = [f for f in findings_for(rule, case) if f.rule_id == rule.id]
    lines = sorted({f.line for f in found})
    if case.flagged:
        assert found, f"missing: {rule.id} reported nothing for case {case.name!r}"
        if case.lines:
            assert lines == sorted(case.lines), f"missing/noisy: {rule.id} reported lines {lines}, expected {list(case.lines)}"
    else:
        assert not found, f"noisy: {rule.id} flagged {case.name!r} at lines {lines}: {[f.message for f in found]}"


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_rule_is_documented_and_tested(rule):
    assert rule.why and rule.fix and rule.summary and rule.message
    assert any(c.flagged for c in rule.tests), f"{rule.id} has no `flag` case"
    assert any(not c.flagged for c in rule.tests), f"{rule.id} has no `ok` case"


def test_rule_ids_equal_file_names():
    for path in builtin_rules_dir().glob("*.toml"):
        assert path.stem in RULES


def test_bad_rule_file_names_file_and_key(tmp_path):
    from wasmlint.rules import RuleError

    (tmp_path / "my-rule.toml").write_text('id = "my-rule"\nlayer = "source"\nseverity = "loud"\n'
                                           'summary = "s"\nmessage = "m"\nwhy = "w"\nfix = "f"\n')
    with pytest.raises(RuleError, match=r"my-rule\.toml: `severity`"):
        load_rules_from(tmp_path)
    (tmp_path / "my-rule.toml").write_text('id = "my-rule"\nbogus = 1\n')
    with pytest.raises(RuleError, match=r"my-rule\.toml: unknown key `bogus`"):
        load_rules_from(tmp_path)
