"""`python -m bench --only host-differential`: generate a seeded batch, let V8 say where values
were detached, run wasmlint on the same programs, and print precision and recall per construct.

It stops with an error (exit 2) if the oracle itself is wrong: a program that fails in Node, or a
site where V8 and the generator's own expectation disagree. With `--gate`, it exits 1 when
wasmlint is below the targets of issue 21.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.hostgen.generate import generate
from bench.hostgen.judge import Judgement, JudgeError, Score, judge, wasmlint_findings
from bench.hostgen.modules import ModuleUnavailable, build_modules
from bench.hostgen.oracle import Observed, OracleError, observe
from bench.hostgen.program import Program
from bench.hostgen.simulate import expect, expected_aborts

DEFAULT_SEED = 2113
DEFAULT_PROGRAMS = 2000
TARGET_PRECISION = 0.98
TARGET_RECALL = 0.95

# The dimensions of the per-construct table, in the order the README explains them.
DIMENSIONS = ("origin", "shape", "form", "storage", "placement", "entry", "pass", "guard", "guard-variant", "test",
              "control", "op", "between", "route", "passed-export", "making", "try", "role", "module", "program")


@dataclass
class Options:
    programs: int = DEFAULT_PROGRAMS
    seed: int = DEFAULT_SEED
    gate: bool = False
    keep: Path | None = None  # keep the programs (plain and instrumented) and the verdicts here
    jobs: int = 1
    modules: tuple[str, ...] = ("wat", "rust")


def disagreements(programs: list[Program], observed: dict[str, Observed]) -> list[str]:
    """Where the oracle cannot be trusted: programs that failed in Node, sites where V8's record
    differs from the generator's expectation, and invocations that V8 ended by an exception where
    the generator expects none, or another one (or the reverse)."""
    found = []
    for program in programs:
        seen = observed[program.name]
        found += [f"{program.name}: {error}" for error in seen.errors]
        expected, _ = expect(program)
        for site in sorted(set(expected) | set(seen.sites)):
            if expected.get(site) != seen.sites.get(site):
                found.append(f"{program.name}: site {site}: generator expects {expected.get(site)}, V8 recorded {seen.sites.get(site)}")
        if len(seen.aborts) != len(program.flag_settings()):
            continue  # it did not run at all (its error is above)
        for flags, wanted, run in zip(program.flag_settings(), expected_aborts(program), seen.aborts):
            if wanted != [(step, site) for step, site, _ in run]:
                found.append(f"{program.name} {flags}: the generator expects the invocations (step, site) {wanted} "
                             f"to end by an exception, V8 ended {run}")
    return found


def run(options: Options) -> int:
    """Print the figures; 0, or 1 below the targets with `gate`, or 2 when it could not judge."""
    if options.programs < 1:
        print("error: --programs must be at least 1", file=sys.stderr)
        return 2
    try:
        return _run(options)
    except (ModuleUnavailable, OracleError, JudgeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(options: Options) -> int:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wasmlint-hostgen-") as scratch:
        folder = options.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        modules = build_modules(folder, options.modules)
        programs = generate(options.seed, options.programs, tuple(modules))
        generated = time.perf_counter()
        observed = observe(programs, modules)
        in_node = time.perf_counter()
        wrong = disagreements(programs, observed)
        if wrong:
            print(f"error: the oracle is not trustworthy on this batch ({len(wrong)} problems):", file=sys.stderr)
            for line in wrong[:20]:
                print(f"  {line}", file=sys.stderr)
            return 2
        flagged, errors = wasmlint_findings(programs, modules, folder, options.jobs)
        linted = time.perf_counter()
        judgement = judge(programs, observed, flagged)
        if options.keep:
            _keep(options.keep, programs, judgement)
    print(report(options, programs, judgement, errors, {
        "generate": generated - began, "V8": in_node - generated, "wasmlint": linted - in_node}))
    met = _met(judgement.overall)
    if options.gate and not met:
        print(f"gate: below the targets (precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL})", file=sys.stderr)
        return 1
    return 0


def _met(score: Score) -> bool:
    return (score.precision or 0) >= TARGET_PRECISION and (score.recall or 0) >= TARGET_RECALL


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _row(name: str, score: Score) -> str:
    positives = score.tp + score.fn
    return (f"| {name} | {score.sites} | {positives} | {score.tp} | {score.fp} | {score.fn} | "
            f"{_ratio(score.precision)} | {_ratio(score.recall)} |")


HEADER = "| construct | sites | positive | TP | FP | FN | precision | recall |\n|---|---|---|---|---|---|---|---|"


def report(options: Options, programs: list[Program], judgement: Judgement, errors: list[str],
           seconds: dict[str, float]) -> str:
    j = judgement
    judged = j.sites - j.not_run
    reach = j.out_of_reach.sites
    lines = [
        f"host-layer differential test: seed {options.seed}, {len(programs)} programs "
        f"({sum(p.module == 'wat' for p in programs)} on module.wat, {sum(p.module == 'rust' for p in programs)} on the Rust guest, "
        f"{sum(p.glue for p in programs)} with Emscripten-style glue), "
        f"{sum(len(p.flag_settings()) for p in programs)} runs in V8",
        f"sites: {j.sites}; never ran (left out): {j.not_run}; judged: {judged}, of which out of reach: "
        f"{reach} ({reach / judged:.1%}); findings on no site: {len(j.off_site)}" if judged else "no site ran",
        f"oracle: V8's record equals the generator's expectation at all {j.sites} sites, over every run",
        "time: " + ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items()),
    ]
    if errors:
        lines.append(f"wasmlint reported {len(errors)} errors, e.g. {errors[0]}")
    met = "met" if _met(j.overall) else "not met"
    lines += ["", f"Overall (in reach; targets precision >= {TARGET_PRECISION}, recall >= {TARGET_RECALL}: {met})", "",
              HEADER, _row("all sites in reach (and findings on no site)", j.overall), _row("out of reach (eval, computed keys)", j.out_of_reach)]
    for tag in sorted(t for t in j.by_tag if t.startswith("out-of-reach:")):
        lines.append(_row(tag, j.by_tag[tag]))
    lines += ["", "Per construct (a site counts under every construct it involves)", "", HEADER]
    for dimension in DIMENSIONS:
        for tag in sorted(t for t in j.by_tag if t.split(":", 1)[0] == dimension):
            lines.append(_row(tag, j.by_tag[tag]))
    if "off-site" in j.by_tag:
        lines.append(_row("off-site (a finding on a line with no site)", j.by_tag["off-site"]))
    return "\n".join(lines)


def _keep(folder: Path, programs: list[Program], judgement: Judgement) -> None:
    """Beside the plain programs wasmlint read: the instrumented copies, and one line per judged site."""
    for program in programs:
        (folder / program.module / program.name.replace(".mjs", ".instrumented.js")).write_text(program.instrumented)
    with (folder / "verdicts.tsv").open("w", encoding="utf-8") as out:
        out.write("program\tline\tcolumn\trole\tpositive\tflagged\ttags\n")
        module_of = {p.name: p.module for p in programs}
        for v in judgement.verdicts:
            out.write(f"{module_of[v.program]}/{v.program}\t{v.site.line}\t{v.site.column}\t{v.site.role}\t"
                      f"{int(v.positive)}\t{int(v.flagged)}\t{' '.join(sorted(v.tags))}\n")
        for name, line in judgement.off_site:
            out.write(f"{module_of[name]}/{name}\t{line}\t0\toff-site\t0\t1\t\n")
