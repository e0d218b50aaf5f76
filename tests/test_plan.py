"""The plan of a check is made from discovery as new values: what discovery found is not changed,
and the plan holds each crate's own excludes and rules, the misconfigured crates left out with an
error, and the modules to check."""

from __future__ import annotations

import copy
from pathlib import Path

from test_cli import DIRTY, make_crate

from wasmlint.cfg import FeatureRequest
from wasmlint.config import find_config
from wasmlint.discover import Targets, discover, display_path
from wasmlint.plan import CrateConfigs, Plan, make_plan

WAT = "(module (memory 1) (func (export \"grow\") (result i32) (memory.grow (i32.const 1))))\n"


def _plan(paths: list[Path], wasm: list[Path] = ()) -> tuple[Targets, Targets, Plan]:
    """Discovery's result, a deep copy of it taken before planning, and the plan."""
    config = find_config(paths[0])
    config_of = CrateConfigs(config)
    targets = discover(paths, config.exclude, features=lambda root: FeatureRequest())
    before = copy.deepcopy(targets)
    return targets, before, make_plan(targets, config, config_of, None, list(wasm))


def _files(targets: Targets) -> dict[str, list[str]]:
    return {crate.name: sorted(display_path(f).split("/")[-1] for f in crate.files) for crate in targets.crates}


def test_a_members_own_exclude_is_in_the_plan_not_in_what_discovery_found(tmp_path):
    ws = tmp_path / "ws"
    make_crate(ws / "plain", DIRTY, name="plain")
    own = make_crate(ws / "own", "mod gen;\n", name="own", extra_files={"src/gen.rs": DIRTY})
    (own / "wasmlint.toml").write_text('exclude = ["*/src/gen.rs"]\n')
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["plain", "own"]\n')
    targets, before, plan = _plan([ws])
    assert _files(targets) == _files(before) == {"plain": ["lib.rs"], "own": ["gen.rs", "lib.rs"]}
    assert _files(plan.targets) == {"plain": ["lib.rs"], "own": ["lib.rs"]}
    assert set(plan.crate_rules) == {own}  # its own configuration: its own rules
    assert plan.targets.errors == [] and targets.errors == []


def test_a_misconfigured_member_is_left_out_of_the_plan_with_an_error(tmp_path):
    ws = tmp_path / "ws"
    make_crate(ws / "good", DIRTY, name="good")
    bad = make_crate(ws / "bad", DIRTY, name="bad")
    (bad / "wasmlint.toml").write_text('select = ["no-such-rule"]\n')  # read, but names an unknown rule
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["good", "bad"]\n')
    targets, before, plan = _plan([ws])
    assert sorted(c.name for c in targets.crates) == sorted(c.name for c in before.crates) == ["bad", "good"]
    assert [c.name for c in plan.targets.crates] == ["good"]
    assert targets.errors == []
    [error] = plan.targets.errors
    assert error.path.endswith("ws/bad") and "crate bad not checked" in error.message and "no-such-rule" in error.message


def test_modules_given_and_found_are_planned_once_and_a_missing_one_is_an_error(tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY, name="c")
    module = tmp_path / "c" / "grow.wat"
    module.write_text(WAT)
    missing = tmp_path / "nowhere.wasm"
    targets, before, plan = _plan([crate], wasm=[module, missing])
    assert targets.errors == before.errors == []
    assert plan.modules == [(module, None)]  # given with --wasm and found in the folder: once
    assert plan.wasm == (module,)
    [error] = plan.targets.errors
    assert error.path == str(missing) and error.message == "no such module file"


def test_an_unconfigured_project_plans_what_discovery_found(tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY, name="c")
    targets, _, plan = _plan([crate])
    assert _files(plan.targets) == _files(targets) and plan.crate_rules == {} and plan.modules == []
    assert plan.hosts_unknown == frozenset()
