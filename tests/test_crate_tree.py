"""Only the files rustc compiles are part of a crate: the roots and the `mod` declarations they reach,
followed as rustc does (x.rs / x/mod.rs, non-mod-rs folders, #[path], inline modules, include!,
#[cfg]); every other .rs file is one info line, and one named on the command line is checked alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import GUESTS, REPO, json_findings, run_cli
from wasmlint.cfg import BuildCfg, FeatureRequest
from wasmlint.crate_tree import scan_declarations
from wasmlint.discover import discover
from wasmlint.discover import display_path as _shown

TREE = GUESTS / "crate-tree"
NESTED = GUESTS / "crate-tree-nested"
ALLOC = '#[no_mangle]\npub extern "C" fn {name}(n: u32) -> usize {{\n    format!("{{}}", n).len()\n}}\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def crate(root: Path, files: dict[str, str], manifest_extra: str = "") -> Path:
    return write(root, {"Cargo.toml": f'[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n{manifest_extra}',
                        **files})


def compiled(root: Path, **request) -> dict[str, tuple[str, ...]]:
    """The crate's files (relative to it) and their module paths."""
    (found,) = discover([root], **request).crates
    return {path.relative_to(root.resolve()).as_posix(): found.module_path(path) for path in found.files}


# -- the scanner ------------------------------------------------------------------------------------


def test_scanner_skips_comments_strings_and_character_literals():
    text = r'''
//! mod in_doc;
/* mod in_block; /* nested mod deeper; */ still comment mod x; */
const A: &str = "mod in_string; {";
const B: &str = r#"mod in_raw; "}" "#;
const C: char = '{';
fn f<'a>(x: &'a str) -> char { '}' }
macro_rules! m { ($n:ident) => { mod $n; } }
pub(crate) mod real;
'''
    scanned = scan_declarations(text)
    assert [(d.kind, d.name, d.line) for d in scanned.declarations] == [("mod", "real", 9)]


def test_scanner_reads_attributes_inline_modules_and_include():
    text = '''#![cfg_attr(docsrs, feature(doc_cfg))]
#[cfg(feature = "x")]
// a comment between the attribute and its item
pub mod gated;
#[cfg(test)]
mod tests { mod helper; }
mod platform {
    #![cfg(target_family = "wasm")]
    #[cfg_attr(feature = "z", path = "zz.rs")]
    pub mod deep;
}
#[inline]
fn not_a_module() {}
mod after_fn;
include!("generated.rs");
include!(concat!(env!("OUT_DIR"), "/x.rs"));
'''
    scanned = scan_declarations(text)
    assert scanned.inner == ["cfg_attr(docsrs, feature(doc_cfg))"]
    found = [(d.kind, d.name, d.attributes, d.inline) for d in scanned.declarations]
    assert found == [
        ("mod", "gated", ('cfg(feature = "x")',), ()),
        ("mod", "helper", (), (("tests", ("cfg(test)",)),)),
        ("mod", "deep", ('cfg_attr(feature = "z", path = "zz.rs")',),
         (("platform", ('cfg(target_family = "wasm")',)),)),
        ("mod", "after_fn", (), ()),  # `#[inline]` belongs to the fn before it
        ("include", "generated.rs", (), ()),
    ]


def test_scanner_tracks_inline_modules_among_other_braces():
    # Function bodies and blocks are braces too; an inline module in a comment is no module.
    text = """// mod looks_inline { in a comment
fn f() { if true { let _ = [0u8; 2]; } }
mod first;
fn g() {
    mod in_fn { mod deep; }
}
mod after;
pub mod outer { pub mod inner { mod leaf; } mod sibling; }
mod last;
"""
    found = [(d.name, tuple(name for name, _ in d.inline)) for d in scan_declarations(text).declarations]
    assert found == [("first", ()), ("deep", ("in_fn",)), ("after", ()), ("leaf", ("outer", "inner")),
                     ("sibling", ("outer",)), ("last", ())]


def test_scanner_on_a_file_without_declarations_is_cheap_and_empty():
    scanned = scan_declarations("fn model() { let module = 1; }\n" * 1000)
    assert scanned.declarations == [] and scanned.inner == []


# -- following the declarations ----------------------------------------------------------------------


def test_module_files_as_rustc_finds_them(tmp_path):
    root = crate(tmp_path / "c", {
        "src/lib.rs": "mod a;\nmod b;\nmod inline { pub mod c; }\n#[path = \"elsewhere/d_impl.rs\"]\nmod d;\n",
        "src/a.rs": "mod a1;\n#[path = \"sibling.rs\"]\nmod a2;\nmod i { #[path = \"deep.rs\"] mod a3; }\n",
        "src/a/a1.rs": "",
        "src/sibling.rs": "",  # a #[path] outside inline modules: relative to the file's own folder
        "src/a/i/deep.rs": "",  # inside an inline module of non-mod-rs a.rs: under a/i/
        "src/b/mod.rs": "mod b1;\n",
        "src/b/b1.rs": "",
        "src/inline/c.rs": "",
        "src/elsewhere/d_impl.rs": "mod d1;\n",  # a #[path] file declares its modules as siblings
        "src/elsewhere/d1.rs": "",
        "src/orphan.rs": "",
    })
    assert compiled(root) == {
        "src/a.rs": ("a",),
        "src/lib.rs": (),
        "src/sibling.rs": ("a", "a2"),
        "src/a/a1.rs": ("a", "a1"),
        "src/a/i/deep.rs": ("a", "i", "a3"),
        "src/b/b1.rs": ("b", "b1"),
        "src/b/mod.rs": ("b",),
        "src/elsewhere/d1.rs": ("d", "d1"),
        "src/elsewhere/d_impl.rs": ("d",),
        "src/inline/c.rs": ("inline", "c"),
    }


def test_roots_lib_path_bins_and_build_script(tmp_path):
    root = crate(tmp_path / "c", {
        "core/entry.rs": "mod part;\n",
        "core/part.rs": "",
        "src/main.rs": "mod cli;\n",
        "src/cli.rs": "",
        "src/bin/tool.rs": "",
        "src/bin/big/main.rs": "mod step;\n",
        "src/bin/big/step.rs": "",
        "tools/x.rs": "",
        "build.rs": "fn main() {}\n",
        "src/lib.rs": "// not the library: [lib] path says core/entry.rs\n",
    }, '\n[lib]\npath = "core/entry.rs"\n\n[[bin]]\nname = "x"\npath = "tools/x.rs"\n')
    files = compiled(root)
    assert set(files) == {"core/entry.rs", "core/part.rs", "src/main.rs", "src/cli.rs", "src/bin/tool.rs",
                          "src/bin/big/main.rs", "src/bin/big/step.rs", "tools/x.rs"}
    assert files["core/part.rs"] == ("part",)
    targets = discover([root])
    # The build script is never part of the module, and is not worth a line; src/lib.rs is.
    assert targets.notes == [f"{_shown(root / 'src/lib.rs')} is not part of crate demo (no mod declaration reaches it)"]


def test_cfg_on_declarations_and_inner_cfg_follow_the_features(tmp_path):
    root = crate(tmp_path / "c", {
        "src/lib.rs": '#[cfg(feature = "extra")]\nmod extra;\n#[cfg(not(target_arch = "wasm32"))]\nmod native;\nmod page;\n'
                      '#[cfg_attr(feature = "alt", path = "alt_impl.rs")]\nmod swap;\n',
        "src/extra.rs": "",
        "src/native.rs": "",
        "src/page.rs": "#![cfg(unix)]\n",
        "src/swap.rs": "",
        "src/alt_impl.rs": "",
    }, '\n[features]\nextra = []\nalt = []\n')
    assert set(compiled(root)) == {"src/lib.rs", "src/swap.rs"}
    notes = discover([root]).notes
    assert notes == [
        f"{_shown(root / 'src/alt_impl.rs')} is not part of crate demo (no mod declaration reaches it)",
        f"{_shown(root / 'src/extra.rs')} is not part of crate demo (its declaration at {_shown(root / 'src/lib.rs')}:2 "
        'is under #[cfg(feature = "extra")], false for this build)',
        f"{_shown(root / 'src/native.rs')} is not part of crate demo (its declaration at {_shown(root / 'src/lib.rs')}:4 "
        'is under #[cfg(not(target_arch = "wasm32"))], false for this build)',
        f"{_shown(root / 'src/page.rs')} is not part of crate demo (its #![cfg(unix)] is false for this build)",
    ]
    with_features = compiled(root, features=FeatureRequest(("extra", "alt")))
    assert set(with_features) == {"src/lib.rs", "src/extra.rs", "src/alt_impl.rs"}
    assert with_features["src/alt_impl.rs"] == ("swap",)


def test_a_crate_without_a_root_file_keeps_every_file(tmp_path):
    root = crate(tmp_path / "c", {"src/a.rs": ALLOC.format(name="a"), "src/b.rs": ""})
    assert set(compiled(root)) == {"src/a.rs", "src/b.rs"}
    assert discover([root]).notes == []


def test_a_declaration_naming_no_file_is_said(tmp_path):
    root = crate(tmp_path / "c", {"src/lib.rs": "mod gone;\n"})
    assert discover([root]).notes == [f"{_shown(root / 'src/lib.rs')}:1: `mod gone;` names no file (gone.rs or gone/mod.rs)"]


def test_a_path_outside_the_crate_folder_but_inside_the_project_is_read(tmp_path):
    (tmp_path / ".git").mkdir()  # the project is the git work tree holding both folders
    shared = write(tmp_path / "shared", {"common.rs": ALLOC.format(name="common")})
    root = crate(tmp_path / "c", {"src/lib.rs": f'#[path = "{shared}/common.rs"]\nmod common;\n'})
    code, out, _ = _check(root)
    assert [(Path(f["path"]).name, f["symbol"]) for f in json_findings(out)] == [("common.rs", "common")]


def test_a_path_outside_the_project_is_not_read(tmp_path):
    # Issue 19: without a work tree above, the project is the crate's folder; the shared file
    # beside it is outside, whether named absolutely or by climbing out with `..`.
    shared = write(tmp_path / "shared", {"common.rs": ALLOC.format(name="common")})
    for name, written in (("absolute", f"{shared}/common.rs"), ("relative", "../../shared/common.rs")):
        root = crate(tmp_path / name, {"src/lib.rs": f'#[path = "{written}"]\nmod common;\n'})
        code, out, _ = _check(root)
        assert code == 0 and json_findings(out) == []
        assert json.loads(out)["summary"]["notes"] == [
            f'{_shown(root)}/src/lib.rs:2: `#[path = "{written}"] mod common;` names {_shown(shared)}/common.rs: '
            f"outside the project ({_shown(root)}); not read"]


def _check(*args) -> tuple[int, str, str]:
    result = run_cli("check", *map(str, args), "--layer", "source", "--format", "json")
    return result.returncode, result.stdout, result.stderr


# -- the guests, through the command line -----------------------------------------------------------


def test_orphans_are_not_reported_and_each_is_one_info_line():
    result = run_cli("check", "guests/crate-tree", "--layer", "source")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.rstrip().splitlines()
    assert lines[-4:] == [
        "info: guests/crate-tree/src/lib_growth.rs is not part of crate memoryguest (no mod declaration reaches it)",
        "info: guests/crate-tree/src/lib_no_growth.rs is not part of crate memoryguest (no mod declaration reaches it)",
        "info: guests/crate-tree/src/native.rs is not part of crate memoryguest (its declaration at "
        'guests/crate-tree/src/lib.rs:19 is under #[cfg(not(target_arch = "wasm32"))], false for this build)',
        "Found 2 problems (2 errors); 4 files checked.",
    ]
    assert "lib_growth.rs:" not in result.stdout.replace("info: guests/crate-tree/src/lib_growth.rs", "")
    data = json.loads(run_cli("check", "guests/crate-tree", "--layer", "source", "--format", "json").stdout)
    assert [note.split(" is ")[0] for note in data["summary"]["notes"]] == [
        "guests/crate-tree/src/lib_growth.rs", "guests/crate-tree/src/lib_no_growth.rs", "guests/crate-tree/src/native.rs"]
    assert data["summary"]["files_checked"] == 4


def test_module_paths_follow_path_attributes_and_declarations():
    (tree,) = discover([TREE]).crates
    assert tree.module_path((TREE / "src/shared/fmt_helpers.rs").resolve()) == ("helpers",)
    (nested,) = discover([NESTED]).crates
    assert nested.module_path((NESTED / "lib/codec/frame.rs").resolve()) == ("codec", "frame")
    assert nested.module_path((NESTED / "lib/generated.rs").resolve()) == ()  # include!d into the root
    assert nested.module_path((NESTED / "lib/platform/web_impl.rs").resolve()) == ("platform", "web")


def test_a_feature_brings_a_gated_module_into_the_crate():
    code, out, _ = _check(NESTED, "--features", "native")
    found = {(Path(f["path"]).name, f["symbol"]) for f in json_findings(out)}
    assert ("os.rs", "os_report") in found
    notes = json.loads(out)["summary"]["notes"]
    assert not any("os.rs" in note for note in notes), notes


def test_an_orphan_named_on_the_command_line_is_checked_alone():
    code, out, err = _check(TREE / "src/lib_growth.rs")
    assert code == 1, err
    findings = json_findings(out)
    assert [(f["rule_id"], Path(f["path"]).name, f["symbol"]) for f in findings] == [
        ("format-in-export", "lib_growth.rs", "shout")]
    shown = (TREE / "src/lib_growth.rs").relative_to(REPO).as_posix()
    assert json.loads(out)["summary"]["notes"] == [
        f"{shown} is not part of crate memoryguest (no mod declaration reaches it); checked alone"]


def test_a_pre_commit_run_names_the_orphan_and_still_reports_the_compiled_file(tmp_path):
    # pre-commit passes the staged files: a compiled one and an orphan.
    root = tmp_path / "memoryguest"
    shutil.copytree(TREE, root)
    result = run_cli("check", "--layer", "source", "src/shared/fmt_helpers.rs", "src/lib_no_growth.rs", cwd=root)
    assert result.returncode == 1, result.stderr
    assert "--> src/shared/fmt_helpers.rs:4:" in result.stdout
    assert ("info: src/lib_no_growth.rs is not part of crate memoryguest (no mod declaration reaches it); "
            "checked alone") in result.stdout
    assert result.stdout.rstrip().endswith("Found 1 problem (1 error); 2 files checked.")


def test_a_src_folder_reports_its_compiled_files_and_names_the_others(tmp_path):
    code, out, _ = _check(TREE / "src")
    data = json.loads(out)
    assert {Path(f["path"]).name for f in data["findings"]} == {"fmt_helpers.rs", "wasm.rs"}
    assert len(data["summary"]["notes"]) == 3 and data["summary"]["files_checked"] == 4


def test_the_features_are_part_of_the_cache_key(tmp_path):
    cache = tmp_path / "cache"
    args = ["check", str(NESTED), "--layer", "source", "--format", "json", "--cache-dir", str(cache)]
    plain = run_cli(*args)
    native = run_cli(*args, "--features", "native")
    again = run_cli(*args)
    assert "os_report" in native.stdout and "os_report" not in plain.stdout
    assert again.stdout == plain.stdout


def test_build_cfg_reaches_the_source_layer():
    (nested,) = discover([NESTED]).crates
    assert nested.cfg == BuildCfg(frozenset({"default"}))


def test_build_uses_the_features_the_source_was_judged_with():
    from conftest import unavailable
    from wasmlint.toolchain import ToolchainError, find_toolchain

    try:
        find_toolchain()
    except ToolchainError as exc:
        unavailable(f"no wasm32 Rust toolchain: {exc}")
    code, out, err = _check(NESTED, "--build", "--features", "native", "--layer", "source,module")
    (finding,) = [f for f in json_findings(out) if f["symbol"] == "os_report"]
    assert any(line.startswith("module: `os_report` reaches memory.grow") for line in finding["evidence"]), finding
