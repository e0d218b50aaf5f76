"""Hostile reads (issue 19): what a pull request's tree names is read only inside its project, and
every path a user or a configuration names goes through one guard (a regular file, opened without
blocking, up to a size cap).

Each test builds its tree at test time under tmp_path (symlinks, FIFOs, /dev/zero links), runs the
real command line in its own process with a secret planted in its environment (so in
/proc/self/environ) and in a file outside the project, and asserts: the secret is in no format
(text, GitHub annotations, JSON, SARIF, stderr), the run ends well within a timeout only a hang
would reach, what was refused is said once, naming the declaration, and the good file's finding
is still reported. Each shape has a second, differently built twin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

SECRET = f"planted-{uuid.uuid4().hex}"
GOOD = '#[no_mangle]\npub extern "C" fn greet(n: i32) -> usize {\n    format!("{}", n).len()\n}\n'
# A file outside the project: if it were read, its parse-error would quote its first line, and
# its export would be a finding of its own.
LEAKY = f'{SECRET} (\n#[no_mangle]\npub extern "C" fn leak(n: i32) -> usize {{ format!("{{}}", n).len() }}\n'
TIMEOUT = 60  # only a hang reaches it: each run here takes about a second


@dataclass
class Run:
    code: int
    text: str  # the text report, with the GitHub annotations it carries on Actions
    json: dict
    sarif: dict
    stderr: list[str]

    @property
    def notes(self) -> list[str]:
        return self.json["summary"]["notes"]

    def findings(self, rule: str | None = None) -> list[tuple[str, int, str | None]]:
        return [(f["path"], f["line"], f["symbol"]) for f in self.json["findings"] if rule in (None, f["rule_id"])]


def wasmlint(*args: str | Path, cwd: Path) -> Run:
    """`wasmlint check ARGS` as CI runs it, three times: text (+ GitHub annotations) on stdout, SARIF
    written by --output (stdout: the summary alone, no annotation), then JSON. Each must end in
    time, print no traceback, quote no secret."""
    # The secret first: /proc/self/environ starts with it, where a quoted start of the file shows it.
    env = {"WASMLINT_PLANTED_TOKEN": SECRET, **os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    sarif_file = cwd.parent / f"report-{uuid.uuid4().hex}.sarif"
    outputs = []
    for extra, github in (([], "true"), (["--format", "sarif", "--output", str(sarif_file)], "true"),
                          (["--format", "json"], "false")):
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "wasmlint", "check", *map(str, args), *extra],
                                cwd=cwd, env={**env, "GITHUB_ACTIONS": github}, capture_output=True, text=True,
                                timeout=TIMEOUT)
        assert time.monotonic() - started < TIMEOUT
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
        outputs.append(result)
    (text_run, sarif_run, json_run) = outputs
    sarif = sarif_file.read_text(encoding="utf-8") if sarif_file.exists() else "{}"
    for shown in (text_run.stdout, text_run.stderr, sarif_run.stdout, json_run.stdout, json_run.stderr, sarif):
        assert SECRET not in shown, shown
    assert text_run.returncode == sarif_run.returncode == json_run.returncode, (text_run.stderr, json_run.stderr)
    assert text_run.stderr == sarif_run.stderr == json_run.stderr
    # A run stopped before its report (a configuration error) prints none.
    report = json.loads(json_run.stdout) if json_run.stdout else {"findings": [], "summary": {"notes": []}}
    if report["findings"]:
        assert "::error" in text_run.stdout or "::warning" in text_run.stdout or "::notice" in text_run.stdout
    assert "::" not in sarif_run.stdout and sarif_run.stdout.count("\n") <= 1  # each finding reported once: in the SARIF
    return Run(json_run.returncode, text_run.stdout, report, json.loads(sarif), json_run.stderr.splitlines())


def project(tmp_path: Path, lib_extra: str = "", files: dict[str, str] | None = None, manifest_extra: str = "",
            git: bool = True) -> Path:
    """A crate that is its project (a git work tree, or, with git=False, only its Cargo.toml marks
    it); src/lib.rs has one real finding (line 3) and then `lib_extra`. Beside the project, a
    folder `elsewhere` holds the leaky file."""
    (tmp_path / "elsewhere").mkdir(exist_ok=True)
    (tmp_path / "elsewhere" / "secret.rs").write_text(LEAKY)
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    if git:
        (root / ".git").mkdir()
    (root / "Cargo.toml").write_text(f'[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n{manifest_extra}')
    (root / "src" / "lib.rs").write_text(GOOD + lib_extra)
    for relative, text in (files or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def good_finding_kept(run: Run) -> None:
    assert ("src/lib.rs", 3, "greet") in run.findings("format-in-export"), run.json["findings"]


def one_note(run: Run, *words: str) -> str:
    """Exactly one note, holding every one of `words` and saying what it did not do."""
    assert len(run.notes) == 1, run.notes
    (note,) = run.notes
    assert all(word in note for word in words) and note.rstrip().endswith(("not read", "no such file")), note
    assert f"info: {note}" in run.text
    assert any(n["message"]["text"] == note for n in run.sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"])
    return note


# -- files the crate names, outside the project ---------------------------------------------------


@pytest.mark.parametrize(("source", "declared"), [
    ('#[path = "/proc/self/environ"]\nmod env;\n', 'src/lib.rs:6: `#[path = "/proc/self/environ"] mod env;`'),
    ('#[path = "../../elsewhere/secret.rs"]\nmod env;\n', 'src/lib.rs:6: `#[path = "../../elsewhere/secret.rs"] mod env;`'),
    ('include!("/proc/self/environ");\n', 'src/lib.rs:5: `include!("/proc/self/environ")`'),
    ('include!(r#"../../elsewhere/secret.rs"#);\n', 'src/lib.rs:5: `include!(r#"../../elsewhere/secret.rs"#)`'),
], ids=["path-absolute", "path-climbing-out", "include-absolute", "include-raw-climbing-out"])
def test_a_declaration_leading_out_of_the_project_is_one_note(tmp_path, source, declared):
    root = project(tmp_path, source)
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    one_note(run, f"{declared} names ", "outside the project (.); not read")
    assert run.findings() == [("src/lib.rs", 3, "greet")]


def test_a_declared_module_file_that_is_a_symlink_out_is_named_by_its_declaration(tmp_path):
    root = project(tmp_path, "mod env;\n")
    (root / "src" / "env.rs").symlink_to("/proc/self/environ")
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    one_note(run, "src/lib.rs:5: `mod env;` names src/env.rs: a symlink to /proc/self/environ, outside the project")
    good_finding_kept(run)


def test_a_declared_module_in_a_symlinked_folder_out_is_named_by_its_declaration(tmp_path):
    # The twin: the link is a folder (`vendor/` -> elsewhere), the module its mod.rs, and the
    # project is marked by its Cargo.toml alone.
    root = project(tmp_path, "mod vendor;\n", git=False)
    (tmp_path / "elsewhere" / "mod.rs").write_text(LEAKY)
    (root / "src" / "vendor").symlink_to(tmp_path / "elsewhere")
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    one_note(run, "src/lib.rs:5: `mod vendor;` names src/vendor/mod.rs: in src/vendor, a symlink to ")
    good_finding_kept(run)


@pytest.mark.parametrize("link", ["file", "folder"])
def test_a_symlink_out_that_nothing_declares_is_one_note_of_its_own(tmp_path, link):
    root = project(tmp_path)
    if link == "file":
        (root / "src" / "stray.rs").symlink_to(tmp_path / "elsewhere" / "secret.rs")
    else:
        (root / "www").symlink_to(tmp_path / "elsewhere")  # walked for hosts: not followed
        (tmp_path / "elsewhere" / "app.js").write_text(f"const t = '{SECRET}';\nconst v = new Uint8Array(memory.buffer);\n")
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    one_note(run, "src/stray.rs: a symlink to " if link == "file" else "www: a symlink to ", "outside the project (.)")
    assert run.findings() == [("src/lib.rs", 3, "greet")]


@pytest.mark.parametrize("table", ["[lib]", "[[bin]]"])
def test_a_target_path_in_cargo_toml_leading_out_is_one_note(tmp_path, table):
    # A [lib] path out of the project leaves the binary (src/main.rs) as the crate's good file; a
    # [[bin]] path out leaves the library.
    written = "/proc/self/environ" if table == "[lib]" else "../elsewhere/secret.rs"
    extra = f'\n{table}\nname = "demo"\npath = "{written}"\n'
    root = project(tmp_path, manifest_extra=extra, files={"src/main.rs": GOOD} if table == "[lib]" else {})
    if table == "[lib]":
        (root / "src" / "lib.rs").unlink()
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    one_note(run, f'Cargo.toml:8: `{table} path = "{written}"` names ', "outside the project (.); not read")
    good = "src/main.rs" if table == "[lib]" else "src/lib.rs"
    assert run.findings() == [(good, 3, "greet")]


@pytest.mark.parametrize("member", ["../elsewhere/*", "linked"])
def test_a_workspace_member_out_of_the_project_is_one_note(tmp_path, member):
    workspace = tmp_path / "project"
    (workspace / "good" / "src").mkdir(parents=True)
    (workspace / ".git").mkdir()
    (workspace / "good" / "Cargo.toml").write_text('[package]\nname = "good"\nversion = "0.1.0"\n')
    (workspace / "good" / "src" / "lib.rs").write_text(GOOD)
    (workspace / "Cargo.toml").write_text(f'[workspace]\nmembers = ["good", "{member}"]\n')
    outsider = tmp_path / "elsewhere" / "crate"
    (outsider / "src").mkdir(parents=True)
    (outsider / "Cargo.toml").write_text('[package]\nname = "outsider"\nversion = "0.1.0"\n')
    (outsider / "src" / "lib.rs").write_text(LEAKY)
    if member == "linked":
        (workspace / "linked").symlink_to(outsider)
    run = wasmlint(".", cwd=workspace)
    assert run.code == 1
    one_note(run, f'Cargo.toml: workspace member "{member}" names ', "outside the project (.); not read")
    assert run.findings() == [("good/src/lib.rs", 3, "greet")]


@pytest.mark.parametrize("kind", ["wat", "js"])
def test_a_module_or_host_found_through_a_symlink_out_is_not_read(tmp_path, kind):
    # A folder without a crate: the walk finds modules and hosts; one of each kind links out.
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    (root / "lib.rs").write_text(GOOD)
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / f"leak.{kind}"
    target.write_text(f"(module {SECRET}" if kind == "wat" else f"{SECRET} = = (\n")
    (root / f"leak.{kind}").symlink_to(target)
    run = wasmlint(".", cwd=root)
    assert run.code == 1, run.stderr
    one_note(run, f"leak.{kind}: a symlink to {target}, outside the project (.); not read")
    assert run.findings() == [("lib.rs", 3, "greet")]


# -- what the project names that is not a regular file, or not there -----------------------------


@pytest.mark.parametrize("special", ["fifo", "dev-zero"])
def test_a_path_attribute_naming_a_special_file_is_one_note_and_never_hangs(tmp_path, special):
    root = project(tmp_path, '#[path = "gen/data.txt"]\nmod data;\n')
    (root / "src" / "gen").mkdir()
    if special == "fifo":
        os.mkfifo(root / "src" / "gen" / "data.txt")  # reading it would block forever
        why = "not a regular file (a FIFO); not read"
    else:
        (root / "src" / "gen" / "data.txt").symlink_to("/dev/zero")  # reading it would never end
        why = "not a regular file (a character device); not read"
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    assert one_note(run) == f'src/lib.rs:6: `#[path = "gen/data.txt"] mod data;` names src/gen/data.txt: {why}'
    good_finding_kept(run)


@pytest.mark.parametrize("declaration", ['#[path = "gen/out.rs"]\nmod out;\n', 'include!("gen/out.rs");\n'],
                         ids=["path", "include"])
def test_a_declaration_naming_a_missing_file_is_one_note(tmp_path, declaration):
    root = project(tmp_path, declaration)
    run = wasmlint(".", cwd=root)
    assert run.code == 1
    line = 6 if declaration.startswith("#") else 5
    written = declaration.splitlines()[-1].rstrip(";") if declaration.startswith("include") else '#[path = "gen/out.rs"] mod out;'
    path = "src/gen/out.rs"
    assert one_note(run) == f"src/lib.rs:{line}: `{written}` names {path}: no such file"
    good_finding_kept(run)


@pytest.mark.parametrize("given", ["file", "folder"])
def test_a_broken_symlink_is_named_by_its_own_path_not_its_target(tmp_path, given):
    root = tmp_path / "project"
    root.mkdir()
    (root / "lib.rs").write_text(GOOD)
    (root / "gone.rs").symlink_to("nowhere.rs")
    run = wasmlint("gone.rs" if given == "file" else ".", cwd=root)
    assert run.code == 2
    assert [line for line in run.stderr if "gone.rs" in line] == [
        "error: gone.rs: broken symlink to nowhere.rs (No such file or directory)"]
    assert "nowhere.rs:" not in "\n".join(run.stderr)
    if given == "folder":
        assert run.findings() == [("lib.rs", 3, "greet")]


# -- rustc's string escapes in #[path] and include! -----------------------------------------------


@pytest.mark.parametrize("literal", [r'"sub\x2fh.rs"', r'"sub\u{2f}h.rs"', r'r#"sub/h.rs"#', '"s\\\n    ub/h.rs"'],
                         ids=["hex", "unicode", "raw", "line-continuation"])
def test_path_attribute_strings_are_read_with_rustc_escapes(tmp_path, literal):
    root = project(tmp_path, f"#[path = {literal}]\nmod h;\n",
                   files={"src/sub/h.rs": GOOD.replace("greet", "helper_export")})
    run = wasmlint(".", cwd=root)
    assert run.code == 1 and run.notes == []
    assert ("src/sub/h.rs", 3, "helper_export") in run.findings("format-in-export")
    good_finding_kept(run)


@pytest.mark.parametrize("literal", [r'"sub\x2fi.rs"', r'r"sub/i.rs"'], ids=["hex", "raw"])
def test_include_strings_are_read_with_rustc_escapes(tmp_path, literal):
    included = '#[no_mangle]\npub extern "C" fn included(n: i32) -> usize {\n    format!("{}", n).len()\n}\n'
    root = project(tmp_path, f"include!({literal});\n", files={"src/sub/i.rs": included})
    run = wasmlint(".", cwd=root)
    assert run.code == 1 and run.notes == []
    assert ("src/sub/i.rs", 3, "included") in run.findings("format-in-export")


# -- paths a user or a configuration names: one guard -----------------------------------------------


def special_file(path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


SPECIAL = {"fifo": "not a regular file (a FIFO); not read", "dev-zero": "not a regular file (a character device); not read"}


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_baseline_or_config_file_is_one_error_line(tmp_path, kind):
    root = project(tmp_path)
    special = special_file(tmp_path / "special.json", kind)
    for option, words in (("--baseline", f"{special}: cannot read baseline: {SPECIAL[kind]}"),
                          ("--config", f"{special}: {SPECIAL[kind]}")):
        run = wasmlint(".", option, special, cwd=root)
        assert run.code == 2 and run.stderr == [f"error: {words}"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_wasmlint_toml_or_rule_file_is_one_error_line(tmp_path, kind):
    root = project(tmp_path)
    special_file(root / "wasmlint.toml", kind)
    run = wasmlint(".", cwd=root)
    assert run.code == 2 and run.stderr == [f"error: {root / 'wasmlint.toml'}: {SPECIAL[kind]}"]
    (root / "wasmlint.toml").unlink()
    (root / "wasmlint.toml").write_text('rules-dirs = ["lint"]\n')
    (root / "lint").mkdir()
    special_file(root / "lint" / "mine.toml", kind)
    run = wasmlint(".", cwd=root)
    assert run.code == 2 and run.stderr == [f"error: {root / 'lint' / 'mine.toml'}: {SPECIAL[kind]}"]


@pytest.mark.parametrize("name", ["wasmlint.toml", "Cargo.toml"])
def test_a_configuration_file_linked_out_of_the_project_is_not_read(tmp_path, name):
    # Outside: a configuration that would ignore every rule. A wasmlint.toml leading out is an
    # error; a crate folder whose Cargo.toml leads out is not this project's crate (a note), and
    # its metadata configures nothing.
    root = project(tmp_path)
    outside = tmp_path / "elsewhere" / name
    table = '[package]\nname = "x"\nversion = "0.1.0"\n[package.metadata.wasmlint]\n' if name == "Cargo.toml" else ""
    outside.write_text(f'{table}ignore = ["*"]\n')
    if name == "Cargo.toml":
        # A folder of crates (no Cargo.toml at its top): each crate folder found is checked.
        top = tmp_path / "top"
        (top / ".git").mkdir(parents=True)
        os.rename(root, top / "good")
        (top / "good" / ".git").rmdir()
        (top / "linked").mkdir()
        (top / "linked" / "Cargo.toml").symlink_to(outside)
        (top / "linked" / "lib.rs").write_text(LEAKY)
        run = wasmlint(".", cwd=top)
        assert run.code == 1
        one_note(run, "linked/Cargo.toml: a symlink to ", "outside the project (.); not read")
        assert run.findings() == [("good/src/lib.rs", 3, "greet")]
    else:
        (root / "wasmlint.toml").symlink_to(outside)
        run = wasmlint(".", cwd=root)
        assert run.code == 2
        assert run.stderr == [f"error: {root / 'wasmlint.toml'}: a symlink leading outside the project; not read"]


@pytest.mark.parametrize("key", ["scenarios", "rules-dirs"])
def test_configured_paths_must_stay_in_the_project(tmp_path, key):
    root = project(tmp_path)
    value = "/proc/self/environ" if key == "scenarios" else "../elsewhere"
    (root / "wasmlint.toml").write_text(f'{key} = ["{value}"]\n')
    run = wasmlint(".", cwd=root)
    shown = (root / value).as_posix()
    assert run.code == 2
    assert run.stderr == [f"error: {root / 'wasmlint.toml'}: `{key}`: {shown} is outside the project ({root}); not read"]


WAT = '(module (memory (export "memory") 1) (func (export "grow") (result i32) (memory.grow (i32.const 1))))\n'


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_scenario_or_module_is_one_error_line_and_the_run_goes_on(tmp_path, kind):
    # A folder (no crate) holding a loose .rs file and a module: both are checked.
    root = tmp_path / "project"
    root.mkdir()
    (root / "lib.rs").write_text(GOOD)
    (root / "grow.wat").write_text(WAT)
    special = special_file(tmp_path / f"special-{kind}", kind)
    for option in ("--wasm", "--scenario"):
        run = wasmlint(".", option, special, *(["--confirm"] if option == "--scenario" else []), cwd=root)
        assert run.code == 2 and run.stderr == [f"error: {special}: {SPECIAL[kind]}"], option
        assert ("lib.rs", 3, "greet") in run.findings("format-in-export")
        assert any(path == "grow.wat" for path, _, _ in run.findings()), run.findings()


# -- the results cache ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_cache_entry_replaced_by_a_special_file_is_a_miss(tmp_path, kind):
    root = project(tmp_path)
    cache = tmp_path / "cache"
    first = wasmlint(".", "--cache-dir", cache, cwd=root)
    entries = sorted(cache.glob("[0-9a-f][0-9a-f]/*.json")) + sorted(cache.glob("rules/*/*.json"))
    assert len(entries) == 2
    for entry in entries:
        entry.unlink()
        special_file(entry, kind)
    again = wasmlint(".", "--cache-dir", cache, cwd=root)
    assert again.code == first.code == 1 and again.json["findings"] == first.json["findings"]
    assert all(entry.is_file() for entry in entries)  # written again, by rename over the special file


@pytest.mark.parametrize("shape", ["user-file", "symlink"])
def test_clean_removes_only_what_the_cache_wrote(tmp_path, shape):
    root = project(tmp_path)
    cache = tmp_path / "cache"
    wasmlint(".", "--cache-dir", cache, cwd=root)
    (mine,) = sorted(cache.glob("[0-9a-f][0-9a-f]/*.json"))
    keeps = tmp_path / "keep.json"
    keeps.write_text('{"mine": true}\n')
    theirs = mine.parent / (("a" * 40 if mine.stem != "a" * 40 else "b" * 40) + ".json")  # an entry's name
    if shape == "user-file":
        theirs.write_text('{"mine": true}\n')
    else:
        theirs.symlink_to(keeps)
    # XDG_CACHE_HOME: clean also removes the user cache's build folders, which are not this test's
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    result = subprocess.run([sys.executable, "-m", "wasmlint", "clean", "--cache-dir", str(cache)], env=env,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0 and result.stdout.startswith("removed 2 cached results"), result.stdout
    assert not mine.exists()
    assert os.path.lexists(theirs) and keeps.read_text() == '{"mine": true}\n'


# -- a module given twice --------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["same", "through-a-link"])
def test_a_module_found_by_the_walk_and_given_with_wasm_is_reported_once(tmp_path, spelling):
    root = tmp_path / "project"
    root.mkdir()
    (root / "grow.wat").write_text(WAT)
    given = root / "grow.wat"
    if spelling == "through-a-link":
        (tmp_path / "alias.wat").symlink_to(given)
        given = tmp_path / "alias.wat"
    alone = wasmlint(".", cwd=root)
    both = wasmlint(".", "--wasm", given, cwd=root)
    assert alone.findings() and len(both.findings()) == len(alone.findings())
    assert both.json["summary"]["files_checked"] == alone.json["summary"]["files_checked"] == 1


@pytest.mark.parametrize("named_by", ["declaration", "--baseline"])
def test_a_file_over_its_size_cap_is_one_error_line_and_never_read(tmp_path, named_by):
    # Sparse files: their size is a number in the inode, so the test costs no disk and no time;
    # a read that ignored the cap would take gigabytes.
    root = project(tmp_path, "mod big;\n" if named_by == "declaration" else "")
    big = root / "src" / "big.rs" if named_by == "declaration" else tmp_path / "baseline.json"
    with open(big, "wb") as handle:
        handle.truncate(4 << 30)
    run = wasmlint(".", *(["--baseline", big] if named_by == "--baseline" else []), cwd=root)
    assert run.code == 2
    if named_by == "declaration":
        assert run.stderr == ["error: src/big.rs: 4.0 GiB, over the 64 MiB cap for one file; not read"]
        good_finding_kept(run)
    else:
        assert run.stderr == [f"error: {big}: cannot read baseline: 4.0 GiB, over the 256 MiB cap for one file; not read"]


MIB = 1 << 20


@pytest.mark.parametrize(("relative", "size", "said"), [
    # Just over the cap, a size rounded to 0.1 MiB would read as the cap itself: bytes are exact.
    ("src/big.rs", 64 * MIB + 1, "67,108,865 bytes, over the 64 MiB cap for one file"),
    ("host/index.js", 100 * MIB + 300 * 1024, "100.3 MiB, over the 64 MiB cap for one file"),
    ("wasmlint.toml", 31 * MIB + MIB // 5, "31.2 MiB, over the 16 MiB cap for one file"),
])
def test_a_file_over_its_cap_is_named_with_its_size_and_the_cap(tmp_path, relative, size, said):
    # A source file its crate declares, a host file found by the walk, the configuration: each is
    # one line naming the file, its size and the cap (sparse files: no disk, no time).
    root = project(tmp_path, "mod big;\n" if relative == "src/big.rs" else "")
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    with open(root / relative, "wb") as handle:
        handle.truncate(size)
    run = wasmlint(".", cwd=root)
    shown = relative if relative != "wasmlint.toml" else str(root / relative)  # a config is named as given
    assert run.code == 2
    assert run.stderr == [f"error: {shown}: {said}; not read"]
    if relative != "wasmlint.toml":  # a configuration it cannot read stops the run before any check
        good_finding_kept(run)
