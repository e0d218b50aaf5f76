"""How far the source layer's verdict on each export agrees with the compiled module's.

    python -m bench --only source-vs-module [--guests greeting-alloc dyn-callbacks ...]

For every guest the current rustc builds (tests/guest_builds.py, the test suite's builds), each
export gets two verdicts:
- the module's, from `wasmlint inspect`: `grows` (reaches memory.grow without panicking),
  `panic only` (only through the panic machinery) or `never`;
- the source layer's, from `wasmlint check --layer source --strict` (the rules' own severities,
  no host contract): the highest severity among the findings the source layer attributes to that
  export (their `symbol`: at its `fn`, in its body, or in a crate function it reaches), or `none`.
  It is run on a copy of the guest whose `// wasmlint: allow(...)` comments are disarmed: what is
  measured is the analysis, not a user's decision to accept its findings.

The source layer *flags* an export when that verdict is `error` or `warning`. Taking the module as
the truth about growth: precision is the share of flagged exports that grow, recall the share of
growing exports that are flagged, agreement the share of exports where flagged == grows. The two
counts the issue asks to bring to zero are also shown: exports that grow with no source finding
at all, and exports that never grow yet carry a source error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the suite's guest builds

from guest_builds import CURRENT_RUSTC, GUESTS, build_guest, buildable_guests  # noqa: E402

MODULE_VERDICTS = {"grows": "grows", "panic-only": "panic only", "no": "never"}
SOURCE_VERDICTS = ("error", "warning", "info", "none")  # strongest first
FLAGGING = ("error", "warning")


@dataclass(frozen=True)
class ExportVerdicts:
    guest: str  # the guest's folder, and the package the module is built from when named otherwise
    export: str
    module: str  # grows / panic only / never
    source: str  # error / warning / info / none

    @property
    def grows(self) -> bool:
        return self.module == "grows"

    @property
    def flagged(self) -> bool:
        return self.source in FLAGGING


def _wasmlint(*args: str, cwd: Path = ROOT) -> dict:
    proc = subprocess.run([sys.executable, "-m", "wasmlint", *args, "--format", "json"], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=_env())
    if proc.returncode not in (0, 1):
        raise SystemExit(f"wasmlint {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def _env() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}


def _module_verdicts(module: Path) -> dict[str, str]:
    facts = _wasmlint("inspect", str(module), "--no-cache")
    return {e["name"]: MODULE_VERDICTS[e["status"]] for e in facts["exports"] if e["kind"] == "func"}


def _source_verdicts(crate: Path, scratch: Path) -> dict[str, str]:
    """Per export of the crate (as the source layer lists them), its strongest source finding,
    found in a copy (under `scratch`, at the same relative path) whose allow comments are disarmed."""
    relative = crate.relative_to(ROOT).as_posix()
    copy = scratch / relative
    if not copy.exists():
        shutil.copytree(crate, copy, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
        for source in copy.rglob("*.rs"):
            text = source.read_text(encoding="utf-8")
            source.write_text(text.replace("wasmlint: allow(", "wasmlint-bench: disarmed("), encoding="utf-8")
    (listed,) = [c for c in _wasmlint("exports", relative, cwd=scratch)["crates"] if c["path"] == relative]
    verdicts = {export["symbol"]: "none" for export in listed["exports"]}
    report = _wasmlint("check", relative, "--layer", "source", "--strict", "--no-cache", "--fail-on", "info",
                       cwd=scratch)
    for finding in report["findings"]:
        symbol = finding.get("symbol")
        if symbol in verdicts and finding["path"].startswith(relative + "/"):
            verdicts[symbol] = min(verdicts[symbol], finding["severity"], key=SOURCE_VERDICTS.index)
    return verdicts


def measure(guests: list[str] | None = None) -> tuple[list[ExportVerdicts], list[str]]:
    """Both verdicts for every export of every guest the current rustc builds (or of `guests`),
    and notes on exports only one side knows."""
    rows: list[ExportVerdicts] = []
    notes: list[str] = []
    crates = buildable_guests(CURRENT_RUSTC)
    if guests:
        crates = [crate for crate in crates if crate.name in guests]
        missing = set(guests) - {crate.name for crate in crates}
        if missing:
            raise SystemExit(f"not built by {CURRENT_RUSTC}: {', '.join(sorted(missing))}")
    scratch = Path(tempfile.mkdtemp(prefix="wasmlint-bench-guests-"))
    try:
        for crate in crates:
            for package, module in build_guest(crate, CURRENT_RUSTC).items():
                by_module = _module_verdicts(module)
                by_source = _source_verdicts(_package_folder(crate, package), scratch)
                label = package if package == crate.name else f"{crate.name} ({package})"
                rows += [ExportVerdicts(label, export, by_module[export], by_source[export])
                         for export in sorted(by_module.keys() & by_source.keys())]
                notes += [f"{label}: `{export}` is exported by the module, not in the source layer's listing"
                          for export in sorted(by_module.keys() - by_source.keys())]
                notes += [f"{label}: `{export}` is in the source layer's listing, not exported by the module"
                          for export in sorted(by_source.keys() - by_module.keys())]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows, notes




def _package_folder(crate: Path, package: str) -> Path:
    """The folder of `package`: the crate itself, or a member of the workspace it is the root of."""
    import tomllib

    for manifest in [crate / "Cargo.toml", *sorted(crate.glob("*/*/Cargo.toml"))]:
        with manifest.open("rb") as fh:
            if tomllib.load(fh).get("package", {}).get("name") == package:
                return manifest.parent
    raise SystemExit(f"no Cargo.toml under {crate} names the package {package}")


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "- (0/0)"


def render(rows: list[ExportVerdicts], notes: list[str]) -> str:
    lines = ["| guest | export | module | source | agree |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.guest} | `{row.export}` | {row.module} | {row.source} | "
                     f"{'yes' if row.flagged == row.grows else 'NO'} |")
    flagged = [row for row in rows if row.flagged]
    growing = [row for row in rows if row.grows]
    both = sum(1 for row in flagged if row.grows)
    agree = sum(1 for row in rows if row.flagged == row.grows)
    module_counts = ", ".join(f"{sum(row.module == v for row in rows)} {v}" for v in MODULE_VERDICTS.values())
    source_counts = ", ".join(f"{sum(row.source == v for row in rows)} {v}" for v in SOURCE_VERDICTS)
    silent = [row for row in growing if row.source == "none"]
    false_errors = [row for row in rows if row.module == "never" and row.source == "error"]
    guests = len({row.guest for row in rows})
    lines += [
        "",
        "| measure | value |",
        "|---|---|",
        f"| exports (guests) | {len(rows)} ({guests}) |",
        f"| module verdicts | {module_counts} |",
        f"| source verdicts | {source_counts} |",
        f"| agreement (flagged == grows) | {_ratio(agree, len(rows))} |",
        f"| precision (flagged exports that grow) | {_ratio(both, len(flagged))} |",
        f"| recall (growing exports flagged) | {_ratio(both, len(growing))} |",
        f"| grows, no source finding at all | {len(silent)}: "
        f"{', '.join(f'{r.guest} `{r.export}`' for r in silent) or '-'} |",
        f"| never grows, source error | {len(false_errors)}: "
        f"{', '.join(f'{r.guest} `{r.export}`' for r in false_errors) or '-'} |",
    ]
    lines += [f"\nnote: {note}" for note in notes]
    return "\n".join(lines)


def report(guests: list[str] | None = None) -> str:
    from guest_builds import CompilerMissing

    try:
        rows, notes = measure(guests)
    except CompilerMissing as exc:
        raise SystemExit(f"{CURRENT_RUSTC} is needed: {exc}") from None
    return (f"Source layer against the module, every guest built by {CURRENT_RUSTC} "
            f"({GUESTS.relative_to(ROOT)}/):\n\n" + render(rows, notes))
