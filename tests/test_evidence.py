"""Evidence is typed data: it survives the results cache and other processes, code reads its
fields (never its words), and one function puts it into words for every format."""

from __future__ import annotations

import json
import typing

import pytest

from conftest import REPO, json_findings, run_cli
from wasmlint.check import CrateOutcome
from wasmlint.evidence import (
    AlsoReachedFrom, ContractNote, ExportRef, LeavesCrate, ModuleNeverGrows, Evidence, GrowInstructions, GrowthPath, GuestAllocation, HostGrowthImports, HostGrowthPath, IndirectHop,
    HostKeepsView, HostView, ImportGrowsMemory, ModuleGrows, NodeNotRun, NodeObservation, NoModule, NotExported, Outcome, Resolution,
    RuntimeObservation, SourceAllocates, UnboundedMemory, Unreproduced,
)
from wasmlint.findings import UNRESOLVED_INDIRECT, ExportSite, Finding, Layer, Severity, Span
from wasmlint.plain import PlainError, from_plain, to_plain
from wasmlint.reporters.evidence import evidence_text
from wasmlint.rules import builtin_rules

RULES = builtin_rules()
VIEW = HostView("view", "Float64Array", "new Float64Array(memory.buffer)", 2, False, "push(1)", 3, ("push",), (),
                False, False, "view[0]", 4)
# One of each kind, with its words.
EACH = {
    AlsoReachedFrom(tuple(ExportRef(name, f"Doc::{name}", "src/lib.rs", line, 8, line, 8 + len(name))
                          for line, name in enumerate(("load", "save", "undo", "redo"), start=3))):
        "note: also reached from `Doc::load`, `Doc::save` (+2)",
    AlsoReachedFrom((ExportRef("load", "load", "src/lib.rs", 3, 8, 3, 12),)): "note: also reached from `load`",
    ModuleNeverGrows("m.wasm", ("a", "b")):
        "module: `a` and `b` never reach memory.grow (m.wasm): this allocation does not grow memory from there",
    ModuleNeverGrows("m.wasm", ("a",), ("b", "c", "d", "e", "f")):
        "module: `a` never reaches memory.grow; `b`, `c`, `d`, `e` and 1 more reach it only through panic handling "
        "(m.wasm): this allocation does not grow memory from there",
    LeavesCrate("c", "many::helper", "alloc::fmt::format"):
        "module: `c`'s path leaves the crate's code in `many::helper`, which calls `alloc::fmt::format`",
    GrowthPath("push", ("push", "grow_one"), Resolution.DIRECT):
        "module: `push` reaches memory.grow via push -> grow_one (direct calls only)",
    GrowthPath("run", ("run", "dyn", "alloc"), Resolution.RESOLVED, (IndirectHop("run", "dyn", "via the vtable of `W`"),),
               panic_only=True, resolved_by=("the vtable of `W`", "a reference to `g`")):
        "module: `run` reaches memory.grow only through panic handling, via run -> dyn -> alloc; `run` calls `dyn` "
        "via the vtable of `W`; outside panic handling, its indirect calls go only where the vtable of `W` and a "
        "reference to `g` point",
    HostGrowthPath("process", ("process", "sbrk", "emscripten_resize_heap")):
        "module: `process` asks the host to grow memory via process -> sbrk -> emscripten_resize_heap",
    HostGrowthImports(("env.grow", "env.sbrk")):
        "module: imports `env.grow`, `env.sbrk`, through which the host grows memory",
    UnboundedMemory(0, "memory", 17): "module: memory 0 (`memory`) starts at 17 pages and has no maximum",
    GrowInstructions("grow_direct", 2, 0x78):
        "module: 2 memory.grow instructions in `grow_direct` (first at byte offset 0x78)",
    RuntimeObservation("push", Outcome.GREW, smoke=True, call="push(0)", pages_before=1, pages_after=2,
                       first_calls=4, first_calls_grew=4, later_calls=4, later_calls_grew=4):
        "runtime: push(0) grew memory 1 -> 2 pages on its first call; the first call on a fresh instance grew 4 "
        "of 4 times, a repeat call grew 4 of 4 times (confirmed by a smoke call)",
    RuntimeObservation("f", Outcome.NO_GROWTH, smoke=False, scenario="s.toml", call="f(1)", pages_before=3,
                       pages_after=3, other_calls=2, unreproduced=Unreproduced.NEEDS_STEPS):
        "runtime: f(1) did not grow memory (3 pages before and after), nor did 2 other calls; not reproduced: "
        "add steps to s.toml, or args, that take the growing branch",
    RuntimeObservation("t", Outcome.TRAPPED, smoke=True, call="t()", pages_before=1, detail="wasm trap: unreachable"):
        "runtime: t() trapped before memory grew (1 page): wasm trap: unreachable; its growth is unknown: a "
        "scenario whose steps get past the trap would check it",
    RuntimeObservation("r", Outcome.SKIPPED, smoke=True, detail="it takes an externref"):
        "runtime: `r` was not called: it takes an externref",
    RuntimeObservation("s", Outcome.NOT_INSTANTIATED, smoke=True, detail="wasm trap: unreachable"):
        "runtime: `s` could not be called: the module could not be instantiated (wasm trap: unreachable)",
    RuntimeObservation("u", Outcome.NOT_CALLED, smoke=False, scenario="s.toml"):
        "runtime: `u` was not called by the scenario (s.toml); add a step that calls it to check it",
    VIEW: "host: view `view` = new Float64Array(memory.buffer) (line 2); `push(1)` (line 3) calls `push`; "
          "used at line 4",
    ModuleGrows("push", ("push", "grow_one"), "m.wasm"): "module: `push` reaches memory.grow via push -> grow_one (m.wasm)",
    SourceAllocates("greet", ("greet", "format!"), "src/lib.rs:3", "Cargo.toml (its source; no module built)"):
        "source: `greet` allocates, so it may grow memory: greet -> format! -> src/lib.rs:3 "
        "(Cargo.toml (its source; no module built))",
    NotExported("gone", "m.wasm"): "module: m.wasm does not export `gone`: it may call into the module and grow memory",
    NoModule(): "note: no module found for this host: give it with `--wasm FILE`, or keep the `.wasm` where the "
                "host names it (or beside the glue, `x.js` / `x_bg.wasm`), so the module layer can say which exports grow",
    NodeObservation("push", "push(1)", True, 1, 2, calls=1):
        "node: push(1) grew memory 1 -> 2 pages in V8; views made before it are detached",
    ImportGrowsMemory("env.emscripten_resize_heap", ("_emscripten_resize_heap", "growMemory", "wasmMemory.grow()"),
                      "glue.js", 7):
        "host: the import `env.emscripten_resize_heap` grows memory: _emscripten_resize_heap -> growMemory -> "
        "wasmMemory.grow() (glue.js:7)",
    NodeNotRun("Cargo.toml (its source; no module built)"):
        "node: not checked: judged by Cargo.toml (its source; no module built), so there is no module for V8 to run",
    HostKeepsView("www/index.js", 18, "tick", "stale-memory-view"):
        "host: www/index.js:18 keeps a view over memory.buffer across a call to `tick` (stale-memory-view)",
    GuestAllocation("tick", "clone-in-export", "src/lib.rs", 55): "guest: `tick` clone-in-export at src/lib.rs:55",
    ContractNote("raw", ("a.js", "b.js")):
        "note: every view the hosts in this project (a.js, b.js) make over memory.buffer is made after the calls "
        "that may grow it; set `hosts = \"unknown\"` in [package.metadata.wasmlint] when other hosts load this "
        "module, or use --strict",
}


def test_every_kind_has_its_words():
    assert {type(item) for item in EACH} == set(typing.get_args(Evidence))
    for item, words in EACH.items():
        assert evidence_text(item) == words


def _finding(*evidence: Evidence) -> Finding:
    return RULES["export-reaches-memory-grow"].finding(
        Span("m.wasm"),
        {"export": "push", "path": "push -> grow_one", "function": "grow_one"},
        symbol="push", call_path=("push", "grow_one"), evidence=evidence, confirmed=True)


def test_findings_and_their_evidence_round_trip_through_plain_data_and_the_cache(tmp_path):
    from wasmlint.cache import ResultCache, result_key

    finding = _finding(*EACH)
    again = from_plain(Finding, json.loads(json.dumps(to_plain(finding))))
    assert again == finding and again.values == finding.values
    assert [type(item) for item in again.evidence] == [type(item) for item in finding.evidence]
    cache, key = ResultCache(tmp_path), result_key("test", "evidence")
    cache.store(key, CrateOutcome(findings=[finding]))
    (loaded,) = cache.load(key, CrateOutcome).findings
    assert loaded == finding and loaded.evidence == finding.evidence and loaded.values == finding.values


def test_damaged_evidence_is_not_read_back():
    plain = to_plain(_finding(VIEW))
    plain["evidence"][0]["kind"] = "host-veiw"
    with pytest.raises(PlainError):
        from_plain(Finding, plain)
    plain["evidence"][0]["kind"] = "host-view"
    plain["evidence"][0]["created_line"] = "2"
    with pytest.raises(PlainError):
        from_plain(Finding, plain)


def _module_finding(symbol: str, path: GrowthPath) -> Finding:
    return Finding("export-reaches-memory-grow", Severity.ERROR, f"exported function `{symbol}` can grow",
                   "m.wasm", 1, 1, 1, 1, Layer.MODULE, symbol=symbol, evidence=(path,))


def test_merge_weighs_how_the_path_was_resolved_not_its_words():
    from wasmlint.merge import merge_layers

    # A function whose (demangled) name holds the words of an unresolved call, on a resolved path;
    # and an unresolved path described in other words.
    worded = GrowthPath("worded", ("worded", f"{UNRESOLVED_INDIRECT}::f", "alloc"), Resolution.RESOLVED,
                        (IndirectHop("worded", f"{UNRESOLVED_INDIRECT}::f", "via the vtable of `W`"),))
    terse = GrowthPath("terse", ("terse", "alloc"), Resolution.UNRESOLVED, (IndirectHop("terse", "alloc", "by type"),))
    sites = {name: ExportSite(name, name, "src/lib.rs", line, 8, line, 13) for line, name in ((3, "worded"), (9, "terse"))}
    merged = merge_layers([], [], [_module_finding("worded", worded), _module_finding("terse", terse)], [], None,
                          sites, {}, RULES)
    severity = {f.symbol: f.severity for f in merged}
    assert severity == {"worded": Severity.ERROR, "terse": Severity.WARNING}


HOST = """\
const { instance } = await WebAssembly.instantiate(bytes);
const view = new Float64Array(instance.exports.memory.buffer);
instance.exports.push(1);
console.log(view[0]);
"""


def test_a_host_finding_keeps_function_names_in_its_call_path_and_its_steps_in_evidence():
    from wasmlint.host import analyze_host, host_findings
    from wasmlint.host.run import _view_kind
    from wasmlint.module import analyze_module_file

    module = analyze_module_file(REPO / "tests/wat/evidence/four_exports.wat")
    (finding,) = host_findings(analyze_host("host.mjs", HOST.encode()), RULES, module, "four_exports.wat")
    assert finding.call_path == ("push", "grow_one")  # export -> ... -> memory.grow, as everywhere
    view, grows = finding.evidence
    assert (view.holder, view.ctor, view.created_line, view.call_line, view.use_line) == ("view", "Float64Array", 2, 3, 4)
    assert grows == ModuleGrows("push", ("push", "grow_one"), "four_exports.wat")
    # --confirm makes a view of the same kind in V8: read from the evidence, whatever the message says.
    assert _view_kind(finding) == "Float64Array"
    assert _view_kind(finding.replace(message="`view` (DataView over memory.buffer) ...")) == "Float64Array"


def test_machine_formats_list_a_host_findings_view_steps_as_before(tmp_path):
    (tmp_path / "host.mjs").write_text(HOST)
    result = run_cli("check", "host.mjs", "--wasm", str(REPO / "tests/wat/evidence/four_exports.wat"),
                     "--format", "json", cwd=tmp_path)
    (finding,) = [f for f in json_findings(result.stdout) if f["rule_id"] == "stale-memory-view"]
    assert finding["call_path"] == ["`view` = new Float64Array(instance.exports.memory.buffer) (line 2)",
                                    "instance.exports.push(1) (line 3)", "view[0] (line 4)"]
    assert finding["evidence"][0].startswith("host: view `view` = new Float64Array(")
