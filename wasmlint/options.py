"""`CheckOptions`: what one `wasmlint check` run was asked to do, as plain data.

A module of its own so that every stage can name the type it is given without importing the
orchestration (`check.py`) that builds and passes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wasmlint.findings import Layer


@dataclass(frozen=True)
class CheckOptions:
    layers: frozenset[Layer] = frozenset({Layer.SOURCE, Layer.MODULE, Layer.RUNTIME, Layer.HOST})
    wasm: tuple[Path, ...] = ()
    build: bool = False
    confirm: bool = False
    scenario: Path | None = None
    all_functions: bool = False
    jobs: int = 1
    cache_dir: Path | None = None  # None: no results cache
    scenarios: tuple[Path, ...] = ()  # from the configuration; --scenario wins
    strict: bool = False  # every export at the rules' own severities, whatever its host contract
    hosts_unknown: frozenset[Path] = frozenset()  # crate roots configured with hosts = "unknown"
