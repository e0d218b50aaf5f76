"""The text report: code excerpts that stay readable (long lines, wide and control characters) and
call paths that stay short, checked on real files and the exact lines printed."""

from __future__ import annotations

import pytest

from wasmlint.findings import Finding, Layer, Report, Severity
from wasmlint.reporters import text


@pytest.fixture
def source(tmp_path, monkeypatch):
    """Write `src/lib.rs` with the given lines; findings name it relative to the working folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()

    def write(*lines: str) -> str:
        (tmp_path / "src/lib.rs").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return "src/lib.rs"

    return write


def finding_on(line_text: str, construct: str, line: int = 2, **changes) -> Finding:
    """A finding on the first `construct` in `line_text` (columns in characters, as the layers give)."""
    column = line_text.index(construct) + 1
    values = dict(rule_id="format-in-export", severity=Severity.ERROR, message="`format!` allocates a `String`",
                  path="src/lib.rs", line=line, column=column, end_line=line, end_column=column + len(construct),
                  layer=Layer.SOURCE, symbol="set_name", snippet=construct)
    values.update(changes)
    return Finding(**values)


def excerpt(finding: Finding) -> tuple[str, str]:
    """The code line and the caret line of the rendered finding, without their gutters."""
    lines = text.render(Report(findings=[finding], files_checked=1), {}).splitlines()
    code = next(i for i, line in enumerate(lines) if line.startswith(f"{finding.line} | "))
    prefix = len(f"{finding.line} | ")
    return lines[code][prefix:], lines[code + 1][prefix:]


def caret_columns(code: str, carets: str) -> str:
    """The part of `code` above the carets (valid when every shown character is one column wide)."""
    start = len(carets) - len(carets.lstrip(" "))
    return code[start:len(carets)]


def test_a_short_line_is_shown_whole_with_carets_under_the_construct(source):
    line = '    let greeting: String = format!("{}, {}!", sal, name);'
    source("pub fn set_name() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}, {}!", sal, name)'))
    assert code == line
    assert carets == " " * 27 + "^" * 29
    assert caret_columns(code, carets) == 'format!("{}, {}!", sal, name)'


def test_a_tab_widens_and_the_carets_follow(source):
    line = '\tlet s =\tformat!("{}", n);'
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}", n)'))
    assert code == '    let s = format!("{}", n);'  # tab stops every 4 columns
    assert caret_columns(code, carets) == 'format!("{}", n)'


def test_a_minified_line_is_cut_to_a_window_around_the_construct(source):
    line = "a=1;" * 100_000 + 'let s = format!("{}", n);' + "b=2;" * 100_000
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}", n)'))
    assert code.startswith("...") and code.endswith("...")
    assert len(code) <= text.EXCERPT_WIDTH
    assert caret_columns(code, carets) == 'format!("{}", n)'
    assert carets.strip(" ") == "^" * len('format!("{}", n)')
    # Centred: about as much code after the construct as before it.
    before, after = code.split('format!("{}", n)')
    assert before.endswith("a=1;a=1;let s = ") and after.startswith(";b=2;b=2;")
    assert abs(len(before) - len(after)) <= 4


@pytest.mark.parametrize("where", ["start", "end"])
def test_a_construct_near_one_end_of_a_long_line_is_cut_on_the_other_side_only(source, where):
    construct = 'format!("{}", n)'
    line = construct + ";x" * 5000 if where == "start" else "x;" * 5000 + construct
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, construct))
    assert code.startswith(construct) if where == "start" else code.endswith(construct)
    assert code.endswith("...") if where == "start" else code.startswith("...")
    assert len(code) <= text.EXCERPT_WIDTH
    assert caret_columns(code, carets) == construct


def test_a_construct_wider_than_the_window_keeps_some_code_before_it(source):
    construct = "vec![" + "0, " * 2000 + "]"
    line = "let data = " + construct + ";"
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, construct, rule_id="vec-macro-in-export"))
    assert code.startswith("let data = vec![0, 0,") and code.endswith("...")
    assert len(code) <= text.EXCERPT_WIDTH
    assert carets == " " * len("let data = ") + "^" * (len(code) - len("let data = ") - 3)


def test_wide_characters_before_the_construct_shift_the_carets(source):
    line = '    let s = "你好🦀"; let t = format!("{}", s);'
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}", s)'))
    assert code == line
    # Each of the three wide characters takes two columns on the terminal.
    assert carets == " " * (line.index("format!") + 3) + "^" * len('format!("{}", s)')


def test_wide_characters_inside_the_construct_get_two_carets_each(source):
    line = '    let s = format!("名前: {}", n);'
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("名前: {}", n)'))
    assert carets == " " * line.index("format!") + "^" * (len('format!("名前: {}", n)') + 2)


def test_a_long_line_of_wide_characters_stays_within_the_window(source):
    line = "// " + "漢" * 3000 + ' format!("{}", n) ' + "字" * 3000
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}", n)'))
    shown = sum(2 if ch in "漢字" else 1 for ch in code)
    assert shown <= text.EXCERPT_WIDTH
    assert len(carets) - len(carets.lstrip(" ")) == sum(2 if ch in "漢字" else 1 for ch in code[:code.index("format!")])


def test_control_characters_are_shown_as_escapes_not_sent_to_the_terminal(source):
    # One notation for every string from the analysed tree (wasmlint.terminal): the escape Python
    # writes in a string literal; the carets move right by the width the escapes add.
    line = '    let s = "\x1b[2J\x1b]0;pwned\x07\x08\r\x7f\x9b\u202e"; let t = format!("{}", s);'
    source("fn f() {", line, "}")
    code, carets = excerpt(finding_on(line, 'format!("{}", s)'))
    assert code == r'    let s = "\x1b[2J\x1b]0;pwned\x07\x08\r\x7f\x9b\u202e"; let t = format!("{}", s);'
    assert not any(ch < " " or "\x7f" <= ch < "\xa0" or ch == "\u202e" for ch in code)
    assert caret_columns(code, carets) == 'format!("{}", s)'


def test_a_form_feed_does_not_shift_the_line_numbers(source):
    # Only \n ends a line for the parser; str.splitlines would also split at the form feed.
    line = '    let t = format!("{}", s);'
    source("fn f() {\x0c", line, "}")
    code, _ = excerpt(finding_on(line, 'format!("{}", s)'))
    assert code == line


def test_a_rewritten_file_is_read_again(source, tmp_path):
    first = '    let a = format!("{}", s);'
    source("fn f() {", first, "}")
    excerpt(finding_on(first, 'format!("{}", s)'))
    second = '    let bb = format!("{}", s); // longer'
    source("fn f() {", second, "}")
    code, carets = excerpt(finding_on(second, 'format!("{}", s)'))
    assert code == second and caret_columns(code, carets) == 'format!("{}", s)'


def call_path_note(finding: Finding) -> str:
    rendered = text.render(Report(findings=[finding], files_checked=1), {})
    return next(line for line in rendered.splitlines() if "note: call path:" in line).split("call path: ", 1)[1]


def test_a_short_call_path_is_shown_whole(source):
    line = '    let t = format!("{}", s);'
    source("fn f() {", line, "}")
    hops = ("describe", "build_message", "render", "format!")
    assert call_path_note(finding_on(line, 'format!("{}", s)', call_path=hops)) == \
        "describe -> build_message -> render -> format!"


def test_a_very_long_call_path_keeps_its_first_and_last_hops(source):
    line = '    let t = format!("{}", s);'
    source("fn f() {", line, "}")
    hops = ("set_name", *(f"step_{i}" for i in range(2998)), "format!")
    note = call_path_note(finding_on(line, 'format!("{}", s)', call_path=hops))
    assert note == "set_name -> step_0 -> step_1 -> step_2 -> ... (2993 more) ... -> step_2996 -> step_2997 -> format!"


@pytest.mark.parametrize("functions", [10, 25, 109])
def test_the_count_of_a_shortened_call_path_is_every_function_left_out(tmp_path, functions):
    """A chain `start -> f0 -> ... -> f{n-1} -> format!` through the real source layer: a long one the
    layer has already shortened around its own "... (N more) ..." hop (25, 109), a shorter one only
    the text report shortens (10). Either way the text names 7 hops and counts the other n - 5."""
    from conftest import run_cli

    crate = tmp_path / "chain"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "chain"\nversion = "0.1.0"\nedition = "2021"\n')
    body = [f"fn f{i}() -> usize {{ f{i + 1}() }}" for i in range(functions - 1)]
    body.append(f'fn f{functions - 1}() -> usize {{ format!("{{}}", 1).len() }}')
    body.append('#[no_mangle]\npub extern "C" fn start() -> usize { f0() }')
    (crate / "src/lib.rs").write_text("\n".join(body) + "\n")
    result = run_cli("check", str(crate), "--layer", "source", "--no-cache")
    note = next(line for line in result.stdout.splitlines() if "note: call path:" in line).split("call path: ", 1)[1]
    last = functions - 1
    assert note == (f"start -> f0 -> f1 -> f2 -> ... ({functions - 5} more) ... -> f{last - 1} -> f{last} -> format!")
