"""The hosts in guests/hosts under real Node: they break where their expectations say, and only there.

With greeting-alloc (its first `set_name` grows memory 17 -> 18 pages), every run of a host with
`// expect: stale-memory-view` lines fails the way the bug fails: a `TypeError` about a detached
`ArrayBuffer` whose innermost frame in the host is an expectation line, or a wrong greeting read
through a detached view. Together, a host's runs show every one of its expectation lines. With
greeting-static and greeting-wat (no growth), every host prints its greetings. Safe hosts print
them with all three modules.

TypeScript hosts are transpiled with the real `typescript` package (from npm, hence `network`)
with source maps, so that Node reports lines of the `.ts` file, and type-checked with `tsc --strict`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import GUESTS, guest_module, unavailable
from guest_builds import COMPILERS
from wasmlint.module import load_module_bytes

HOSTS = GUESTS / "hosts"
SCRIPTS = (".js", ".mjs", ".cjs", ".ts")
EXPECT = re.compile(r"//\s*expect:\s*(?P<ids>[a-z0-9, -]+)$")
GROWING = "greeting-alloc"
NOT_GROWING = ("greeting-static", "greeting-wat")
GREETING = "Ahoy there, Testy McTestface!\n"


@dataclass(frozen=True)
class Throws:
    """With the growing module: this `TypeError` on stderr, after `stdout` was printed."""

    error: str
    stdout: str = ""
    exit_code: int = 1  # 0 when the host catches the error and prints it


@dataclass(frozen=True)
class Prints:
    """With the growing module: no error but this wrong output, read through a detached view on the
    line of `file` that contains `at` (indexed reads give `undefined` instead of throwing)."""

    stdout: str
    file: str
    at: str


@dataclass(frozen=True)
class Run:
    """One Node run of a host (a file or a folder under guests/hosts).

    `program` is the file Node runs, relative to guests/hosts (default: the host itself). A `driver`
    (JavaScript in which `{host}` stands for the runnable host file) uses a library-shaped host the
    way an app would, in an order that shows one of its expectations. `prints` is the output with a
    module that never grows; `growing` what greeting-alloc does (None: the same output, no error).
    """

    host: str
    prints: str
    growing: Throws | Prints | None
    program: str = ""
    driver: str = ""
    label: str = ""
    browser: bool = False

    @property
    def file(self) -> str:
        return self.program or self.host

    @property
    def id(self) -> str:
        return f"{self.host}: {self.label}" if self.label else self.host


SLICE = "Cannot perform %TypedArray%.prototype.slice on a detached ArrayBuffer"
SET = "Cannot perform %TypedArray%.prototype.set on a detached ArrayBuffer"
CONSTRUCT = "Cannot perform Construct on a detached ArrayBuffer"  # .subarray() makes a new view
GET_UINT8 = "Cannot perform DataView.prototype.getUint8 on a detached ArrayBuffer"
SET_UINT8 = "Cannot perform DataView.prototype.setUint8 on a detached ArrayBuffer"
FERRIS = "Hello, Ferris!\n"
TWO = GREETING + FERRIS
THREE = GREETING + FERRIS + "Hello, Corro!\n"

# Library-shaped hosts, used by an app: the loop method on a fresh instance (its second turn runs
# after the first grew memory), and a method called after another one grew memory.
BRIDGE_LOOP = """\
import { GreetingBridge } from "{host}";
const bridge = await GreetingBridge.load(process.argv[2]);
console.log(bridge.greetAll("Hello", ["Ferris", "Corro"]).join("\\n"));
"""
BRIDGE_AGAIN = """\
import { GreetingBridge } from "{host}";
const bridge = await GreetingBridge.load(process.argv[2]);
console.log(bridge.greetAll("Hello", ["Ferris"]).join("\\n"));
console.log(bridge.greet("Ahoy there", "Testy McTestface"));
"""
GREETER_LOOP = """\
const { Greeter } = require("{host}");
const greeter = new Greeter(require("fs").readFileSync(process.argv[2]));
console.log(greeter.greetEach("Hello", ["Ferris", "Corro"]).join("\\n"));
"""
GREETER_AGAIN = """\
const { Greeter } = require("{host}");
const greeter = new Greeter(require("fs").readFileSync(process.argv[2]));
console.log(greeter.greetEach("Hello", ["Ferris"]).join("\\n"));
console.log(greeter.greet("Ahoy there", "Testy McTestface"));
"""

RUNS = [
    # Stale views: together, a host's runs show each of its expectations.
    Run("classic.mjs", GREETING, Throws(SLICE)),
    Run("classic.cjs", GREETING, Throws(CONSTRUCT)),
    Run("classic.ts", GREETING, Throws(CONSTRUCT)),
    Run("helper-split", GREETING, Throws(SLICE), program="helper-split/main.mjs"),
    # String.fromCharCode(undefined) is "\0": 29 of them for the 29-byte message.
    Run("helper-split-cjs", GREETING, Prints("\0" * 29 + "\n", "helper-split-cjs/index.js", "wasm.heap[at + i]"),
        program="helper-split-cjs/index.js"),
    Run("browser", GREETING, Throws(SLICE), program="browser/main.js", browser=True),
    Run("browser-then", GREETING, Throws(GET_UINT8, exit_code=0), program="browser-then/main.js", browser=True),
    Run("bridge.ts", THREE, Throws(GET_UINT8)),
    Run("bridge.ts", FERRIS + "Hello, Corro!\n", Throws(SET), driver=BRIDGE_LOOP, label="view made before a loop"),
    Run("bridge.ts", FERRIS + GREETING, Throws(SET_UINT8, stdout=FERRIS), driver=BRIDGE_AGAIN,
        label="field used after another method's call"),
    Run("bridge-subarray.ts", THREE, Throws(CONSTRUCT)),
    Run("bridge-subarray.ts", FERRIS + "Hello, Corro!\n", Throws(SET), driver=GREETER_LOOP,
        label="alias captured by a map() callback"),
    Run("bridge-subarray.ts", FERRIS + GREETING, Throws(SET, stdout=FERRIS), driver=GREETER_AGAIN,
        label="field used after another method's call"),
    # Safe: the same output whether memory grows or not.
    Run("fixed.mjs", GREETING, None),
    Run("fixed.cjs", TWO, None),
    Run("glue-shaped.mjs", TWO, None),
    Run("glue-shaped.cjs", TWO, None),
    Run("safe-guard.mjs", GREETING + "Ahoy there, Ferris!\n", None),
    Run("safe-guard.cjs", GREETING, None),
    Run("safe-getter.mjs", TWO, None),
    Run("safe-getter.ts", TWO, None),
    Run("safe-late-view.mjs", GREETING, None),
    Run("safe-late-view.cjs", GREETING, None),
]

# TypeScript hosts that are CommonJS (they test `require.main === module`); the others are ESM.
COMMONJS_TS = {"bridge-subarray.ts"}

# Test-only stand-ins, loaded with `node --require`; the hosts themselves stay as users write them.
BROWSER_SHIM = """\
// What a browser gives main.js: fetch() of the module beside the page, and the page's element.
const fs = require("fs");
globalThis.fetch = async (url) => {
  if (!String(url).endsWith("greeting.wasm")) throw new Error(`unexpected fetch: ${url}`);
  const body = fs.readFileSync(process.env.GREETING_WASM);
  return new Response(body, { headers: { "content-type": "application/wasm" } });
};
const element = { set textContent(text) { process.stdout.write(`${text}\\n`); } };
globalThis.document = {
  getElementById: (id) => (id === "greeting" ? element : null),
  querySelector: (selector) => (selector === "#greeting" ? element : null),
};
"""
# Records each instance's page count when it is made and when Node exits, so that a run shows the
# growth really happened (a safe host is safe because of what it does, not because nothing grew).
PAGES_PROBE = """\
const fs = require("fs");
const memories = [];
const remember = (instance) => {
  if (!("set_name" in instance.exports)) return;  // Node's own modules (undici's HTTP parser)
  const memory = instance.exports.memory;
  memories.push({ memory, before: memory.buffer.byteLength / 65536 });
};
const { instantiate, instantiateStreaming, Instance } = WebAssembly;
WebAssembly.instantiate = async (...args) => {
  const result = await instantiate(...args);
  remember(result instanceof Instance ? result : result.instance);
  return result;
};
WebAssembly.instantiateStreaming = async (...args) => {
  const result = await instantiateStreaming(...args);
  remember(result.instance);
  return result;
};
WebAssembly.Instance = class extends Instance {
  constructor(...args) { super(...args); remember(this); }
};
process.on("exit", () => {
  const pages = memories.map(({ memory, before }) => [before, memory.buffer.byteLength / 65536]);
  fs.writeFileSync(process.env.PAGES_FILE, JSON.stringify(pages));
});
"""


def host_files(host: str) -> list[Path]:
    path = HOSTS / host
    return sorted(p for p in path.rglob("*") if p.suffix in SCRIPTS) if path.is_dir() else [path]


def expectations(host: str) -> set[tuple[str, int]]:
    found = set()
    for path in host_files(host):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                assert match.group("ids").strip() == "stale-memory-view", f"{path.name}:{number}"
                found.add((path.relative_to(HOSTS).as_posix(), number))
    return found


def needs_typescript(host: str) -> bool:
    return host.endswith(".ts")


def run_params(*modules: str) -> list:
    """Every run (with each of `modules`); those of TypeScript hosts need npm, hence `network`."""
    return [
        pytest.param(run, *modules_, id=" ".join([run.id, *modules_]),
                     marks=[pytest.mark.network] if needs_typescript(run.host) else [])
        for run in RUNS for modules_ in ([(m,) for m in modules] or [()])
    ]


# --- what the runs need ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        unavailable("node is not installed (scripts/setup.sh --dev installs Node 20)")
    version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        unavailable(f"Node 20 or newer is needed, found {version}")
    return path


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("hosts")
    (directory / "browser-shim.cjs").write_text(BROWSER_SHIM)
    (directory / "pages-probe.cjs").write_text(PAGES_PROBE)
    return directory


@pytest.fixture(scope="session", params=COMPILERS, ids=str)
def modules(workdir, request) -> dict[str, Path]:
    """greeting-alloc and greeting-static built as tests/test_runtime_guests.py builds them, by
    each compiler; the hand-written greeting.wat assembled by the project's own helper."""
    found = {}
    for name in ("greeting-alloc", "greeting-static"):
        found[name] = guest_module(name, request.param)
    wat = workdir / "greeting_wat.wasm"
    wat.write_bytes(load_module_bytes(GUESTS / "greeting-wat" / "greeting.wat"))
    found["greeting-wat"] = wat
    return found


@pytest.fixture(scope="session")
def typescript(node, tmp_path_factory) -> Path:
    """A folder with the real `typescript` package (and Node's types, for type-checking)."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed (scripts/setup.sh --dev installs it)")
    directory = tmp_path_factory.mktemp("typescript")
    try:
        proc = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", "typescript@5", "@types/node@20"],
            cwd=directory, capture_output=True, text=True, timeout=300,
        )
    except subprocess.TimeoutExpired:
        unavailable("npm install typescript timed out (no network?)")
    if proc.returncode != 0:
        unavailable(f"npm install typescript failed (no network?): {proc.stderr.strip().splitlines()[-1:]}")
    return directory


TRANSPILE = """\
// transpile.cjs TYPESCRIPT_DIR SOURCE OUTPUT MODULE: one file, with a source map naming SOURCE.
const fs = require("fs");
const path = require("path");
const [tsDir, source, output, kind] = process.argv.slice(2);
const ts = require(path.join(tsDir, "node_modules", "typescript"));
const result = ts.transpileModule(fs.readFileSync(source, "utf8"), {
  fileName: source,
  reportDiagnostics: true,
  compilerOptions: {
    target: ts.ScriptTarget.ES2022,
    module: kind === "commonjs" ? ts.ModuleKind.CommonJS : ts.ModuleKind.ES2022,
    sourceMap: true,
  },
});
if (result.diagnostics.length) {
  for (const d of result.diagnostics) console.error(ts.flattenDiagnosticMessageText(d.messageText, "\\n"));
  process.exit(1);
}
const map = JSON.parse(result.sourceMapText);
map.sources = [path.resolve(source)];
map.sourceRoot = "";
const code = result.outputText.replace(/^\\/\\/# sourceMappingURL=.*$/m, "");
const inline = Buffer.from(JSON.stringify(map)).toString("base64");
fs.writeFileSync(output, `${code}//# sourceMappingURL=data:application/json;base64,${inline}\\n`);
"""


@functools.cache
def _transpiled(node: str, typescript: Path, workdir: Path, source: str) -> Path:
    script = workdir / "transpile.cjs"
    script.write_text(TRANSPILE)
    kind, suffix = ("commonjs", ".cjs") if source in COMMONJS_TS else ("es2022", ".mjs")
    output = workdir / "ts" / Path(source).with_suffix(suffix)
    output.parent.mkdir(exist_ok=True)
    proc = subprocess.run([node, str(script), str(typescript), str(HOSTS / source), str(output), kind],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return output


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str
    pages: list[list[float]]  # [pages when made, pages at exit] per instance


@functools.cache
def _run(node: str, workdir: Path, program: Path, driver: str, browser: bool, module: Path) -> Result:
    target = program
    if driver:
        target = workdir / "drivers" / f"{_digest(driver)}{program.suffix}"
        target.parent.mkdir(exist_ok=True)
        host = program.as_uri() if program.suffix == ".mjs" else str(program)
        target.write_text(driver.replace("{host}", host))
    pages_file = workdir / "pages" / f"{_digest(f'{target} {module}')}.json"
    pages_file.parent.mkdir(exist_ok=True)
    pages_file.unlink(missing_ok=True)
    preloads = ["--require", str(workdir / "pages-probe.cjs")]
    if browser:
        preloads += ["--require", str(workdir / "browser-shim.cjs")]
    args = [] if browser else [str(module)]  # a page fetches its module; programs take it as argument
    env = {**os.environ, "GREETING_WASM": str(module), "PAGES_FILE": str(pages_file), "NO_COLOR": "1"}
    env.pop("NODE_OPTIONS", None)
    proc = subprocess.run([node, "--enable-source-maps", *preloads, str(target), *args],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
    pages = json.loads(pages_file.read_text()) if pages_file.is_file() else []
    return Result(proc.returncode, proc.stdout, proc.stderr, pages)


@pytest.fixture
def run_host(request, node, workdir, modules):
    """Run a host under Node with one of the three modules (TypeScript hosts transpiled first)."""

    def run(host_run: Run, module: str) -> Result:
        program = HOSTS / host_run.file
        if needs_typescript(host_run.host):
            program = _transpiled(node, request.getfixturevalue("typescript"), workdir, host_run.file)
        return _run(node, workdir, program, host_run.driver, host_run.browser, modules[module])

    return run


FRAME = re.compile(r"^\s*at (?:.*? \()?(?:file://)?(?P<path>/[^():]+):(?P<line>\d+):\d+\)?$", re.M)


def innermost_host_frame(stderr: str) -> tuple[str, int] | None:
    for match in FRAME.finditer(stderr):
        path = Path(match.group("path"))
        if path.is_relative_to(HOSTS):
            return path.relative_to(HOSTS).as_posix(), int(match.group("line"))
    return None


def broken_line(host_run: Run, result: Result) -> tuple[str, int]:
    """The line of the host where a run with the growing module broke, after checking that it broke
    the way `host_run.growing` says."""
    growing = host_run.growing
    if isinstance(growing, Throws):
        assert f"TypeError: {growing.error}" in result.stderr, result.stderr
        assert (result.code, result.stdout) == (growing.exit_code, growing.stdout), result.stderr
        frame = innermost_host_frame(result.stderr)
        assert frame is not None, f"no frame of the host in:\n{result.stderr}"
        return frame
    assert (result.code, result.stdout, result.stderr) == (0, growing.stdout, "")
    lines = (HOSTS / growing.file).read_text(encoding="utf-8").splitlines()
    (number,) = [n for n, text in enumerate(lines, start=1) if growing.at in text]
    return growing.file, number


# --- the tests ------------------------------------------------------------------------------------


def test_every_host_has_runs():
    hosts = {p.name for p in HOSTS.iterdir() if p.is_dir() or p.suffix in SCRIPTS}
    assert hosts == {r.host for r in RUNS}
    for run in RUNS:
        assert (HOSTS / run.file).is_file(), run.file
        # A host with expectations must break with the growing module; a host without, must not.
        assert (run.growing is None) == (not expectations(run.host)), run.id


@pytest.mark.parametrize(("host_run", "module"), run_params(*NOT_GROWING))
def test_every_host_greets_with_a_module_that_never_grows(run_host, host_run, module):
    result = run_host(host_run, module)
    assert (result.code, result.stderr) == (0, ""), result.stderr
    assert result.stdout == host_run.prints
    assert result.pages and all(before == after == 17 for before, after in result.pages), result.pages


@pytest.mark.parametrize("host_run", run_params())
def test_growing_memory_breaks_a_host_only_at_an_expectation(run_host, host_run):
    result = run_host(host_run, GROWING)
    # The module did grow: a safe host is safe because of what it does, not because nothing grew.
    assert result.pages and all((before, after) == (17, 18) for before, after in result.pages), result.pages
    if host_run.growing is None:
        assert (result.code, result.stderr) == (0, ""), result.stderr
        assert result.stdout == host_run.prints
        return
    file, line = broken_line(host_run, result)
    missing = (file, line) not in expectations(host_run.host)
    assert not missing, f"{file}:{line} broke but has no `// expect: stale-memory-view`"


@pytest.mark.parametrize("host", [
    pytest.param(host, marks=[pytest.mark.network] if needs_typescript(host) else [])
    for host in sorted({r.host for r in RUNS if r.growing})
])
def test_the_runs_of_a_host_show_every_expectation(run_host, host):
    broken = {broken_line(r, run_host(r, GROWING)) for r in RUNS if r.host == host}
    unshown = sorted(expectations(host) - broken)
    assert not unshown, f"no run breaks on these expectation lines: {unshown}"


VIEW_USE = re.compile(r"\.(slice|subarray|set|getUint8|setUint8)\(|\w\[")


def test_expectations_sit_on_lines_that_use_a_view():
    for path in sorted(HOSTS.rglob("*.html")):
        assert "expect:" not in path.read_text(encoding="utf-8"), path
    for path in sorted(p for p in HOSTS.rglob("*") if p.suffix in SCRIPTS):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "expect:" not in line:
                continue
            code, _, comment = line.partition("//")
            where = f"{path.relative_to(HOSTS)}:{number}"
            assert comment.strip() == "expect: stale-memory-view", where
            assert code.strip() and not code.lstrip().startswith(("*", "/*")), f"{where}: no code before the comment"
            assert VIEW_USE.search(code), f"{where}: no read, write or method call of a view"


@pytest.mark.network
@pytest.mark.parametrize("kind", ["es2022", "commonjs"])
def test_typescript_hosts_type_check(node, typescript, kind):
    """`tsc --strict` accepts the TypeScript hosts: they are what a user's compiler lets through."""
    sources = [p for p in sorted(HOSTS.glob("*.ts")) if (p.name in COMMONJS_TS) == (kind == "commonjs")]
    assert sources
    resolution = "node10" if kind == "commonjs" else "bundler"
    proc = subprocess.run(
        [node, str(typescript / "node_modules/typescript/bin/tsc"), "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022",
         "--module", kind, "--moduleResolution", resolution, "--lib", "es2022,dom",
         "--types", "node", "--typeRoots", str(typescript / "node_modules/@types"), *map(str, sources)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
