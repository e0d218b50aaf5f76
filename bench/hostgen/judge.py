"""Judge wasmlint by V8: run the real CLI on the plain programs, map each finding to the site on
its line, and compare with what V8 recorded there.

A site is *positive* when V8 saw it use a detached value in at least one run (over every flag
setting and both rounds of entry points). A check site (a guard's test, a try whose failure is
caught) is never positive. Sites no run reached are left out (and counted). A finding on a line
that holds no site is a false positive of its own (`off-site`). Sites whose value the analysis
cannot follow by design (`out-of-reach:*` tags: `eval`, computed property keys) are scored apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.hostgen.oracle import Observed
from bench.hostgen.program import Program, Site
from bench.hostgen.simulate import expect

STALE = "stale-memory-view"


class JudgeError(RuntimeError):
    pass


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, positive: bool, flagged: bool) -> None:
        if positive:
            self.tp, self.fn = self.tp + flagged, self.fn + (not flagged)
        else:
            self.fp, self.tn = self.fp + flagged, self.tn + (not flagged)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def sites(self) -> int:
        return self.tp + self.fp + self.fn + self.tn


@dataclass
class Verdict:
    program: str
    site: Site
    positive: bool
    flagged: bool
    tags: set[str]


@dataclass
class Judgement:
    overall: Score = field(default_factory=Score)  # in reach, off-site findings included
    out_of_reach: Score = field(default_factory=Score)
    by_tag: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    verdicts: list[Verdict] = field(default_factory=list)
    off_site: list[tuple[str, int]] = field(default_factory=list)  # (program, line) of findings on no site
    not_run: int = 0
    sites: int = 0
    errors: list[str] = field(default_factory=list)  # the CLI's errors (files it could not analyse)


def wasmlint_findings(programs: list[Program], modules: dict[str, Path], folder: Path,
                      jobs: int = 1) -> tuple[dict[str, set[int]], list[str]]:
    """Write the plain programs under `folder/<module>/` and run `wasmlint check` on each folder
    with `--wasm` its module; the lines of `stale-memory-view` findings per program, and errors."""
    flagged: dict[str, set[int]] = {p.name: set() for p in programs}
    errors: list[str] = []
    for module, wasm in modules.items():
        chosen = [p for p in programs if p.module == module]
        if not chosen:
            continue
        place = folder / module
        place.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wasm, place / "module.wasm")
        for program in chosen:
            (place / program.name).write_text(program.plain, encoding="utf-8")
        command = [sys.executable, "-m", "wasmlint", "check", module, "--wasm", f"{module}/module.wasm",
                   "--layer", "host", "--format", "json", "--no-cache", "-j", str(jobs)]
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env, timeout=7200)
        if proc.returncode not in (0, 1):
            raise JudgeError(f"wasmlint failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
        report = json.loads(proc.stdout)
        errors += [f"{e.get('path')}: {e.get('message')}" for e in report.get("errors", [])]
        for finding in report["findings"]:
            name = Path(finding["path"]).name
            if finding["rule_id"] == STALE and name in flagged:
                flagged[name].add(finding["line"])
            elif finding["rule_id"] == "parse-error":
                errors.append(f"{finding['path']}:{finding['line']}: {finding['message']}")
    return flagged, errors


def site_tags(program: Program, site: Site, between: dict[int, set[str]]) -> set[str]:
    """Every construct kind a site involves: its own, the calls made between its value's making
    and the use (from the simulation), the module and the program's kind."""
    return site.tags | between.get(site.id, set()) | {f"module:{program.module}",
                                                      "program:glue" if program.glue else "program:plain"}


def judge(programs: list[Program], observed: dict[str, Observed], flagged: dict[str, set[int]]) -> Judgement:
    result = Judgement()
    for program in programs:
        seen = observed[program.name]
        _, between = expect(program)
        lines = {site.line for site in program.sites}
        for site in program.sites:
            result.sites += 1
            ran, detached = seen.sites.get(site.id, [0, 0])
            if not ran:
                result.not_run += 1
                continue
            positive = site.role == "use" and detached > 0
            is_flagged = site.line in flagged[program.name]
            tags = site_tags(program, site, between)
            result.verdicts.append(Verdict(program.name, site, positive, is_flagged, tags))
            if any(tag.startswith("out-of-reach:") for tag in tags):
                result.out_of_reach.add(positive, is_flagged)
            else:
                result.overall.add(positive, is_flagged)
            for tag in tags:
                result.by_tag[tag].add(positive, is_flagged)
        for line in sorted(flagged[program.name] - lines):
            result.off_site.append((program.name, line))
            result.overall.fp += 1
            result.by_tag["off-site"].fp += 1
    return result
