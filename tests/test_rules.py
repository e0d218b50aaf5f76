"""Every inline case of every rule file, one generated test each: `<rule>::<case>`.

A `flag` case that reports nothing on the expected lines is *missing*; an `ok` case that reports
something is *noisy*; a `flag` case may also name the column and the message its findings have.
Then: rule files that are wrong fail to load, naming the file and what is wrong (a message
placeholder no match gives, above all).
"""

from __future__ import annotations

import pytest

from wasmlint.check import analyze_sources
from wasmlint.findings import Layer
import shutil

from wasmlint.rules import RuleCase, RuleError, builtin_rules, builtin_rules_dir, load_rules_from

RULES = builtin_rules()
CASES = [(rule, case) for rule in RULES.values() for case in rule.tests]


def findings_for(rule, case: RuleCase):
    if rule.layer is Layer.SOURCE:
        from wasmlint.suppress import hidden_by, suppression_findings

        source_rules = {k: r for k, r in RULES.items() if r.layer is Layer.SOURCE}
        outcome = analyze_sources([("case.rs", case.code.encode(), ())], source_rules, set(RULES))
        hidden = hidden_by(outcome.findings, outcome.suppressions)
        return hidden.shown(outcome.findings) + suppression_findings(outcome.suppressions, outcome.problems, source_rules,
                                                                     set(source_rules), hidden.used)
    if rule.layer is Layer.HOST:
        from wasmlint.host import findings_for_js

        return findings_for_js(case.code, RULES)
    if rule.layer is Layer.MODULE:
        from wasmlint.module import findings_for_wat
    else:
        from wasmlint.runtime import findings_for_wat
    return findings_for_wat(case.code, RULES)


def case_problem(rule, case: RuleCase, found: list) -> str | None:
    """What is wrong with what `rule` reported for `case` (None: what the case expects)."""
    found = [f for f in found if f.rule_id == rule.id]
    lines = sorted({f.line for f in found})
    if not case.flagged:
        return f"noisy: {rule.id} flagged {case.name!r} at lines {lines}: {[f.message for f in found]}" if found else None
    if not found:
        return f"missing: {rule.id} reported nothing for case {case.name!r}"
    if case.lines and lines != sorted(case.lines):
        return f"missing/noisy: {rule.id} reported lines {lines}, expected {list(case.lines)}"
    columns = sorted({f.column for f in found})
    if case.column is not None and columns != [case.column]:
        return f"wrong column: {rule.id} reported columns {columns} for case {case.name!r}, expected {case.column}"
    messages = sorted({f.message for f in found})
    if case.message is not None and messages != [case.message]:
        return f"wrong message: {rule.id} said {messages} for case {case.name!r}, expected {case.message!r}"
    return None


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.id}::{c.name}" for r, c in CASES])
def test_rule_case(rule, case):
    problem = case_problem(rule, case, findings_for(rule, case))
    assert problem is None, problem


def test_a_case_with_the_wrong_column_or_message_fails():
    rule = RULES["format-in-export"]
    case = next(c for c in rule.tests if c.column is not None and c.message is not None)
    found = findings_for(rule, case)
    assert case_problem(rule, case, found) is None
    moved = RuleCase(case.name, case.code, True, case.lines, column=case.column + 1, message=case.message)
    assert case_problem(rule, moved, found).startswith("wrong column: format-in-export reported columns")
    reworded = RuleCase(case.name, case.code, True, case.lines, column=case.column, message="`format!` is fine")
    assert case_problem(rule, reworded, found).startswith("wrong message: format-in-export said")


def test_some_cases_state_their_column_and_message():
    stating = {rule.id for rule, case in CASES if case.column is not None and case.message is not None}
    layers = {RULES[rule_id].layer for rule_id in stating}
    assert len(stating) >= 4 and {Layer.SOURCE, Layer.MODULE, Layer.HOST} <= layers, stating


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


def test_case_column_and_message_are_checked_when_the_rule_loads(tmp_path):
    head = ('id = "my-rule"\nlayer = "source"\nseverity = "error"\nsummary = "s"\nmessage = "m"\n'
            'why = "w"\nfix = "f"\nmacros = ["format"]\n')
    for case, problem in [
        ('[[tests]]\nok = "fn f() {}"\ncolumn = 3\n', "`column` and `message` only make sense for a `flag` case"),
        ('[[tests]]\nflag = "fn f() {}"\ncolumn = 0\n', "`column` must be a 1-based column number"),
        ('[[tests]]\nflag = "fn f() {}"\ncolumn = "4"\n', "`column` must be a 1-based column number"),
        ('[[tests]]\nflag = "fn f() {}"\nmessage = 7\n', "`message` must be the finding's message"),
    ]:
        (tmp_path / "my-rule.toml").write_text(head + case)
        with pytest.raises(RuleError, match=rf"my-rule\.toml: tests\[0\]: {problem}"):
            load_rules_from(tmp_path)


def _builtin_copy(tmp_path, rule_id: str, old: str, new: str):
    """The built-in rules in a folder of their own, `old` changed to `new` in one rule's file."""
    folder = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), folder)
    path = folder / f"{rule_id}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("rule_id", "old", "typo"), [
    ("to-owned-in-export", "{method}", "methd"),  # matched by `methods`: the method name
    ("box-in-export", "{ctor}", "cotr"),  # matched by `calls`: the type and the function
    ("heap-type-in-export-signature", "{type}", "typ"),  # matched by a query: its captures
    ("export-reaches-memory-grow", "{export}", "exprot"),  # made by the module layer: the values it gives
    ("stale-memory-view", "{view}", "veiw"),  # made by the host layer
])
def test_a_placeholder_typo_fails_rule_loading_naming_the_file_and_the_name(tmp_path, rule_id, old, typo):
    folder = _builtin_copy(tmp_path, rule_id, old, "{" + typo + "}")
    with pytest.raises(RuleError) as error:
        load_rules_from(folder)
    message = str(error.value)
    assert message.startswith(f"{folder / rule_id}.toml: `message` uses `{{{typo}}}`, which this rule does not give")
    assert "\n" not in message


def test_a_placeholder_only_some_patterns_capture_fails(tmp_path):
    # concat-in-export's two patterns both capture @method; a capture of the second pattern alone
    # would leave matches of the first without a value.
    folder = _builtin_copy(tmp_path, "concat-in-export", '(#eq? @method "concat")) @match',
                           '(#eq? @method "concat")) @match @only_here')
    path = folder / "concat-in-export.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("{method}", "{only_here}", 1), encoding="utf-8")
    with pytest.raises(RuleError, match=r"concat-in-export\.toml: `message` uses `\{only_here\}`, which this rule "
                                        r"does not give \(it gives `\{method\}`\)"):
        load_rules_from(folder)


def test_a_broken_message_fails_rule_loading(tmp_path):
    folder = _builtin_copy(tmp_path, "push-in-export", "{method}", "{method")
    with pytest.raises(RuleError, match=r"push-in-export\.toml: `message`: .*'\}'"):
        load_rules_from(folder)


USER_RULE = '''id = "leak-in-export"
layer = "source"
severity = "warning"
summary = "s"
message = "`{callee}` leaks"
why = "w"
fix = "f"
query = """
(call_expression function: (scoped_identifier name: (identifier) @callee) (#eq? @callee "leak")) @match
"""

[[tests]]
flag = """
#[no_mangle]
pub extern "C" fn f() -> usize { let s = Box::leak(Box::new(1)); *s }
"""
'''


def test_a_user_rule_gives_its_message_what_its_query_captures(tmp_path):
    from wasmlint.check import analyze_sources

    (tmp_path / "leak-in-export.toml").write_text(USER_RULE)
    rule = load_rules_from(tmp_path)["leak-in-export"]
    assert rule.values == ("callee",) and rule.placeholders == ("callee",)
    outcome = analyze_sources([("case.rs", rule.tests[0].code.encode(), ())], {rule.id: rule}, {rule.id})
    leak = [f for f in outcome.findings if f.rule_id == rule.id]
    assert [(f.message, f.values["callee"]) for f in leak] == [("`leak` leaks in exported function `f`", "leak")]
    (tmp_path / "leak-in-export.toml").write_text(USER_RULE.replace("{callee}", "{calee}"))
    with pytest.raises(RuleError, match=r"leak-in-export\.toml: `message` uses `\{calee\}`, which this rule does not "
                                        r"give \(it gives `\{callee\}`\)"):
        load_rules_from(tmp_path)


def test_an_unknown_check_or_property_fails_rule_loading(tmp_path):
    folder = _builtin_copy(tmp_path / "a", "clone-in-export", 'check = "cloned-heap-value"', 'check = "cloned-heap-valu"')
    with pytest.raises(RuleError, match=r"clone-in-export\.toml: `check` must be one of cloned-heap-value, "
                                        r"heap-receiver, owned-copy"):
        load_rules_from(folder)
    folder = _builtin_copy(tmp_path / "b", "parse-error", "allocation = false", 'allocation = "no"')
    with pytest.raises(RuleError, match=r"parse-error\.toml: `allocation` must be true or false"):
        load_rules_from(folder)
    folder = _builtin_copy(tmp_path / "c", "format-in-export", 'severity = "error"', 'severity = "error"\njoins-source = true')
    with pytest.raises(RuleError, match=r"format-in-export\.toml: `joins-source` is for module rules"):
        load_rules_from(folder)


def test_a_finding_without_a_value_its_rule_gives_is_a_loud_bug():
    from wasmlint.findings import Span
    from wasmlint.rules import MessageError

    rule = RULES["export-reaches-memory-grow"]
    values = {"export": "set_name", "path": "set_name -> dlmalloc", "function": "dlmalloc"}
    finding = rule.finding(Span("m.wasm"), values, symbol="set_name")
    assert finding.message == "exported function `set_name` can grow linear memory (it reaches `memory.grow` in `dlmalloc`)"
    assert finding.values == values and (finding.path, finding.line, finding.end_column) == ("m.wasm", 1, 1)
    for left_out in ("function", "path"):  # one the message uses, one it does not
        with pytest.raises(MessageError, match=rf"export-reaches-memory-grow\.toml: no value for `\{{{left_out}\}}`"):
            rule.finding(Span("m.wasm"), {k: v for k, v in values.items() if k != left_out})


RECEIVER_RULE = '''id = "grow-in-export"
layer = "source"
severity = "error"
summary = "s"
message = "`.{method}()` grows"
why = "w"
fix = "f"
methods = ["grow_by"]
receivers = ["Pool", "[]"]

[[tests]]
name = "on-a-pool"
flag = """
struct Pool;
#[no_mangle]
pub extern "C" fn f(p: &mut Pool) { p.grow_by(1) }
"""

[[tests]]
name = "on-something-else"
ok = """
struct Other;
#[no_mangle]
pub extern "C" fn f(o: &mut Other) { o.grow_by(1) }
"""
'''


def test_receivers_name_the_types_whose_method_a_rule_means(tmp_path):
    (tmp_path / "grow-in-export.toml").write_text(RECEIVER_RULE)
    rule = load_rules_from(tmp_path)["grow-in-export"]
    assert rule.receivers == ("Pool", "[]")
    assert (rule.allocates_on("Pool"), rule.allocates_on("[]"), rule.allocates_on("Other"), rule.allocates_on(None)) \
        == (True, True, False, None)
    for case in rule.tests:
        outcome = analyze_sources([("case.rs", case.code.encode(), ())], {rule.id: rule}, {rule.id})
        assert bool(outcome.findings) is case.flagged, (case.name, outcome.findings)
    assert RULES["push-in-export"].allocates_on("Vec") and RULES["push-in-export"].allocates_on("Option") is False
    assert RULES["format-in-export"].allocates_on("String") is None  # no receivers: the rule does not say


def test_bad_receivers_fail_rule_loading_naming_the_file(tmp_path):
    change = 'receivers = ["Pool", "[]"]'
    bad = {
        'receivers = []': r"`receivers` must be a non-empty list of type names \(`Vec`, `str`, `\[\]` for slices\)",
        'receivers = ["Vec<u8>"]': r"`receivers` must be a non-empty list of type names",
        'receivers = "Vec"': r"`receivers` must be a non-empty list of type names",
        'receivers = ["Vec", 3]': r"`receivers` must be a non-empty list of type names",
        'receivers = ["Vec", "Vec"]': r"`receivers` names 'Vec' twice",
    }
    for replacement, message in bad.items():
        (tmp_path / "grow-in-export.toml").write_text(RECEIVER_RULE.replace(change, replacement))
        with pytest.raises(RuleError, match=rf"grow-in-export\.toml: {message}"):
            load_rules_from(tmp_path)
    # Only a rule whose matches have a receiver can say which types it means.
    macros = RECEIVER_RULE.replace('methods = ["grow_by"]', 'macros = ["format"]').replace("{method}", "format")
    (tmp_path / "grow-in-export.toml").write_text(macros)
    with pytest.raises(RuleError, match=r"grow-in-export\.toml: `receivers` is for rules that match method calls"):
        load_rules_from(tmp_path)
    query = RECEIVER_RULE.replace('methods = ["grow_by"]', "query = '''\n(call_expression function: "
                                  "(field_expression value: (_) @receiver field: (field_identifier) @method)) @match\n'''")
    (tmp_path / "grow-in-export.toml").write_text(query)
    assert load_rules_from(tmp_path)["grow-in-export"].receivers == ("Pool", "[]")
    no_receiver = query.replace("value: (_) @receiver ", "")
    (tmp_path / "grow-in-export.toml").write_text(no_receiver)
    with pytest.raises(RuleError, match=r"`receivers` is for rules that match method calls"):
        load_rules_from(tmp_path)
