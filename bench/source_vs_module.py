"""How far the source layer's verdict on each export agrees with the compiled module's.

    python -m bench --only source-vs-module [--guests greeting-alloc dyn-callbacks ...]

For every guest the current rustc builds (tests/guest_builds.py, the test suite's builds), each
export gets three verdicts:
- the module's, from `wasmlint inspect`: `grows` (reaches memory.grow without panicking),
  `panic only` (only through the panic machinery) or `never`;
- the source layer's alone, from `wasmlint check --layer source --strict`: the highest severity
  among the findings the source layer attributes to that export (their `symbol`: at its `fn`, in
  its body, or in a crate function it reaches; or one of the other exports a finding says reach
  its site, `also_reached_from`), or `none`;
- what `check` reports with the module given (`--wasm`, all layers joined, `--strict`): the
  highest severity among the findings on that export, whatever their layer.
`--strict` keeps the rules' own severities (no host contract). Both checks run on a copy of the
guest whose `// wasmlint: allow(...)` comments are disarmed: what is measured is the analysis, not
a user's decision to accept its findings.

A verdict *flags* an export when it is `error` or `warning`. Taking the module as the truth about
growth: precision is the share of flagged exports that grow, recall the share of growing exports
flagged, agreement the share of exports where flagged == grows. The two counts the issue asks to
bring to zero are also shown: exports that grow with no finding at all, and exports that never
grow yet carry an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the suite's guest builds

from guest_builds import CURRENT_RUSTC, GUESTS, CompilerMissing, build_guest, buildable_guests  # noqa: E402

MODULE_VERDICTS = {"grows": "grows", "panic-only": "panic only", "no": "never"}
SEVERITIES = ("error", "warning", "info", "none")  # strongest first
FLAGGING = ("error", "warning")
# The two views of the source layer measured, by the name the tables give them.
VIEWS = {"source": "source layer alone", "joined": "with the module (`--wasm`)"}


@dataclass(frozen=True)
class ExportVerdicts:
    guest: str  # the guest's folder, and the package the module is built from when named otherwise
    export: str
    module: str  # grows / panic only / never
    source: str  # error / warning / info / none: the source layer alone
    joined: str  # the same, of every finding `check --wasm` puts on the export

    @property
    def grows(self) -> bool:
        return self.module == "grows"

    def flagged(self, view: str) -> bool:
        return getattr(self, view) in FLAGGING

    def agrees(self, view: str) -> bool:
        return self.flagged(view) == self.grows


def _wasmlint(*args: str, cwd: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "wasmlint", *args, "--format", "json"], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
    if proc.returncode not in (0, 1):
        raise SystemExit(f"wasmlint {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def _module_verdicts(module: Path) -> dict[str, str]:
    facts = _wasmlint("inspect", str(module), "--no-cache", cwd=ROOT)
    return {e["name"]: MODULE_VERDICTS[e["status"]] for e in facts["exports"] if e["kind"] == "func"}


def _disarmed_copy(crate: Path, scratch: Path) -> str:
    """The crate copied under `scratch` at its path relative to the repository, allow comments
    disarmed; that relative path."""
    relative = crate.relative_to(ROOT).as_posix()
    copy = scratch / relative
    if not copy.exists():
        shutil.copytree(crate, copy, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
        for source in copy.rglob("*.rs"):
            text = source.read_text(encoding="utf-8")
            source.write_text(text.replace("wasmlint: allow(", "wasmlint-bench: disarmed("), encoding="utf-8")
    return relative


def _strongest(exports: list[str], findings: list[dict], layer: str | None) -> dict[str, str]:
    """Per export, the highest severity of the findings on it (of `layer` only, when given): those
    whose `symbol` it is, and those that name it among the other exports reaching their site."""
    verdicts = dict.fromkeys(exports, "none")
    for finding in findings:
        if layer is not None and finding["layer"] != layer:
            continue
        for symbol in [finding.get("symbol"), *(e["symbol"] for e in finding.get("also_reached_from", []))]:
            if symbol in verdicts:
                verdicts[symbol] = min(verdicts[symbol], finding["severity"], key=SEVERITIES.index)
    return verdicts


def _crate_verdicts(crate: Path, module: Path, scratch: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The source layer's verdicts alone and with the module, per export the source layer lists."""
    relative = _disarmed_copy(crate, scratch)
    (listed,) = [c for c in _wasmlint("exports", relative, cwd=scratch)["crates"] if c["path"] == relative]
    exports = [export["symbol"] for export in listed["exports"]]
    common = ("--strict", "--no-cache", "--fail-on", "info")
    alone = _wasmlint("check", relative, "--layer", "source", *common, cwd=scratch)["findings"]
    joined = _wasmlint("check", relative, "--wasm", str(module), *common, cwd=scratch)["findings"]
    own = [f for f in alone if f["path"].startswith(relative + "/")]
    return _strongest(exports, own, "source"), _strongest(exports, joined, None)


def _package_folder(crate: Path, package: str) -> Path:
    """The folder of `package`: the crate itself, or a member of the workspace it is the root of."""
    for manifest in [crate / "Cargo.toml", *sorted(crate.glob("*/*/Cargo.toml"))]:
        with manifest.open("rb") as fh:
            if tomllib.load(fh).get("package", {}).get("name") == package:
                return manifest.parent
    raise SystemExit(f"no Cargo.toml under {crate} names the package {package}")


def measure(guests: list[str] | None = None) -> tuple[list[ExportVerdicts], list[str]]:
    """The verdicts on every export of every guest the current rustc builds (or of `guests`),
    and notes on exports only one side knows."""
    crates = buildable_guests(CURRENT_RUSTC)
    if guests:
        crates = [crate for crate in crates if crate.name in guests]
        missing = set(guests) - {crate.name for crate in crates}
        if missing:
            raise SystemExit(f"not built by {CURRENT_RUSTC}: {', '.join(sorted(missing))}")
    rows: list[ExportVerdicts] = []
    notes: list[str] = []
    scratch = Path(tempfile.mkdtemp(prefix="wasmlint-bench-guests-"))
    try:
        for crate in crates:
            for package, module in build_guest(crate, CURRENT_RUSTC).items():
                label = package if package == crate.name else f"{crate.name} ({package})"
                by_module = _module_verdicts(module)
                alone, joined = _crate_verdicts(_package_folder(crate, package), module, scratch)
                rows += [ExportVerdicts(label, export, by_module[export], alone[export], joined[export])
                         for export in sorted(by_module.keys() & alone.keys())]
                notes += [f"{label}: `{export}` is exported by the module, not in the source layer's listing"
                          for export in sorted(by_module.keys() - alone.keys())]
                notes += [f"{label}: `{export}` is in the source layer's listing, not exported by the module"
                          for export in sorted(alone.keys() - by_module.keys())]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, notes


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "- (0/0)"


def _names(rows: list[ExportVerdicts]) -> str:
    return f"{len(rows)}: " + (", ".join(f"{row.guest} `{row.export}`" for row in rows) or "-")


def render(rows: list[ExportVerdicts], notes: list[str]) -> str:
    lines = ["| guest | export | module | source alone | agree | with the module | agree |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.guest} | `{row.export}` | {row.module} | {row.source} | "
                     f"{'yes' if row.agrees('source') else 'NO'} | {row.joined} | "
                     f"{'yes' if row.agrees('joined') else 'NO'} |")
    growing = [row for row in rows if row.grows]
    module_counts = ", ".join(f"{sum(row.module == v for row in rows)} {v}" for v in MODULE_VERDICTS.values())
    lines += ["", f"| measure | {' | '.join(VIEWS.values())} |", "|---|---|---|",
              f"| exports (guests): {len(rows)} ({len({row.guest for row in rows})}); "
              f"module: {module_counts} | | |"]
    measures = {
        "verdicts": lambda view: ", ".join(f"{sum(getattr(row, view) == v for row in rows)} {v}" for v in SEVERITIES),
        "agreement (flagged == grows)": lambda view: _ratio(sum(row.agrees(view) for row in rows), len(rows)),
        "precision (flagged exports that grow)": lambda view: _ratio(
            sum(row.grows for row in rows if row.flagged(view)), sum(row.flagged(view) for row in rows)),
        "recall (growing exports flagged)": lambda view: _ratio(
            sum(row.flagged(view) for row in growing), len(growing)),
        "grows, no finding at all": lambda view: _names([row for row in growing if getattr(row, view) == "none"]),
        "never grows, an error": lambda view: _names(
            [row for row in rows if row.module == "never" and getattr(row, view) == "error"]),
    }
    for name, value in measures.items():
        lines.append(f"| {name} | {' | '.join(value(view) for view in VIEWS)} |")
    lines += [f"\nnote: {note}" for note in notes]
    return "\n".join(lines)


def report(guests: list[str] | None = None) -> str:
    try:
        rows, notes = measure(guests)
    except CompilerMissing as exc:
        raise SystemExit(f"{CURRENT_RUSTC} is needed: {exc}") from None
    return (f"The source layer against the module, every guest built by {CURRENT_RUSTC} "
            f"({GUESTS.relative_to(ROOT)}/):\n\n" + render(rows, notes))
