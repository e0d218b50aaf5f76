"""A repository's TOML, workspace layout and permissions cannot lose the run.

Every wrong shape of every Cargo.toml, wasmlint configuration or scenario key wasmlint reads, a
workspace that lists itself or its own workspace, and folders wasmlint may not enter: each is
one error naming the file and the key (or line, or folder), and the rest of the run is intact.
Fixtures are generated here; permission cases run the CLI as a user without rights over files.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, json_findings, unavailable
from test_cli import DIRTY, make_crate
from unprivileged import permissions_apply, wasmlint_unprivileged

from wasmlint.runtime.scenario import ScenarioError, parse_scenario

CLEAN_FINDING = "format-in-export"  # what DIRTY gives: the crate that must still be checked


def errors_of(out: str) -> list[dict]:
    return json.loads(out)["errors"]


def error_lines(out: str) -> list[str]:
    return [f"{e['path']}{':' + str(e['line']) if e['line'] else ''}: {e['message']}" for e in errors_of(out)]


def finding_paths(out: str) -> set[str]:
    return {f["path"] for f in json_findings(out)}


# -- the wrong values: a TOML literal and the TOML type it has -----------------------------------------

DEEP = "[" * 150 + "]" * 150  # deeper than any parser should recurse: the file is refused, with its line
WRONG_VALUES = {
    "integer": ("5", "integer"),
    "negative": ("-1", "integer"),
    "huge-integer": ("0x7fffffffffffffff", "integer"),
    "nan": ("nan", "float"),
    "infinity": ("-inf", "float"),
    "big-float": ("1e308", "float"),
    "boolean": ("true", "boolean"),
    "string": ('"x"', "string"),
    "nul-string": ('"a\\u0000b"', "string"),
    "empty-array": ("[]", "array"),
    "int-array": ("[1, 2]", "array"),
    "nested-array": ("[[1], [[2]]]", "array"),
    "empty-table": ("{}", "table"),
    "table": ("{ a = 1 }", "table"),
    "date": ("1979-05-27T07:32:00Z", "datetime"),
    "deep": (DEEP, "deep"),
}
ANY = {"integer", "float", "boolean", "string", "array", "table", "datetime"}

# Each Cargo.toml key wasmlint reads, as a line that sets it (`{}`: the wrong value), the lines of
# the base manifest it replaces (those under the same key), and the types cargo accepts there.
# Written from cargo's manifest format, not from wasmlint's own table of shapes.
CARGO_KEYS = {
    "package": ("package = {}", {"table"}),
    "package.name": ("package.name = {}", {"string"}),
    "package.build": ("package.build = {}", {"string", "boolean"}),
    "package.autobins": ("package.autobins = {}", {"boolean"}),
    "package.metadata": ("package.metadata = {}", ANY),
    "lib": ("lib = {}", {"table"}),
    "lib.path": ("lib.path = {}", {"string"}),
    "bin": ("bin = {}", {"array"}),
    "bin[0].path": ('bin = [{{ name = "tool", path = {} }}]', {"string"}),
    "bin[0].name": ("bin = [{{ name = {} }}]", {"string"}),
    "features": ("features = {}", {"table"}),
    "features.default": ("features.default = {}", {"array"}),
    "features.default[0]": ("features.default = [{}]", {"string"}),
    "dependencies": ("dependencies = {}", {"table"}),
    "dependencies.x": ("dependencies.x = {}", {"string", "table"}),
    "dependencies.x.optional": ('dependencies.x = {{ version = "1", optional = {} }}', {"boolean"}),
    "target": ("target = {}", {"table"}),
    "target.wasm.dependencies": ("target.wasm.dependencies = {}", {"table"}),
}
# The wasmlint configuration in [package.metadata.wasmlint]: any shape wasmlint does not take is
# a configuration error that leaves that crate out.
WASMLINT_KEYS = {
    "package.metadata.wasmlint": ("package.metadata.wasmlint = {}", {"table"}),
    "select": ("package.metadata.wasmlint.select = {}", {"string", "array"}),
    "ignore": ("package.metadata.wasmlint.ignore = {}", {"string", "array"}),
    "severity": ("package.metadata.wasmlint.severity = {}", {"table"}),
    "severity.format-in-export": ('package.metadata.wasmlint.severity.format-in-export = {}', {"string"}),
    "fail-on": ("package.metadata.wasmlint.fail-on = {}", {"string"}),
    "exclude": ("package.metadata.wasmlint.exclude = {}", {"string", "array"}),
    "scenarios": ("package.metadata.wasmlint.scenarios = {}", {"string", "array"}),
    "rules-dirs": ("package.metadata.wasmlint.rules-dirs = {}", {"string", "array"}),
    "features": ("package.metadata.wasmlint.features = {}", {"string", "array"}),
    "all-features": ("package.metadata.wasmlint.all-features = {}", {"boolean"}),
    "no-default-features": ("package.metadata.wasmlint.no-default-features = {}", {"boolean"}),
    "hosts": ("package.metadata.wasmlint.hosts = {}", {"string"}),
}
BASE_LINES = ['package.name = "{name}"', 'package.version = "0.1.0"', 'package.edition = "2021"']


def _manifest(name: str, key_line: str, value: str) -> str:
    """The base manifest with `key_line` set to `value`; base lines under the same key go."""
    key = key_line.split("=")[0].strip()
    kept = [line.format(name=name) for line in BASE_LINES
            if not (line.startswith(key + ".") or line.startswith(key + " ") or key.startswith(line.split(" ")[0] + "."))]
    return "\n".join(kept + [key_line.format(value)]) + "\n"


def _fuzz_workspace(root: Path, keys: dict, value: str) -> dict[str, str]:
    """A workspace with one member per key (that key set to `value`) and a clean member `ok`;
    member folder -> key."""
    make_crate(root / "ok", DIRTY, name="ok")
    members = {}
    for index, (key, (line, _)) in enumerate(keys.items()):
        folder = root / f"m{index}"
        make_crate(folder, DIRTY, name=f"m{index}")
        (folder / "Cargo.toml").write_text(_manifest(f"m{index}", line, value))
        members[f"m{index}"] = key
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["ok", "m*"]\n')
    return members


def _names_key(line: str, keys: dict, key: str) -> bool:
    """Whether an error line names the key: Cargo.toml keys by their dotted path, the wasmlint
    configuration's keys as its messages spell them."""
    if key == "package.metadata.wasmlint":
        return "[package.metadata.wasmlint]" in line and "must be a table" in line
    return f"`{key}`" in line or keys is WASMLINT_KEYS and f"`{key}" in line


@pytest.mark.parametrize("shape", sorted(WRONG_VALUES))
@pytest.mark.parametrize("keys", [CARGO_KEYS, WASMLINT_KEYS], ids=["cargo", "wasmlint"])
def test_a_wrong_shape_of_any_key_read_is_named_and_contained_to_its_crate(cli, tmp_path, keys, shape):
    value, kind = WRONG_VALUES[shape]
    members = _fuzz_workspace(tmp_path / "ws", keys, value)
    code, out, err = cli("check", str(tmp_path / "ws"), "--format", "json")
    assert "internal error" not in err and "Traceback" not in err
    # The rest of the run is intact: the clean member is checked and its finding reported.
    assert any(path.endswith("ok/src/lib.rs") for path in finding_paths(out)), out
    errors = error_lines(out)
    for member, key in members.items():
        own = [line for line in errors if re.search(rf"ws/{member}[/:]", line)]
        if kind == "deep":
            # Not TOML any more: refused with the line and column of the first level too deep.
            assert any(re.search(rf"ws/{member}/Cargo\.toml:\d+: .*nested deeper than 100 levels", line) for line in own), (member, errors)
        elif kind not in keys[key][1]:
            assert any(_names_key(line, keys, key) for line in own), (member, key, errors)
    assert code == 2


def test_a_root_package_that_lists_itself_as_a_member_is_checked_once(cli, tmp_path):
    root = make_crate(tmp_path / "root", DIRTY, name="root")
    make_crate(root / "sub", DIRTY, name="sub")
    with (root / "Cargo.toml").open("a") as handle:
        handle.write('\n[workspace]\nmembers = [".", "sub"]\n')
    code, out, err = cli("check", str(root), "--format", "json")
    assert code == 1 and errors_of(out) == [] and "internal error" not in err
    paths = [f["path"] for f in json_findings(out)]
    assert sorted(p.split("root/")[-1] for p in paths) == ["src/lib.rs", "sub/src/lib.rs"]


def test_a_root_package_listed_by_a_glob_and_by_its_own_path_is_checked_once(cli, tmp_path):
    # The twin: the root matched by `./` and members found by a glob, in the other order.
    root = make_crate(tmp_path / "root", DIRTY, name="root")
    make_crate(root / "crates/a", DIRTY, name="a")
    make_crate(root / "crates/b", DIRTY, name="b")
    with (root / "Cargo.toml").open("a") as handle:
        handle.write(f'\n[workspace]\nmembers = ["crates/*", "./", "{root.as_posix()}"]\n')
    code, out, _ = cli("check", str(root), "--format", "json")
    assert code == 1 and errors_of(out) == []
    paths = sorted(p.split("root/")[-1] for p in (f["path"] for f in json_findings(out)))
    assert paths == ["crates/a/src/lib.rs", "crates/b/src/lib.rs", "src/lib.rs"]


def test_a_member_that_lists_its_workspace_back_is_a_named_cycle(cli, tmp_path):
    ws = tmp_path / "ws"
    member = make_crate(ws / "a", DIRTY, name="a")
    make_crate(ws / "b", DIRTY, name="b")
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["a", "b"]\n')
    with (member / "Cargo.toml").open("a") as handle:
        handle.write('\n[workspace]\nmembers = [".."]\n')
    code, out, err = cli("check", str(ws), "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    assert len(errors) == 1 and re.match(r".*ws/a/Cargo\.toml: workspace member '\.\.' is .*ws: .*\(a cycle\); not followed$", errors[0]), errors
    assert sorted(p.split("ws/")[-1] for p in finding_paths(out)) == ["a/src/lib.rs", "b/src/lib.rs"]
    assert code == 2


def test_a_virtual_workspace_that_lists_itself_is_a_named_cycle(cli, tmp_path):
    # The twin: no package at the root, `members = ["."]` beside a real member.
    ws = tmp_path / "ws"
    make_crate(ws / "crates/a", DIRTY, name="a")
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = [".", "crates/a"]\n')
    code, out, err = cli("check", str(ws), "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    assert len(errors) == 1 and "ws/Cargo.toml: workspace member '.' is" in errors[0] and "(a cycle)" in errors[0]
    assert [p.split("ws/")[-1] for p in finding_paths(out)] == ["crates/a/src/lib.rs"] and code == 2


def test_members_that_are_not_a_list_name_the_key_and_other_paths_are_checked(cli, tmp_path):
    ws = tmp_path / "ws"
    make_crate(ws / "notalist", DIRTY, name="n")
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = "notalist"\nexclude = 3\n')
    other = make_crate(tmp_path / "other", DIRTY, name="other")
    code, out, err = cli("check", str(ws), str(other), "--format", "json")
    errors = error_lines(out)
    assert any("ws/Cargo.toml: `workspace.members` must be an array of paths, not a string" in e for e in errors), errors
    assert any("ws/Cargo.toml: `workspace.exclude` must be an array of paths, not an integer" in e for e in errors), errors
    # Not read as the letters of "notalist": no member named 'n', 'o', ...
    assert not any("matches no folder" in e for e in errors)
    assert [p.split("/")[-3] for p in finding_paths(out)] == ["other"] and code == 2


@pytest.mark.parametrize("text, line", [
    ('[package]\nname = "p"\nversion = "0.1.0"\nx = ' + DEEP + "\n", 4),
    ('[package]\nname = "p"\n\n\nx = ' + "{ a = " * 150 + "1" + " }" * 150 + "\n", 5),
    ('[package]\nname = "p"\nversion = "0.1.0"\n\n\n\nx = ' + "9" * 5000 + "\n", 7),
])
def test_a_cargo_toml_too_deep_or_too_long_to_parse_is_named_with_its_line(cli, tmp_path, text, line):
    crate = make_crate(tmp_path / "p", DIRTY, name="p")
    (crate / "Cargo.toml").write_text(text)
    other = make_crate(tmp_path / "other", DIRTY, name="other")
    code, out, err = cli("check", str(crate), str(other), "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    assert len(errors) == 1 and re.match(rf".*p/Cargo\.toml:{line}: Cargo\.toml is not valid TOML: ", errors[0]), errors
    # Its .rs files are still checked, and so is the other crate.
    assert sorted(p.split("/")[-3] for p in finding_paths(out)) == ["other", "p"] and code == 2


def _workspace_with_bad_member(tmp_path: Path) -> tuple[Path, Path]:
    ws = tmp_path / "ws"
    make_crate(ws / "good", DIRTY, name="good")
    bad = make_crate(ws / "bad", DIRTY, name="bad")
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["good", "bad"]\n')
    return ws, bad


def test_a_members_wasmlint_toml_too_deep_to_parse_leaves_only_that_member_out(cli, tmp_path):
    ws, bad = _workspace_with_bad_member(tmp_path)
    (bad / "wasmlint.toml").write_text("\nselect = " + DEEP + "\n")
    code, out, err = cli("check", str(ws), "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    assert len(errors) == 1 and re.match(r".*ws/bad: crate bad not checked: .*ws/bad/wasmlint\.toml: invalid TOML: "
                                         r"arrays or tables nested deeper than 100 levels \(at line 2, column 110\)$", errors[0]), errors
    assert [p.split("ws/")[-1] for p in finding_paths(out)] == ["good/src/lib.rs"] and code == 2


def test_a_members_cargo_toml_too_deep_to_parse_is_named_with_its_line_and_its_files_still_checked(cli, tmp_path):
    # The twin in [package.metadata.wasmlint]: the manifest itself is not TOML, so it configures
    # nothing; as any unreadable Cargo.toml, it is named and the crate's .rs files are checked.
    ws, bad = _workspace_with_bad_member(tmp_path)
    (bad / "Cargo.toml").write_text('[package]\nname = "bad"\n[package.metadata.wasmlint]\nselect = ' + DEEP + "\n")
    code, out, err = cli("check", str(ws), "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    assert len(errors) == 1 and re.match(r".*ws/bad/Cargo\.toml:4: Cargo\.toml is not valid TOML: arrays or tables nested "
                                         r"deeper than 100 levels$", errors[0]), errors
    assert sorted(p.split("ws/")[-1] for p in finding_paths(out)) == ["bad/src/lib.rs", "good/src/lib.rs"] and code == 2


# A key as the file spells it (JSON keeps it exact) and as stderr must show it (terminal.visible).
PAYLOAD_KEY = "k\x1b]52;c;eA==\x07\n::error file=x::pwned\u202e"
PAYLOAD_SHOWN = r"k\x1b]52;c;eA==\x07\n::error file=x::pwned\u202e"
PAYLOAD_TOML = json.dumps(PAYLOAD_KEY)  # a TOML basic string accepts JSON's escapes


@pytest.mark.parametrize("where, text, named", [
    ("Cargo.toml", f"[features]\n{PAYLOAD_TOML} = 5\n", f"`features.{PAYLOAD_KEY}` must be an array"),
    ("Cargo.toml", f"[dependencies]\n{PAYLOAD_TOML} = 7\n", f"`dependencies.{PAYLOAD_KEY}` must be a version string"),
    ("wasmlint.toml", f"{PAYLOAD_TOML} = 1\n", f"crate bad not checked: .*unknown key `{PAYLOAD_KEY}`"),
    ("wasmlint.toml", f"[severity]\n{PAYLOAD_TOML} = \"loud\"\n", f"crate bad not checked: .*`severity.{PAYLOAD_KEY}`"),
], ids=["cargo-feature", "cargo-dependency", "member-config-key", "member-severity-key"])
def test_a_key_from_a_members_toml_is_named_exactly_in_json_and_escaped_on_stderr(cli, tmp_path, where, text, named):
    ws, bad = _workspace_with_bad_member(tmp_path)
    with open(bad / where, "a") as handle:
        handle.write(text)
    code, out, err = cli("check", str(ws), "--format", "json")
    (line,) = error_lines(out)
    assert re.search(re.escape(named).replace(r"\.\*", ".*"), line), line
    assert err.count("\n") == 1 and err.startswith("error: ") and PAYLOAD_SHOWN in err, err
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err
    assert "good/src/lib.rs" in " ".join(finding_paths(out)) and code == 2


def test_the_runs_own_configuration_too_deep_to_parse_is_one_line(cli, tmp_path):
    crate = make_crate(tmp_path / "c", DIRTY)
    (crate / "wasmlint.toml").write_text("\n\nignore = " + "[" * 120 + "]" * 120 + "\n")
    code, out, err = cli("check", str(crate))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"error: {(crate / 'wasmlint.toml').as_posix()}: invalid TOML: arrays or "
                                        "tables nested deeper than 100 levels (at line 3, column 110)"]


# -- scenarios ------------------------------------------------------------------------------------------

SCENARIO_KEYS = {
    "description": ('description = {}\n[[steps]]\ncall = "f"\n', {"string"}),
    "memory": ('memory = {}\n[[steps]]\ncall = "f"\n', {"string"}),
    "expect-growth": ('expect-growth = {}\n[[steps]]\ncall = "f"\n', {"boolean"}),
    "steps": ("steps = {}\n", {"array"}),
    "call": ("[[steps]]\ncall = {}\n", {"string"}),
    "args": ('[[steps]]\ncall = "f"\nargs = {}\n', {"array"}),
    "args[0]": ('[[steps]]\ncall = "f"\nargs = [{}]\n', {"integer", "float", "string"}),
    "save": ('[[steps]]\ncall = "f"\nsave = {}\n', {"string"}),
    "expect": ('[[steps]]\ncall = "f"\nexpect = {}\n', {"integer", "float"}),
    "repeat": ('[[steps]]\ncall = "f"\nrepeat = {}\n', {"integer"}),
    "expect-trap": ('[[steps]]\ncall = "f"\nexpect-trap = {}\n', {"boolean", "string"}),
    "write": ('[[steps]]\nwrite = {}\nhex = "00"\n', {"integer", "string"}),
    "string": ('[[steps]]\nwrite = 0\nstring = {}\n', {"string"}),
    "bytes": ('[[steps]]\nwrite = 0\nbytes = {}\n', {"array"}),
    "hex": ('[[steps]]\nwrite = 0\nhex = {}\n', {"string"}),
    "read": ('[[steps]]\nread = {}\nlength = 1\n', {"integer", "string"}),
    "length": ('[[steps]]\nread = 0\nlength = {}\n', {"integer"}),
    "expect-bytes": ('[[steps]]\nread = 0\nexpect-bytes = {}\n', {"array"}),
    "note": ('[[steps]]\ncall = "f"\nnote = {}\n', {"string"}),
}


@pytest.mark.parametrize("shape", sorted(WRONG_VALUES))
@pytest.mark.parametrize("key", sorted(SCENARIO_KEYS))
def test_a_scenario_key_of_any_shape_is_valid_or_a_scenario_error_naming_it(key, shape):
    template, accepted = SCENARIO_KEYS[key]
    value, kind = WRONG_VALUES[shape]
    text = template.format(value)
    try:
        parse_scenario(text, "s.toml")
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith("s.toml: ")
        if kind == "deep":
            assert re.search(r"nested deeper than 100 levels \(at line \d+, column \d+\)$", message)
        else:
            assert f"`{key.split('[')[0]}" in message or "steps[0]" in message, message
        return
    # Accepted: only a value of a type the key takes (a wrong type is never read as something else).
    assert kind in accepted, (key, shape)


GREETING = GUESTS / "greeting-wat" / "greeting.wat"
FLOATS = '(module (memory (export "memory") 1) (func (export "half") (param f64) (result f64) local.get 0 f64.const 0.5 f64.mul))\n'


def _module_with_scenario(folder: Path, scenario: str, module: str | None = None) -> Path:
    folder.mkdir(parents=True)
    if module is None:
        (folder / "greeting.wat").write_bytes(GREETING.read_bytes())
    else:
        (folder / "m.wat").write_text(module)
    (folder / "scenario.toml").write_text(scenario)
    return folder


def test_scenario_numbers_that_fit_no_parameter_are_named_per_module_and_the_rest_runs(cli, tmp_path):
    cases = {
        "nan-and-big": ('[[steps]]\ncall = "set_name"\nargs = [1e308, nan]\n', "`args[0]`: 1e+308 does not fit an i32"),
        "infinity": ('[[steps]]\ncall = "set_name"\nargs = [inf, 1]\n', "`args[0]`: inf is not an integer, as an i32 parameter needs"),
        "too-wide": ('[[steps]]\ncall = "set_name"\nargs = [1, 4294967296]\n', "`args[1]`: 4294967296 does not fit an i32"),
        "beyond-64-bits": ('[[steps]]\ncall = "set_name"\nargs = [0x1, 0xffffffffffffffffff]\n', "fits no Wasm value (at most 64 bits)"),
        "nan-address": ('[[steps]]\nwrite = nan\nhex = "00"\n', "`write`: nan is not an integer"),
        "deep": ('[[steps]]\ncall = "set_name"\nargs = ' + DEEP + "\n", "nested deeper than 100 levels"),
    }
    for name, (scenario, _) in cases.items():
        _module_with_scenario(tmp_path / name, scenario)
    # The rest must run: each of these ends with an expectation that fails, which only a run reports.
    _module_with_scenario(tmp_path / "good", (GUESTS / "greeting-wat" / "scenario.toml").read_text()
                          + '[[steps]]\ncall = "set_name"\nargs = [0xffffffff, 16]\nexpect = -7\n')
    _module_with_scenario(tmp_path / "floats", '[[steps]]\ncall = "half"\nargs = [nan]\n[[steps]]\ncall = "half"\nargs = [1e308]\n'
                          '[[steps]]\ncall = "half"\nargs = [-inf]\nexpect = 7\n', FLOATS)
    code, out, err = cli("check", str(tmp_path), "--confirm", "--format", "json")
    assert "internal error" not in err
    errors = error_lines(out)
    for name, (_, message) in cases.items():
        assert sum(f"/{name}/" in e and message in e for e in errors) == 1, (name, errors)
    assert len(errors) == len(cases), errors
    # The rest ran: -1 spelt unsigned is an i32; NaN and the infinities are values an f64 takes.
    failed = {f["path"].split("/")[-2]: f["message"] for f in json_findings(out) if f["rule_id"] == "scenario-expectation-failed"}
    assert set(failed) == {"good", "floats"}, failed
    assert failed["good"] == "scenario expectation failed: steps[7] (call set_name): expected result -7, got -1"
    assert failed["floats"] == "scenario expectation failed: steps[2] (call half): expected result 7, got -inf"
    assert code == 2


# -- permissions --------------------------------------------------------------------------------------


@pytest.fixture
def locked_tree(tmp_path):
    """A project with folders wasmlint may not read, each in its own crate beside a clean one;
    made readable again afterwards so that pytest can remove it."""
    root = tmp_path / "project"
    locked: list[Path] = []

    def lock(path: Path, mode: int = 0) -> None:
        path.chmod(mode)
        locked.append(path)

    # A folder a `mod` declaration needs.
    named = make_crate(root / "named", "mod inner;\n" + DIRTY, name="named", extra_files={"src/inner/mod.rs": "pub fn g() {}\n"})
    lock(named / "src/inner")
    # A folder nothing declares, holding a host; and src/bin, which cargo lists for binaries.
    hosts = make_crate(root / "hosts", DIRTY, name="hosts", extra_files={"www/index.js": "export const x = 1;\n", "src/bin/tool.rs": "fn main() {}\n"})
    lock(hosts / "www")
    lock(hosts / "src/bin")
    # A folder that can be entered but not listed, and one listed but not entered.
    enter_only = make_crate(root / "enteronly", DIRTY, name="enteronly", extra_files={"src/x/a.rs": "fn a() {}\n"})
    lock(enter_only / "src/x", 0o100)
    list_only = make_crate(root / "listonly", DIRTY, name="listonly", extra_files={"src/y/a.rs": "fn a() {}\n"})
    lock(list_only / "src/y", 0o400)
    # A workspace member wasmlint may not enter, and a loose folder of .rs files.
    ws = root / "ws"
    make_crate(ws / "open", DIRTY, name="open")
    make_crate(ws / "shut", DIRTY, name="shut")
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["open", "shut"]\n')
    lock(ws / "shut")
    (root / "loose/deeper").mkdir(parents=True)
    (root / "loose/deeper/d.rs").write_text(DIRTY)
    (root / "loose/top.rs").write_text(DIRTY)
    lock(root / "loose/deeper")
    make_crate(root / "clean", DIRTY, name="clean")
    yield root
    for path in reversed(locked):
        path.chmod(0o755)


LOCKED_ERRORS = {
    "named/src/inner": "named/src/inner: cannot read this folder (Permission denied); the files in it were not checked",
    "hosts/www": "hosts/www: cannot read this folder (Permission denied); the files in it were not checked",
    "hosts/src/bin": "hosts/src/bin: cannot read this folder (Permission denied); the files in it were not checked",
    "enteronly/src/x": "enteronly/src/x: cannot read this folder (Permission denied); the files in it were not checked",
    "listonly/src/y": "listonly/src/y/a.rs: cannot read: Permission denied",
    "ws/shut": "ws/Cargo.toml: workspace member 'shut': cannot read ws/shut (permission denied); not checked",
    "loose/deeper": "loose/deeper: cannot read this folder (Permission denied); the files in it were not checked",
}


def test_unreadable_folders_are_each_named_once_and_the_rest_is_checked(locked_tree):
    assert permissions_apply(locked_tree.parent), "the child was not refused a folder of mode 000"
    result = wasmlint_unprivileged("check", ".", "--no-cache", "--format", "json", cwd=locked_tree)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    errors = error_lines(result.stdout)
    assert sorted(errors) == sorted(LOCKED_ERRORS.values()), errors
    checked = {path.split("/")[0] for path in finding_paths(result.stdout)}
    assert checked == {"named", "hosts", "enteronly", "listonly", "ws", "loose", "clean"}, checked
    assert sorted(p for p in finding_paths(result.stdout) if p.startswith(("ws/", "loose/"))) == ["loose/top.rs", "ws/open/src/lib.rs"]
    assert result.returncode == 2


@pytest.mark.parametrize("top", sorted({case.split("/")[0] for case in LOCKED_ERRORS}))
def test_each_unreadable_folder_checked_alone_is_named_and_the_crate_beside_it_checked(locked_tree, top):
    # The twin of the run above: each case as the path checked, with the clean crate beside it.
    result = wasmlint_unprivileged("check", top, "clean", "--no-cache", "--format", "json", cwd=locked_tree)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert sorted(error_lines(result.stdout)) == sorted(v for k, v in LOCKED_ERRORS.items() if k.startswith(top + "/"))
    assert "clean/src/lib.rs" in finding_paths(result.stdout) and result.returncode == 2


NODE_MODULE = ('(module (memory (export "memory") 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))'
               ' (func (export "half") (param f64)))')


@pytest.mark.parametrize("args, problem", [
    ("[nan]", "nan is not an integer, as an i32 parameter needs"),
    ("[8589934592]", "8589934592 does not fit an i32 (-2147483648 to 4294967295)"),
    ("[1e308]", "1e+308 does not fit an i32 (-2147483648 to 4294967295)"),
])
def test_the_node_harness_refuses_the_same_scenario_numbers_by_name(tmp_path, args, problem):
    if shutil.which("node") is None:
        unavailable("`node` is not on PATH (Debian: apt-get install nodejs)")
    from wasmlint.host.confirm import confirm_in_node

    module = tmp_path / "m.wat"
    module.write_text(NODE_MODULE)
    exports = [("grow", "Uint8Array"), ("half", "Uint8Array")]
    broken = parse_scenario(f'[[steps]]\ncall = "grow"\nargs = {args}\n', "s.toml")
    verdicts = confirm_in_node(module, exports, broken)
    assert {name: verdict.error for name, verdict in verdicts.items()} == dict.fromkeys(("grow", "half"), f"s.toml: steps[0]: `args[0]`: {problem}")
    # NaN and infinities are what an f64 takes: that scenario runs, and growth detaches the view.
    fitting = parse_scenario('[[steps]]\ncall = "half"\nargs = [nan]\n[[steps]]\ncall = "half"\nargs = [-inf]\n'
                             '[[steps]]\ncall = "grow"\nargs = [1]\n', "s.toml")
    verdicts = confirm_in_node(module, exports, fitting)
    assert (verdicts["grow"].error, verdicts["grow"].detached, verdicts["half"].error, verdicts["half"].detached) == (None, True, None, False)
