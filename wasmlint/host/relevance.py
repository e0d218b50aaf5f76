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
    The file's words are listed once, when a name is first added (one regular-expression pass);
    adding names merges their positions, so asking about thousands of names costs no pass over the
    file per name, and a file with nothing of the module costs one search."""

    def __init__(self, source: bytes, names: set[str]) -> None:
        self.source = source
        self._places: dict[bytes, array] | None = None
        self._in_order: tuple[array, list[bytes]] | None = None
        self.starts = module_uses(source)
        self.add(names)

    @property
    def places(self) -> dict[bytes, array]:
        # Positions in arrays: 8 bytes each, where a list of ints takes 36 (a bundle has millions).
        if self._places is None:
            self._places = {}
            for match in _WORD.finditer(self.source):
                found = self._places.get(match.group())
                if found is None:
                    found = self._places[match.group()] = array("I")
                found.append(match.start())
        return self._places

    def _sequence(self) -> tuple[array, list[bytes]]:
        """Every word of the file in order: where each starts, and the word (the `places` key)."""
        if self._in_order is None:
            known = {word: word for word in self.places}
            starts, words = array("I"), []
            for match in _WORD.finditer(self.source):
                starts.append(match.start())
                words.append(known[match.group()])
            self._in_order = (starts, words)
        return self._in_order

    def count_within(self, start: int, end: int) -> int:
        """How many words start in [start, end)."""
        starts, _ = self._sequence()
        return bisect_left(starts, end) - bisect_left(starts, start)

    def words_within(self, start: int, end: int) -> list[bytes]:
        starts, words = self._sequence()
        return words[bisect_left(starts, start):bisect_left(starts, end)]

    def add(self, names: set[str]) -> None:
        if not names:
            return
        found = [at for name in names for at in self.places.get(name.encode(), ())]
        if found:
            self.starts = sorted(self.starts + found)

    def within(self, start: int, end: int) -> bool:
        at = bisect_left(self.starts, start)
        return at < len(self.starts) and self.starts[at] < end

    def word_within(self, word: bytes, start: int, end: int) -> bool:
        """Whether `word` itself (not as part of a longer one) occurs in the range."""
        places = self.places.get(word, ())
        at = bisect_left(places, start)
        return at < len(places) and places[at] < end

