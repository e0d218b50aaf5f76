"""Run a guest in a worker process under a wall-clock timeout, so that an engine crash or hang is contained."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import wasmlint
from wasmlint.runtime.limits import Limits
from wasmlint.runtime.result import RunResult
from wasmlint.runtime.scenario import Scenario
from wasmlint.terminal import visible

PROGRESS_AFTER = 1.0  # seconds before a terminal gets a progress line
SPINNER = "|/-\\"


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
    return env


def how_it_stopped(returncode: int | None) -> str:
    """`killed by SIGKILL` or `exit status 3`: how a worker process ended."""
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


def _crash_message(returncode: int, stderr: bytes) -> str:
    how = how_it_stopped(returncode)
    lines = [line for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    tail = f": {lines[-1].strip()}" if lines else ""
    return f"the runtime worker crashed ({how}){tail}"


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
    failed = RunResult(module=module_path.as_posix(), mode="scenario" if scenario else "smoke",
                       scenario=scenario.path if scenario else None)
    try:
        process = subprocess.Popen([sys.executable, "-m", "wasmlint.runtime.worker"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_worker_env())
    except OSError as exc:
        failed.error = f"cannot start the runtime worker: {exc}"
        return failed
    began = time.monotonic()
    payload: bytes | None = json.dumps(request).encode("utf-8")
    label = f"running {module_path.name} in wasmtime"
    try:
        while True:
            elapsed = time.monotonic() - began
            remaining = limits.worker_timeout - elapsed
            if remaining <= 0:
                process.kill()
                process.communicate()
                failed.error = (f"the runtime worker did not finish within {limits.worker_timeout:g} s "
                                "(worker_timeout) and was killed")
                return failed
            try:
                stdout, stderr = process.communicate(payload, timeout=min(remaining, PROGRESS_AFTER))
                break
            except subprocess.TimeoutExpired:
                payload = None  # already sent; communicate() refuses to send it twice
                show_progress(label, time.monotonic() - began)
    except BaseException:
        process.kill()  # Ctrl-C or any surprise: never leave a guest running behind us
        process.communicate()
        raise
    finally:
        if time.monotonic() - began >= PROGRESS_AFTER:
            show_progress(label, None)
    if process.returncode != 0:
        failed.error = _crash_message(process.returncode, stderr)
        return failed
    try:
        return RunResult.from_dict(json.loads(stdout.decode("utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        failed.error = f"the runtime worker sent an unreadable result ({exc})"
        return failed
