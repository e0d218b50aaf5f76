"""The oracle of the host layer's differential test (bench/hostgen) is right.

On a seeded batch of generated programs: V8, running the instrumented copies, records at every site
exactly what the generator expects by construction, and ends by an exception exactly the
invocations it expects (which checks the generator and the instrumentation against each other); the
plain programs, run as they are, report from their driver exactly the invocations the simulation
ends, each at the line of the use that threw (so the plain text is the program V8 runs, up to the
instrumentation);
every construct kind the generator knows is exercised; and the real CLI reads every plain program.

The gate of issue 21: wasmlint, on the first programs of the seed the bench ships, must reach
precision 0.98 and recall 0.95 (`python -m bench --only host-differential --gate` on the full batch).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, unavailable

from bench.hostgen.command import DEFAULT_SEED, TARGET_PRECISION, TARGET_RECALL, disagreements
from bench.hostgen.generate import construct_kinds, generate
from bench.hostgen.judge import judge, site_tags, wasmlint_findings
from bench.hostgen.modules import ModuleUnavailable, build_modules
from bench.hostgen.oracle import Observed, observe
from bench.hostgen.program import Program
from bench.hostgen.simulate import Simulation, expect

SEED = 21
PROGRAMS = 90  # the fewest programs of seed 21 whose runs reach every construct kind
# The gate: the first programs of the seed whose 2,000 programs the README's figures come from.
GATE_SEED = DEFAULT_SEED
GATE_PROGRAMS = 200
# Issue 21's targets (precision 0.98, recall 0.95: TARGET_*) are the floor of the suite's batch:
# on these 200 programs wasmlint measured precision 0.983 and recall 1.000 on 2026-12-08 (sixth
# session; 0.974 the session before, 0.950 the day before). On the 2,000 programs of the seed it
# measures 0.984 (bench/README.md): `python -m bench --only host-differential --gate` judges those.
# The margin here is one false positive: a change that adds one in these programs fails.
FLOOR_PRECISION = TARGET_PRECISION
FLOOR_RECALL = TARGET_RECALL

# Runs plain programs as they are (ES modules beside module.wasm), one flag setting at a time: for
# each, the errors its driver reported (its exported `failures`) as the invocation each ended, the
# exception and the line of the program it was thrown at; or, if an exception got out of the
# module (no driver caught it), that one as `escaped`.
PLAIN_RUNNER = """\
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { pathToFileURL } from 'node:url'
const results = []
const where = (error, file) => {
  const frame = String(error?.stack).split('\\n').find((line) => line.includes(basename(file) + '?'))
  return { error: `${error?.name}: ${error?.message}`, line: frame ? Number(frame.match(/:(\\d+):\\d+\\)?$/)[1]) : null }
}
for (const job of JSON.parse(readFileSync(process.argv[2], 'utf8'))) {
  process.env.HOSTGEN_FLAGS = JSON.stringify(job.flags)
  try {
    const { failures } = await import(pathToFileURL(job.file).href + '?setting=' + job.setting)
    results.push({ reported: failures.map(([step, error]) => ({ step, ...where(error, job.file) })) })
  } catch (error) {
    results.push({ escaped: where(error, job.file) })
  }
}
process.stdout.write(JSON.stringify(results))
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory) -> dict[str, Path]:
    if shutil.which("node") is None:
        unavailable("node is not installed: the oracle runs the programs in Node")
    try:
        return build_modules(tmp_path_factory.mktemp("hostgen-modules"))
    except ModuleUnavailable as exc:
        unavailable(str(exc))
        raise


@pytest.fixture(scope="module")
def batch(modules) -> list[Program]:
    return generate(SEED, PROGRAMS, tuple(modules))


@pytest.fixture(scope="module")
def observed(batch, modules) -> dict[str, Observed]:
    return observe(batch, modules, concurrency=4)


def test_v8_records_what_the_generator_expects_at_every_site(batch, observed):
    assert disagreements(batch, observed) == []
    visits = [counts for seen in observed.values() for counts in seen.sites.values()]
    detached = sum(1 for ran, stale in visits if stale)
    assert detached > 50 and len(visits) - detached > 50, "the batch has both stale and fresh sites"


def test_silent_reads_of_detached_views_are_recorded(batch, observed):
    # Reads and writes through a detached typed array do not throw (they read `undefined`, write
    # nothing, decode ""): the instrumentation must see them all the same.
    silent = {site.op for program in batch for site in program.sites
              if site.role == "use" and not site.throws and observed[program.name].sites.get(site.id, [0, 0])[1]}
    assert {"index-read", "index-write", "decode"} <= silent


def test_both_modules_and_glue_programs_are_in_the_batch(batch, modules):
    assert {p.module for p in batch} == set(modules) == {"wat", "rust"}
    assert any(p.glue for p in batch) and any(not p.glue for p in batch)


def test_every_construct_kind_is_exercised(batch, observed, modules):
    ran: set[str] = set()
    for program in batch:
        _, between = expect(program)
        for site in program.sites:
            if observed[program.name].sites.get(site.id, [0, 0])[0]:
                ran |= site_tags(program, site, between)
    missing = construct_kinds(tuple(modules)) - ran
    assert not missing, f"construct kinds no site exercised: {sorted(missing)}"


def test_plain_programs_fail_exactly_where_the_simulation_throws(batch, modules, tmp_path):
    # The plain program's driver catches and reports as the instrumented copy's does: each flag
    # setting must report exactly the invocations the simulation ends, in order, each thrown at
    # the line of the use that threw there (so the plain text is the same program as the copy V8
    # runs, up to the instrumentation), or, where no use threw (a read of `null`: a cell an
    # earlier exception left empty), by JavaScript's own error on `null` or `undefined`.
    jobs, expected = [], []
    for module, wasm in modules.items():
        (tmp_path / module).mkdir()
        shutil.copyfile(wasm, tmp_path / module / "module.wasm")
    for program in batch:
        path = tmp_path / program.module / program.name
        path.write_text(program.plain, encoding="utf-8")
        lines = {site.id: site.line for site in program.sites}
        for number, flags in enumerate(program.flag_settings()):
            aborts = Simulation(program, flags).run().aborts
            # Only a detached value can throw first: a use of `null` needs an earlier exception.
            assert not aborts or aborts[0][1] is not None, (program.name, flags, aborts)
            jobs.append({"file": str(path), "flags": flags, "setting": number})
            expected.append((program.name, flags, [(step, lines[site] if site is not None else None)
                                                   for step, site in aborts]))
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    (tmp_path / "runner.mjs").write_text(PLAIN_RUNNER)
    proc = subprocess.run(["node", str(tmp_path / "runner.mjs"), str(tmp_path / "jobs.json")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    outcomes = json.loads(proc.stdout)
    assert not [outcome for outcome in outcomes if "escaped" in outcome], "the driver catches every exception"
    wrong = []
    for (name, flags, wanted), outcome in zip(expected, outcomes, strict=True):
        reported = outcome["reported"]
        got = [(r["step"], r["line"] if line is not None else None) for r, (_, line) in zip(reported, wanted)]
        if len(reported) != len(wanted) or got != wanted or any(
                line is None and not re.search(r"null|undefined", r["error"]) for r, (_, line) in zip(reported, wanted)):
            wrong.append((name, flags, wanted, reported))
    assert not wrong, wrong[:5]
    thrown = [r for outcome, (_, _, wanted) in zip(outcomes, expected)
              for r, (_, line) in zip(outcome["reported"], wanted) if line is not None]
    assert len(thrown) > 10, "some plain programs use a detached value in a way that throws"
    assert all(re.match(r"(TypeError: .*detached|RangeError)", r["error"]) for r in thrown), thrown
    assert any(line is None for _, _, wanted in expected for _, line in wanted), "some invocations end on `null`"


def test_an_exception_ends_only_its_invocation(batch, observed):
    # The instrumented copy's driver catches per invocation: after an entry point threw, the next
    # ones still run, and V8 ends exactly the invocations the simulation ends (the use that threw
    # included; `disagreements` compares them). Some end by a use of `null`: a cell whose making an
    # earlier exception cut short.
    assert disagreements(batch, observed) == []
    ended = [(program, run) for program in batch for run in observed[program.name].aborts if run]
    assert any(run[-1][0] < len(program.order) for program, run in ended), "an invocation after the one that threw ran"
    assert any(len(run) > 1 for _, run in ended)
    messages = [message for _, run in ended for _, _, message in run]
    assert any("null" in message or "undefined" in message for message in messages)


def test_the_batch_is_a_function_of_the_seed():
    first = generate(SEED, 12)
    assert [p.plain for p in first] == [p.plain for p in generate(SEED, 12)]
    assert [p.plain for p in generate(SEED, 5)] == [p.plain for p in first[:5]]
    assert [p.plain for p in generate(SEED + 1, 12)] != [p.plain for p in first]


def test_every_site_is_alone_on_its_line(batch):
    for program in batch:
        lines = [site.line for site in program.sites]
        assert len(lines) == len(set(lines)), program.name
        text = program.plain.splitlines()
        assert all(0 < site.column <= len(text[site.line - 1]) for site in program.sites), program.name


def test_wasmlint_reads_every_plain_program_and_each_finding_maps_to_its_line(batch, modules, observed, tmp_path):
    flagged, errors = wasmlint_findings(batch, modules, tmp_path)
    assert errors == []  # every generated program parses and is analysed
    judgement = judge(batch, observed, flagged)
    assert sum(v.flagged for v in judgement.verdicts) + len(judgement.off_site) == sum(
        len({s.line for s in p.sites if observed[p.name].sites.get(s.id, [0, 0])[0]} & flagged[p.name]) +
        len(flagged[p.name] - {s.line for s in p.sites}) for p in batch)
    positives = sum(v.positive for v in judgement.verdicts)
    assert positives == sum(1 for p in batch for s in p.sites if s.role == "use" and observed[p.name].sites.get(s.id, [0, 0])[1])


def test_the_bench_command_prints_the_table_and_gates_on_the_targets():
    proc = subprocess.run([sys.executable, "-m", "bench", "--only", "host-differential", "--programs", "25",
                           "--seed", str(SEED), "--gate"], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stderr
    assert f"seed {SEED}, 25 programs" in proc.stdout
    row = re.search(r"^\| all sites in reach \(.*\| (\S+) \| (\S+) \|$", proc.stdout, re.M)
    assert row, proc.stdout
    precision, recall = (float(x) if x != "-" else 0.0 for x in row.groups())
    met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    assert proc.returncode == (0 if met else 1), (precision, recall, proc.stderr)
    for dimension in ("origin", "storage", "placement", "pass", "guard", "op", "between"):
        assert re.search(rf"^\| {dimension}:", proc.stdout, re.M), dimension


def test_without_node_the_oracle_says_so_in_one_line(batch, modules, tmp_path, monkeypatch):
    from bench.hostgen.oracle import OracleError

    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with no node in it
    with pytest.raises(OracleError, match="^node is not installed"):
        observe(batch[:2], modules)


def test_a_batch_of_no_programs_is_a_one_line_error():
    proc = subprocess.run([sys.executable, "-m", "bench", "--only", "host-differential", "--programs", "0"],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "error: --programs must be at least 1\n" and "Traceback" not in proc.stderr


def test_wasmlint_keeps_the_precision_and_recall_it_reached(modules, tmp_path):
    programs = generate(GATE_SEED, GATE_PROGRAMS, tuple(modules))
    observed = observe(programs, modules, concurrency=4)
    assert disagreements(programs, observed) == []
    flagged, errors = wasmlint_findings(programs, modules, tmp_path, jobs=min(4, os.cpu_count() or 1))
    assert errors == []
    judgement = judge(programs, observed, flagged)
    score = judgement.overall
    worst = sorted(((tag, s) for tag, s in judgement.by_tag.items() if s.fp + s.fn >= 3),
                   key=lambda item: min(item[1].precision or 1, item[1].recall or 1))[:6]
    summary = (f"seed {GATE_SEED}, {GATE_PROGRAMS} programs: precision {score.precision:.3f}, recall {score.recall:.3f} "
               f"(TP {score.tp}, FP {score.fp}, FN {score.fn}); weakest: "
               + ", ".join(f"{tag} {s.precision or 0:.2f}/{s.recall or 0:.2f}" for tag, s in worst))
    assert (score.precision or 0) >= FLOOR_PRECISION and (score.recall or 0) >= FLOOR_RECALL, summary
