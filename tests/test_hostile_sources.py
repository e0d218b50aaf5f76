"""Hostile inputs to `check`: whatever sits beside a crate's good file, the run ends, says in one
line what it could not read, and still reports the good file's finding."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

DIRTY = '#[no_mangle]\npub extern "C" fn greet(n: i32) -> usize {\n    format!("{}", n).len()\n}\n'


def make_crate(root: Path, name: str = "demo", files: dict[str, str | bytes] | None = None) -> Path:
    """A crate whose src/lib.rs has one real finding (format-in-export, line 3), plus `files`; those
    directly in src/ are declared as modules after it, so that they are part of the crate."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    modules = [Path(relative).stem for relative in files or {} if re.fullmatch(r"src/\w+\.rs", relative)]
    (root / "src/lib.rs").write_text(DIRTY + "".join(f"mod {module};\n" for module in modules))
    for relative, data in (files or {}).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return root


def check(*paths: Path, timeout: float = 120) -> tuple[int, list[dict], list[str]]:
    """`wasmlint check --format json` in its own process (a hang fails the test instead of
    stalling the suite): exit code, findings, and the stderr lines."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    result = subprocess.run([sys.executable, "-m", "wasmlint", "check", *map(str, paths), "--format", "json"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)["findings"], result.stderr.splitlines()


def good_finding_kept(findings: list[dict], crate: Path) -> None:
    assert any(f["rule_id"] == "format-in-export" and f["path"].endswith(f"{crate.name}/src/lib.rs")
               and f["line"] == 3 for f in findings), findings


def one_error(stderr: list[str], *, names: str, says: str) -> str:
    """Exactly one stderr line, an `error:` naming the file, with the given words."""
    assert len(stderr) == 1, stderr
    line = stderr[0]
    assert line.startswith("error: ") and names in line and says in line, line
    return line


def parse_error(findings: list[dict], name: str) -> dict:
    (found,) = [f for f in findings if f["rule_id"] == "parse-error" and f["path"].endswith(name)]
    return found


# -- files that are not Rust, or not text ------------------------------------------------------


def test_binary_garbage_named_rs_is_a_parse_error_at_its_first_bad_byte(tmp_path):
    garbage = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 16  # NUL, ESC, 0x80..0xff
    crate = make_crate(tmp_path / "c", files={"src/blob.rs": garbage})
    code, findings, stderr = check(crate)
    assert code == 1 and stderr == []
    found = parse_error(findings, "src/blob.rs")
    assert found["line"] == 2 and "not valid UTF-8 at byte 136" in found["message"]  # 0x80, after a \n
    good_finding_kept(findings, crate)


def test_text_in_another_encoding_is_a_parse_error(tmp_path):
    latin1 = "// Grüße aus Köln\nfn f() {}\n".encode("latin-1")
    crate = make_crate(tmp_path / "c", files={"src/latin.rs": latin1})
    code, findings, _ = check(crate)
    assert code == 1
    assert "not valid UTF-8 at byte 5" in parse_error(findings, "src/latin.rs")["message"]
    good_finding_kept(findings, crate)


def test_control_characters_in_a_broken_file_are_escaped_in_the_message(tmp_path):
    crate = make_crate(tmp_path / "c", files={"src/esc.rs": "fn f() { \x1b[2J \x00 }\n"})
    code, findings, _ = check(crate)
    message = parse_error(findings, "src/esc.rs")["message"]
    assert "\x1b" not in message and "\x00" not in message and "\\x1b[2J" in message
    good_finding_kept(findings, crate)


@pytest.mark.parametrize("text", ["fn f() { ( ] } } ) {{{ \n fn g( { [ \n", ")))]]]}}}\n", "fn f() {\n"])
def test_unbalanced_delimiters_are_a_parse_error(tmp_path, text):
    crate = make_crate(tmp_path / "c", files={"src/unbalanced.rs": text})
    code, findings, stderr = check(crate)
    assert code == 1 and stderr == []
    assert parse_error(findings, "src/unbalanced.rs")["line"] >= 1
    good_finding_kept(findings, crate)


# -- size and depth ----------------------------------------------------------------------------


def generated_file(size: int) -> str:
    """Generated code as bindings generators write it: documented constants and structs, a long
    chain of small functions, an exported entry point, and a finding at the very end."""
    parts, total, i = [], 0, 0
    while total < size:
        part = (f"/// Bindings for item {i}: generated from the C header; see the upstream documentation of\n"
                f"/// `item_{i}` for the meaning of the fields and of the constant below.\n"
                f"pub const K_{i}: u32 = {i};\n"
                f"#[repr(C)]\npub struct S{i} {{ pub a: u32, pub b: [u8; 4] }}\n"
                f"pub fn step_{i}(x: u32) -> u32 {{\n    let y = x.wrapping_mul(K_{i}).rotate_left(3);\n"
                f"    if y % 7 == 0 {{ step_{i + 1}(y) }} else {{ y ^ 0x5a5a }}\n}}\n")
        parts.append(part)
        total += len(part)
        i += 1
    parts.append(f'pub fn step_{i}(x: u32) -> u32 {{ format!("{{}}", x).len() as u32 }}\n')
    parts.append('#[no_mangle]\npub extern "C" fn entry(x: u32) -> u32 { step_0(x) }\n')
    return "".join(parts)


def test_a_10_mb_generated_file_is_analysed_in_reasonable_time(tmp_path):
    text = generated_file(10 * 1024 * 1024)
    crate = make_crate(tmp_path / "c", files={"src/generated.rs": "\n" + text})
    code, findings, stderr = check(crate)  # about 10 s here; quadratic walks took minutes (timeout)
    assert code == 1 and stderr == []
    # The finding at the end of the call chain, reached through every step_N from `entry`.
    (deep,) = [f for f in findings if f["path"].endswith("src/generated.rs")]
    assert deep["rule_id"] == "format-in-export" and deep["symbol"] == "entry"
    assert deep["line"] == text.count("\n") - 1  # the last step_N, below the leading blank line
    good_finding_kept(findings, crate)


N = 5000


def deep_files() -> dict[str, str]:
    """Each file nests something N deep, with a finding at the bottom that must not be lost."""
    def export(name: str, body: str) -> str:
        return f'#[no_mangle]\npub extern "C" fn {name}(n: i32) -> usize {{\n{body}\n}}\n'

    return {
        "src/parens.rs": export("parens", "(" * N + 'format!("{}", n).len()' + ")" * N),
        "src/blocks.rs": export("blocks", "{" * N + "n.to_string().len()" + "}" * N),
        "src/closures.rs": export("closures", "let f = " + "|| " * N + 'format!("x"); 0'),
        # Receivers and initialisers whose type is found by unwrapping N layers.
        "src/receiver.rs": export("receiver", "let mut s = " + "(" * N + "String::new()" + ")" * N + ";\n"
                                  + "(" * N + "s" + ")" * N + '.push_str("x"); 0'),
        "src/fields.rs": "pub struct A { pub a: String }\n"
                         + export("fields", "let mut x = A { a: String::new() };\n" + "(&mut x)" + ".a" * N + "; x.a.push('c'); 0"),
        "src/uses.rs": "use " + "::".join(["m"] * N) + ";\nuse x::{" + "y::{" * N + "z" + "}" * N + "};\n"
                       + export("uses", "n.to_string().len()"),
        "src/mods.rs": "pub mod m { " * 500 + 'pub fn f() -> usize { format!("x").len() }' + " }" * 500 + "\n"
                       + export("mods", "crate::mods::" + "::".join(["m"] * 500) + "::f()"),
        # Long flat chains: a binary expression and a method chain 1000 long (each a tree 1000 deep).
        "src/sums.rs": export("sums", " + ".join(['format!("a").len()'] * 1000)),
        "src/chain.rs": export("chain", "let s = String::new();\ns" + ".clone()" * 1000 + ".len()"),
    }


def test_deep_nesting_neither_recurses_nor_stalls_and_keeps_the_findings(tmp_path):
    files = deep_files()
    crate = make_crate(tmp_path / "c", files=files)
    (crate / "src/lib.rs").write_text("".join(f"mod {Path(p).stem};\n" for p in files) + DIRTY)
    code, findings, stderr = check(crate, timeout=60)
    assert code == 1 and stderr == []
    found = {(Path(f["path"]).stem, f["rule_id"]) for f in findings}
    assert {("parens", "format-in-export"), ("blocks", "to-string-in-export"), ("closures", "format-in-export"),
            ("receiver", "push-in-export"), ("fields", "push-in-export"), ("uses", "to-string-in-export"),
            ("mods", "format-in-export"), ("sums", "format-in-export"), ("chain", "clone-in-export")} <= found
    assert not [f for f in findings if f["rule_id"] == "parse-error"]
    assert ("lib", "format-in-export") in found


# -- what is not a readable file ---------------------------------------------------------------


def test_symlink_loops_are_reported_and_linked_folders_still_checked(tmp_path):
    extra = '#[no_mangle]\npub extern "C" fn extra() -> usize { format!("e").len() }\n'
    crate = make_crate(tmp_path / "c", files={"shared/extra.rs": extra})
    (crate / "src/lib.rs").write_text(DIRTY + '#[path = "linked/extra.rs"]\nmod extra;\n')
    os.symlink("../src", crate / "src/again")  # a folder that contains itself
    os.symlink("b.rs", crate / "src/a.rs")  # two files pointing at each other
    os.symlink("a.rs", crate / "src/b.rs")
    os.symlink("../shared", crate / "src/linked")  # an ordinary linked folder
    code, findings, stderr = check(crate)
    assert code == 2
    assert sorted(stderr) == [
        f"error: {crate}/src/a.rs: symlink loop (Too many levels of symbolic links)",
        f"error: {crate}/src/again: symlink loop: points to {crate}/src, a folder above it (not followed)",
        f"error: {crate}/src/b.rs: symlink loop (Too many levels of symbolic links)",
    ]
    good_finding_kept(findings, crate)
    assert any(f["path"] == f"{crate}/shared/extra.rs" for f in findings), findings


def test_a_fifo_named_rs_is_not_read(tmp_path):
    crate = make_crate(tmp_path / "c")
    os.mkfifo(crate / "src/pipe.rs")  # reading it would block forever
    code, findings, stderr = check(crate, timeout=60)
    assert code == 2
    one_error(stderr, names=f"{crate}/src/pipe.rs", says="not a regular file (a FIFO); not read")
    good_finding_kept(findings, crate)


def test_a_dangling_symlink_is_named_by_its_own_path(tmp_path):
    crate = make_crate(tmp_path / "c")
    os.symlink("nowhere.rs", crate / "src/gone.rs")
    code, findings, stderr = check(crate)
    assert code == 2
    one_error(stderr, names=f"{crate}/src/gone.rs:", says="broken symlink to nowhere.rs (No such file or directory)")
    good_finding_kept(findings, crate)


def test_a_file_that_cannot_be_read_is_an_error(tmp_path):
    crate = make_crate(tmp_path / "c", files={"src/secret.rs": "fn s() {}\n"})
    secret = crate / "src/secret.rs"
    if os.geteuid() == 0:
        # Root reads a chmod 000 file; /proc/self/mem is a regular file whose first page is
        # never mapped, so reading it fails (EIO) whoever reads it.
        secret.unlink()
        secret.symlink_to("/proc/self/mem")
        reason = "cannot read: Input/output error"
    else:
        secret.chmod(0)
        reason = "cannot read: Permission denied"
    try:
        code, findings, stderr = check(crate)
    finally:
        if not secret.is_symlink():
            secret.chmod(0o644)
    assert code == 2
    one_error(stderr, names=f"{crate}/src/secret.rs", says=reason)
    good_finding_kept(findings, crate)


# -- crates that are not well formed -----------------------------------------------------------


def test_a_crate_without_sources_beside_a_good_one(tmp_path):
    good = make_crate(tmp_path / "good")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty/Cargo.toml").write_text('[package]\nname = "empty"\nversion = "0.1.0"\n')
    for paths in ([tmp_path], [good, tmp_path / "empty"]):
        code, findings, stderr = check(*paths)
        assert code == 2
        one_error(stderr, names=f"{tmp_path}/empty/Cargo.toml", says="the crate has no Rust files (.rs) to check")
        good_finding_kept(findings, good)


def test_a_cargo_toml_that_is_not_toml_names_its_line_and_the_crate_is_still_read(tmp_path):
    good = make_crate(tmp_path / "good")
    broken = make_crate(tmp_path / "broken")
    (broken / "Cargo.toml").write_text('[package]\nname = "broken"\nversion = = "0.1.0"\n')
    code, findings, stderr = check(tmp_path)
    assert code == 2
    one_error(stderr, names=f"{broken}/Cargo.toml:3:11:", says="Cargo.toml is not valid TOML: Invalid value")
    good_finding_kept(findings, good)
    good_finding_kept(findings, broken)  # its sources do not need the manifest


def test_a_bug_in_one_crate_costs_that_crate_not_the_run(cli, tmp_path, monkeypatch):
    import wasmlint.check

    good = make_crate(tmp_path / "good")
    doomed = make_crate(tmp_path / "doomed")
    real = wasmlint.check.analyze_sources

    def analyze(files, *args, **kwargs):
        if any("doomed" in display for display, _, _ in files):
            raise RecursionError("maximum recursion depth exceeded")
        return real(files, *args, **kwargs)

    monkeypatch.setattr(wasmlint.check, "analyze_sources", analyze)
    code, out, err = cli("check", str(tmp_path), "--format", "json")
    assert code == 2
    assert err.splitlines() == [f"error: {doomed}/Cargo.toml: internal error, crate not analysed "
                                "(RecursionError: maximum recursion depth exceeded); please report it"]
    good_finding_kept(json.loads(out)["findings"], good)


def test_a_long_generated_call_chain_keeps_each_call_path_short(tmp_path):
    """4000 functions calling each other, each with `format!`: each finding's path keeps its first
    and last hops around one "... (N more) ..." hop, so the report grows linearly, not quadratically."""
    chain = [f'fn f{i}() -> usize {{ format!("{{}}", {i}).len() + {f"f{i + 1}()" if i < 3999 else "0"} }}'
             for i in range(4000)]
    crate = make_crate(tmp_path / "c", files={"src/chain.rs": "\n".join(chain) + "\n"})
    lib = crate / "src/lib.rs"
    lib.write_text(lib.read_text() + '\nmod chain;\n#[no_mangle]\npub extern "C" fn start() -> usize { chain::f0() }\n')
    code, findings, _ = check(crate)
    deep = [f for f in findings if f["path"].endswith("chain.rs")]
    assert code == 1 and len(deep) == 4000
    last = next(f for f in deep if f["line"] == 4000)
    assert last["call_path"] == ["start", *(f"f{i}" for i in range(11)), "... (3983 more) ...",
                                 *(f"f{i}" for i in range(3994, 4000)), "format!"]
    assert max(len(f["call_path"]) for f in deep) == len(last["call_path"])
    good_finding_kept(findings, crate)
