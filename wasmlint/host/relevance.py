"""The relevance pre-filter: where in a file code can touch Wasm memory, found from its words.

A large bundle is mostly code that never names the module, its memory or a view; the interpreter
skips statements that name none of the words listed here (memory and view words, and the names the
file binds to the module's values), so that a 5 MB bundle costs little more than its parse."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left

_WORD = re.compile(rb"(?<![\w$])[A-Za-z_$][\w$]*")
# Words that make code matter whatever the file: memory, views, instantiation, growth.
# (`buffer` alone is not one: binary-heavy code that never touches Wasm says it everywhere; a
# view over Wasm memory is made from a memory, whose name is.)
# Nor are `exports`, `init` and `grow`, common words of any bundle: the names that do hold the
# module's exports or its init function are added once the file is known to bind them.)
# Where code reaches Wasm memory whatever the file: `WebAssembly.`, `memory.buffer`,
# `wasmMemory.grow(`, `instance.exports`. (Words such as `memory`, `instance` or `instantiate`
# alone are common in any large program: a type checker instantiates types.)
_MODULE_USE = re.compile(rb"WebAssembly\b|\.\s*(buffer|grow|exports)\b")
_WORD_BEFORE = re.compile(rb"([\w$]+)\s*$")


def module_uses(source: bytes) -> list[int]:
    """Where code reaches Wasm memory: found by their literal tails (fast), then the word before
    is checked, so that a long file costs one quick search."""
    found = []
    for match in _MODULE_USE.finditer(source):
        tail = match.group(1)
        if tail is None:
            found.append(match.start())
            continue
        before = _WORD_BEFORE.search(source, max(0, match.start() - 64), match.start())
        word = before.group(1).lower() if before else b""
        if before is not None and ((b"inst" in word) if tail == b"exports" else (b"mem" in word)):
            found.append(before.start())
    return found


class Relevance:
    """The places in a file where relevant code occurs; `within` asks whether a range holds one.
    The places of the words that may be added (`candidates`: every name a later `add` may ask
    about; None: any word) are listed once, when a name is first added (one regular-expression
    pass); adding names merges their positions, so asking about thousands of names costs no pass
    over the file per name, and a file with nothing of the module costs one search."""

    def __init__(self, source: bytes, names: set[str], candidates: set[str] | None = None) -> None:
        self.source = source
        self._places: dict[bytes, array] | None = None
        # Only these words are indexed: a bundle has hundreds of thousands of words, and a place
        # kept for each word costs more than the search that finds them.
        self._candidates = None if candidates is None else {name.encode() for name in candidates | names}
        self.starts = module_uses(source)
        self.add(names)

    @property
    def places(self) -> dict[bytes, array]:
        # Positions in arrays: 8 bytes each, where a list of ints takes 36 (a bundle has millions).
        if self._places is None:
            places: dict[bytes, array] = {}
            wanted = self._candidates
            for match in _WORD.finditer(self.source):
                word = match.group()
                if wanted is not None and word not in wanted:
                    continue
                found = places.get(word)
                if found is None:
                    found = places[word] = array("I")
                found.append(match.start())
            self._places = places
        return self._places

    def add(self, names: set[str]) -> None:
        if not names:
            return
        found = [at for name in names for at in self.places.get(name.encode(), ())]
        if found:
            self.starts = sorted(self.starts + found)

    def within(self, start: int, end: int) -> bool:
        at = bisect_left(self.starts, start)
        return at < len(self.starts) and self.starts[at] < end
