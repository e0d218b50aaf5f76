"""What a user of ruff or eslint expects of a command line: -h and -V, shell completion, no colour
where the terminal cannot show it, `check -` for editors, a LICENSE that matches the metadata."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import REPO, wasmlint_on_a_terminal

ESC = "\x1b["

CARGO_TOML = '[package]\nname = "shouter"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n'
LIB = """\
mod text;

static mut OUT: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn shout(len: usize) -> usize {
    let out = unsafe { &mut *core::ptr::addr_of_mut!(OUT) };
    text::upper_in_place(&mut out[..len.min(64)])
}
"""
CLEAN_TEXT = "pub fn upper_in_place(bytes: &mut [u8]) -> usize {\n    bytes.make_ascii_uppercase();\n    bytes.len()\n}\n"
ALLOCATING_TEXT = (
    "pub fn upper_in_place(bytes: &mut [u8]) -> usize {\n    bytes.make_ascii_uppercase();\n"
    "    let note = format!(\"{} bytes\", bytes.len());\n    note.len()\n}\n"
)


def make_crate(root: Path, text: str = CLEAN_TEXT) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(CARGO_TOML)
    (root / "src" / "lib.rs").write_text(LIB)
    (root / "src" / "text.rs").write_text(text)
    return root


def wasmlint(*args: str, stdin: str | None = None, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "wasmlint", *args], input=stdin, cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


# -- -h, -V, completion ----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["-h"], ["check", "-h"], ["clean", "-h"]])
def test_dash_h_is_help(args):
    short, long = wasmlint(*args), wasmlint(*args[:-1], "--help")
    assert short.returncode == 0 and short.stdout == long.stdout and "Usage: wasmlint" in short.stdout


def test_dash_capital_v_is_the_version():
    from wasmlint import __version__

    short, long = wasmlint("-V"), wasmlint("--version")
    assert short.returncode == 0 and short.stdout == long.stdout == f"wasmlint {__version__}\n"


def test_shell_completion_completes_commands_and_options():
    assert "--install-completion" in wasmlint("-h").stdout
    # typer names the shell from the process's ancestors (shellingham), not from an argument or
    # $SHELL: run it under bash, which stays its parent (`; exit` keeps bash from exec'ing it), so
    # that the test does not depend on how the suite itself was started.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = subprocess.run(["bash", "-c", '"$0" -m wasmlint --show-completion; exit $?', sys.executable],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert script.returncode == 0 and "_wasmlint_completion" in script.stdout, script.stderr
    env = {"_WASMLINT_COMPLETE": "complete_bash", "COMP_WORDS": "wasmlint ch", "COMP_CWORD": "1"}
    assert wasmlint(env=env).stdout.split() == ["check"]
    env.update(COMP_WORDS="wasmlint check --stdin", COMP_CWORD="2")
    assert wasmlint(env=env).stdout.split() == ["--stdin-filename"]


@pytest.mark.parametrize("columns", [60, 100])
def test_help_is_wrapped_to_the_terminal(columns):
    shown = wasmlint("check", "-h", env={"COLUMNS": str(columns)}).stdout
    assert max(map(len, shown.splitlines())) <= columns, shown


# -- colour ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env, coloured", [
    ({"TERM": "xterm-256color"}, True),
    ({"TERM": "dumb"}, False),
    ({"TERM": "xterm-256color", "NO_COLOR": "1"}, False),
    ({"TERM": "dumb", "FORCE_COLOR": "1"}, True),  # asked for by name: the user knows their terminal
])
def test_colour_only_on_a_terminal_that_shows_it(tmp_path, env, coloured):
    crate = make_crate(tmp_path / "crate", ALLOCATING_TEXT)
    shown = wasmlint_on_a_terminal("check", str(crate), "--no-cache", env=env, cwd=tmp_path)
    assert "error[format-in-export]" in re.sub(r"\x1b\[[0-9;]*m", "", shown), shown
    assert (ESC in shown) is coloured, shown


def test_no_colour_in_a_pipe_even_with_a_colour_terminal(tmp_path):
    crate = make_crate(tmp_path / "crate", ALLOCATING_TEXT)
    piped = wasmlint("check", str(crate), "--no-cache", env={"TERM": "xterm-256color", "NO_COLOR": ""})
    assert "error[format-in-export]" in piped.stdout and ESC not in piped.stdout


# -- check - --stdin-filename ----------------------------------------------------------------------


def test_stdin_stands_for_the_named_file_and_the_crate_comes_from_disk(tmp_path):
    crate = make_crate(tmp_path / "crate")  # text.rs on disk is clean
    given = wasmlint("check", "-", "--stdin-filename", "src/text.rs", "--no-cache", stdin=ALLOCATING_TEXT, cwd=crate)
    assert given.returncode == 1, given.stdout + given.stderr
    # Reported under the name given, at the line of the text on stdin, reached from lib.rs's export.
    assert "error[format-in-export]" in given.stdout and "--> src/text.rs:3:16" in given.stdout, given.stdout
    assert "shout" in given.stdout and 'let note = format!("{} bytes", bytes.len());' in given.stdout
    assert (crate / "src" / "text.rs").read_text() == CLEAN_TEXT  # nothing written
    on_disk = wasmlint("check", "src/text.rs", "--no-cache", cwd=crate)
    assert on_disk.returncode == 0, on_disk.stdout


def test_stdin_can_fix_what_the_disk_has(tmp_path):
    crate = make_crate(tmp_path / "crate", ALLOCATING_TEXT)
    given = wasmlint("check", "--stdin-filename", str(crate / "src" / "text.rs"), "--format", "json", "--no-cache",
                     stdin=CLEAN_TEXT, cwd=tmp_path)
    assert given.returncode == 0, given.stdout + given.stderr


def test_stdin_for_a_file_outside_any_crate_is_checked_alone(tmp_path):
    loose = tmp_path / "loose.rs"
    loose.write_text("#[no_mangle]\npub extern \"C\" fn size() -> usize { 4 }\n")
    text = "#[no_mangle]\npub extern \"C\" fn size() -> usize {\n    vec![1u8; 4].len()\n}\n"
    given = wasmlint("check", "-", "--stdin-filename", "loose.rs", "--no-cache", stdin=text, cwd=tmp_path)
    assert given.returncode == 1 and "error[vec-macro-in-export]" in given.stdout, given.stdout
    assert "--> loose.rs:3:5" in given.stdout, given.stdout


def test_stdin_for_a_host_is_judged_by_the_crate_it_loads(tmp_path):
    import shutil

    from conftest import GUESTS

    crate = tmp_path / "game-of-life"
    shutil.copytree(GUESTS / "game-of-life", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    stale = (GUESTS / "game-of-life-stale" / "www" / "index.js").read_text().replace("game-of-life-stale", "game-of-life") \
        .replace("game_of_life_stale_bg", "game_of_life_bg")
    given = wasmlint("check", "-", "--stdin-filename", "www/index.js", "--no-cache", stdin=stale, cwd=crate)
    assert given.returncode == 1 and "error[stale-memory-view]" in given.stdout, given.stdout + given.stderr
    assert "--> www/index.js:18:21" in given.stdout and "Universe::tick" in given.stdout, given.stdout
    assert wasmlint("check", "www/index.js", "--no-cache", cwd=crate).returncode == 0  # the file on disk is fine


@pytest.mark.parametrize("args, says", [
    (["check", "-"], "add --stdin-filename PATH"),
    (["check", "-", "src", "--stdin-filename", "src/text.rs"], "give `-` as the only path"),
    (["check", "-", "--stdin-filename", "src/missing.rs"], "src/missing.rs: --stdin-filename must name an existing file"),
])
def test_stdin_misuse_is_one_line(tmp_path, args, says):
    crate = make_crate(tmp_path / "crate")
    done = wasmlint(*args, stdin=CLEAN_TEXT, cwd=crate)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert says in done.stderr, done.stderr


# -- the licence ----------------------------------------------------------------------------------


def test_the_license_file_is_the_one_the_metadata_names():
    metadata = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    text = (REPO / "LICENSE").read_text()
    assert metadata["license"] == "MIT" and text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} wasmlint contributors$", text, re.M)
