"""The source layer resolves calls by scope and type, and runs closures where they are called
(issue 22, items 1, 2 and 4): the issue's false cases give no error or warning, its missed cases
are flagged, and the compiled module (built by each compiler of the suite) agrees with both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GUESTS, REPO, guest_module, json_findings
from wasmlint.check import analyze_sources
from wasmlint.module import analyze_module_file
from wasmlint.rules import builtin_rules

RULES = builtin_rules()
SOURCE_RULES = {k: r for k, r in RULES.items() if r.layer.value == "source"}
FALSE_CASES = "resolve-by-scope"
MISSED_CASES = "resolve-by-type"
FACTORIES = "factory-registry"


def _source_findings(cli, guest: str, *options: str) -> list[dict]:
    code, out, err = cli("check", f"guests/{guest}", "--layer", "source", "--format", "json", "--strict", *options)
    assert code in (0, 1), err
    return json_findings(out)


def _analyze(files: dict[str, str]) -> list:
    """The source layer on a crate given as {path: code} (module paths from the file names)."""
    crate = [(path, code.encode(), _module_of(path)) for path, code in files.items()]
    return analyze_sources(crate, SOURCE_RULES, set(RULES)).findings


def _module_of(path: str) -> tuple[str, ...]:
    parts = Path(path).with_suffix("").parts
    return tuple(part for part in parts if part not in ("src", "lib", "mod"))


def _module_statuses(guest: str, compiler) -> dict[str, str]:
    facts = analyze_module_file(guest_module(guest, compiler)).to_dict()
    return {export["name"]: export["status"] for export in facts["exports"] if export["kind"] == "func"}


# -- the false cases ----------------------------------------------------------------------------------


def test_false_cases_give_no_error_or_warning(cli):
    findings = _source_findings(cli, FALSE_CASES)
    loud = [(f["line"], f["rule_id"], f["message"]) for f in findings if f["severity"] != "info"]
    assert not loud, loud
    # What is left is one note per stored closure, naming where it went.
    assert sorted((f["rule_id"], f["message"].split(":")[0], f["symbol"]) for f in findings) == [
        ("closure-stored", "closure stored in `HOOK` by `install_hook`", "install_hook"),
        ("closure-stored", "closure stored in `run` by `keep`", "install_slot")]


def test_the_native_bin_beside_the_lib_gives_no_finding(cli):
    findings = _source_findings(cli, FALSE_CASES)
    assert not [f for f in findings if f["path"].endswith("main.rs")]
    # It is still read (its own allocations are there for --all-functions, reached by no export).
    everything = _source_findings(cli, FALSE_CASES, "--all-functions")
    from_bin = [f for f in everything if f["path"].endswith("main.rs")]
    assert from_bin and all(f["symbol"] is None and f["severity"] == "info" for f in from_bin)


def test_the_false_cases_never_grow_in_the_module(compiler):
    statuses = _module_statuses(FALSE_CASES, compiler)
    assert len(statuses) == 10
    assert not [name for name, status in statuses.items() if status == "grows"], statuses


def test_a_bin_and_a_lib_are_separate_namespaces():
    shared = "fn render(n: u32) -> u32 { n + 1 }\n"
    lib = "#[no_mangle]\npub extern \"C\" fn run(n: u32) -> u32 { render(n) + crate::helpers::scale(n) }\n" + shared
    lib += "mod helpers { pub fn scale(n: u32) -> u32 { n * 2 } }\n"
    bin_code = "mod helpers;\nfn render(n: u32) -> String { format!(\"{n}\") }\nfn main() { render(1); }\n"
    helpers = "pub fn scale(n: u32) -> Vec<u32> { vec![n; 3] }\n"
    files = [("src/lib.rs", lib.encode(), ()), ("src/main.rs", bin_code.encode(), ("<root 1>",)),
             ("src/helpers.rs", helpers.encode(), ("<root 1>", "helpers"))]
    assert analyze_sources(files, SOURCE_RULES, set(RULES)).findings == []
    # The same crate as one namespace (what every root was before): the bin's functions answer.
    merged = [(path, code, tuple(part for part in module if not part.startswith("<"))) for path, code, module in files]
    assert {f.path for f in analyze_sources(merged, SOURCE_RULES, set(RULES)).findings} >= {"src/main.rs"}


def test_the_crate_tree_gives_each_bin_its_own_root(tmp_path, cli):
    (tmp_path / "src/bin").mkdir(parents=True)
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "two"\nversion = "0.1.0"\nedition = "2021"\n'
                                         '[lib]\ncrate-type = ["cdylib"]\n')
    (tmp_path / "src/lib.rs").write_text('#[no_mangle]\npub extern "C" fn run(n: u32) -> u32 { helper(n) }\n'
                                         'fn helper(n: u32) -> u32 { n }\n')
    (tmp_path / "src/main.rs").write_text('fn helper(n: u32) -> u32 { format!("{n}").len() as u32 }\nfn main() {}\n')
    (tmp_path / "src/bin/tool.rs").write_text('fn helper(n: u32) -> u32 { vec![n].len() as u32 }\nfn main() {}\n')
    code, out, err = cli("check", str(tmp_path), "--layer", "source", "--format", "json")
    assert (code, json_findings(out)) == (0, []), err


@pytest.mark.parametrize("shape", ["let", "if-let", "closure-parameter", "match-arm"])
def test_a_local_binding_shadows_the_crate_item(shape):
    body = {
        "let": "let upper = n * 2; drop(upper); n",
        "if-let": "if let Some(upper) = n.checked_add(1) { keep(upper) } else { 0 }",
        "closure-parameter": "(0..n).map(|upper| keep(upper)).sum()",
        "match-arm": "match n.checked_sub(1) { Some(upper) => keep(upper), None => 0 }",
    }[shape]
    code = ("fn upper(n: u32) -> String { format!(\"{n}\") }\nfn keep(v: u32) -> u32 { v }\n"
            f"#[no_mangle]\npub extern \"C\" fn f(n: u32) -> u32 {{ {body} }}\n")
    assert _analyze({"src/lib.rs": code}) == []
    # ... and the item itself, passed by name, is followed.
    passed = code.replace(body, "apply(upper, n)") + "fn apply(f: fn(u32) -> String, n: u32) -> u32 { f(n).len() as u32 }\n"
    assert [f.rule_id for f in _analyze({"src/lib.rs": passed})] == ["format-in-export"]


def test_a_slice_join_is_std_join_not_a_crate_method():
    code = """
pub struct Labels { text: String }
impl Labels {
    pub fn join(&self, sep: &str) -> String { format!("{}{}", self.text, sep) }
}
#[no_mangle]
pub unsafe extern "C" fn joined(parts: *const [&'static str; 2]) -> usize {
    let parts: &[&str] = &*parts;
    parts.join(",").len()
}
"""
    findings = _analyze({"src/lib.rs": code})
    assert [(f.rule_id, f.call_path) for f in findings] == [("concat-in-export", ("joined", ".join()"))]


def test_to_string_of_a_number_is_std_not_a_crate_types_to_string():
    code = """
pub struct Tag { id: u32 }
impl Tag {
    pub fn to_string(&self) -> String { format!("tag-{}", self.id) }
}
#[no_mangle]
pub extern "C" fn digits(n: u32) -> usize {
    let doubled: u64 = u64::from(n) * 2;
    n.to_string().len() + doubled.to_string().len()
}
"""
    findings = _analyze({"src/lib.rs": code})
    assert sorted((f.rule_id, f.line) for f in findings) == [("to-string-in-export", 9), ("to-string-in-export", 9)]
    # On a `Tag`, the crate's own `to_string` runs (and its `format!` is found there).
    tagged = code.replace("n.to_string().len() + doubled.to_string().len()", "Tag { id: n }.to_string().len()")
    assert [(f.rule_id, f.call_path) for f in _analyze({"src/lib.rs": tagged})] == [
        ("format-in-export", ("digits", "Tag::to_string", "format!"))]


def test_a_receiver_of_unknown_type_keeps_both_candidates_as_a_warning():
    code = """
pub struct Arena { len: usize }
impl Arena { pub fn push(&mut self, _b: u8) { self.len += 1; } }
extern "C" { fn host_list() -> &'static mut Vec<u8>; }
#[no_mangle]
pub unsafe extern "C" fn f(b: u8) {
    let list = host_list();
    list.push(b);
}
"""
    (finding,) = _analyze({"src/lib.rs": code})
    assert finding.rule_id == "push-in-export" and finding.severity.name == "WARNING"
    assert "the receiver's type is not known: it may be the crate's own `push`" in finding.message
    # Known: std's `push`, an error; the crate's `Arena::push` for an `Arena`.
    typed = code.replace("let list = host_list();", "let list: &mut Vec<u8> = host_list();")
    assert [f.severity.name for f in _analyze({"src/lib.rs": typed})] == ["ERROR"]
    arena = code.replace("let list = host_list();", "let list = &mut *(0x10 as *mut Arena);")
    assert _analyze({"src/lib.rs": arena}) == []


# -- the missed cases ---------------------------------------------------------------------------------


def test_missed_cases_are_flagged_and_grow_in_the_module(cli, compiler):
    findings = _source_findings(cli, MISSED_CASES)
    flagged = {f["symbol"] for f in findings if f["severity"] == "error"}
    statuses = _module_statuses(MISSED_CASES, compiler)
    assert len(statuses) == 12
    assert {name for name, status in statuses.items() if status == "grows"} == set(statuses)
    assert flagged == set(statuses)


def test_a_glob_reexport_reaches_the_function(cli):
    findings = _source_findings(cli, MISSED_CASES)
    by_symbol = {f["symbol"]: f for f in findings if f["path"].endswith(("banner.rs", "titles.rs"))}
    assert by_symbol["banner_len"]["call_path"] == ["banner_len", "banner", "format!"]
    assert by_symbol["headline_len"]["call_path"] == ["headline_len", "make", ".repeat()"]


def test_the_box_expression_is_an_allocation():
    code = """#![feature(box_syntax)]
#[no_mangle]
pub extern "C" fn plain(n: u32) -> u32 { let b = box n; *b }
#[no_mangle]
pub extern "C" fn parenthesised(n: u32) -> u32 { let b = box (n + 1); *b }
#[no_mangle]
pub extern "C" fn array() -> usize { let b = box [0u8; 64]; b.len() }
"""
    findings = _analyze({"src/lib.rs": code})
    boxes = sorted((f.line, f.symbol) for f in findings if f.rule_id == "box-in-export")
    assert boxes == [(3, "plain"), (5, "parenthesised"), (7, "array")]
    # tree-sitter-rust does not parse it: the file is marked partial, as any parse problem.
    assert "parse-error" in {f.rule_id for f in findings}


@pytest.mark.parametrize("shape", ["annotated", "turbofish", "imported"])
def test_collect_into_a_js_array_is_not_a_rust_allocation(shape):
    line = {
        "annotated": "let out: js_sys::Array = (0..n).map(JsValue::from).collect(); out",
        "turbofish": "(0..n).map(JsValue::from).collect::<js_sys::Array>()",
        "imported": "let out: Array = (0..n).map(JsValue::from).collect(); out",
    }[shape]
    code = ("use js_sys::Array;\nuse wasm_bindgen::prelude::*;\n#[wasm_bindgen]\n"
            f"pub fn numbers(n: u32) -> Array {{ {line} }}\n")
    assert _analyze({"src/lib.rs": code}) == []
    into_vec = code.replace(line, line.replace("js_sys::Array", "Vec<JsValue>").replace(": Array", ": Vec<JsValue>"))
    assert [f.rule_id for f in _analyze({"src/lib.rs": into_vec})] == ["collect-in-export"]


# -- closures -----------------------------------------------------------------------------------------


def test_factory_registration(cli):
    findings = _source_findings(cli, FACTORIES)
    register = [f for f in findings if f["symbol"] == "register_document"]
    # What the registering export does itself: the name's copy and the map's insert (and the
    # context's first set-up, whose empty collections are warnings)...
    assert sorted(f["rule_id"] for f in register if f["severity"] == "error") == ["push-in-export", "to-owned-in-export"]
    # ... and one note for its closure, naming the map it is stored in.
    (note,) = [f for f in register if f["rule_id"] == "closure-stored"]
    assert note["message"].startswith("closure stored in `factories` by `Ctx::register`: ") and note["severity"] == "info"
    assert [f["rule_id"] for f in findings if f["symbol"] == "register_titled" and f["severity"] != "warning"] == ["closure-stored"]
    # The closures' allocations go to `create`, which calls them through `dyn Fn`, with the path.
    create = {(f["rule_id"], f["line"]): f["call_path"] for f in findings if f["symbol"] == "create"}
    source = (GUESTS / FACTORIES / "src/lib.rs").read_text().splitlines()
    rc_line = next(i for i, text in enumerate(source, 1) if "Rc::new(Document::new(cfg))" in text)
    assert create[("refcount-in-export", rc_line)] == ["create", "Ctx::create", "register_document::{closure}", "Rc::new"]
    assert any(path[2] == "register_titled::{closure}" and path[-1] == "format!" for path in create.values())
    # No box finding: both factories capture nothing.
    assert "box-in-export" not in {f["rule_id"] for f in findings}


def test_factory_registration_grows_in_the_module(compiler):
    statuses = _module_statuses(FACTORIES, compiler)
    assert statuses == {"register_document": "grows", "register_titled": "grows", "create": "grows"}


@pytest.mark.parametrize("shape", ["adapter", "crate-fn-calls-it", "local-call", "option-adapter"])
def test_a_closure_that_runs_counts_for_the_export(shape):
    body = {
        "adapter": "(0..n).map(|i| format!(\"{i}\").len()).sum()",
        "crate-fn-calls-it": "twice(|i| format!(\"{i}\").len(), n)",
        "local-call": "let f = |i: u32| format!(\"{i}\").len(); f(n)",
        "option-adapter": "n.checked_add(1).map_or(0, |i| format!(\"{i}\").len())",
    }[shape]
    code = ("fn twice(f: impl Fn(u32) -> usize, n: u32) -> usize { f(n) + f(n + 1) }\n"
            f"#[no_mangle]\npub extern \"C\" fn f(n: u32) -> usize {{ {body} }}\n")
    findings = _analyze({"src/lib.rs": code})
    assert [(f.rule_id, f.symbol, f.severity.name) for f in findings] == [("format-in-export", "f", "ERROR")]
    assert "{closure}" in findings[0].call_path[-2]


@pytest.mark.parametrize("shape", ["pushed", "field", "static"])
def test_a_stored_closure_runs_where_it_is_called(shape):
    store = {
        "pushed": ("fn add(hooks: &mut Hooks, f: fn(u32) -> usize) { hooks.list[0] = Some(f); }",
                   "add(&mut *HOOKS, |i| format!(\"{i}\").len())", "(HOOKS.list[0].unwrap())(n)"),
        "field": ("", "HOOKS.single = Some(|i| format!(\"{i}\").len())", "(HOOKS.single.unwrap())(n)"),
        "static": ("", "", "(LATER.unwrap())(n)"),
    }[shape]
    helper, install, call = store
    code = f"""
pub struct Hooks {{ list: [Option<fn(u32) -> usize>; 1], single: Option<fn(u32) -> usize> }}
static mut HOOKS: &mut Hooks = unsafe {{ &mut *(16 as *mut Hooks) }};
static LATER: Option<fn(u32) -> usize> = Some(|i| format!("{{i}}").len());
{helper}
#[no_mangle]
pub unsafe extern "C" fn install() {{ {install}; }}
#[no_mangle]
pub unsafe extern "C" fn call(n: u32) -> usize {{ {call} }}
"""
    findings = _analyze({"src/lib.rs": code})
    loud = [(f.rule_id, f.symbol) for f in findings if f.severity.name != "INFO"]
    assert loud == [("format-in-export", "call")], findings
    notes = [f for f in findings if f.rule_id == "closure-stored"]
    if shape != "static":
        assert [(n.symbol, n.severity.name) for n in notes] == [("install", "INFO")]


def test_closures_leave_the_old_results_of_the_shipped_guests_alone(cli):
    """Every guest flagged before is still flagged (no recall lost): the guests' own expectations
    are checked by test_guests_source; here, that the closures of dyn-callbacks still count."""
    findings = _source_findings(cli, "dyn-callbacks")
    assert "apply_alloc" in {f["symbol"] for f in findings if f["severity"] == "error"}


def test_the_guests_are_in_the_readme():
    readme = (REPO / "guests/README.md").read_text()
    for guest in (FALSE_CASES, MISSED_CASES, FACTORIES):
        assert f"| `{guest}` |" in readme


def test_a_stored_field_is_called_only_where_the_field_is_read():
    code = """
pub struct Slot { run: Option<fn(u32) -> usize> }
static mut SLOT: Slot = Slot { run: None };
#[no_mangle]
pub unsafe extern "C" fn install() { SLOT.run = Some(|n| format!("{n}").len()); }
#[no_mangle]
pub unsafe extern "C" fn other(n: u32) -> usize { let run = |x: u32| x as usize; run(n) }
#[no_mangle]
pub unsafe extern "C" fn call(n: u32) -> usize { (SLOT.run.unwrap())(n) }
"""
    findings = _analyze({"src/lib.rs": code})
    assert sorted((f.rule_id, f.symbol) for f in findings) == [("closure-stored", "install"), ("format-in-export", "call")]
