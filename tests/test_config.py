"""Configuration: where it is found, precedence, validation, command-line overrides, --show-config."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO, json_findings
from test_cli import DIRTY, make_crate

TWO = (
    '#[no_mangle]\npub extern "C" fn f(n: i32) -> usize {\n'
    '    let v: Vec<u8> = Vec::new();\n    format!("{}", n).len() + v.len()\n}\n'
)


def rules_of(out: str) -> set[str]:
    return {f["rule_id"] for f in json_findings(out)}


def test_wasmlint_toml_beside_cargo_toml(cli, tmp_path):
    crate = make_crate(tmp_path / "c", TWO)
    (crate / "wasmlint.toml").write_text('ignore = ["empty-collection-in-export"]\n')
    _, out, _ = cli("check", str(crate), "--format", "json")
    assert rules_of(out) == {"format-in-export"}


def test_package_metadata_and_severity_override(cli, tmp_path):
    crate = make_crate(tmp_path / "c", TWO)
    with (crate / "Cargo.toml").open("a") as handle:
        handle.write('\n[package.metadata.wasmlint]\nselect = ["*-in-export"]\nfail-on = "error"\n'
                     '[package.metadata.wasmlint.severity]\nformat-in-export = "warning"\n')
    code, out, _ = cli("check", str(crate), "--format", "json")
    severities = {f["rule_id"]: f["severity"] for f in json_findings(out)}
    assert severities == {"format-in-export": "warning", "empty-collection-in-export": "warning"}
    assert code == 0  # fail-on = error and nothing is an error any more


def test_workspace_metadata_and_precedence(cli, tmp_path):
    root = tmp_path / "ws"
    member = make_crate(root / "crates/a", TWO, name="a")
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n\n[workspace.metadata.wasmlint]\n'
                                     'ignore = ["format-in-export"]\n')
    _, out, _ = cli("check", str(root), "--format", "json")
    assert rules_of(out) == {"empty-collection-in-export"}
    # Nearest wins: a wasmlint.toml in the member replaces the workspace's table for that path.
    (member / "wasmlint.toml").write_text('ignore = ["empty-collection-in-export"]\n')
    _, out, _ = cli("check", str(member), "--format", "json")
    assert rules_of(out) == {"format-in-export"}


def test_command_line_overrides_config(cli, tmp_path):
    crate = make_crate(tmp_path / "c", TWO)
    (crate / "wasmlint.toml").write_text('ignore = ["format-in-export"]\n')
    _, out, _ = cli("check", str(crate), "--format", "json", "--ignore", "empty-collection-in-export")
    assert rules_of(out) == {"format-in-export"}


def test_unknown_key_names_file_and_key(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "wasmlint.toml").write_text('selct = ["x"]\n')
    code, out, err = cli("check", str(crate))
    assert code == 2
    assert "wasmlint.toml: unknown key `selct`" in err and "Traceback" not in err


def test_bad_values_are_errors(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "wasmlint.toml").write_text('fail-on = "sometimes"\n')
    code, _, err = cli("check", str(crate))
    assert code == 2 and "`fail-on`" in err
    (crate / "wasmlint.toml").write_text('select = ["no-such-rule"]\n')
    code, _, err = cli("check", str(crate))
    assert code == 2 and "no-such-rule" in err
    (crate / "wasmlint.toml").write_text("select = [\n")
    code, _, err = cli("check", str(crate))
    assert code == 2 and "invalid TOML" in err


def test_exclude_globs(cli, tmp_path):
    crate = make_crate(tmp_path / "c", "mod gen;\n", extra_files={"src/gen.rs": DIRTY})
    (crate / "wasmlint.toml").write_text('exclude = ["*/src/gen.rs"]\n')
    code, out, _ = cli("check", str(crate), "--format", "json")
    assert code == 0 and json_findings(out) == []


def test_show_config_names_origins(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "wasmlint.toml").write_text('ignore = ["vec-macro-in-export"]\n')
    code, out, _ = cli("check", str(crate), "--show-config", "--fail-on", "error")
    assert code == 0
    lines = {line.split("=")[0].strip(): line for line in out.splitlines() if "=" in line}
    assert "wasmlint.toml" in lines["ignore"]
    assert "command line" in lines["fail-on"]
    assert "defaults" in lines["select"]


def test_user_rules_dir(cli, tmp_path):
    crate = make_crate(tmp_path / "c", '#[no_mangle]\npub extern "C" fn f() -> u32 {\n    expensive()\n}\n')
    rules = crate / "lint-rules"
    rules.mkdir()
    (rules / "expensive-call.toml").write_text(
        'id = "expensive-call"\nlayer = "source"\nseverity = "warning"\nsummary = "calls expensive()"\n'
        'message = "`expensive()` is slow"\nwhy = "It allocates."\nfix = "Cache it."\n'
        "query = '(call_expression function: (identifier) @n (#eq? @n \"expensive\")) @match'\n"
        "[[tests]]\nflag = 'fn f() { expensive() }'\n[[tests]]\nok = 'fn f() {}'\n"
    )
    (crate / "wasmlint.toml").write_text('rules-dirs = ["lint-rules"]\n')
    code, out, _ = cli("check", str(crate), "--format", "json")
    assert rules_of(out) == {"expensive-call"} and code == 1
    (rules / "expensive-call.toml").write_text('id = "expensive-call"\nlayer = "source"\n')
    code, _, err = cli("check", str(crate))
    assert code == 2 and "expensive-call.toml: missing key" in err


def test_broken_user_query_names_the_rule_file(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    rules = crate / "lint-rules"
    rules.mkdir()
    (rules / "broken-query.toml").write_text(
        'id = "broken-query"\nlayer = "source"\nseverity = "warning"\nsummary = "s"\nmessage = "m"\n'
        'why = "w"\nfix = "f"\nquery = "(call_expression function: @x"\n'
    )
    (crate / "wasmlint.toml").write_text('rules-dirs = ["lint-rules"]\n')
    code, _, err = cli("check", str(crate))
    assert code == 2 and "broken-query.toml: `query`" in err and "Traceback" not in err


def test_each_crate_follows_its_nearest_configuration_whatever_the_argument_order(cli, tmp_path):
    root = tmp_path / "ws"
    quiet = make_crate(root / "crates/quiet", DIRTY, name="quiet")
    loud = make_crate(root / "crates/loud", DIRTY, name="loud")
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n')
    with (quiet / "Cargo.toml").open("a") as handle:
        handle.write('\n[package.metadata.wasmlint]\nignore = ["format-in-export"]\n')
    expected = {str(Path("crates/loud/src/lib.rs"))}
    for args in ([str(quiet / "src/lib.rs"), str(loud / "src/lib.rs")], [str(loud / "src/lib.rs"), str(quiet / "src/lib.rs")], [str(root)]):
        code, out, _ = cli("check", *args, "--format", "json")
        paths = {str(Path(f["path"]).relative_to(root)) if Path(f["path"]).is_absolute() else f["path"] for f in json_findings(out)}
        assert {p.split("ws/")[-1] for p in paths} == expected, args
        assert code == 1


def test_unknown_rule_in_config_names_the_file_and_key(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "wasmlint.toml").write_text('ignore = ["formt-in-export"]\n')
    code, _, err = cli("check", str(crate))
    assert code == 2 and "wasmlint.toml: `ignore`: unknown rule id or pattern 'formt-in-export'" in err


def test_broken_user_query_is_an_error_even_when_no_crate_is_analysed(cli, tmp_path):
    rules = tmp_path / "lint-rules"
    rules.mkdir()
    (rules / "broken-query.toml").write_text(
        'id = "broken-query"\nlayer = "source"\nseverity = "warning"\nsummary = "s"\nmessage = "m"\n'
        'why = "w"\nfix = "f"\nquery = "(call_expression function: @x"\n'
    )
    config = tmp_path / "wasmlint.toml"
    config.write_text('rules-dirs = ["lint-rules"]\n')
    module = REPO / "guests" / "greeting-wat" / "greeting.wat"  # a module only: the source layer has nothing to do
    code, _, err = cli("check", str(module), "--config", str(config))
    assert code == 2 and "broken-query.toml: `query`" in err and "Traceback" not in err
