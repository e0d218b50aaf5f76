"""Run a command with file permissions in force, even when the tests run as root (as CI does).

Root keeps its uid (the Python interpreter may live in root's own home, which uid 65534 cannot
enter) but its children lose the two capabilities that bypass permission checks on files, so a
folder of mode 000 or a tree without write bits stops them as it stops any user. Where the
capabilities cannot be dropped, the child becomes uid/gid 65534 instead.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def drop_file_privileges() -> None:
    """A preexec_fn: from here on (after exec), file permissions apply to the child."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        # Dropped from the bounding set, the capability is not granted back when root execs.
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            return


def run_unprivileged(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=drop_file_privileges)


def wasmlint_unprivileged(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m wasmlint ARGS` as a user without special rights over files."""
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return run_unprivileged([sys.executable, "-m", "wasmlint", *args], cwd=cwd, env=full_env)


def permissions_apply(folder: Path) -> bool:
    """Whether a child started by run_unprivileged is refused a folder of mode 000 (the tests that
    rely on it assert this, so that they cannot pass without permissions being in force)."""
    locked = folder / "locked-probe"
    locked.mkdir()
    locked.chmod(0)
    try:
        probe = run_unprivileged([sys.executable, "-c", "import os, sys; os.listdir(sys.argv[1])", str(locked)], cwd=folder)
        return probe.returncode != 0 and "PermissionError" in probe.stderr
    finally:
        locked.chmod(0o755)
        locked.rmdir()
