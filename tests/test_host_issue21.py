"""Issue 21's "Must show" hosts (tests/data/hosts-issue21), judged by V8 and then held against wasmlint.

Each case is a small project: host files and the module they load (`module.wat` in the case, or the
differential module bench/hostgen/module.wat), assembled with wat2wasm at test time as `module.wasm`
beside the hosts. Node runs the file named `main.*`. Every use site carries a marker comment:

    // stale: SUBJECT            V8 must see SUBJECT detached there (at least once)
    // stale: SUBJECT <- EXPORT  ... and wasmlint's finding must name EXPORT as the growing call
    // stale: SUBJECT <- EXPORT !EARLIER   ... and must not name EARLIER (called before the value was made)
    // fresh: SUBJECT            V8 must never see SUBJECT detached there
    // check                     a guard, or a store that keeps the value unread (`map.set(k, view)`):
                                 it may see a detached value; no finding belongs there

SUBJECT is text of the line: the value used (`heap`, `this.view`, `img`), or `new Kind` for a build
over a buffer, judged when the build happens, after its arguments ran (`new DataView(M.HEAPU8.buffer,
M._malloc(8))` builds over the buffer taken before the growing call).

1. The V8 test runs an instrumented copy in which each SUBJECT goes through the recorder of
   tests/issue21_harness.cjs, and asserts that every marker ran and that V8 agrees with it: the
   markers are proven, not our opinion.
2. The wasmlint test runs `wasmlint check` on the plain case and asserts that stale-memory-view
   findings land on exactly the `// stale` lines. Cases the host layer does not follow yet are
   strict xfails: the mark must go as soon as the analysis handles them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, unavailable
import test_host_fixtures_node as node_hosts

# Node 20 and the real `typescript` package (npm), as the other Node host tests get them.
node = node_hosts.node
typescript = node_hosts.typescript

CASES = Path(__file__).parent / "data" / "hosts-issue21"
HARNESS = Path(__file__).with_name("issue21_harness.cjs")
DIFFERENTIAL_WAT = REPO / "bench" / "hostgen" / "module.wat"
SCRIPTS = (".js", ".mjs", ".cjs", ".ts")
STALE = "stale-memory-view"
MARKER = re.compile(r"//\s*(?P<kind>stale|fresh|check)\b"
                    r"(?::\s*(?P<subject>.+?)(?:\s*<-\s*(?P<culprit>[\w$]+)(?:\s+!(?P<innocent>[\w$]+))?)?)?\s*$")

# Cases the host layer does not follow on main yet: why, per case.
XFAIL: dict[str, str] = {
    "entry-awaited-in-order-fresh": "the top level awaits each step (a timer callback resolving the promise it "
    "was made in, a `.then` callback) in turn, but the analysis runs the steps and the functions called after "
    "the first `await` as entry points in any order, from what all of them left: a read is taken to follow "
    "another read's growth (branch h21-entry ran the settling callback at the `await`: seed 2113 FP 63 -> 58 "
    "but FN 8 -> 14, each where the plain text's top level or an awaited step throws and ends the module "
    "while the oracle's wrapped copy goes on)",
    "guard-after-growth-each-arm-fresh": "each arm of a branch grows by a call of its own (`alloc` or `em_malloc`, "
    "`reserve` or `em_malloc`): `Memo.sure` keeps the calls made on every path, so the join keeps none and the "
    "tested view is not detached for sure (differential: wat/p01859:20 of seed 2113; a join that kept one call "
    "standing for each path's own, branch h21-after, cleared p01859 and this case's first branch, but lost the -stale twin's "
    "`words[0]`: the use was reached on fewer paths, none of which the report kept; cause not found in time)",
}


@dataclass(frozen=True)
class Marker:
    file: str  # relative to the case folder
    line: int
    kind: str  # stale | fresh | check
    subject: str
    culprit: str
    innocent: str

    @property
    def site(self) -> str:
        return f"{self.file}:{self.line}"


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


def host_files(case: Path) -> list[Path]:
    return sorted(p for p in case.rglob("*") if p.suffix in SCRIPTS)


def markers(case: Path) -> list[Marker]:
    found = []
    for path in host_files(case):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(text)
            if match:
                kind, subject = match.group("kind"), match.group("subject") or ""
                assert (kind == "check") == (not subject), f"{path}:{number}: a {kind} marker needs a subject"
                code = text[: match.start()]
                assert subject in code, f"{path}:{number}: the subject {subject!r} is not on the line"
                found.append(Marker(path.relative_to(case).as_posix(), number, kind, subject,
                                    match.group("culprit") or "", match.group("innocent") or ""))
    return found


def instrument(text: str, marks: list[Marker]) -> str:
    """The host with each marked subject routed through the recorder (`__at`, or `__make` for a build)."""
    lines = text.splitlines()
    for mark in marks:
        if mark.kind == "check":
            continue
        code = lines[mark.line - 1]
        if mark.subject.startswith("new "):
            kind = mark.subject[len("new "):].strip()
            replaced = code.replace(f"new {kind}(", f"__make({json.dumps(mark.site)}, {kind}, ", 1)
        else:
            replaced = code.replace(mark.subject, f"__at({json.dumps(mark.site)}, {mark.subject})", 1)
        assert replaced != code, f"{mark.site}: cannot instrument {mark.subject!r}"
        lines[mark.line - 1] = replaced
    return "\n".join(lines) + "\n"


def assemble(case: Path, folder: Path) -> Path:
    """The case's module (its own module.wat, or the differential one) as folder/module.wasm."""
    tool = shutil.which("wat2wasm")
    if tool is None:
        unavailable("wat2wasm is not installed (Debian: apt-get install wabt)")
    source = case / "module.wat" if (case / "module.wat").exists() else DIFFERENTIAL_WAT
    out = folder / "module.wasm"
    proc = subprocess.run([tool, str(source), "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return out


def copy_case(case: Path, folder: Path) -> Path:
    shutil.copytree(case, folder, ignore=shutil.ignore_patterns("*.wat"))
    assemble(case, folder)
    return folder


def entry(case: Path) -> Path:
    (main,) = [p for p in host_files(case) if p.stem == "main" and p.parent == case]
    return main


def params(test: str) -> list:
    """One param per case; the wasmlint test's xfails where the host layer does not follow the case."""
    found = []
    for name in case_names():
        # A TypeScript entry runs after transpiling with the real `typescript` package, from npm.
        marks = [pytest.mark.network] if test == "v8" and entry(CASES / name).suffix == ".ts" else []
        if test == "wasmlint" and name in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=f"issue 21: {XFAIL[name]}"))
        found.append(pytest.param(name, id=name, marks=marks))
    return found


# --- 1. V8 judges the markers -----------------------------------------------------------------------


def transpile(node_path: str, typescript_folder: Path, source: Path) -> Path:
    """A TypeScript entry as an ES module beside it (the recorder calls were put in the .ts text)."""
    script = source.parent / "transpile.cjs"
    script.write_text(node_hosts.TRANSPILE)
    output = source.with_suffix(".mjs")
    proc = subprocess.run([node_path, str(script), str(typescript_folder), str(source), str(output), "es2022"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return output


@pytest.mark.parametrize("name", params("v8"))
def test_v8_agrees_with_every_marker(name, node, request, tmp_path):
    case = CASES / name
    marks = markers(case)
    assert any(m.kind == "stale" for m in marks) or any(m.kind == "fresh" for m in marks), "a case without sites"
    run = copy_case(case, tmp_path / name)
    for path in host_files(run):
        mine = [m for m in marks if m.file == path.relative_to(run).as_posix()]
        path.write_text(instrument(path.read_text(encoding="utf-8"), mine), encoding="utf-8")
    program = run / entry(case).name
    if program.suffix == ".ts":
        program = transpile(node, request.getfixturevalue("typescript"), program)
    seen_standing_in = v8_record(node, run, program, tmp_path / "record.json", as_is=False)
    # The verdicts come from the run as is (nothing stands in for a detached value): a use that
    # throws there ends its path as in V8, so a marker after it on that path is never reached and
    # cannot be a use; a use V8 reaches only where an earlier one did not throw is judged there.
    seen = v8_record(node, run, program, tmp_path / "as-is.json", as_is=True)
    for mark in marks:
        if mark.kind == "check":
            continue
        assert seen_standing_in.get(mark.site, [0])[0], f"{mark.site}: the run never reached {mark.subject!r}"
        visits, detached = seen.get(mark.site, [0, 0])
        assert visits, f"{mark.site}: V8 never runs {mark.subject!r} (an earlier use on its path throws)"
        if mark.kind == "stale":
            assert detached, f"{mark.site}: V8 never saw {mark.subject!r} detached ({visits} visits)"
        else:
            assert not detached, f"{mark.site}: V8 saw {mark.subject!r} detached {detached} of {visits} times"


def v8_record(node: str, run: Path, program: Path, record: Path, as_is: bool) -> dict:
    """{site: [visits, detached]} from one run of the instrumented case. With stand-ins (not
    `as_is`) the run goes on past a stale use and must end well; as is, an exception nothing
    catches may end it, as it ends the program in V8."""
    env = {**os.environ, "ISSUE21_RECORD": str(record)}
    if as_is:
        env["ISSUE21_AS_IS"] = "1"
    proc = subprocess.run([node, "--require", str(HARNESS), str(program)], cwd=run, capture_output=True,
                          text=True, timeout=120, env=env)
    if not as_is:
        assert proc.returncode == 0, proc.stderr
    return json.loads(record.read_text())


# --- 2. wasmlint is held against them -----------------------------------------------------------------


def wasmlint(case: Path, folder: Path) -> dict:
    copy_case(case, folder)
    command = [sys.executable, "-m", "wasmlint", "check", str(folder), "--wasm", str(folder / "module.wasm"),
               "--format", "json", "--no-cache", "-j", "1"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"}, cwd=folder)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert not report.get("errors"), report["errors"]
    return report


def relative(folder: Path, reported: str) -> str:
    """A finding's path (relative to the folder wasmlint ran in, or absolute) relative to the case."""
    return (folder / reported).resolve().relative_to(folder.resolve()).as_posix()


@pytest.mark.parametrize("name", params("wasmlint"))
def test_stale_findings_land_on_the_stale_lines(name, tmp_path):
    case = CASES / name
    marks = markers(case)
    folder = tmp_path / name
    report = wasmlint(case, folder)
    findings = [f for f in report["findings"] if f["rule_id"] == STALE]
    flagged = {(relative(folder, f["path"]), f["line"]) for f in findings}
    stale = {(m.file, m.line) for m in marks if m.kind == "stale"}
    assert flagged == stale, (f"missed: {sorted(stale - flagged)}; flagged off the stale lines: "
                              f"{sorted(flagged - stale)}")
    for mark in marks:
        if mark.culprit:
            (finding,) = [f for f in findings if (relative(folder, f["path"]), f["line"]) == (mark.file, mark.line)]
            told = finding["message"] + json.dumps(finding.get("evidence", []))
            assert re.search(rf"\b{re.escape(mark.culprit)}\b", told), f"{mark.site}: the finding does not name {mark.culprit}: {told}"
            if mark.innocent:
                assert not re.search(rf"\b{re.escape(mark.innocent)}\b", told), (
                    f"{mark.site}: the finding blames {mark.innocent}, called before the value was made: {told}")
