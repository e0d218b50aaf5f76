"""Names and code from a hostile tree cannot steer wasmlint's output (issue 19, "Injecting into
the report"). Each shape is generated at test time in two differently built forms and run through
the real CLI in every format: the text report (with and without --color), the text report on
GitHub Actions, `github`, `json` and `sarif`, and stderr. Text output and stderr carry no raw
control or format character (only line ends and wasmlint's own colours), the hostile strings are
shown escaped rather than dropped, no line of theirs becomes a workflow command, and JSON/SARIF
stay valid and give back the exact strings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes


from conftest import REPO

# A GitHub workflow command on a line of its own, a colour, an OSC 52 clipboard write, a bidi override.
CLASSIC = "\n::error file=x::pwned\x1b[31m\x1b]52;c;cHduZWQ=\x07\u202e"
CLASSIC_SHOWN = r"\n::error file=x::pwned\x1b[31m\x1b]52;c;cHduZWQ=\x07\u202e"
# Built differently: a vertical tab, an erase-screen, an 8-bit CSI and NEL (C1), a line separator,
# a bidi isolate, a zero-width space. (No CR: rustc reads CR LF in a literal as LF; CR gets its own
# cases below, where nothing reads it as a Rust literal.)
OTHER = "\x0b::warning::x\x1b[2J\x9b\x85\u2028\u2066\u200b"
OTHER_SHOWN = r"\x0b::warning::x\x1b[2J\x9b\x85\u2028\u2066\u200b"

# The only escape sequences wasmlint itself writes: its colours (reporters/text.py).
OWN_SGR = re.compile(r"\x1b\[(?:1;3[1346]|1|0)m")
# What a terminal must not be given raw: controls, format characters, separators, lone surrogates
# (a byte that is not UTF-8, decoded with surrogateescape below).
HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}

EXPORT = 'pub extern "C" fn {name}(n: u32) -> u32 {{ let s = format!("{{}}", n); s.len() as u32 }}\n'


@dataclass
class Run:
    code: int
    out: str
    err: str


def wasmlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """The real CLI in its own process; output decoded as a terminal would get its bytes, with
    any byte that is not UTF-8 kept (as a lone surrogate) so that it fails the checks below."""
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **(env or {})}
    if "GITHUB_ACTIONS" not in (env or {}):
        full_env.pop("GITHUB_ACTIONS", None)
    fresh = ["--no-cache", "-j", "1"] if args[0] == "check" else []  # every run analyses for real
    result = subprocess.run([sys.executable, "-m", "wasmlint", *args, *fresh],
                            cwd=cwd, env=full_env, capture_output=True, timeout=300)
    return Run(result.returncode, result.stdout.decode("utf-8", "surrogateescape"),
               result.stderr.decode("utf-8", "surrogateescape"))


def lines_of(text: str) -> list[str]:
    """The lines a terminal or GitHub's runner sees: split at LF only (str.splitlines would also
    split at the separators and controls these tests smuggle in, which must not end a line)."""
    return text.removesuffix("\n").split("\n") if text else []


def raw_hidden(text: str, *, own_colours: bool = False) -> list[str]:
    """The characters of `text` a terminal must not be given, apart from line ends (and wasmlint's
    own colour codes, where they are allowed)."""
    if own_colours:
        text = OWN_SGR.sub("", text)
    return [char for char in text if char != "\n" and unicodedata.category(char) in HIDDEN]


def assert_terminal_safe(run: Run, *, own_colours: bool = False) -> None:
    for stream in (run.out, run.err):
        assert raw_hidden(stream, own_colours=own_colours) == [], stream
        assert "\x1b]52" not in stream


def runner_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Each line of `output` that GitHub's runner would take for a workflow command, decoded as the
    runner decodes it: (command, properties, message). The runner ends a line at CR as at LF."""
    commands = []
    for line in re.split(r"\r\n|\r|\n", output):
        line = line.strip()
        if not line.startswith("::"):
            continue
        head, _, message = line[2:].partition("::")
        name, _, props = head.partition(" ")
        properties = {}
        for prop in filter(None, props.split(",")):
            key, _, value = prop.partition("=")
            properties[key] = (value.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
                               .replace("%2C", ",").replace("%25", "%"))
        commands.append((name, properties,
                         message.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")))
    return commands


@dataclass
class Outputs:
    """One tree checked in every format."""

    text: Run
    color: Run
    actions: Run  # the text report with GITHUB_ACTIONS=true: annotations follow it
    github: Run
    json: dict
    sarif: dict
    json_run: Run
    concise: Run


def check_every_format(cwd: Path, *args: str) -> Outputs:
    runs = {
        "text": wasmlint("check", *args, cwd=cwd),
        "color": wasmlint("check", *args, "--color", cwd=cwd),
        "actions": wasmlint("check", *args, cwd=cwd, env={"GITHUB_ACTIONS": "true"}),
        "github": wasmlint("check", *args, "-f", "github", cwd=cwd),
        "json": wasmlint("check", *args, "-f", "json", cwd=cwd),
        "sarif": wasmlint("check", *args, "-f", "sarif", cwd=cwd),
        "concise": wasmlint("check", *args, "-f", "concise", cwd=cwd),
    }
    codes = {name: run.code for name, run in runs.items()}
    assert len(set(codes.values())) == 1 and codes["text"] in (1, 2), (codes, runs["text"].err)
    return Outputs(runs["text"], runs["color"], runs["actions"], runs["github"],
                   json.loads(runs["json"].out), json.loads(runs["sarif"].out), runs["json"], runs["concise"])


def assert_output_cannot_be_steered(outputs: Outputs) -> None:
    """The checks every shape must pass, whatever it smuggles in."""
    for run in (outputs.actions, outputs.github, outputs.json_run):  # stderr, whatever the format
        assert raw_hidden(run.err) == []
    assert_terminal_safe(outputs.text)
    assert_terminal_safe(outputs.color, own_colours=True)
    # The concise format: escaped as the text report is, one line per finding, then the info lines and summary.
    assert_terminal_safe(outputs.concise)
    assert len(lines_of(outputs.concise.out)) == len(outputs.json["findings"]) + len(outputs.json["summary"]["notes"]) + 1
    # With --color the colours still work: the header is red, yellow or cyan, the summary bold.
    assert re.search(r"\x1b\[1;3[136]m(error|warning|info)\[", outputs.color.out)
    assert "\x1b[1m" in outputs.color.out
    # Outside GitHub Actions no line of the text report or stderr is a workflow command ...
    assert runner_commands(outputs.text.out) == [] and runner_commands(outputs.text.err) == []
    # ... and on GitHub Actions the only ones are the annotations, one per finding and error.
    annotations = runner_commands(outputs.github.out)
    expected = len(outputs.json["findings"]) + len(outputs.json["errors"])
    assert len(annotations) == expected == len(re.split(r"\r\n|\r|\n", outputs.github.out)) - 1
    assert runner_commands(outputs.actions.out) == annotations
    assert runner_commands(outputs.actions.err) == []
    assert_terminal_safe(Run(outputs.actions.code, outputs.actions.out.split("\n::", 1)[0], outputs.actions.err))
    # The runner decodes each annotation back to the exact path (so it lands on the file) and message.
    # Errors come first, then the files that could not be checked, then warnings and notices.
    errors = sorted(outputs.json["errors"], key=lambda e: (e["path"], e["line"] or 0, e["column"] or 0, e["message"]))
    of_level = {level: [f for f in outputs.json["findings"] if f["severity"] == level] for level in ("error", "warning", "info")}
    expected = ([("error", f) for f in of_level["error"]] + [("error", e) for e in errors]
                + [("warning", f) for f in of_level["warning"]] + [("notice", f) for f in of_level["info"]])
    for (command, properties, message), (kind, item) in zip(annotations, expected):
        assert command == kind
        assert properties["file"] == item["path"] and message.startswith(item["message"])
    # SARIF: the same findings, paths percent-encoded (bytes kept), messages exact.
    results = outputs.sarif["runs"][0]["results"]
    assert outputs.sarif["version"] == "2.1.0" and len(results) == len(outputs.json["findings"])
    json_paths = sorted(os.fsencode(f["path"]) for f in outputs.json["findings"])
    sarif_paths = sorted(unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                         for r in results)
    assert sarif_paths == json_paths
    for result, finding in zip(results, outputs.json["findings"]):  # both in the report's order
        assert result["message"]["text"].startswith(finding["message"])


def json_strings(data) -> str:
    """Every string in a JSON document, one per line (to look for the exact hostile strings)."""
    if isinstance(data, str):
        return data + "\n"
    if isinstance(data, dict):
        return "".join(json_strings(key) + json_strings(value) for key, value in data.items())
    if isinstance(data, list):
        return "".join(map(json_strings, data))
    return ""


def assert_shown_escaped(outputs: Outputs, raw: str, shown: str, *, on_stderr: bool = False) -> None:
    """`raw` reaches JSON and SARIF exactly (SARIF's paths are URIs: decoded) and the text output as
    `shown`, visibly."""
    sarif = json_strings(outputs.sarif)
    assert raw in json_strings(outputs.json) and (raw in sarif or raw in unquote(sarif, errors="surrogateescape"))
    text = outputs.text.err if on_stderr else outputs.text.out
    assert shown in text
    assert shown in OWN_SGR.sub("", outputs.color.err if on_stderr else outputs.color.out)


def write_crate(root: Path, lib: str, name: str = "evil") -> Path:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src/lib.rs").write_text(lib)
    return root


def caret_text(text_output: str, line_number: int) -> list[str]:
    """For each code excerpt of line `line_number`: the shown code above its carets."""
    lines = lines_of(text_output)
    prefix = f"{line_number} | "
    found = []
    for index, line in enumerate(lines[:-1]):
        if line.startswith(prefix) and "^" in lines[index + 1]:
            carets = lines[index + 1][len(prefix):]
            start = len(carets) - len(carets.lstrip(" "))
            found.append(line[len(prefix):][start:len(carets.rstrip())])
    return found


# --- file and folder names ---------------------------------------------------------------------

def test_file_and_folder_names(tmp_path):
    # A crate folder named with the classic payload; in a second crate a module file named with the
    # other one (reached by a #[path] whose literal holds the raw characters); and a stray .rs file
    # no `mod` reaches, which the report names on an `info:` line.
    folder = "crate" + CLASSIC
    write_crate(tmp_path / folder, "#[no_mangle]\n" + EXPORT.format(name="greet"))
    module = "m" + OTHER + ".rs"
    second = write_crate(tmp_path / "second", f'#[path = "{module}"]\nmod m;\n', name="second")
    (second / "src" / module).write_text("#[no_mangle]\n" + EXPORT.format(name="other"))
    stray = "stray" + CLASSIC.replace("\n", "\r") + ".rs"
    (second / "src" / stray).write_text("fn unused() {}\n")

    outputs = check_every_format(tmp_path, folder, "second")
    assert_output_cannot_be_steered(outputs)
    assert_shown_escaped(outputs, folder + "/src/lib.rs", r"crate" + CLASSIC_SHOWN + "/src/lib.rs:2:")
    assert_shown_escaped(outputs, "second/src/" + module, r"second/src/m" + OTHER_SHOWN + ".rs:2:")
    assert_shown_escaped(outputs, "second/src/" + stray, "info: second/src/stray" + CLASSIC_SHOWN.replace(r"\n", r"\r"))
    assert {f["symbol"] for f in outputs.json["findings"]} == {"greet", "other"}

    listed = wasmlint("exports", folder, "second", cwd=tmp_path)
    assert listed.code == 0
    assert_terminal_safe(listed)
    assert "crate" + CLASSIC_SHOWN + "/src/lib.rs:2:" in listed.out
    assert json.loads(wasmlint("exports", folder, "second", "-f", "json", cwd=tmp_path).out)["crates"][1]["exports"][0]["path"] \
        == "second/src/" + module


def test_file_names_that_are_not_utf8(tmp_path):
    # Bytes no UTF-8 text holds: in a crate folder's and a module file's name, and in a module's.
    crate = Path(os.fsdecode(os.fsencode(tmp_path) + b"/c\xff"))
    write_crate(crate, "mod m;\n#[no_mangle]\n" + EXPORT.format(name="greet"))
    (crate / "src/m.rs").write_text("#[no_mangle]\n" + EXPORT.format(name="inner"))
    stray = Path(os.fsdecode(os.fsencode(crate) + b"/src/x\xfe.rs"))
    stray.write_text("fn unused() {}\n")
    module = Path(os.fsdecode(os.fsencode(tmp_path) + b"/g\xfe.wasm"))
    module.write_bytes(hand_made_module("grow", ["grow", "helper", "grower"]))

    outputs = check_every_format(tmp_path, ".")
    assert_output_cannot_be_steered(outputs)
    paths = {f["path"] for f in outputs.json["findings"]}
    assert {"c\udcff/src/lib.rs", "c\udcff/src/m.rs", "g\udcfe.wasm"} <= paths
    assert r"c\udcff/src/lib.rs:3:" in outputs.text.out and r"g\udcfe.wasm:1:1" in outputs.text.out
    assert r"info: c\udcff/src/x\udcfe.rs" in outputs.text.out
    # The reports written to a file keep working too (the SARIF URI keeps the byte).
    for fmt in ("json", "sarif", "github"):
        written = wasmlint("check", ".", "-f", fmt, "-o", str(tmp_path.parent / f"report.{fmt}"), cwd=tmp_path)
        assert written.code == 1, written.err
        assert_terminal_safe(written)
    sarif = json.loads((tmp_path.parent / "report.sarif").read_text(encoding="utf-8", errors="surrogateescape"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "c%FF/src/lib.rs" in uris and "g%FE.wasm" in uris


# --- export names from the source --------------------------------------------------------------

def test_export_names_from_source(tmp_path):
    # The classic payload in an #[export_name] literal; the other one through cfg_attr, the way a
    # crate exports under a name only for wasm32.
    lib = (f'#[export_name = "a{CLASSIC}"]\n' + EXPORT.format(name="first")
           + f'#[cfg_attr(target_arch = "wasm32", export_name = "b{OTHER}")]\n' + EXPORT.format(name="second"))
    write_crate(tmp_path / "names", lib)
    outputs = check_every_format(tmp_path, "names")
    assert_output_cannot_be_steered(outputs)
    assert {f["symbol"] for f in outputs.json["findings"]} == {"a" + CLASSIC, "b" + OTHER}
    assert_shown_escaped(outputs, "a" + CLASSIC, "exported function `a" + CLASSIC_SHOWN + "`")
    assert_shown_escaped(outputs, "b" + OTHER, "exported function `b" + OTHER_SHOWN + "`")

    listed = wasmlint("exports", "names", cwd=tmp_path)
    assert_terminal_safe(listed)
    rows = [line for line in lines_of(listed.out) if "names/src/lib.rs:" in line]
    assert len(rows) == 2 and rows[0].lstrip().startswith("a" + CLASSIC_SHOWN)
    symbols = {e["symbol"] for e in json.loads(wasmlint("exports", "names", "-f", "json", cwd=tmp_path).out)["crates"][0]["exports"]}
    assert symbols == {"a" + CLASSIC, "b" + OTHER}


# --- a module's export and function names ------------------------------------------------------

def leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _vector(items: list[bytes]) -> bytes:
    return leb128(len(items)) + b"".join(items)


def _name(text: str) -> bytes:
    data = text.encode("utf-8")
    return leb128(len(data)) + data


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + leb128(len(payload)) + payload


def hand_made_module(export: str, names: list[str], memory: str = "memory") -> bytes:
    """Three functions (i32) -> i32: the export calls the second, which calls the third, which
    grows memory; one memory of one page, no maximum, exported as `memory`; a name section giving
    the three functions `names`."""
    def body(code: bytes) -> bytes:  # no locals, the code, `end`
        return leb128(len(code) + 2) + b"\x00" + code + b"\x0b"

    function_names = _vector([leb128(index) + _name(name) for index, name in enumerate(names)])
    return b"".join([
        b"\0asm\x01\0\0\0",
        _section(1, _vector([b"\x60" + _vector([b"\x7f"]) + _vector([b"\x7f"])])),
        _section(3, _vector([leb128(0)] * 3)),
        _section(5, _vector([b"\x00" + leb128(1)])),
        _section(7, _vector([_name(export) + b"\x00" + leb128(0), _name(memory) + b"\x02" + leb128(0)])),
        # local.get 0; call 1 | local.get 0; call 2 | local.get 0; memory.grow 0
        _section(10, _vector([body(b"\x20\x00\x10\x01"), body(b"\x20\x00\x10\x02"), body(b"\x20\x00\x40\x00")])),
        _section(0, _name("name") + b"\x01" + leb128(len(function_names)) + function_names),
    ])


def legacy_mangled(text: str) -> str:
    """A Rust legacy symbol whose one path segment demangles to `text` ($uXX$ escapes): ASCII bytes
    in the module, control characters only once demangled."""
    segment = "".join(ch if ch.isalnum() else f"$u{ord(ch):02x}$" for ch in text)
    return f"_ZN{len(segment)}{segment}17h0123456789abcdefE"


def test_module_export_and_function_names(tmp_path):
    # evil.wasm: the payloads in its export names (the function's and the memory's) and name
    # section, raw bytes; mangled.wasm: ASCII only, its name section demangles to control
    # characters; names.wat: a text module spelling them with WAT escapes.
    (tmp_path / "evil.wasm").write_bytes(hand_made_module(
        "set" + CLASSIC, ["set" + CLASSIC, "help" + OTHER, "grow" + CLASSIC], memory="mem" + OTHER))
    (tmp_path / "mangled.wasm").write_bytes(hand_made_module(
        "plain", [legacy_mangled("outer" + OTHER), legacy_mangled("inner" + CLASSIC), "grower"]))
    (tmp_path / "names.wat").write_text(
        '(module (memory (export "m\\0a::error::x\\1b]52;c;eA==\\07") 1)\n'
        '  (func (export "w\\0d\\0a::notice::y\\1b[5m\\e2\\80\\ae") (result i32) (memory.grow (i32.const 1))))\n')

    outputs = check_every_format(tmp_path, "evil.wasm", "mangled.wasm", "names.wat", "--confirm")
    assert_output_cannot_be_steered(outputs)
    assert_shown_escaped(outputs, "set" + CLASSIC, "exported function `set" + CLASSIC_SHOWN + "` can grow")
    assert_shown_escaped(outputs, "mem" + OTHER, "memory `mem" + OTHER_SHOWN + "` has no maximum")
    path = "set" + CLASSIC_SHOWN + " -> help" + OTHER_SHOWN + " -> grow" + CLASSIC_SHOWN
    assert f"reaches memory.grow via {path}" in outputs.text.out
    assert "runtime: set" + CLASSIC_SHOWN + "(1) grew memory" in outputs.text.out
    # The path names functions by the name section (the export's own function is `outer...`).
    assert "`plain` reaches memory.grow via outer" + OTHER_SHOWN + " -> inner" + CLASSIC_SHOWN + " -> grower" \
        in outputs.text.out
    assert_shown_escaped(outputs, "w\r\n::notice::y\x1b[5m\u202e", r"`w\r\n::notice::y\x1b[5m\u202e`")
    assert_shown_escaped(outputs, "m\n::error::x\x1b]52;c;eA==\x07", r"memory `m\n::error::x\x1b]52;c;eA==\x07`")

    for module in ("evil.wasm", "mangled.wasm", "names.wat"):
        for command in ("inspect", "run"):
            shown = wasmlint(command, module, cwd=tmp_path)
            assert shown.code == 0, shown.err
            assert_terminal_safe(shown)
    inspected = wasmlint("inspect", "evil.wasm", cwd=tmp_path).out
    assert "  set" + CLASSIC_SHOWN + "  grows: " + path in inspected
    assert json.loads(wasmlint("inspect", "evil.wasm", "-f", "json", cwd=tmp_path).out)["exports"][0]["name"] \
        == "set" + CLASSIC
    ran = wasmlint("run", "mangled.wasm", cwd=tmp_path).out
    assert "      outer" + OTHER_SHOWN + "\n      -> inner" + CLASSIC_SHOWN + "\n" in ran  # the growth path


# --- JS source quoted in `= host:` lines and excerpts -------------------------------------------

GROWING_WAT = '(module (memory (export "memory") 1)\n  (func (export "set_name") (param i32) (result i32)\n' \
              '    (drop (memory.grow (i32.const 1))) (i32.const 0)))\n'


def test_js_host_source(tmp_path):
    # host.mjs: the payload where the view is made (quoted on the `= host:` line) and on the line
    # that uses it (the code excerpt); host.cjs: where the growing export is called.
    (tmp_path / "grow.wat").write_text(GROWING_WAT)
    (tmp_path / "host.mjs").write_text(
        "import { readFile } from 'node:fs/promises';\n"
        "const { instance } = await WebAssembly.instantiate(await readFile('./grow.wasm'));\n"
        "const { exports } = instance;\n"
        "const mem8 = new Uint8Array(exports.memory.buffer /*\x1b]52;c;cHduZWQ=\x07\u202e*/);\n"
        "exports.set_name(1);\n"
        'console.log("\x1b[2J\u2066", mem8[0]);\n')
    (tmp_path / "host.cjs").write_text(
        "const fs = require('node:fs');\n"
        "const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync('./grow.wasm')));\n"
        "const { exports } = instance;\n"
        "const view = new Uint8Array(exports.memory.buffer);\n"
        "exports.set_name(1 /*\x1b[31m\x9b\x07*/);\n"
        "console.log(view[0]);\n")

    outputs = check_every_format(tmp_path, "host.mjs", "host.cjs", "--wasm", "grow.wat", "--layer", "host")
    assert_output_cannot_be_steered(outputs)
    hosts = [f for f in outputs.json["findings"] if f["rule_id"] == "stale-memory-view"]
    assert {f["path"] for f in hosts} == {"host.mjs", "host.cjs"}
    assert_shown_escaped(outputs, "/*\x1b]52;c;cHduZWQ=\x07\u202e*/", r"exports.memory.buffer /*\x1b]52;c;cHduZWQ=\x07\u202e*/")
    assert_shown_escaped(outputs, "set_name(1 /*\x1b[31m\x9b\x07*/)", r"`exports.set_name(1 /*\x1b[31m\x9b\x07*/)` (line 5)")
    # The excerpt shows the use line escaped, and its carets stay under `mem8[0]`.
    assert r'6 | console.log("\x1b[2J\u2066", mem8[0]);' in outputs.text.out
    assert caret_text(outputs.text.out, 6) == ["view[0]", "mem8[0]"]  # host.cjs, then host.mjs


# --- messages built from placeholders: suppression comments -------------------------------------

def test_suppression_comment_ids(tmp_path):
    # An `allow(...)` naming a rule id with the payload: the invalid-suppression message quotes it,
    # and the excerpt shows the comment; a second one with a bidi override after a real rule id.
    lib = ("#[no_mangle]\npub extern \"C\" fn g(n: u32) -> u32 { n } "
           "// wasmlint: allow(x\x1b]52;c;cHduZWQ=\x07y) -- reason\x1b[2J\n"
           "// wasmlint: allow(format-in-export\u202e) -- reason\n")
    write_crate(tmp_path / "sup", lib)
    outputs = check_every_format(tmp_path, "sup")
    assert_output_cannot_be_steered(outputs)
    assert_shown_escaped(outputs, "x\x1b]52;c;cHduZWQ=\x07y", r"unknown rule id `x\x1b]52;c;cHduZWQ=\x07y`")
    assert_shown_escaped(outputs, "format-in-export\u202e", r"unknown rule id `format-in-export\u202e`")
    # The carets stay under the whole comment, however wide its escapes make it.
    assert caret_text(outputs.text.out, 2) == [r"// wasmlint: allow(x\x1b]52;c;cHduZWQ=\x07y) -- reason\x1b[2J"]
    assert caret_text(outputs.text.out, 3) == [r"// wasmlint: allow(format-in-export\u202e) -- reason"]


# --- error lines on stderr ----------------------------------------------------------------------

def test_error_lines_on_stderr(tmp_path):
    # A module that cannot be decoded and a --wasm path that does not exist, both named with a
    # payload: each error names its file on one line of stderr (and in JSON, SARIF, github).
    write_crate(tmp_path / "ok", "#[no_mangle]\n" + EXPORT.format(name="greet"))
    broken = "bad" + CLASSIC + ".wasm"
    (tmp_path / broken).write_bytes(b"junk")
    missing = "gone" + OTHER + ".wasm"
    outputs = check_every_format(tmp_path, "ok", broken, "--wasm", missing)
    assert_output_cannot_be_steered(outputs)
    assert {e["path"] for e in outputs.json["errors"]} >= {broken, missing}
    errors = lines_of(outputs.text.err)
    assert any(line.startswith("error: bad" + CLASSIC_SHOWN + ".wasm: ") for line in errors)
    assert "error: gone" + OTHER_SHOWN + ".wasm: no such module file" in errors
    assert len(errors) == len(outputs.json["errors"])
    assert_shown_escaped(outputs, broken, "bad" + CLASSIC_SHOWN, on_stderr=True)


def test_configuration_errors_and_values(tmp_path):
    # A configuration key (named in the error that stops the run) and a value (shown by
    # --show-config), each with a payload.
    key = write_crate(tmp_path / "key", "fn f() {}\n")
    with open(key / "Cargo.toml", "a") as handle:
        handle.write('[package.metadata.wasmlint]\n"k\\n::error file=x::pwned\\u001b]52;c;eA==\\u0007" = 1\n')
    stopped = wasmlint("check", "key", cwd=tmp_path)
    assert stopped.code == 2 and stopped.out == ""
    assert_terminal_safe(stopped)
    assert len(lines_of(stopped.err)) == 1
    assert r"unknown key `k\n::error file=x::pwned\x1b]52;c;eA==\x07`" in stopped.err

    value = write_crate(tmp_path / "value", "fn f() {}\n")
    with open(value / "Cargo.toml", "a") as handle:
        handle.write('[package.metadata.wasmlint]\nexclude = ["e\\r\\n::warning::z\\u2028\\u009b2J"]\n')
    shown = wasmlint("check", "value", "--show-config", cwd=tmp_path)
    assert shown.code == 0
    assert_terminal_safe(shown)
    assert runner_commands(shown.out) == []
    assert r"exclude             = e\r\n::warning::z\u2028\x9b2J    # " in shown.out


# --- a project's own rules ----------------------------------------------------------------------

PROJECT_RULE = '''id = "{id}"
layer = "source"
severity = "warning"
summary = "a project's own rule"
message = "{message}"
why = "Because."
fix = "{fix}"
macros = ["{macro}"]

[[tests]]
name = "flagged"
flag = 'pub extern "C" fn g() -> usize {{ {macro}!("a").len() }}'

[[tests]]
name = "fine"
ok = 'pub extern "C" fn g() -> usize {{ 1 }}'
'''


def test_a_projects_own_rules(tmp_path):
    # The tree being checked may bring its own rules (`rules-dirs`): one with the payload in its
    # message, another in its fix (the report's `= help:` line).
    crate = write_crate(tmp_path / "own", '#[no_mangle]\npub extern "C" fn g() -> usize { format!("a").len() + vec![1u8].len() }\n')
    with open(crate / "Cargo.toml", "a") as handle:
        handle.write('[package.metadata.wasmlint]\nrules-dirs = ["lint"]\n')
    (crate / "lint").mkdir()
    (crate / "lint/loud-format.toml").write_text(PROJECT_RULE.format(
        id="loud-format", macro="format", message="says\\u001b]52;c;eA==\\u0007\\n::error file=x::pwned", fix="Fix it."))
    (crate / "lint/loud-vec.toml").write_text(PROJECT_RULE.format(
        id="loud-vec", macro="vec", message="a vec", fix="Do not\\u001b[2J\\u202e\\r::warning::y do it. Really."))
    outputs = check_every_format(tmp_path, "own")
    assert_output_cannot_be_steered(outputs)
    assert {"loud-format", "loud-vec"} <= {f["rule_id"] for f in outputs.json["findings"]}
    assert_shown_escaped(outputs, "says\x1b]52;c;eA==\x07\n::error file=x::pwned",
                         r"warning[loud-format]: says\x1b]52;c;eA==\x07\n::error file=x::pwned")
    # (The help line is the fix's first sentence with its whitespace, the CR too, made single spaces.)
    assert r"= help: Do not\x1b[2J\u202e ::warning::y do it; `wasmlint explain loud-vec`" in outputs.text.out
