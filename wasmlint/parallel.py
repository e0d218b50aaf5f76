"""Work spread over worker processes (`-j N`), and workers that end with the process that started them."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # multiprocessing costs 25 ms to import: only a run that forks workers pays it
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_ENV = "WASMLINT_PARENT_PID"  # how a worker started with a new interpreter learns its parent


def die_with_parent(parent: int | None) -> None:
    """Have the kernel kill this process when its parent ends (Linux), and end now if the parent
    is already gone (`parent`: the pid it had when it started us). A run killed with SIGKILL, or
    one whose Ctrl-C found us blocked, must not leave workers behind."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the check below still catches a parent that is already gone
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed: nobody will read our results


def file_size(path: os.PathLike | str) -> int:
    """A file's size in bytes (0 when it cannot be read): how much work it is, for scheduling."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def parent_from_env() -> int | None:
    """The parent pid a worker was given in its environment, if any."""
    try:
        return int(os.environ[PARENT_ENV])
    except (KeyError, ValueError):
        return None


# --- parallel_map ----------------------------------------------------------------------------------

T = TypeVar("T")
R = TypeVar("R")
ATTEMPTS = 2  # a unit whose worker died is tried once more, in a new worker, then reported


def parallel_map(function: Callable[[T], R], units: Sequence[T], *, jobs: int, failed: Callable[[T, str], R],
                 size: Callable[[T], int] = lambda _: 1, serial_below: int = 0,
                 prepare: Callable[[], object] | None = None) -> list[R]:
    """`function(unit)` for every unit, in order. With `jobs` > 1, at least two units and a total
    `size` of at least `serial_below`, in up to `jobs` forked worker processes, largest units
    first; else here, which is faster for small work (a worker costs a fork, and what it imports
    lazily it imports again). `prepare()` runs here before the workers fork, so that they inherit
    what it loads (grammars, compiled queries) instead of each loading it.

    `function` should catch its own errors (in a worker, one that escapes becomes
    `failed(unit, "internal error (...)")`). A unit whose worker dies (killed, out of memory, a crash in native
    code) is tried once more in a new worker; if that dies too, its result is `failed(unit, why)`,
    and every other unit's result is kept. Workers end with this process."""
    if jobs <= 1 or len(units) < 2 or sum(size(unit) for unit in units) < serial_below:
        return [function(unit) for unit in units]
    if prepare is not None:
        prepare()
    order = sorted(range(len(units)), key=lambda i: -size(units[i]))
    return _Pool(function, units, min(jobs, len(units)), failed).run(order)


def _worker_main(function: Callable, connection: "Connection", parent: int) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops us
    try:
        while True:
            unit = connection.recv()
            if unit is None:
                return
            try:
                result = (True, function(unit))
            except Exception as exc:  # a bug of ours: lose this unit, not the run
                result = (False, f"{type(exc).__name__}: {exc}")
            connection.send(result)
    except (EOFError, OSError):
        return  # the parent is gone or closed the pipe


@dataclass
class _Worker:
    process: "BaseProcess"
    connection: "Connection"
    index: int | None = None  # the unit it is working on


class _Pool:
    """Workers that each take one unit at a time, so that when one dies its unit is known."""

    def __init__(self, function: Callable, units: Sequence, jobs: int, failed: Callable) -> None:
        import multiprocessing

        self.function, self.units, self.jobs, self.failed = function, units, jobs, failed
        self.context = multiprocessing.get_context("fork")
        self.results: dict[int, object] = {}
        self.deaths: dict[int, int] = {}
        self.workers: list[_Worker] = []

    def run(self, order: list[int]) -> list:
        queue = list(order)
        try:
            while len(self.results) < len(self.units):
                while queue and len(self.workers) < self.jobs:
                    self._start(queue.pop(0))
                for worker in self._ready():
                    self._collect(worker, queue)
            return [self.results[i] for i in range(len(self.units))]
        finally:
            for worker in self.workers:
                worker.process.kill()  # only ones still running: a Ctrl-C, or a surprise
            for worker in self.workers:
                worker.process.join()
                worker.connection.close()

    def _start(self, index: int) -> None:
        ours, theirs = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(self.function, theirs, os.getpid()), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        self._give(worker, index)

    def _give(self, worker: _Worker, index: int) -> None:
        worker.index = index
        try:
            worker.connection.send(self.units[index])
        except OSError:
            pass  # it died already: _ready() will see it

    def _ready(self) -> list[_Worker]:
        from multiprocessing.connection import wait

        # Either a worker's answer or its death (its sentinel) wakes us; wait() returns the keys given
        # (typeshed widens them to any waitable).
        waiting: dict[Any, _Worker] = {worker.connection: worker for worker in self.workers}
        waiting.update({worker.process.sentinel: worker for worker in self.workers})
        return list({id(waiting[item]): waiting[item] for item in wait(list(waiting))}.values())

    def _collect(self, worker: _Worker, queue: list[int]) -> None:
        index = worker.index
        try:
            ok, value = worker.connection.recv()
        except (EOFError, OSError):  # it died, or is dying: its unit is tried again, once
            self._retire(worker)
            if index is None:
                return
            worker.process.join()
            self.deaths[index] = self.deaths.get(index, 0) + 1
            if self.deaths[index] < ATTEMPTS:
                queue.insert(0, index)
            else:
                how = how_it_stopped(worker.process.exitcode)
                self.results[index] = self.failed(self.units[index], f"its worker process died twice ({how})")
            return
        assert index is not None
        self.results[index] = value if ok else self.failed(self.units[index], f"internal error ({value})")
        if queue:
            self._give(worker, queue.pop(0))
        else:
            self._stop(worker)  # no more work: an idle worker only holds memory

    def _stop(self, worker: _Worker) -> None:
        try:
            worker.connection.send(None)
        except OSError:
            pass
        self._retire(worker)
        worker.process.join()

    def _retire(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        worker.connection.close()


def how_it_stopped(returncode: int | None) -> str:
    """`killed by SIGKILL` or `exit status 3`: how a worker process ended."""
    if returncode is not None and returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"
