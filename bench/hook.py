"""The pre-commit hook's speed: `wasmlint check --layer source,host` on the staged files of a 5k-line
crate with its hosts, as pre-commit runs it, against the 300 ms budget (issue 23).

The crate is proc-macro2's sources (about 5.5k lines, from Debian's cargo registry), given an
allocating export and a `www/` folder with two hosts that load it, one of which keeps a view across
a call to that export: the staged files are the crate's lib.rs and both hosts.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.common import best_of

SMALL_CRATE = "proc-macro2-"
BUDGET = 0.300

EXPORT = """
#[no_mangle]
pub extern "C" fn token_count(len: usize) -> usize {
    let text = format!("{} tokens", len);
    text.len()
}
"""

PACKAGE_JSON = '{ "private": true, "dependencies": { "proc-macro2": "file:../pkg" } }\n'

STALE_HOST = """\
import { memory, token_count } from "proc-macro2/proc_macro2_bg";

const counts = new Uint32Array(memory.buffer, 0, 16);

export function count(n) {
  token_count(n);
  return counts[0];
}
"""

FRESH_HOST = """\
import { memory, token_count } from "proc-macro2/proc_macro2_bg";

export function count(n) {
  token_count(n);
  return new Uint32Array(memory.buffer, 0, 16)[0];
}
"""


def hook_rows(registry: Path, runs: int, command: list[str], env: dict[str, str], row) -> list:
    """Rows of the table in bench/run.py (`row` makes one): the hook's run with nothing changed
    since the last one, and with lib.rs edited (the crate analysed again, the hosts from the cache)."""
    found = sorted(registry.glob(SMALL_CRATE + "*"))
    if not found:
        raise SystemExit(f"no {SMALL_CRATE}* under {registry}: apt-get install librust-proc-macro2-dev")
    rows = []
    with tempfile.TemporaryDirectory(prefix="wasmlint-bench-hook-") as folder:
        crate = Path(folder) / found[-1].name
        shutil.copytree(found[-1], crate)
        lib = crate / "src" / "lib.rs"
        with lib.open("a") as out:
            out.write(EXPORT)
        (crate / "www").mkdir()
        (crate / "www" / "package.json").write_text(PACKAGE_JSON)
        (crate / "www" / "stale.js").write_text(STALE_HOST)
        (crate / "www" / "fresh.js").write_text(FRESH_HOST)
        lines = sum(path.read_bytes().count(b"\n") for path in crate.rglob("*.rs"))
        hook = command + ["check", "--layer", "source,host", "--cache-dir", str(Path(folder) / "cache"),
                          "src/lib.rs", "www/stale.js", "www/fresh.js"]

        def once() -> None:
            done = subprocess.run(hook, cwd=crate, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if done.returncode != 1 or b"error[stale-memory-view]" not in done.stdout:
                raise SystemExit(f"the hook did not report the stale view ({done.returncode}): "
                                 f"{done.stdout.decode()[-400:]}{done.stderr.decode()[-400:]}")

        once()  # fills the cache, writes bytecode
        edits = iter(range(10**6))

        def edited() -> None:
            with lib.open("a") as out:
                out.write(f"// edit {next(edits)}\n")
            once()

        label = f"pre-commit hook, {lines / 1000:.1f}k-line crate ({found[-1].name}) + 2 hosts"
        warm = best_of(runs, once)
        for mode, seconds in (("unchanged since the last run", warm),
                              ("lib.rs edited since the last run", best_of(runs, edited))):
            rows.append(row(f"{label}, {mode}, end to end", seconds, "target", BUDGET, "ours / target",
                            "<= 1.0", ours_on_top=True))
        # The fixed cost of any run, measured beside it: on a busy machine both grow together.
        start_up = best_of(runs, lambda: subprocess.run(command + ["--version"], env=env, stdout=subprocess.DEVNULL))
        rows.append(row("  of which: start-up (wasmlint --version)", start_up, "the unchanged run", warm,
                        "start-up / warm", "(share)", ours_on_top=True))
    return rows
