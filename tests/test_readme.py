"""The README tells the truth: its quick start, its rules table, and its GitHub Actions workflow,
whose commands are run here the way the workflow runs them."""

from __future__ import annotations

import json
import re
import shutil

import pytest
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


def test_the_workflow_runs_the_action_of_this_repository_as_github_would(tmp_path, runner, validator):  # noqa: F811 (the fixture)
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


# -- the README's examples, reproduced from this repository -----------------------------------------

# Each command the README shows output for, as written there, and whether its block shows every
# finding (or only the end of the report). `greeting_alloc.wasm` stands for the module
# `wasmlint check guests/greeting-alloc --build` builds, copied beside (the README says so).
EXAMPLES = [
    ("wasmlint check guests/hosts/classic.mjs --wasm greeting_alloc.wasm --scenario guests/greeting-alloc/scenario.toml --layer host --confirm", True),
    ("wasmlint check guests/greeting-alloc --build --confirm", True),
    ("wasmlint check guests/crate-tree", False),
    ("wasmlint exports guests/cfg-attr-impl --features console", True),
    ("wasmlint check guests/game-of-life-stale", True),
]
FINDING_HEADER = re.compile(r"^(error|warning|info)\[")


def example_output(command: str) -> str:
    """The code block that follows the command in the README (the command may wrap across lines)."""
    where = re.search(r"\s+".join(map(re.escape, command.split())), README)
    assert where, f"the README no longer shows `{command}`"
    block = re.search(r"```\w*\n(.*?)```", README[where.end():], flags=re.S)
    return block.group(1)


def shown_as(readme_line: str) -> re.Pattern:
    """A README line as a pattern over the real one: `...` stands for text the README leaves out."""
    return re.compile("^" + ".*".join(map(re.escape, readme_line.split("..."))) + "$")


@pytest.mark.parametrize("command, whole", EXAMPLES, ids=[command.split(" ", 1)[1] for command, _ in EXAMPLES])
def test_the_readme_example_is_what_the_command_prints(tmp_path, command, whole):
    from conftest import guest_module, run_cli

    args, cwd = command.split()[1:], REPO
    if "greeting_alloc.wasm" in args:
        # A folder laid out as the README's: the host and scenario at their paths, the module beside.
        cwd = tmp_path
        for name in ("guests/hosts/classic.mjs", "guests/greeting-alloc/scenario.toml"):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / name, tmp_path / name)
        shutil.copy(guest_module("greeting-alloc"), tmp_path / "greeting_alloc.wasm")  # a missing toolchain skips (fails in CI)
    elif "--build" in args:
        guest_module("greeting-alloc")  # a missing toolchain skips (fails in CI)
    done = run_cli(*args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    shown = example_output(command).splitlines()
    printed = done.stdout.splitlines()
    # Every line the README shows is printed, in the same order ...
    position = 0
    for line in shown:
        pattern = shown_as(line)
        while position < len(printed) and not pattern.match(printed[position]):
            position += 1
        assert position < len(printed), f"README line not printed (in this order): {line!r}\n{done.stdout}"
        position += 1
    # ... and, where it shows the whole report, every finding: none more, none less.
    if whole:
        assert sum(map(bool, map(FINDING_HEADER.match, shown))) == sum(map(bool, map(FINDING_HEADER.match, printed)))


def test_the_install_lines_follow_the_quick_start():
    import tomllib

    third = code_blocks(README)[2][1]
    assert "pipx install wasmlint" in third and "pip install wasmlint" in third and "wasmlint check path/to/crate" in third
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11" and "Python 3.11 or newer" in README[:README.index("## Why")]
    assert "`pipx install .`" in README[:README.index("## Why")]


def test_the_docs_name_only_revisions_that_exist():
    """A tag in the docs (`rev: v1.2.3`, `wasmlint/wasmlint@v1.2.3`) must be a release that exists."""
    import subprocess

    tags = set(subprocess.run(["git", "tag"], cwd=REPO, capture_output=True, text=True).stdout.split())
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / ".pre-commit-hooks.yaml"]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        named = re.findall(r"rev: *([^\s#]+)", text) + re.findall(r"wasmlint/wasmlint@([^\s\"'#]+)", text)
        for revision in named:
            assert revision == "main" or revision in tags, f"{document.name} names {revision!r}, which is no tag here"
