"""The GitHub Action (action.yml): its install and check steps run here as the runner runs them (the
same scripts, the same environment variables), on a checkout with findings of every severity and
module findings: annotations errors first, module findings on the export's `fn`, valid SARIF, and
each finding reported once."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import GUESTS, REPO, unavailable

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
TIMEOUT = 900
# A host that loads a module wasmlint cannot find: its stale view is a warning.
LOADER = """\
const { instance } = await WebAssembly.instantiate(bytes);
const view = new Uint8Array(instance.exports.memory.buffer);
instance.exports.grow_it();
console.log(view[0]);
"""


def step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s["name"] == name)


@dataclass
class Runner:
    """What the runner gives a composite action's steps: its temp folder, the action's path, an
    output file per step."""

    temp: Path
    action_path: Path = REPO

    def expression(self, kind: str, name: str, inputs: dict[str, str]) -> str:
        """`${{ inputs.x }}` as the workflow sets it (else its default); `${{ steps.python.outputs.python-path }}`
        is the interpreter actions/setup-python would give: this one (3.11 or newer, as wasmlint needs)."""
        if kind == "inputs":
            return inputs.get(name, ACTION["inputs"][name].get("default", ""))
        assert name == "python.outputs.python-path", name
        return sys.executable

    def run(self, step_name: str, inputs: dict[str, str], cwd: Path, extra_env: dict[str, str] | None = None):
        """Run a `run:` step of action.yml with its `env:` filled from `inputs` as the runner fills
        `${{ inputs.x }}`; returns (completed process, the step's outputs)."""
        definition = step(step_name)
        outputs_file = self.temp / f"output-{step_name.replace(' ', '-')}"
        outputs_file.write_text("")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NO_COLOR", "WASMLINT_CACHE_DIR")}
        env.update(GITHUB_ACTIONS="true", GITHUB_ACTION_PATH=str(self.action_path), RUNNER_TEMP=str(self.temp),
                   GITHUB_OUTPUT=str(outputs_file), **(extra_env or {}))
        for key, value in (definition.get("env") or {}).items():
            env[key] = re.sub(r"\$\{\{ *(inputs|steps)\.([a-z.-]+) *\}\}", lambda m: self.expression(m.group(1), m.group(2), inputs), value)
        assert definition["shell"] == "bash"
        done = subprocess.run(["bash", "-c", definition["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
        outputs = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line)
        return done, outputs


@pytest.fixture(scope="session")
def runner(tmp_path_factory) -> Runner:
    """The action installed once per test session (test_readme runs the README's workflow with it)."""
    runner = Runner(tmp_path_factory.mktemp("runner-temp"))
    done, _ = runner.run("Install wasmlint", {}, cwd=runner.temp)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("wasmlint "), done.stdout
    return runner


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    from wasmlint.toolchain import ToolchainError, find_toolchain

    find_toolchain.cache_clear()
    try:
        find_toolchain()
    except ToolchainError as exc:
        unavailable(str(exc))
    root = tmp_path_factory.mktemp("checkout")
    for guest in ("greeting-alloc", "greeting-static"):
        shutil.copytree(GUESTS / guest, root / guest, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    (root / "app").mkdir()
    (root / "app" / "loader.js").write_text(LOADER)  # sorts before the crates: a warning first in path order
    return root


def annotations(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("::")]


def json_report(runner: Runner, checkout: Path, args: str) -> dict:
    wasmlint = runner.temp / "wasmlint-venv" / "bin" / "wasmlint"
    done = subprocess.run([str(wasmlint), "check", ".", *args.split(), "--format", "json"], cwd=checkout,
                          capture_output=True, text=True, timeout=TIMEOUT)
    return json.loads(done.stdout)


def test_the_action_is_composite_and_passes_inputs_through_the_environment():
    assert ACTION["runs"]["using"] == "composite"
    names = [s["name"] for s in ACTION["runs"]["steps"]]
    assert names == ["Set up Python for wasmlint", "Install wasmlint", "Check", "Upload to code scanning"]
    assert set(ACTION["inputs"]) == {"paths", "args", "upload-sarif", "sarif-file", "category"}
    # No `${{ inputs.x }}` pasted into a script: a path or argument cannot inject shell code.
    for definition in ACTION["runs"]["steps"]:
        assert "${{" not in definition.get("run", ""), definition["name"]
    upload = step("Upload to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@") and "!cancelled()" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"


def test_annotations_come_errors_first_with_module_findings_on_the_fn(runner, checkout):
    done, outputs = runner.run("Check", {"args": "--build", "upload-sarif": "false"}, cwd=checkout)
    assert done.returncode == 1 and outputs["exit-code"] == "1", done.stderr
    found = annotations(done.stdout)
    report = json_report(runner, checkout, "--build")
    assert len(found) == len(report["findings"]) + len(report["errors"])
    kinds = [line.split(" ", 1)[0] for line in found]
    assert kinds == sorted(kinds, key=["::error", "::warning", "::notice"].index), kinds
    assert {"::error", "::warning", "::notice"} <= set(kinds)
    # In path order the warning (app/) and the notice (Cargo.toml) would come first.
    assert [f["severity"] for f in report["findings"]][:2] != ["error", "error"]
    # The module layer ran, and its findings on exports sit on the export's `fn`, never on the module.
    module = [f for f in report["findings"] if f["layer"] == "module"]
    # Both crates export `set_name`: each module's findings land on its own crate's `fn`.
    panic_only = [(f["path"], f["line"]) for f in module if f["rule_id"] == "export-grows-only-on-panic"]
    assert panic_only == [("greeting-static/src/lib.rs", 24)], module
    files = [re.search(r"file=([^,:]+)", line).group(1) for line in found]
    assert not [f for f in files if f.endswith((".wasm", ".wat")) or f.startswith("/")], files
    # The text report is in the log too, once.
    assert done.stdout.count("error[format-in-export]") == 1


def test_with_sarif_the_findings_go_to_code_scanning_only(runner, checkout, validator):
    done, outputs = runner.run("Check", {"args": "--build", "sarif-file": "out/wasmlint.sarif"}, cwd=checkout)
    assert done.returncode == 1 and outputs == {"sarif-file": "out/wasmlint.sarif", "exit-code": "1"}, done.stderr
    # No annotation and no report on stdout: code scanning shows each finding once, from the SARIF.
    assert annotations(done.stdout) == [] and "error[" not in done.stdout
    assert re.fullmatch(r"Found \d+ problems \(.*\); \d+ files checked\.\n", done.stdout), done.stdout
    log = json.loads((checkout / "out" / "wasmlint.sarif").read_text())
    assert not [e.message for e in validator.iter_errors(log)]
    results = log["runs"][0]["results"]
    report = json_report(runner, checkout, "--build")
    assert len(results) == len(report["findings"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert not [uri for uri in uris if uri.endswith(".wasm") or uri.startswith("/")], uris


def test_paths_and_args_are_split_and_a_bad_upload_value_is_one_error(runner, checkout):
    done, outputs = runner.run("Check", {"paths": "greeting-alloc app", "args": "--fail-on error --select format-in-export",
                                         "upload-sarif": "false"}, cwd=checkout)
    assert done.returncode == 1 and [line.split(" ", 1)[0] for line in annotations(done.stdout)] == ["::error"]
    done, outputs = runner.run("Check", {"upload-sarif": "yes"}, cwd=checkout)
    assert done.returncode == 2 and outputs["exit-code"] == "2"
    assert annotations(done.stdout) == ["::error title=wasmlint::upload-sarif must be true or false, not 'yes'"]
