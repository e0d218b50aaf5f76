"""Renderers: each turns a Report into text for one output format. They never analyse.

Each format's module has `render(report, rules) -> str` and `chunks(report, rules)`, the same text
in pieces (a finding's at a time), which `write_chunks` writes as they are made: a report of tens
of thousands of findings is never held as one string."""

from collections.abc import Callable, Iterable, Iterator

FORMATS = ("text", "concise", "json", "sarif", "github")

# What `write_chunks` gathers before each write: a small report is one write, a large one is
# written in pieces of this size.
WRITE_SIZE = 1 << 16


def _module(name: str):
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (expected one of {', '.join(FORMATS)})")
    return __import__(f"wasmlint.reporters.{name}", fromlist=["render", "chunks"])


def renderer(name: str):
    """The `render(report, rules) -> str` function of a format (imported on demand: start-up stays fast)."""
    return _module(name).render


def chunker(name: str) -> Callable[..., Iterator[str]]:
    """The `chunks(report, rules)` function of a format: its text in pieces."""
    return _module(name).chunks


def write_chunks(pieces: Iterable[str], write: Callable[[str], object], size: int = WRITE_SIZE) -> None:
    """Write `pieces` through `write`, gathered into writes of about `size` characters."""
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            write("".join(batch))
            batch, held = [], 0
    if batch:
        write("".join(batch))
