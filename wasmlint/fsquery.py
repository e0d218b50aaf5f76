"""Questions about paths in the analysed tree that never raise.

pathlib's `is_file`/`is_dir`/`exists` raise PermissionError for a path under a folder the user
may not enter; in a tree from a pull request that is bad input, not a bug. Such a path reads as
absent here; the folder walk (`discover.py`) names the folder it could not read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def is_file(path: Path | str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL byte in a name taken from the tree
        return False


def is_dir(path: Path | str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def exists(path: Path | str) -> bool:
    """Whether the path names something (a symlink: its target), as Path.exists."""
    try:
        os.stat(path)
        return True
    except (OSError, ValueError):
        return False
