"""The README tells the truth: its quick start, its rules table, and its GitHub Actions workflow,
whose commands are run here the way the workflow runs them."""

from __future__ import annotations

import json
import re
import shutil

import yaml

from conftest import GUESTS, REPO
from test_action import runner  # noqa: F401  (the fixture: the action installed once per session)
from wasmlint.rules import builtin_rules

README = (REPO / "README.md").read_text(encoding="utf-8")


def code_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S)


def test_readme_opens_with_the_two_quick_start_commands():
    first, second = code_blocks(README)[:2]
    assert first[1].strip() == "./scripts/setup.sh && .venv/bin/wasmlint check guests/"
    assert second[1].strip() == "./scripts/setup.sh --dev && .venv/bin/python -m pytest"
    ci = (REPO / ".ci/run").read_text()
    assert second[1].strip() in ci


def test_rules_table_lists_every_rule_with_its_layer_and_severity():
    rows = dict(
        (m.group(1), (m.group(2), m.group(3)))
        for m in re.finditer(r"^\| `([a-z0-9-]+)` \| (source|module|runtime|host) \| (error|warning|info) \|", README, re.M)
    )
    rules = builtin_rules()
    assert set(rows) == set(rules)
    for rule_id, (layer, severity) in rows.items():
        assert (layer, severity) == (str(rules[rule_id].layer), rules[rule_id].severity.label), rule_id


def workflow() -> dict:
    block = next(code for lang, code in code_blocks(README) if lang == "yaml" and "jobs:" in code)
    return yaml.safe_load(block)


def test_the_workflow_runs_the_action_of_this_repository_as_github_would(tmp_path, runner, validator):
    from test_action import ACTION, annotations

    steps = next(iter(workflow()["jobs"].values()))["steps"]
    assert [step["uses"].split("@")[0] for step in steps] == ["actions/checkout", "wasmlint/wasmlint"]
    inputs = {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in steps[1]["with"].items()}
    assert set(inputs) <= set(ACTION["inputs"]), inputs
    # The checkout: a project with one allocating export, as a user's repository would be.
    checkout = tmp_path / "checkout"
    shutil.copytree(GUESTS / "greeting-alloc", checkout, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    done, outputs = runner.run("Check", inputs, cwd=checkout)
    assert done.returncode == 1, done.stderr  # findings fail the job
    assert annotations(done.stdout) == [] and done.stdout.startswith("Found 1 problem"), done.stdout
    log = json.loads((checkout / outputs["sarif-file"]).read_text())
    problems = [e.message for e in validator.iter_errors(log)]
    assert not problems, problems
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["format-in-export"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/lib.rs"
