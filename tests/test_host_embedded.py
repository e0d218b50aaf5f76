"""Modules a host carries in its own text (issue 21, items 7-8): a base64 string (decoded with
`Buffer.from`, `atob`, or as a `data:` URL given to fetch), split across `+`, a template, or an
array of byte values. Hosts are generated here around modules compiled at test time (wat via
wabt, the Rust guests), checked by the CLI and run in Node: the module they carry decides which
exports grow, as a `.wasm` file they named would."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, run_cli, unavailable
from wasmlint.host.embedded import EmbeddedModule, EmbeddedModuleError, embedded_literals, embedded_module_bytes
from wasmlint.host.parsing import parse_host

# `step(n)` grows memory by n pages, or leaves it alone: two modules a host cannot tell apart.
GROWS = '(module (memory (export "memory") 1) (func (export "step") (param i32) (result i32) (memory.grow (local.get 0))))'
STILL = '(module (memory (export "memory") 1) (func (export "step") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))'

# The same host whichever way it carries its module: a view made before `step`, read after it.
BODY = """\
const view = new Uint8Array(wasm.memory.buffer, 0, 16);
wasm.step(1);
console.log(view[0] === undefined ? "detached" : "live"); // use
"""
INSTANCE = "const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});\n"


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _split(data: bytes) -> str:
    """The base64 in 60-character constant strings joined by `+`, one a line, as some bundlers wrap it."""
    text = _base64(data)
    return " +\n  ".join(f'"{text[i:i + 60]}"' for i in range(0, len(text), 60))


# name -> (file name, the host's text around a module's bytes)
FORMS: dict[str, tuple[str, Callable[[bytes], str]]] = {
    "base64-buffer": ("buffer.cjs", lambda data: (
        f'const wasmBase64 = "{_base64(data)}";\nconst bytes = Buffer.from(wasmBase64, "base64");\n' + INSTANCE + BODY)),
    "base64-atob": ("atob.cjs", lambda data: (
        f"const bytes = Uint8Array.from(atob('{_base64(data)}'), (c) => c.charCodeAt(0));\n" + INSTANCE + BODY)),
    "base64-split": ("split.cjs", lambda data: (
        f'const wasmText =\n  {_split(data)};\nconst bytes = Buffer.from(wasmText, "base64");\n' + INSTANCE + BODY)),
    "base64-template": ("template.cjs", lambda data: (
        f"const bytes = Buffer.from(`{_base64(data)}`, 'base64');\n" + INSTANCE + BODY)),
    "bytes-decimal": ("decimal.cjs", lambda data: (
        f"const bytes = new Uint8Array([{', '.join(str(b) for b in data)}]);\n" + INSTANCE + BODY)),
    "bytes-hex": ("hex.cjs", lambda data: (
        "const bytes = new Uint8Array([\n" + ",\n".join(f"  0x{b:02x}" for b in data) + ",\n]);\n" + INSTANCE + BODY)),
    "data-url": ("data-url.mjs", lambda data: (
        f'const {{ instance }} = await WebAssembly.instantiateStreaming(fetch("data:application/wasm;base64,{_base64(data)}"));\n'
        "const wasm = instance.exports;\n" + BODY)),
}


def _wat2wasm(tmp_path: Path, text: str) -> bytes:
    tool = shutil.which("wat2wasm")
    if tool is None:
        unavailable("wat2wasm (wabt) is not installed")
    source, out = tmp_path / "m.wat", tmp_path / "m.wasm"
    source.write_text(text)
    subprocess.run([tool, str(source), "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def _check(project: Path, *args: str) -> tuple[int, dict]:
    proc = run_cli("check", str(project), "--format", "json", "--no-cache", *args, cwd=project)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _use_line(text: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if "// use" in line)


def _node(path: Path) -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed")
    proc = subprocess.run([node, str(path)], capture_output=True, text=True, timeout=60, cwd=path.parent)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("wat")
    return {"grows": _wat2wasm(folder, GROWS), "still": _wat2wasm(folder, STILL)}


@pytest.mark.parametrize("kind", ["grows", "still"])
def test_every_form_of_embedded_module_decides_the_host(tmp_path, modules, kind):
    """Each form, with the export that grows: an error naming the module carried at the literal's
    line (without it, only a warning that no module was found); with the export that does not
    grow: clean. Node runs each host to show what it does: the view detaches or stays."""
    written = {}
    for file, host in FORMS.values():
        text = host(modules[kind])
        (tmp_path / file).write_text(text)
        written[file] = text
    for file in written:
        assert _node(tmp_path / file) == ("detached" if kind == "grows" else "live"), file
    code, report = _check(tmp_path)
    assert report["errors"] == []
    found = sorted((f["path"], f["line"], f["severity"], f["symbol"]) for f in report["findings"])
    if kind == "still":
        assert (code, found) == (0, [])
        return
    assert code == 1
    assert found == sorted((file, _use_line(text), "error", "step") for file, text in written.items())
    for finding in report["findings"]:
        literal = 2 if finding["path"] == "split.cjs" else 1  # the split literal starts on its second line
        assert f"module: `step` reaches memory.grow via step (module embedded at {finding['path']}:{literal})" \
            in finding["evidence"]


def test_without_its_embedded_module_the_host_only_may_grow(tmp_path, modules):
    """The same host with the module only in a comment: nothing is carried, the export may grow."""
    text = FORMS["base64-buffer"][1](modules["still"])
    (tmp_path / "host.cjs").write_text("// " + text.replace("\n", "\n// ", 1))  # the literal's line commented out
    _, report = _check(tmp_path)
    (finding,) = report["findings"]
    assert finding["severity"] == "warning"
    assert not any("embedded" in line for line in finding["evidence"])


def _leb(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def _without_debug_info(data: bytes) -> bytes:
    """The module without its custom sections but `name` (which the module layer reads to tell a
    panic path), as a package that inlines a module ships it: small, not 5 MB of DWARF."""
    kept, at = [data[:8]], 8
    while at < len(data):
        size, body = _leb(data, at + 1)
        length, name = _leb(data, body) if data[at] == 0 else (0, body)
        if data[at] != 0 or data[name:name + length] == b"name":
            kept.append(data[at:body + size])
        at = body + size
    return b"".join(kept)


@pytest.fixture(scope="module")
def rust_modules(compiler) -> dict[str, bytes]:
    return {name: _without_debug_info(guest_module(name, compiler).read_bytes())
            for name in ("greeting-alloc", "greeting-static")}


@pytest.mark.parametrize("form", ["base64", "bytes"])
def test_rust_guests_carried_by_their_host(tmp_path, rust_modules, form):
    """The guests' own host (guests/hosts/classic.cjs), carrying the module instead of reading a
    file: `set_name` allocates in greeting-alloc (the stale heap is an error, placed on the module
    carried), not in greeting-static (clean)."""
    classic = (GUESTS / "hosts" / "classic.cjs").read_text()
    for name, data in rust_modules.items():
        carried = (f'Buffer.from("{_base64(data)}", "base64")' if form == "base64"
                   else f"new Uint8Array([{','.join(map(str, data))}])")
        folder = tmp_path / name
        folder.mkdir()
        (folder / "classic.cjs").write_text(classic.replace("fs.readFileSync(wasmFilePath)", carried))
    code, report = _check(tmp_path)
    assert report["errors"] == []
    found = [(f["path"], f["severity"], f["symbol"]) for f in report["findings"]]
    assert found == [("greeting-alloc/classic.cjs", "error", "set_name")]
    assert any("(module embedded at greeting-alloc/classic.cjs:7)" in line for line in report["findings"][0]["evidence"])
    assert code == 1


def _on_line(text: str, number: int, change: Callable[[str], str]) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    return "".join(lines)


CORRUPT = {
    # a character no base64 has, in the second piece of a split literal: named on its own line
    "bad-character.cjs": lambda data: _on_line(FORMS["base64-split"][1](data), 3, lambda line: line.replace('  "', '  "AB!', 1)),
    # the magic and version, then a section the decoder does not know
    "bad-section.cjs": lambda data: FORMS["base64-buffer"][1](data[:8] + b"\x17\x01\x00" + data[8:]),
    # cut off in the middle of the code section
    "truncated.cjs": lambda data: FORMS["bytes-decimal"][1](data[:-5]),
}


def test_a_corrupt_embedded_module_is_one_error_naming_the_host_line(tmp_path, modules):
    """Each corrupt literal: one error on the host file and line, no traceback; the other hosts of
    the run are judged as before, and the corrupt ones fall back to 'may grow' warnings."""
    for file, corrupt in CORRUPT.items():
        (tmp_path / file).write_text(corrupt(modules["grows"]))
    (tmp_path / "good.cjs").write_text(FORMS["base64-buffer"][1](modules["grows"]))
    code, report = _check(tmp_path)
    errors = {e["path"]: (e["line"], e["message"]) for e in report["errors"]}
    assert next(e["column"] for e in report["errors"] if e["path"] == "bad-character.cjs") == 6
    assert errors == {
        "bad-character.cjs": (3, "embedded module: '!' is not a base64 character"),
        "bad-section.cjs": (1, "embedded module: malformed module: unknown section id 23 at byte offset 0x8 of the module"),
        "truncated.cjs": (1, errors["truncated.cjs"][1]),
    }
    assert errors["truncated.cjs"][1].startswith("embedded module: malformed module: ")
    severities = {f["path"]: f["severity"] for f in report["findings"]}
    assert severities == {"good.cjs": "error", "bad-character.cjs": "warning", "bad-section.cjs": "warning",
                          "truncated.cjs": "warning"}
    assert code == 2  # some files could not be checked


def _literals(text: str, name: str = "host.js") -> list[tuple[int, str]]:
    return [(literal.line, literal.encoding) for literal in embedded_literals(parse_host(name, text.encode()))]


def test_only_literals_that_are_the_whole_module_are_taken(modules):
    """A real parse decides what is a module literal: not one in a comment, nor the magic in the
    middle of a string, nor a `+` chain with a part that is not a constant string (the module is
    not all there); a data URL's header and a TypeScript `as const` array are fine."""
    text = _base64(modules["grows"])
    numbers = ", ".join(map(str, modules["grows"]))
    assert _literals(f'// const w = "{text}";\n/* [{numbers}] */\n') == []
    assert _literals(f'const w = "prefix {text}";\n') == []
    assert _literals(f'const w = "{text[:20]}" + rest + "{text[20:]}";\n') == []
    assert _literals(f'const w = "{text[:20]}" + `{text[20:30]}${{x}}`;\n') == []
    assert _literals(f'const a = 1;\nconst w = "data:application/octet-stream;base64,{text}";\n') == [(2, "base64")]
    assert _literals(f"const m = [{numbers}] as const;\n", "host.ts") == [(1, "bytes")]
    # the module's first bytes, completed at run time (Emscripten's `addFunction` glue, three ages)
    header = "0, 97, 115, 109, 1, 0, 0, 0"
    assert _literals(f"var bytes = [{header}, 1];\nbytes.push(96, 0, 0);\n") == []
    assert _literals("var bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];\nuleb128Encode(n, bytes);\n") == []
    assert _literals(f"var code = new Uint8Array([{header}].concat(types, [2, 7]));\n") == []
    assert _literals(f"var bytes = [{header}];\nbytes[8] = 1;\n") == []
    assert _literals(f"var b;\nb=[{header},1];f=d.length;b.push(f);b=new WebAssembly.Module(new Uint8Array(b));\n") == []
    # a whole module bound to a name that is only read stays one
    assert _literals(f"const m = [{numbers}];\nWebAssembly.instantiate(new Uint8Array(m), {{}});\n") == [(1, "bytes")]
    # a comment between the pieces of a chain does not end it
    assert _literals(f'const w = "{text[:20]}" /* wrapped */ +\n // more\n "{text[20:]}";\n') == [(1, "base64")]


def test_the_size_cap_holds_for_embedded_modules(tmp_path, modules):
    """A literal that decodes to more than the module size cap is refused before it is decoded."""
    host = tmp_path / "host.js"
    host.write_text(FORMS["base64-buffer"][1](modules["grows"]))
    (literal,) = embedded_literals(parse_host("host.js", host.read_bytes()))
    embedded = EmbeddedModule(host, literal)
    assert embedded_module_bytes(embedded) == modules["grows"]
    with pytest.raises(EmbeddedModuleError, match="larger than 0 MiB"):
        embedded_module_bytes(embedded, limit=len(modules["grows"]) - 1)


def test_a_20_mb_bundle_with_a_huge_literal_stays_bounded(tmp_path):
    """A 20 MB host whose module (14 MiB of data) is one base64 string, checked in a child process:
    found, decoded and judged (the export grows: an error), with peak memory a small multiple of
    the file (a copy per step would show as hundreds of MB more), within a timeout only a hang hits."""
    payload = bytes(range(256)) * (14 * 4096)  # 14 MiB
    hex_data = "".join(f"\\{b:02x}" for b in payload)
    wat = (f'(module (memory (export "memory") 225) (data (i32.const 0) "{hex_data}")\n'
           '  (func (export "step") (param i32) (result i32) (memory.grow (local.get 0))))')
    data = _wat2wasm(tmp_path, wat)
    project = tmp_path / "bundle"
    project.mkdir()
    host = project / "bundle.min.js"
    host.write_text("var a=1;" * 1000 + FORMS["base64-buffer"][1](data))
    assert host.stat().st_size > 18_000_000
    # VmHWM: this process's own peak (ru_maxrss would count the test's memory from before exec).
    script = ("import json, re, sys\n"
              "from wasmlint.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "peak = re.search(r'VmHWM:\\s*(\\d+) kB', open('/proc/self/status').read()).group(1)\n"
              "sys.stderr.write(json.dumps({'rss_kb': int(peak)}))\n")
    proc = subprocess.run([sys.executable, "-c", script, "check", str(project), "--format", "json", "--no-cache", "-j", "1"],
                          capture_output=True, text=True, timeout=300, cwd=project)
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    assert [(f["path"], f["severity"]) for f in report["findings"]] == [("bundle.min.js", "error")]
    peak_mb = json.loads(proc.stderr.strip().splitlines()[-1])["rss_kb"] / 1024
    assert peak_mb < 400, peak_mb  # about 100 MB measured (20 MB of text, 14 MiB of module); a copy per character was GBs


OTHER = '(module (memory (export "memory") 1) (func (export "other") (param i32) (result i32) (memory.grow (local.get 0))))'


@pytest.mark.parametrize("kind", ["grows", "still"])
def test_of_several_carried_modules_the_one_exporting_what_it_calls_decides(tmp_path, modules, kind):
    """A host carrying two modules (as bundles of hash functions do, one module each): the one that
    exports `step` decides, wherever it stands; the other, whose `other` grows, does not."""
    other = _base64(_wat2wasm(tmp_path, OTHER))
    text = (f'const unused = Buffer.from("{other}", "base64");\n'
            + FORMS["base64-buffer"][1](modules[kind]))
    project = tmp_path / "project"
    project.mkdir()
    (project / "host.cjs").write_text(text)
    assert _node(project / "host.cjs") == ("detached" if kind == "grows" else "live")
    _, report = _check(project)
    found = [(f["line"], f["severity"]) for f in report["findings"]]
    if kind == "still":
        assert found == []
        return
    assert found == [(_use_line(text), "error")]
    assert any("(module embedded at host.cjs:2)" in line for line in report["findings"][0]["evidence"])


# Published packages that carry their module in their JavaScript: the file, how, and one export.
CARRIERS = {
    "hash-wasm@4.13.0": ("package/dist/md5.umd.min.js", "base64", "Hash_Update"),
    "xxhash-wasm@1.1.0": ("package/esm/xxhash-wasm.js", "bytes", "update64"),
    "argon2-browser@1.18.0": ("package/dist/argon2-bundled.min.js", "base64", None),  # Emscripten SINGLE_FILE
}


@pytest.mark.network
def test_real_packages_carrying_their_module_are_linked_to_it(tmp_path):
    """The module each package inlines is found, decoded and analysed by the module layer (no
    error), and a check of the packages reports no error about it."""
    from conftest import npm_unpacked
    from wasmlint.host.run import analyze_host_file, module_of
    from wasmlint.module_layers import facts_or_error
    from wasmlint.options import CheckOptions

    folder = npm_unpacked(list(CARRIERS), tmp_path)
    for package, (file, encoding, export) in CARRIERS.items():
        (unpacked,) = folder.glob(package.replace("@", "-", 1).split("/")[-1] + "*")
        host = unpacked / file
        outcome = analyze_host_file(host, frozenset(), None)
        assert outcome.embedded and outcome.embedded[0].encoding == encoding, package
        module = module_of(host, outcome, CheckOptions())
        assert isinstance(module, EmbeddedModule), package
        facts = facts_or_error(module, None)
        assert not hasattr(facts, "message"), facts
        exports = {e.name for e in facts.exports if e.kind == "func"}
        assert export is None or export in exports, (package, exports)
    proc = run_cli("check", str(folder), "--layer", "host", "--format", "json", "--no-cache", cwd=folder)
    assert [e for e in json.loads(proc.stdout)["errors"] if "embedded" in e["message"]] == []


def test_confirm_runs_the_carried_module_in_v8(tmp_path, modules):
    """--confirm needs no `.wasm` file for a host carrying its module: V8 runs the bytes carried,
    and its word is on the finding (the host's own code never runs)."""
    if shutil.which("node") is None:
        unavailable("node is not installed")
    (tmp_path / "host.cjs").write_text(FORMS["base64-split"][1](modules["grows"]))
    code, report = _check(tmp_path, "--confirm")
    (finding,) = report["findings"]
    assert (code, finding["severity"], finding["confirmed"]) == (1, "error", True)
    assert any(line.startswith("node: step(") and "views made before it are detached" in line
               for line in finding["evidence"]), finding["evidence"]
