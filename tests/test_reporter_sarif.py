"""The SARIF reporter: valid SARIF 2.1.0, rules referenced by index, stable fingerprints, errors."""

from __future__ import annotations

import json
from pathlib import Path


import wasmlint
from wasmlint.evidence import GrowthPath, NodeObservation, Outcome, Resolution, RuntimeObservation
from wasmlint.findings import Finding, Layer, Report, RunError, Severity
from wasmlint.reporters import sarif
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import Rule, builtin_rules

def assert_valid(validator, log: dict) -> None:
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not problems, "SARIF does not validate:\n" + "\n".join(problems)


def make_rule(rule_id: str, severity: Severity = Severity.ERROR, layer: Layer = Layer.SOURCE) -> Rule:
    return Rule(
        id=rule_id,
        layer=layer,
        severity=severity,
        summary=f"summary of {rule_id}",
        message="message",
        why=f"Why {rule_id} matters: it grows `memory` and detaches 100% of views.",
        fix="Use a static buffer.\n\n```rust\nstatic mut BUF: [u8; 64] = [0; 64];\n```",
        query=None,
        scope="reachable",
        check=None,
        tests=(),
        origin=Path(f"rules/{rule_id}.toml"),
    )


RULES = {r.id: r for r in (make_rule("format-in-export"), make_rule("vec-alloc-in-export", Severity.WARNING),
                           make_rule("unused-rule"), make_rule("export-reaches-memory-grow", layer=Layer.MODULE))}

FORMAT = Finding(
    rule_id="format-in-export",
    severity=Severity.ERROR,
    message="`format!` allocates a `String` in exported function `set_name`",
    path="src/lib.rs",
    line=33,
    column=28,
    end_line=33,
    end_column=57,
    layer=Layer.SOURCE,
    symbol="set_name",
    call_path=("set_name", "format!"),
    evidence=(
        GrowthPath("set_name", ("set_name", "alloc::fmt::format", "__rust_alloc"), Resolution.DIRECT),
        RuntimeObservation("set_name", Outcome.GREW, smoke=False, call="set_name(10, 16)", pages_before=17,
                           pages_after=18),
    ),
    confirmed=True,
    snippet='format!("{}, {}!", sal, name)',
)
VEC = Finding(
    rule_id="vec-alloc-in-export",
    severity=Severity.WARNING,
    message="`Vec::with_capacity` allocates in `helper`, reached from export `fill`",
    path="src/helpers/dir with space/ünïcode.rs",
    line=4,
    column=5,
    end_line=6,
    end_column=2,
    layer=Layer.SOURCE,
    symbol="fill",
    call_path=("fill", "helper", "Vec::with_capacity"),
    snippet="Vec::with_capacity(n)",
)
MODULE_ONLY = Finding(
    rule_id="export-reaches-memory-grow",
    severity=Severity.INFO,
    message="export `run` reaches memory.grow",
    path="target/demo.wasm",
    line=1,
    column=1,
    end_line=1,
    end_column=1,
    layer=Layer.MODULE,
    symbol="run",
    call_path=("run", "dlmalloc::malloc", "memory.grow"),
)


def render_log(report: Report, rules=RULES) -> dict:
    return json.loads(sarif.render(report, rules))


def test_validates_against_the_schema(validator):
    assert sarif.SCHEMA_URI == validator.schema["$id"]
    report = Report(
        findings=[FORMAT, VEC, MODULE_ONLY],
        errors=[
            RunError(path="src/broken.rs", message="unbalanced `{`: the rest of the file is one error node", line=7, column=3),
            RunError(path="target/bad.wasm", message="section length runs past the end", offset=0x2A),
            RunError(path="crates/gone", message="cannot read: no such directory"),
        ],
        partial_files={"src/broken.rs", "src/half.rs"},
        notes=["baseline: 2 known findings hidden"],
    )
    assert_valid(validator, render_log(report))


def test_an_empty_report_validates(validator):
    log = render_log(Report())
    assert_valid(validator, log)
    run = log["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_the_shipped_rules_make_valid_descriptors(validator):
    rules = builtin_rules()
    findings = [FORMAT.replace(rule_id=rule_id, symbol=f"export_{i}", line=i + 1, end_line=i + 1)
                for i, rule_id in enumerate(sorted(rules))]
    log = render_log(Report(findings=findings), rules)
    assert_valid(validator, log)
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors] == sorted(rules)
    for descriptor in descriptors:
        rule = rules[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.why
        assert rule.fix in descriptor["help"]["markdown"] and rule.fix in descriptor["help"]["text"]


def test_one_run_with_the_tool_driver():
    log = render_log(Report(findings=[FORMAT]))
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "wasmlint"
    assert driver["version"] == wasmlint.__version__
    assert driver["informationUri"].startswith("https://")


def test_rules_are_only_those_with_results_deduplicated_and_referenced_by_index():
    second_format = FORMAT.replace(line=40, end_line=40, symbol="other", snippet="format!(\"x\")")
    log = render_log(Report(findings=[VEC, FORMAT, second_format, MODULE_ONLY]))
    run = log["runs"][0]
    ids = [d["id"] for d in run["tool"]["driver"]["rules"]]
    assert ids == ["export-reaches-memory-grow", "format-in-export", "vec-alloc-in-export"]
    assert "unused-rule" not in ids
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    descriptor = run["tool"]["driver"]["rules"][ids.index("vec-alloc-in-export")]
    assert descriptor["defaultConfiguration"] == {"level": "warning"}
    assert descriptor["name"] == "VecAllocInExport"
    assert descriptor["properties"]["layer"] == "source"


def test_a_finding_from_an_unknown_rule_still_gets_a_descriptor(validator):
    stray = FORMAT.replace(rule_id="my-team-rule", severity=Severity.WARNING)
    log = render_log(Report(findings=[stray]))
    assert_valid(validator, log)
    descriptor = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert descriptor["id"] == "my-team-rule"
    assert descriptor["defaultConfiguration"] == {"level": "warning"}


def test_result_level_location_and_properties():
    log = render_log(Report(findings=[FORMAT, VEC, MODULE_ONLY]))
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert {rule: r["level"] for rule, r in by_rule.items()} == {
        "format-in-export": "error", "vec-alloc-in-export": "warning", "export-reaches-memory-grow": "note"}
    physical = by_rule["format-in-export"]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "src/lib.rs", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 33, "startColumn": 28, "endLine": 33, "endColumn": 57}
    assert "%SRCROOT%" in log["runs"][0]["originalUriBaseIds"]
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    properties = by_rule["format-in-export"]["properties"]
    assert properties["symbol"] == "set_name"
    assert properties["layer"] == "source"
    assert properties["confirmed"] is True


def test_uris_are_relative_and_percent_encoded():
    log = render_log(Report(findings=[VEC]))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "src/helpers/dir%20with%20space/%C3%BCn%C3%AFcode.rs"


def test_evidence_and_confirmation_are_in_the_message():
    log = render_log(Report(findings=[FORMAT, FORMAT.replace(evidence=(), line=50, end_line=50)]))
    first, second = (r["message"]["text"] for r in log["runs"][0]["results"])
    assert first.splitlines() == [
        FORMAT.message,
        "module: `set_name` reaches memory.grow via set_name -> alloc::fmt::format -> __rust_alloc (direct calls only)",
        "runtime: set_name(10, 16) grew memory 17 -> 18 pages on its first call (confirmed)",
    ]
    assert second.splitlines() == [FORMAT.message, "runtime: confirmed"]


def test_confirmation_is_said_once_whatever_the_names_in_the_evidence():
    # A function named `confirmed_total` on the module path does not say that an engine confirmed
    # the finding; V8's detached view confirms it without the word: both still get the line.
    path = GrowthPath("confirmed_total", ("confirmed_total", "__rust_alloc"), Resolution.DIRECT)
    node = NodeObservation("confirmed_total", "confirmed_total(1)", True, 17, 18, calls=1)
    findings = [FORMAT.replace(evidence=(path,)), FORMAT.replace(evidence=(path, node), line=60, end_line=60)]
    texts = [r["message"]["text"].splitlines() for r in render_log(Report(findings=findings))["runs"][0]["results"]]
    assert texts == [[FORMAT.message, evidence_text(path), "runtime: confirmed"],
                     [FORMAT.message, evidence_text(path), evidence_text(node), "runtime: confirmed"]]


def test_the_call_path_is_a_code_flow():
    log = render_log(Report(findings=[VEC, MODULE_ONLY]))
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    steps = by_rule["vec-alloc-in-export"]["codeFlows"][0]["threadFlows"][0]["locations"]
    # Functions are logical locations; the flagged construct at the end of a source path is not one.
    names = [s["location"].get("logicalLocations", [{}])[0].get("name") for s in steps]
    assert names == ["fill", "helper", None]
    assert [s["location"]["message"]["text"] for s in steps] == [
        "exported function `fill`", "calls `helper`", "`Vec::with_capacity` is flagged here"]
    # A source finding's position is the construct: the last step. The others have no known position.
    assert ["physicalLocation" in s["location"] for s in steps] == [False, False, True]
    module_steps = by_rule["export-reaches-memory-grow"]["codeFlows"][0]["threadFlows"][0]["locations"]
    # A module finding sits on the export: the first step.
    assert ["physicalLocation" in s["location"] for s in module_steps] == [True, False, False]


def test_fingerprints_ignore_line_numbers_and_separate_duplicates():
    def fingerprints(findings):
        return [r["partialFingerprints"] for r in render_log(Report(findings=findings))["runs"][0]["results"]]

    before = fingerprints([FORMAT, VEC])
    moved = fingerprints([FORMAT.replace(line=45, end_line=45, column=9, end_column=38), VEC.replace(line=90, end_line=92)])
    assert before == moved
    twice = fingerprints([FORMAT, FORMAT.replace(line=60, end_line=60)])
    assert twice[0] != twice[1]
    renamed = fingerprints([FORMAT.replace(symbol="set_title")])
    assert renamed[0] != before[0]


def test_output_is_deterministic_and_independent_of_input_order():
    findings = [FORMAT, VEC, MODULE_ONLY]
    errors = [RunError("b.rs", "x"), RunError("a.rs", "y", line=2)]
    first = sarif.render(Report(findings=findings, errors=errors), RULES)
    second = sarif.render(Report(findings=findings[::-1], errors=errors[::-1]), RULES)
    assert first == second
    assert first.endswith("\n") and first.startswith("{\n  ")


def test_run_errors_become_tool_notifications():
    report = Report(findings=[FORMAT], errors=[
        RunError(path="src/broken.rs", message="unbalanced `{`", line=7, column=3),
        RunError(path="target/bad.wasm", message="bad section", offset=42),
    ])
    invocation = render_log(report)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["unbalanced `{`", "bad section"]
    assert notes[0]["level"] == "error"
    assert notes[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7, "startColumn": 3}
    assert notes[1]["locations"][0]["physicalLocation"]["region"] == {"byteOffset": 42}


def test_paths_outside_the_working_folder_are_file_uris(validator):
    finding = Finding(rule_id="format-in-export", severity=Severity.ERROR, message="m", path="/usr/src/x/lib.rs",
                      line=1, column=1, end_line=1, end_column=2, layer=Layer.SOURCE, symbol="f")
    log = json.loads(sarif.render(Report(findings=[finding]), builtin_rules()))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///usr/src/x/lib.rs"}
    assert_valid(validator, log)
