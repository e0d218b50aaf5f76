"""Work spread over worker processes (`-j N`), and workers that end with the process that started them."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_ENV = "WASMLINT_PARENT_PID"  # how a worker started with a new interpreter learns its parent


def die_with_parent(parent: int | None) -> None:
    """Have the kernel kill this process when its parent ends (Linux), and end now if the parent
    is already gone (`parent`: the pid it had when it started us). A run killed with SIGKILL, or
    one whose Ctrl-C found us blocked, must not leave workers behind."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the check below still catches a parent that is already gone
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed: nobody will read our results


def parent_from_env() -> int | None:
    """The parent pid a worker was given in its environment, if any."""
    try:
        return int(os.environ[PARENT_ENV])
    except (KeyError, ValueError):
        return None
