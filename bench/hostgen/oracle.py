"""Run a batch of instrumented programs in Node (`oracle.mjs`) and read what V8 recorded per site."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.hostgen.program import Program

ORACLE = Path(__file__).with_name("oracle.mjs")


class OracleError(RuntimeError):
    pass


@dataclass
class Observed:
    """One program in V8: per site id, [visits, visits with the value detached], over every flag
    setting; per flag setting (in the order of `Program.flag_settings`), the invocations an
    exception ended, as (step, the use site that threw or None, the exception's text); and anything
    that went wrong outside them (a generated program must never fail)."""

    sites: dict[int, list[int]] = field(default_factory=dict)
    aborts: list[list[tuple[int, int | None, str]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def observe(programs: list[Program], modules: dict[str, Path], concurrency: int = 8,
            timeout: float = 3600) -> dict[str, Observed]:
    """What V8 records for each program (by name). `modules`: module name -> .wasm file."""
    node = shutil.which("node")
    if node is None:
        raise OracleError("node is not installed: the oracle runs the programs in Node")
    batch = {
        "modules": {name: str(path) for name, path in modules.items()},
        "concurrency": concurrency,
        "programs": [{"name": p.name, "module": p.module, "code": p.instrumented, "settings": p.flag_settings()}
                     for p in programs],
    }
    with tempfile.TemporaryDirectory(prefix="hostgen-oracle-") as folder:
        path = Path(folder) / "batch.json"
        path.write_text(json.dumps(batch), encoding="utf-8")
        proc = subprocess.run([node, str(ORACLE), str(path)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode not in (0, 3):
        raise OracleError(f"the oracle failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    found: dict[str, Observed] = {}
    for line in proc.stdout.splitlines():
        record = json.loads(line)
        aborts = [[(step, site, message) for step, site, message in run] for run in record["aborts"]]
        found[record["name"]] = Observed({int(k): v for k, v in record["sites"].items()}, aborts, record["errors"])
    if proc.returncode == 3:
        for observed in found.values():
            observed.errors.append(f"a promise was rejected outside any program's run: {proc.stderr.strip()[-500:]}")
    missing = [p.name for p in programs if p.name not in found]
    if missing:
        raise OracleError(f"the oracle returned nothing for {len(missing)} programs (first: {missing[0]})")
    return found
