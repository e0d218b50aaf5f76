"""Severity follows the host contract (issue 14): wasm-bindgen exports and raw exports whose hosts
are all in the project, judged with those hosts, on real guests and hosts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli, unavailable


def _check(*args: str, cwd: Path = GUESTS.parent) -> tuple[int, list[dict]]:
    proc = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


def _levels(findings: list[dict]) -> set[str]:
    return {f["severity"] for f in findings}


def test_wasm_bindgen_hello_world_is_info_only():
    code, findings = _check("guests/bindgen-hello")
    assert [(f["rule_id"], f["severity"]) for f in findings] == [("format-in-export", "info")]
    assert "wasm-bindgen export" in findings[0]["message"]
    assert code == 0


def test_wasm_bindgen_module_findings_follow_the_contract_too():
    # Built for real against Debian's wasm-bindgen 0.2.83: the module layer sees `greet` grow,
    # and wasm-bindgen's own exports (__wbindgen_*, __externref_*) are its glue's business.
    guest_module("bindgen-hello")
    code, findings = _check("guests/bindgen-hello", "--build")
    assert _levels(findings) == {"info"}, [(f["rule_id"], f["severity"], f["symbol"]) for f in findings]
    (allocation,) = [f for f in findings if f["rule_id"] == "format-in-export"]
    assert any(e.startswith("module: `greet` reaches memory.grow via greet -> ") for e in allocation["evidence"])


def test_game_of_life_with_fresh_views_has_no_error_or_warning_from_any_layer():
    code, findings = _check("guests/game-of-life")
    assert _levels(findings) == {"info"}
    assert {f["rule_id"] for f in findings} == {"collect-in-export", "clone-in-export"}
    assert code == 0


def test_game_of_life_with_a_view_kept_across_tick_joins_host_and_guest():
    code, findings = _check("guests/game-of-life-stale")
    by_rule = {f["rule_id"]: f for f in findings}
    host, guest = by_rule["stale-memory-view"], by_rule["clone-in-export"]
    assert (host["path"], host["line"], host["severity"], host["symbol"]) == (
        "guests/game-of-life-stale/www/index.js", 18, "error", "universe_tick")
    assert (guest["severity"], guest["symbol"]) == ("error", "universe_tick")
    # Each names the other's place.
    assert "guest: `universe_tick` clone-in-export at guests/game-of-life-stale/src/lib.rs:55" in host["evidence"]
    assert any(e.startswith("host: guests/game-of-life-stale/www/index.js:18 keeps a view") for e in guest["evidence"])
    # `Universe::new` runs before the view is made: its allocation stays info.
    assert by_rule["collect-in-export"]["severity"] == "info"
    assert code == 1


def test_raw_exports_whose_hosts_make_fresh_views_are_safe_with_them():
    code, findings = _check("guests/raw-alloc-host")
    assert {(f["rule_id"], f["severity"]) for f in findings} == {
        ("alloc-api-in-export", "info"), ("vec-alloc-in-export", "info"), ("push-in-export", "info")}
    assert all("safe with the hosts in this project (guests/raw-alloc-host/host/index.js, "
               "guests/raw-alloc-host/host/text.js)" in f["message"] for f in findings)
    assert code == 0


def test_the_raw_host_really_works_with_the_growing_module(compiler):
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs it)")
    module = guest_module("raw-alloc-host", compiler)
    run = subprocess.run([node, str(GUESTS / "raw-alloc-host/host/index.js"), str(module)],
                         capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["HELLO", "WORLD"], run.stderr


@pytest.fixture
def raw_project(tmp_path) -> Path:
    project = tmp_path / "raw"
    shutil.copytree(GUESTS / "raw-alloc-host", project)
    return project


def test_hosts_unknown_keeps_raw_exports_at_full_severity(raw_project):
    manifest = raw_project / "Cargo.toml"
    manifest.write_text(manifest.read_text() + '\n[package.metadata.wasmlint]\nhosts = "unknown"\n')
    code, findings = _check(str(raw_project))
    assert _levels(findings) == {"error"} and len(findings) == 3


def test_strict_puts_every_export_back_to_the_rules_severities():
    code, findings = _check("guests/raw-alloc-host", "guests/bindgen-hello", "guests/game-of-life", "--strict")
    allocation = [f for f in findings if f["layer"] == "source"]
    assert _levels(allocation) == {"error"} and len(allocation) == 6


def test_a_raw_host_that_keeps_a_view_across_malloc_keeps_the_error_and_joins_it(raw_project):
    (raw_project / "host" / "keep.js").write_text(
        "const fs = require('fs');\n"
        "const wasm = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(\n"
        "  __dirname + '/../target/wasm32-unknown-unknown/release/raw_alloc_host.wasm')), {}).exports;\n"
        "const heap = new Uint8Array(wasm.memory.buffer);\n"
        "const p = wasm.malloc(64);\n"
        "heap.set([1, 2, 3], p);\n")
    code, findings = _check(str(raw_project))
    host = [f for f in findings if f["rule_id"] == "stale-memory-view"]
    assert [(Path(f["path"]).name, f["line"], f["severity"], f["symbol"]) for f in host] == [("keep.js", 6, "error", "malloc")]
    (malloc,) = [f for f in findings if f["rule_id"] == "alloc-api-in-export"]
    assert malloc["severity"] == "error" and any("keep.js:6 keeps a view" in e for e in malloc["evidence"])
    # string_new is called by no host across a view: still safe with them.
    assert {f["severity"] for f in findings if f["symbol"] == "string_new"} == {"info"}


def test_raw_guests_without_hosts_keep_every_error():
    for guest in ("greeting-alloc", "helper-depth", "export-forms"):
        _, plain = _check(f"guests/{guest}")
        _, strict = _check(f"guests/{guest}", "--strict")
        assert [(f["rule_id"], f["line"], f["severity"]) for f in plain] == \
               [(f["rule_id"], f["line"], f["severity"]) for f in strict]
        assert "error" in _levels(plain)
