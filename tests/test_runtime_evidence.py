"""`check --confirm`: every finding on an export the runtime layer ran says what the run saw of it
(growth, no growth, a trap, or no call), on real guests and WAT modules run in wasmtime."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, guest_module, json_findings, module_options, run_cli
from wasmlint.reporters.evidence import evidence_text
from wasmlint.runtime import (RunResult, RuntimeEvidence, StepRecord, export_evidence, for_finding,
                              render_run_text, run_module)
from wasmlint.runtime.result import summarise_growth

EVIDENCE = "tests/wat/evidence"
FOUR = f"{EVIDENCE}/four_exports.wat"
HOST = f"{EVIDENCE}/host_growth.wat"


def check(*args: str) -> list[dict]:
    """JSON findings of `check --confirm`, every severity (each module here has at least an info)."""
    result = run_cli("check", *args, "--confirm", "--fail-on", "info", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    return json_findings(result.stdout)


def runtime_lines(finding: dict) -> list[str]:
    return [line for line in finding["evidence"] if line.startswith("runtime:")]


def one(findings: list[dict], rule_id: str, symbol: str) -> dict:
    (found,) = [f for f in findings if f["rule_id"] == rule_id and f["symbol"] == symbol]
    return found


def scenario(tmp_path: Path, text: str) -> str:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return str(path)


# --- The greeting guests, with their scenarios and others -------------------------------------

def test_growth_line_on_the_source_finding_as_before(compiler):
    finding = one(check("guests/greeting-alloc", *module_options("guests/greeting-alloc", compiler)),
                  "format-in-export", "set_name")
    assert runtime_lines(finding) == ["runtime: set_name(10, 16) grew memory 17 -> 18 pages on its first call (confirmed)"]
    assert finding["confirmed"] is True


def test_a_panic_only_finding_says_the_call_did_not_grow(compiler):
    finding = one(check("guests/greeting-static", *module_options("guests/greeting-static", compiler)),
                  "export-grows-only-on-panic", "set_name")
    # The finding predicts no growth on this path, so there is nothing to widen: the line alone.
    assert runtime_lines(finding) == ["runtime: set_name(10, 16) did not grow memory (17 pages before and after)"]
    assert finding["confirmed"] is False


def test_a_source_finding_the_scenario_did_not_reproduce_says_how_to_widen_it(tmp_path):
    # set_name returns -1 before it formats when the salutation is longer than its 16 bytes.
    plan = scenario(tmp_path, "[[steps]]\ncall = 'set_name'\nargs = [20, 0]\nexpect = -1\n")
    finding = one(check("guests/greeting-alloc", "--build", "--scenario", plan), "format-in-export", "set_name")
    assert runtime_lines(finding) == [
        f"runtime: set_name(20, 0) did not grow memory (17 pages before and after); not reproduced: add steps to "
        f"{plan}, or args, that take the growing branch"]
    assert finding["confirmed"] is False


def test_an_export_the_scenario_never_calls_says_so(tmp_path):
    plan = scenario(tmp_path, "[[steps]]\ncall = 'get_msg_ptr'\n")
    alloc = one(check("guests/greeting-alloc", "--build", "--scenario", plan), "format-in-export", "set_name")
    static = one(check("guests/greeting-static", "--build", "--scenario", plan),
                 "export-grows-only-on-panic", "set_name")
    for finding in (alloc, static):
        assert runtime_lines(finding) == [
            f"runtime: `set_name` was not called by the scenario ({plan}); add a step that calls it to check it"]
        assert finding["confirmed"] is False


def test_the_most_telling_run_wins_when_several_scenarios_run(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    quiet = scenario(tmp_path / "a", "[[steps]]\ncall = 'get_msg_ptr'\n")
    short = scenario(tmp_path / "b", "[[steps]]\ncall = 'set_name'\nargs = [20, 0]\n")
    config = tmp_path / "wasmlint.toml"
    config.write_text(f"scenarios = [{json.dumps(quiet)}, {json.dumps(short)}]\n")
    finding = one(check("guests/greeting-alloc", "--build", "--config", str(config)), "format-in-export", "set_name")
    (line,) = runtime_lines(finding)
    assert line.startswith("runtime: set_name(20, 0) did not grow memory (17 pages before and after)")


def test_two_crates_exporting_one_name_each_get_their_own_modules_line():
    findings = check("guests/greeting-alloc", "guests/greeting-static", "--build")
    grew = one(findings, "format-in-export", "set_name")
    quiet = one(findings, "export-grows-only-on-panic", "set_name")
    assert runtime_lines(grew) == ["runtime: set_name(10, 16) grew memory 17 -> 18 pages on its first call (confirmed)"]
    assert runtime_lines(quiet) == ["runtime: set_name(10, 16) did not grow memory (17 pages before and after)"]
    assert grew["confirmed"] is True and quiet["confirmed"] is False


def test_smoke_calls_on_the_built_guests(tmp_path, compiler):
    # The modules alone, in a folder with no scenario.toml: smoke calls.
    for name in ("greeting-alloc", "greeting-static"):
        shutil.copy(guest_module(name, compiler), tmp_path / f"{name}.wasm")
    findings = check(str(tmp_path / "greeting-alloc.wasm"), str(tmp_path / "greeting-static.wasm"))
    grew = one(findings, "export-reaches-memory-grow", "set_name")
    (line,) = runtime_lines(grew)
    assert line.startswith("runtime: set_name(0, 0) grew memory 17 -> 18 pages on its first call")
    assert line.endswith("(confirmed by a smoke call)") and grew["confirmed"] is True
    quiet = one(findings, "export-grows-only-on-panic", "set_name")
    assert runtime_lines(quiet) == ["runtime: set_name(0, 0) did not grow memory (17 pages before and after), "
                                    "nor did 7 other calls"]
    assert quiet["confirmed"] is False


# --- WAT modules: one growing export, one that does not, one never called, one that traps ------

SMOKE_FOUR = {
    "push": "runtime: push(0) grew memory 1 -> 2 pages on its first call; the first call on a fresh instance grew "
            "4 of 4 times, a repeat call grew 4 of 4 times (confirmed by a smoke call)",
    "grow_if_large": "runtime: grow_if_large(0) did not grow memory (1 page before and after), nor did 7 other calls; "
                     "not reproduced by smoke calls: a scenario.toml whose steps take the growing branch may "
                     "reproduce it",
    "grow_ref": "runtime: `grow_ref` was not called: it takes a parameter of type externref, which smoke calls "
                "cannot pass",
    "always_traps": "runtime: always_traps() trapped before memory grew (1 page): wasm trap: wasm `unreachable` "
                    "instruction executed; its growth is unknown: a scenario whose steps get past the trap would "
                    "check it",
}


def test_smoke_calls_on_a_wat_module_give_every_finding_its_line():
    findings = check(FOUR)
    for export, line in SMOKE_FOUR.items():
        finding = one(findings, "export-reaches-memory-grow", export)
        assert runtime_lines(finding) == [line], export
        assert finding["confirmed"] is (export == "push"), export
    assert not [f for f in findings if f["symbol"] == "peek"]  # no finding, so nothing to carry a line


def test_a_scenario_on_a_wat_module(tmp_path):
    plan = scenario(tmp_path, "[[steps]]\ncall = 'push'\nargs = [1]\n"
                              "[[steps]]\ncall = 'grow_if_large'\nargs = [3]\nrepeat = 2\n"
                              "[[steps]]\ncall = 'always_traps'\nexpect-trap = true\n")
    findings = check(FOUR, "--scenario", plan)
    lines = {export: runtime_lines(one(findings, "export-reaches-memory-grow", export)) for export in SMOKE_FOUR}
    assert lines == {
        "push": ["runtime: push(1) grew memory 1 -> 2 pages on its first call (confirmed)"],
        "grow_if_large": [f"runtime: grow_if_large(3) did not grow memory (2 pages before and after), nor did 1 "
                          f"other call; not reproduced: add steps to {plan}, or args, that take the growing branch"],
        "grow_ref": [f"runtime: `grow_ref` was not called by the scenario ({plan}); add a step that calls it to "
                     "check it"],
        "always_traps": ["runtime: always_traps() trapped before memory grew (2 pages): wasm trap: wasm `unreachable` "
                         "instruction executed; its growth is unknown: steps or args that get past the trap would "
                         "check it"],
    }


def test_a_scenario_that_takes_the_growing_branch_confirms_it(tmp_path):
    plan = scenario(tmp_path, "[[steps]]\ncall = 'grow_if_large'\nargs = [70000]\n")
    finding = one(check(FOUR, "--scenario", plan), "export-reaches-memory-grow", "grow_if_large")
    assert runtime_lines(finding) == ["runtime: grow_if_large(70000) grew memory 1 -> 2 pages on its first call "
                                      "(confirmed)"]
    assert finding["confirmed"] is True


def test_host_growth_and_two_findings_on_one_export():
    findings = check(HOST)
    host = one(findings, "host-grows-memory", "process")
    # Widening the scenario would not help: the sandbox's stub of the import never grows memory.
    assert runtime_lines(host) == ["runtime: process(0) did not grow memory (2 pages before and after), nor did 7 "
                                   "other calls; not reproduced: the sandbox's stub imports never grow memory for "
                                   "the module"]
    assert host["confirmed"] is False
    growth = ("runtime: grow_direct() grew memory 2 -> 3 pages on its first call; a repeat call grew 1 of 1 times "
              "(confirmed by a smoke call)")
    for rule_id in ("explicit-memory-grow", "export-reaches-memory-grow"):
        finding = one(findings, rule_id, "grow_direct")
        assert runtime_lines(finding) == [growth] and finding["confirmed"] is True, rule_id


# --- Every format shows the lines --------------------------------------------------------------

def test_text_github_and_sarif_show_the_lines(tmp_path):
    text = run_cli("check", FOUR, "--confirm").stdout
    for line in SMOKE_FOUR.values():
        assert f"= {line}" in text
    github = run_cli("check", FOUR, "--confirm", "--format", "github").stdout
    for export, line in SMOKE_FOUR.items():
        (annotation,) = [a for a in github.splitlines() if f"exported function `{export}`" in a]
        assert f"%0A{line}%0A" in annotation, export
    sarif = json.loads(run_cli("check", FOUR, "--confirm", "--format", "sarif").stdout)
    for export, line in SMOKE_FOUR.items():
        (result,) = [r for r in sarif["runs"][0]["results"] if r["properties"].get("symbol") == export]
        assert line in result["message"]["text"].splitlines() and line in result["properties"]["evidence"], export
        assert result["properties"]["confirmed"] is (export == "push")


def test_run_text_lists_the_exports_smoke_calls_could_not_call():
    result = run_module(REPO / FOUR, pinpoint=False)
    assert result.uncalled == {"grow_ref": "it takes a parameter of type externref, which smoke calls cannot pass"}
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))).uncalled == result.uncalled
    text = render_run_text(result)
    assert "\nnot called:\n  grow_ref: it takes a parameter of type externref, which smoke calls cannot pass\n" in text


# --- The evidence itself, on plain run results ---------------------------------------------------

def call(export: str, before: int, after: int, *, number: int = 1, trap: str | None = None) -> StepRecord:
    return StepRecord("call", 0, step=0, export=export, args=(1,), pages_before=before, pages_after=after,
                      first_call=number == 1, call_number=number, trap=trap)


def test_a_module_that_could_not_be_instantiated_calls_nothing():
    result = RunResult(module="m.wasm", steps=[StepRecord("start", 0, trap="wasm trap: unreachable")])
    (seen,) = export_evidence(result, ["f"]).values()
    assert evidence_text(seen) == ("runtime: `f` could not be called: the module could not be instantiated "
                                   "(wasm trap: unreachable)")
    assert not seen.grew and not seen.called


def test_nothing_is_said_of_a_run_that_did_not_happen():
    assert export_evidence(RunResult(module="m.wasm", error="the runtime worker crashed"), ["f"]) == {}
    assert export_evidence(RunResult(module="m.wasm", unsupported="v128"), ["f"]) == {}


def test_runs_are_kept_per_module_and_the_most_telling_wins():
    steps = [call("f", 17, 17), call("g", 17, 18)]
    grew = RunResult(module="a.wasm", mode="scenario", scenario="s.toml", steps=steps,
                     growth=summarise_growth(steps))
    idle = RunResult(module="b.wasm", mode="scenario", scenario="t.toml")
    evidence = RuntimeEvidence()
    evidence.add("a/Cargo.toml", "a", export_evidence(grew, ["f", "g"]))
    evidence.add("a/Cargo.toml", "a", export_evidence(idle, ["f", "g"]))  # a second scenario that calls nothing
    evidence.add("b.wasm", "b", export_evidence(idle, ["f"]))
    assert evidence.seen("g", "a/src/lib.rs").grew
    assert evidence_text(evidence.seen("f", "a/src/lib.rs")) == "runtime: f(1) did not grow memory (17 pages before and after)"
    assert evidence_text(evidence.seen("f", "b/src/lib.rs")).startswith("runtime: `f` was not called by the scenario (t.toml)")
    assert evidence.seen("f", "", module="b.wasm") == evidence.seen("f", "b/src/lib.rs")
    assert evidence.seen("g", "b/src/lib.rs") is None  # b's module does not export g
    assert evidence.seen("f", "c/src/lib.rs") is None  # no module was built from crate c


@pytest.mark.parametrize("rule_id, widened", [
    ("format-in-export", True), ("export-reaches-memory-grow", True), ("export-grows-only-on-panic", False),
])
def test_only_findings_that_predict_growth_say_how_to_widen_the_run(rule_id, widened):
    result = RunResult(module="m.wasm", mode="scenario", scenario="s.toml", steps=[call("f", 3, 3)])
    seen = export_evidence(result, ["f"])["f"]
    line = evidence_text(for_finding(seen, rule_id))
    assert line.startswith("runtime: f(1) did not grow memory (3 pages before and after)")
    assert ("; not reproduced: add steps to s.toml, or args, that take the growing branch" in line) is widened
