"""Suppressions across the layers (issue 20: applied once): an allow decides whether a finding is
shown once, and the merge and the host contract heed it, whatever layer the finding comes from.

Each case runs `check` on a real guest (copied, with an allow written in) and its real module or
host: an allowed source finding takes no module evidence, an allowed guest finding is neither
weighed nor named by a host that keeps a view across its export, and an allow that only a module or
host finding uses is not called unused.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli


def _copy(guest: str, into: Path) -> Path:
    crate = into / guest
    shutil.copytree(GUESTS / guest, crate, ignore=shutil.ignore_patterns("target", "Cargo.lock", "node_modules"))
    return crate


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new))


def _line_of(path: Path, text: str) -> int:
    (line,) = [number for number, content in enumerate(path.read_text().splitlines(), 1) if text in content]
    return line


def _check(*args: str, cwd: Path) -> list[dict]:
    proc = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["errors"] == [], proc.stdout
    return [f for f in json.loads(proc.stdout)["findings"] if f["rule_id"] != "memory-has-no-maximum"]


def _module_evidence(finding: dict) -> list[str]:
    return [item for item in finding["evidence"] if item.startswith("module: ")]


# -- merge: module evidence joins only the findings no allow hides -------------------------------

# `greet_len` has two allocations, one allowed; `debug_len` two `to_string`s. As shipped, the allow of
# `greet_len` ends its `format!` line and the one of `debug_len` stands above the whole fn (so its
# growth is accepted with them); moved, the first stands on its own line above the `format!`
# statement and the second ends the first `to_string` line only.
SHAPES = {
    "as-shipped": [],
    "moved": [
        ('    let greeting = format!("hello {}", n); // wasmlint: allow(format-in-export) -- called once at startup, before the host takes views\n',
         '    // wasmlint: allow(format-in-export) -- moved above the statement\n    let greeting = format!("hello {}", n);\n'),
        ("// wasmlint: allow(to-string-in-export) -- debug-only export; the host re-reads its views after it\n", ""),
        ("    let a = n.to_string();\n", "    let a = n.to_string(); // wasmlint: allow(to-string-in-export) -- the first only\n"),
    ],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_module_evidence_joins_only_the_source_findings_no_allow_hides(tmp_path, shape):
    module = guest_module("suppressed")
    crate = _copy("suppressed", tmp_path)
    lib = crate / "src/lib.rs"
    for old, new in SHAPES[shape]:
        _edit(lib, old, new)
    findings = _check("suppressed", "--wasm", str(module), cwd=tmp_path)
    by_symbol: dict[str | None, list[dict]] = {}
    for finding in findings:
        by_symbol.setdefault(finding["symbol"], []).append(finding)

    # `greet_len`: the `format!` is allowed, so the growth joins the `String::from` alone.
    (greet,) = by_symbol.pop("greet_len")
    assert (greet["rule_id"], greet["line"]) == ("string-alloc-in-export", _line_of(lib, 'String::from("!")'))
    assert [item.split(" reaches")[0] for item in _module_evidence(greet)] == ["module: `greet_len`"]
    if shape == "as-shipped":
        # Both allocations of `debug_len` are allowed: its growth is accepted with them.
        assert "debug_len" not in by_symbol
    else:
        (debug,) = by_symbol.pop("debug_len")
        assert (debug["rule_id"], debug["line"]) == ("to-string-in-export", _line_of(lib, "let b = (n + 1).to_string()"))
        assert [item.split(" reaches")[0] for item in _module_evidence(debug)] == ["module: `debug_len`"]
    # Nothing else: no growth standing on its own, and only the allow in `stale` is unused.
    assert [(f["rule_id"], f["line"]) for f in by_symbol.pop(None)] == [
        ("unused-suppression", _line_of(lib, "allow(vec-macro-in-export)"))]
    assert by_symbol == {}


# -- host contract: a hidden guest finding is neither weighed nor named by a host -----------------

TICK = "    pub fn tick(&mut self) {\n"
CLONE_LINE = "let mut next = self.cells.clone(); // expect: clone-in-export"

# (what is allowed and where, whether the module is checked, extra options)
HIDDEN_GUESTS = {
    # the source finding, by an allow ending its line; the crate's source stands in for the module
    "source-line": ((CLONE_LINE, "let mut next = self.cells.clone(); // wasmlint: allow(clone-in-export) -- test"), False, ()),
    # the source finding, by an allow above the whole method; with the module built
    "source-fn": ((TICK, "    // wasmlint: allow(clone-in-export) -- test\n" + TICK), True, ()),
    # the module's finding placed on the method (no source rule explains it), by an allow above it
    "module-fn": ((TICK, "    // wasmlint: allow(export-reaches-memory-grow) -- test\n" + TICK), True, ("--ignore", "clone-in-export")),
}


@pytest.mark.parametrize("case", HIDDEN_GUESTS)
def test_a_hidden_guest_finding_is_not_weighed_or_named_by_the_host_that_keeps_a_view(tmp_path, case):
    (old, new), with_module, options = HIDDEN_GUESTS[case]
    module = guest_module("game-of-life-stale") if with_module else None
    crate = _copy("game-of-life-stale", tmp_path)
    _edit(crate / "src/lib.rs", old, new)
    findings = _check("game-of-life-stale", *(("--wasm", str(module)) if module else ()), *options, cwd=tmp_path)
    # The host still keeps its view across `universe_tick`, which still grows memory: its error
    # stands, but it names no guest finding, and no guest finding of `universe_tick` comes back.
    (host,) = [f for f in findings if f["rule_id"] == "stale-memory-view"]
    assert (host["severity"], host["symbol"], host["line"]) == ("error", "universe_tick", 18)
    assert [item for item in host["evidence"] if item.startswith("guest: ")] == []
    assert [f["rule_id"] for f in findings if f["symbol"] == "universe_tick" and f["layer"] != "host"] == []
    assert "unused-suppression" not in {f["rule_id"] for f in findings}
    # The rest is as without the allow: `Universe::new` runs before the view is made.
    assert {(f["rule_id"], f["severity"]) for f in findings if f["symbol"] == "universe_new"} == {("collect-in-export", "info")}


# -- unused-suppression: an allow only a later layer's finding uses is used ---------------------

STALE_LINE = "const alive = cells[row * width + col] !== Cell.Dead; // expect: stale-memory-view"


@pytest.mark.parametrize("shape", ["line", "statement"])
def test_an_allow_only_a_host_finding_uses_is_not_unused_and_the_guest_still_joins_the_view(tmp_path, shape):
    crate = _copy("game-of-life-stale", tmp_path)
    host = crate / "www/index.js"
    allow = "// wasmlint: allow(stale-memory-view) -- test"
    if shape == "line":
        _edit(host, STALE_LINE, STALE_LINE.replace("// expect: stale-memory-view", allow))
        options: tuple[str, ...] = ()
    else:
        _edit(host, "      " + STALE_LINE, f"      {allow}\n      " + STALE_LINE.split(" //")[0])
        options = ("--wasm", str(guest_module("game-of-life-stale")))
    findings = _check("game-of-life-stale", *options, cwd=tmp_path)
    rules = {f["rule_id"] for f in findings}
    assert "stale-memory-view" not in rules and "unused-suppression" not in rules
    # Allowing the view there does not make `tick` safe with this host: it still keeps the view,
    # so the guest's allocation stays an error that names it.
    (guest,) = [f for f in findings if f["rule_id"] == "clone-in-export"]
    used = _line_of(host, "cells[row * width + col]")
    assert guest["severity"] == "error"
    assert any(item.startswith(f"host: game-of-life-stale/www/index.js:{used} keeps a view") for item in guest["evidence"])


@pytest.mark.parametrize("shape", ["fn-line", "above-fn"])
def test_an_allow_only_a_module_finding_uses_is_not_unused(tmp_path, shape):
    # With the source rule off, the module's growth of `set_name` stands on its own, placed on the
    # `fn`: the allow covering that line is used by it, though no source finding is there.
    module = guest_module("greeting-alloc")
    crate = _copy("greeting-alloc", tmp_path)
    signature = 'pub extern "C" fn set_name(sal_len: usize, name_len: usize) -> i32 {'
    allow = "// wasmlint: allow(export-reaches-memory-grow) -- test"
    if shape == "fn-line":
        _edit(crate / "src/lib.rs", signature, f"{signature} {allow}")
    else:
        _edit(crate / "src/lib.rs", "#[no_mangle]\n" + signature, f"{allow}\n#[no_mangle]\n{signature}")
    findings = _check("greeting-alloc", "--wasm", str(module), "--ignore", "format-in-export", cwd=tmp_path)
    assert [(f["rule_id"], f["symbol"]) for f in findings] == []
    # Without the allow, the growth is reported where the allow was (so it did hide something).
    shutil.rmtree(crate)
    _copy("greeting-alloc", tmp_path)
    findings = _check("greeting-alloc", "--wasm", str(module), "--ignore", "format-in-export", cwd=tmp_path)
    assert [(f["rule_id"], f["symbol"]) for f in findings] == [("export-reaches-memory-grow", "set_name")]
