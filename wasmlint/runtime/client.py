"""Run a guest in worker processes under wall-clock limits, so that an engine crash or hang is
contained: the worker streams each call as it goes, a call that blocks in a host function (where
wasmtime's epoch deadline cannot reach) is cut by killing the worker, and a new worker goes on
after it, so that such a call loses only itself."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import wasmlint
from wasmlint.parallel import PARENT_ENV, how_it_stopped
from wasmlint.runtime.channel import DeadlinePassed, EventChild, UnreadableLine
from wasmlint.runtime.limits import Limits
from wasmlint.runtime.result import Resume, RunResult, StepRecord, summarise_growth
from wasmlint.runtime.scenario import Scenario, call_problem
from wasmlint.terminal import visible

PROGRESS_AFTER = 1.0  # seconds before a terminal gets a progress line
SPINNER = "|/-\\"
# Seconds past seconds_per_call before a call is taken to be blocked in a host function: the epoch
# deadline stops guest code by itself, so only a host call (such as WASI's poll_oneoff) gets here.
HOST_CALL_GRACE = 2.0


def show_progress(label: str, elapsed: float | None) -> None:
    """Draw a one-line elapsed-time indicator on stderr (a terminal only); None clears it."""
    if not sys.stderr.isatty():
        return
    if elapsed is None:
        sys.stderr.write("\r\x1b[K")
    else:
        # The label names a file of the analysed tree: made visible, only our own escapes are raw.
        sys.stderr.write(f"\r{SPINNER[int(elapsed * 4) % 4]} {visible(label)} ({elapsed:.0f} s)\x1b[K")
    sys.stderr.flush()


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    # The worker must import this very wasmlint, installed or not.
    root = str(Path(wasmlint.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    env.pop("WASMTIME_BACKTRACE_DETAILS", None)  # the worker decides, per module
    env[PARENT_ENV] = str(os.getpid())  # it ends with us
    return env


def _crash_message(returncode: int, stderr: str) -> str:
    how = how_it_stopped(returncode)
    lines = [line for line in stderr.splitlines() if line.strip()]
    tail = f": {lines[-1].strip()}" if lines else ""
    return f"the runtime worker crashed ({how}){tail}"


@dataclass
class _Attempt:
    """What one worker process streamed before it finished, died or was stopped."""

    streamed: list[dict] = field(default_factory=list)  # records as sent: most runs never need them
    failures: list[str] = field(default_factory=list)
    saved: dict[str, int | float] = field(default_factory=dict)
    running: RunResult | None = None  # the run's result as it stood when the calls began
    exports: list[str] = field(default_factory=list)  # smoke mode: the export of each run, in order
    pinpointing: RunResult | None = None  # the run's result when pinpointing began
    in_flight: dict | None = None  # the `begin` event of the call (or instantiation) under way
    since: float = 0.0  # when it began
    result: RunResult | None = None  # the worker's own, complete result
    stopped: str | None = None  # "blocked", "worker_timeout" or "died" when it did not finish
    problem: str | None = None  # why it died, or what was wrong with its output

    @property
    def records(self) -> list[StepRecord]:
        return [StepRecord.from_dict(record) for record in self.streamed]

    def take(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "begin":
            self.in_flight, self.since = event, time.monotonic()
        elif kind == "end":
            self.in_flight = None
        elif kind == "record":
            self.streamed.append(event["record"])
        elif kind == "failure":
            self.failures.append(event["text"])
        elif kind == "saved":
            self.saved[event["name"]] = event["value"]
        elif kind == "running":
            self.running = RunResult.from_dict(event["result"])
            self.exports = list(event.get("exports") or [])
        elif kind == "pinpoint":
            self.pinpointing = RunResult.from_dict(event["result"])
        elif kind == "result":
            self.result = RunResult.from_dict(event["result"])


def _run_worker(request: dict, limits: Limits, deadline: float, progress) -> _Attempt:
    """One worker process, stopped when a call outlives its deadline or the run its worker_timeout."""
    attempt = _Attempt()
    try:
        child = EventChild([sys.executable, "-m", "wasmlint.runtime.worker"], json.dumps(request).encode("utf-8"),
                           _worker_env())
    except OSError as exc:
        attempt.stopped, attempt.problem = "died", f"cannot start the runtime worker: {exc}"
        return attempt

    def next_deadline() -> float:
        progress()
        if attempt.in_flight is not None:  # a call, or an instantiation (its start function)
            return min(deadline, attempt.since + limits.seconds_per_call + HOST_CALL_GRACE)
        return deadline

    try:
        for event in child.events(next_deadline):
            attempt.take(event)
        returncode = child.finish()
        if attempt.result is None:
            attempt.stopped, attempt.problem = "died", _crash_message(returncode, child.stderr_tail)
    except DeadlinePassed:
        child.finish()
        attempt.stopped = "worker_timeout" if time.monotonic() >= deadline else "blocked"
    except (UnreadableLine, KeyError, TypeError, ValueError) as exc:
        child.finish()
        attempt.result = None
        attempt.stopped, attempt.problem = "died", f"the runtime worker sent an unreadable result ({exc})"
    except BaseException:
        child.finish()  # Ctrl-C or any surprise: never leave a guest running behind us
        raise
    return attempt


def _cut_record(attempt: _Attempt, limits: Limits) -> StepRecord | None:
    """The call (or instantiation) under way when the worker stopped, as a record saying why."""
    event = attempt.in_flight
    if event is None:
        return None
    if attempt.stopped == "blocked":
        waited = limits.seconds_per_call + HOST_CALL_GRACE
        trap = (f"did not return within {waited:g} s: blocked in a host function (such as WASI's poll_oneoff), "
                "which the per-call deadline cannot interrupt, so its worker was stopped (seconds_per_call)")
        limit: str | None = "seconds_per_call"
    elif attempt.stopped == "worker_timeout":
        trap = f"stopped: the module's runs took longer than {limits.worker_timeout:g} s in all (worker_timeout)"
        limit = "worker_timeout"
    else:
        trap, limit = f"{attempt.problem} during this call", None
    pages = int(event.get("pages_before", 0))
    return StepRecord(event.get("kind", "call"), int(event.get("run", 0)), step=event.get("step"),
                      export=event.get("export"), args=tuple(event.get("args", ())), pages_before=pages,
                      pages_after=pages, trap=trap, first_call=bool(event.get("first_call", False)),
                      call_number=int(event.get("call_number", 0)), limit=limit)


def _judged(cut: StepRecord, scenario: Scenario | None) -> tuple[StepRecord, list[str]]:
    """A scenario's cut call against its step's expectations, as the worker judges calls that return:
    the record with its note, and the failure."""
    if scenario is None or cut.kind != "call" or cut.step is None or not 0 <= cut.step < len(scenario.steps):
        return cut, []
    step = scenario.steps[cut.step]
    problem = call_problem(step, cut)
    return (replace(cut, note=problem), [f"{step.label()}: {problem}"]) if problem else (cut, [])


def _resume_after(resume: Resume, attempt: _Attempt, cut: StepRecord, scenario: Scenario | None) -> Resume:
    """Where the next worker goes on: after the cut call, on a fresh instance."""
    cut, failed = _judged(cut, scenario)
    records = (*resume.records, *attempt.records, cut)
    failures = (*resume.failures, *attempt.failures, *failed)
    saved = tuple({**dict(resume.saved), **attempt.saved}.items())
    if cut.kind == "start":
        return Resume(records, failures, saved, resume.cut, resume.after, resume.run)
    point = cut.call_number if scenario is not None else cut.run
    return Resume(records, failures, saved, resume.cut | {point}, point, cut.run + 1)


def _unfinished(base: RunResult, resume: Resume, attempt: _Attempt, cut: StepRecord | None,
                limits: Limits, scenario: Scenario | None) -> RunResult:
    """The result of a run no worker finished: what the workers streamed, the cut call included."""
    if attempt.pinpointing is not None:
        result = attempt.pinpointing  # every call was made: only the pinpointing was lost
        what = f"replaying `{cut.export}`" if cut is not None and cut.export else "the run"
        result.notes.append(f"pinpointing stopped: {cut.trap if cut else attempt.problem} ({what})")
        return result
    failed: list[str] = []
    if cut is not None:
        cut, failed = _judged(cut, scenario)
    result = replace(attempt.running or base, steps=[*resume.records, *attempt.records, *([cut] if cut else [])],
                     failures=[*resume.failures, *attempt.failures, *failed])
    result.growth = summarise_growth(result.steps)
    if attempt.stopped == "worker_timeout":
        # An error as before (the run is incomplete), with the calls that were made kept.
        result.error = f"the runtime worker did not finish within {limits.worker_timeout:g} s (worker_timeout) and was killed"
        called = {record.export for record in result.steps}
        for export in attempt.exports:
            if export not in called and export not in result.uncalled:
                result.uncalled[export] = (f"the module's runs reached worker_timeout "
                                           f"({limits.worker_timeout:g} s) before it was called")
    elif cut is None:
        result.error = attempt.problem  # died between calls: a fault of ours or of the engine
    return result


def run_module(module_path: Path, scenario: Scenario | None = None, limits: Limits = Limits(), *,
               pinpoint: bool = True, trap_imports: bool = False) -> RunResult:
    """Run `module_path` (scenario, or smoke calls without one) in a worker; never raises for guest trouble."""
    module_path = Path(module_path)
    request = {
        "module": str(module_path),
        "scenario": scenario.to_dict() if scenario else None,
        "limits": limits.to_dict(),
        "pinpoint": pinpoint,
        "trap_imports": trap_imports,
    }
    base = RunResult(module=module_path.as_posix(), mode="scenario" if scenario else "smoke",
                     scenario=scenario.path if scenario else None)
    began = time.monotonic()
    deadline = began + limits.worker_timeout
    label = f"running {module_path.name} in wasmtime"

    def progress() -> None:
        if time.monotonic() - began >= PROGRESS_AFTER:
            show_progress(label, time.monotonic() - began)

    resume = Resume()
    last: _Attempt | None = None
    try:
        while True:
            attempt = _run_worker({**request, "resume": resume.to_dict()}, limits, deadline, progress)
            if attempt.running is None and last is not None:  # stopped before it said so itself
                attempt.running, attempt.exports = last.running, last.exports
            last = attempt
            if attempt.result is not None:
                return attempt.result
            cut = _cut_record(attempt, limits)
            if attempt.stopped == "died" and attempt.in_flight is None and not (resume.records or attempt.streamed):
                base.error = attempt.problem
                return base
            if cut is None or attempt.pinpointing is not None or attempt.stopped == "worker_timeout":
                return _unfinished(base, resume, attempt, cut, limits, scenario)
            resume = _resume_after(resume, attempt, cut, scenario)
    finally:
        if time.monotonic() - began >= PROGRESS_AFTER:
            show_progress(label, None)
