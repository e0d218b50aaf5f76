"""A child process that reports one JSON event per line on stdout, read as the lines arrive under
a deadline, and killed together with its process group so that nothing is left behind."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO

STDERR_TAIL = 16384  # bytes of stderr kept: the end says why a process stopped


class DeadlinePassed(Exception):
    """The deadline passed before the child's next event (the child is still running)."""


class UnreadableLine(Exception):
    """The child wrote a line that is not a JSON object."""


def _piped(stream: IO[bytes] | None) -> IO[bytes]:
    if stream is None:
        raise OSError("the child's standard streams were not piped")
    return stream


def _feed(stream: IO[bytes], payload: bytes) -> None:
    try:
        stream.write(payload)
        stream.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child died or was killed first: its exit tells the story


class EventChild:
    """Start `command` in its own process group with `payload` on its stdin (written from a
    thread, so that a child which reports before it has read everything cannot deadlock us).
    Raises OSError when it cannot be started."""

    def __init__(self, command: list[str], payload: bytes, env: dict[str, str],
                 started: Callable[[int], None] | None = None) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, start_new_session=True, env=env)
        if started is not None:
            started(self.process.pid)  # e.g. limits set from outside before the child reads its input
        # Popen sets each stream it was asked to pipe; the None in their type is for the others.
        self._pipes: tuple[IO[bytes], IO[bytes], IO[bytes]] = (
            _piped(self.process.stdin), _piped(self.process.stdout), _piped(self.process.stderr))
        self._writer = threading.Thread(target=_feed, args=(self._pipes[0], payload), daemon=True)
        self._writer.start()
        self._stderr = bytearray()
        self._pending = bytearray()

    def events(self, deadline: Callable[[], float]) -> Iterator[dict]:
        """Each event as it arrives, until the child closes its output. `deadline()` (a
        time.monotonic() value) is asked again after every event; DeadlinePassed when it passes
        first, UnreadableLine for a line that is not a JSON object."""
        with selectors.DefaultSelector() as selector:
            selector.register(self._pipes[1], selectors.EVENT_READ, "out")
            selector.register(self._pipes[2], selectors.EVENT_READ, "err")
            while selector.get_map():
                remaining = deadline() - time.monotonic()
                if remaining <= 0:
                    raise DeadlinePassed()
                for key, _ in selector.select(min(remaining, 1.0)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                    elif key.data == "err":
                        self._stderr += chunk
                        del self._stderr[:-STDERR_TAIL]
                    elif b"\n" not in chunk:
                        self._pending += chunk
                    else:
                        *lines, rest = (bytes(self._pending) + chunk).split(b"\n")
                        self._pending[:] = rest
                        for line in lines:
                            yield _event(line)

    @property
    def stderr_tail(self) -> str:
        return self._stderr.decode("utf-8", errors="replace")

    def finish(self) -> int:
        """Kill the whole group (whatever the child left running, or the child itself), reap the
        child, and return its exit status (negative: the signal that ended it). Once only: after
        the child is reaped, its pid (and group id) may belong to someone else."""
        if self.process.returncode is not None:
            return self.process.returncode
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # not yet reaped: the group is still ours
        except (ProcessLookupError, PermissionError):
            pass
        returncode = self.process.wait()
        self._writer.join()
        for stream in self._pipes:
            stream.close()
        return returncode


def _event(line: bytes) -> dict:
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise UnreadableLine(str(exc)) from None
    if not isinstance(event, dict):
        raise UnreadableLine(f"not an object: {line[:60]!r}")
    return event
