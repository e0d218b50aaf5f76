"""Which paths a git work tree's ignore files leave out, as git itself reads them.

Folder walks skip what `.gitignore` (in every folder, with `.git/info/exclude` and the user's global
excludes file) and `.ignore` files say, as ruff and ripgrep do; files and folders named on the command
line are checked all the same. git is asked once per work tree (`git ls-files --others --ignored`),
so its own rules apply exactly (negations, anchoring, `**`); a tracked file stays checked even when a
pattern matches it, as git treats it. Outside a git work tree, nothing is ignored.

The work tree may come from anyone: git runs with the repository's command hooks turned off
(`core.fsmonitor`), and a git that is missing, slow or failing only means nothing is ignored, with
one note that says why.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_TIMEOUT = 20  # seconds per git command: a hung git must not hang the run
# What git reads besides the standard files: ruff's and ripgrep's own ignore file.
EXTRA_IGNORE_FILE = ".ignore"
# Variables git sets for a hook it runs (pre-commit runs wasmlint inside one): they would point
# every git command at the committing repository, whichever work tree it is asked about.
_GIT_HOOK_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX")


class IgnoredPaths:
    """`ignored(path, work_tree)` for the paths folder walks meet; git is asked once per work tree."""

    def __init__(self) -> None:
        self._by_tree: dict[Path, frozenset[str]] = {}
        self.notes: list[str] = []

    def ignored(self, path: Path, work_tree: Path, given: Path) -> bool:
        """Whether `path` (resolved, met by a walk of the command-line path `given`, both inside
        `work_tree`) is ignored, itself or through a folder between `given` and it: what a user names
        is checked, whatever the ignore files say of it or of the folders above it."""
        names = self._by_tree.get(work_tree)
        if names is None:
            names = self._by_tree[work_tree] = self._ask_git(work_tree)
        if not names:
            return False
        parts = _parts_below(path, work_tree)
        if parts is None:
            return False
        above = _parts_below(given, work_tree) or []
        first = len(above) + 1 if parts[:len(above)] == above else 1
        whole = "/".join(parts)
        # git names an ignored folder once, with a trailing slash, and none of the files in it.
        return (whole in names or whole + "/" in names
                or any("/".join(parts[:end]) + "/" in names for end in range(first, len(parts))))

    def _ask_git(self, work_tree: Path) -> frozenset[str]:
        if not os.path.lexists(work_tree / ".git"):
            return frozenset()
        names: set[str] = set()
        for exclude in (["--exclude-standard"], [f"--exclude-per-directory={EXTRA_IGNORE_FILE}"]):
            listed = self._git(work_tree, ["ls-files", "-z", "--others", "--ignored", "--directory", *exclude])
            if listed is None:
                return frozenset()
            names.update(name for name in listed.split("\0") if name)
        return frozenset(names)

    def _git(self, work_tree: Path, args: list[str]) -> str | None:
        env = {key: value for key, value in os.environ.items() if key not in _GIT_HOOK_VARIABLES}
        env["LC_ALL"] = "C"  # git's messages in English: "not a git repository" is looked for
        command = ["git", "-c", "core.fsmonitor=false", "-C", str(work_tree), *args]
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            self._note(work_tree, "git is not installed")
            return None
        except subprocess.TimeoutExpired:
            self._note(work_tree, f"git took longer than {GIT_TIMEOUT} s")
            return None
        except OSError as exc:
            self._note(work_tree, f"git could not run ({exc.strerror or exc})")
            return None
        if done.returncode != 0:
            first = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[0]
            if "not a git repository" not in first:  # a bare `.git` folder marks the project only
                self._note(work_tree, f"git failed: {first}")
            return None
        return done.stdout.decode("utf-8", "surrogateescape")

    def _note(self, work_tree: Path, why: str) -> None:
        self.notes.append(f"{work_tree}: .gitignore and .ignore not applied ({why})")


def _parts_below(path: Path, folder: Path) -> list[str] | None:
    relative = os.path.relpath(path, folder)
    if relative == ".":
        return []
    return None if relative.startswith("..") else relative.split(os.sep)
