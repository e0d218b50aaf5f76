"""The README tells the truth: its quick start, its rules table, and its GitHub Actions workflow,
whose commands are run here the way the workflow runs them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import yaml

from conftest import GUESTS, REPO
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


def test_github_workflow_commands_work_locally(tmp_path, validator):
    steps = next(iter(workflow()["jobs"].values()))["steps"]
    runs = {step["name"]: step["run"] for step in steps if "run" in step}
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "github/codeql-action/upload-sarif"]
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))

    # The checkout: a project with one allocating export, as a user's repository would be.
    checkout = tmp_path / "checkout"
    shutil.copytree(GUESTS / "greeting-alloc", checkout, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    # "Install wasmlint": the same pip command, from this checkout instead of the release tag, into
    # a fresh virtual environment (reusing this interpreter's packages keeps it fast and offline).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    bin_dir = venv / "bin"
    install = re.sub(r'"wasmlint @ [^"]+"', f'"{REPO}"', runs["Install wasmlint"])
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_ACTIONS": "true"}
    env.pop("PYTHONPATH", None)
    env.pop("NO_COLOR", None)
    done = subprocess.run(install, shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert shutil.which("wasmlint", path=str(bin_dir))

    check = subprocess.run(runs["Check"], shell=True, cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert check.returncode == 1, check.stderr  # findings fail the job
    assert "error[format-in-export]" in check.stdout
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::error ")]
    assert annotations and "file=src/lib.rs" in annotations[0]

    log = json.loads((checkout / upload["with"]["sarif_file"]).read_text())
    problems = [e.message for e in validator.iter_errors(log)]
    assert not problems, problems
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["format-in-export"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/lib.rs"
