"""Strings from the analysed tree or module made safe to print: their invisible characters spelled out.

The analysed code is untrusted (a pull request), and every name it gives us (file and folder names,
`#[export_name]` values, a module's export and function names, quoted code) can end up in the text
report, on stderr, or in a CI log. A raw newline there starts a new line the reader (or GitHub's
runner, reading `::error ...` workflow commands) takes for ours; an escape sequence recolours,
moves the cursor, retitles the window or writes to the clipboard (OSC 52); a bidirectional override
makes the shown text differ from the real one. So every such string is passed through `visible`
where text output is rendered: each control character (Unicode category Cc), format character
(Cf: bidi controls, zero-width characters, soft hyphen), line or paragraph separator (Zl, Zp) and
unpaired surrogate (Cs: a file name that is not UTF-8) is shown as the escape Python writes for it
in a string literal: `\\n`, `\\r`, `\\t`, `\\x1b`, `\\x9b`, `\\u202e`, `\\u2028`, `\\udcff`.
Everything else, wide characters and combining marks included, is shown as it is.

The data model keeps the original strings (JSON and SARIF escape them their own way); only the
terminal's text is changed.
"""

from __future__ import annotations

import unicodedata

# Unicode general categories a terminal must never be given raw.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def escaped_char(char: str) -> str | None:
    """The visible stand-in for one character that must not reach the terminal, or None if it may."""
    if char.isprintable() or unicodedata.category(char) not in HIDDEN_CATEGORIES:
        return None
    return repr(char)[1:-1]


def visible(text: str) -> str:
    """`text` with every control, format and separator character written as its escape (`\\x1b`)."""
    if text.isprintable():  # the common case, checked in C: nothing to escape
        return text
    out = []
    for char in text:
        stand_in = escaped_char(char)
        out.append(char if stand_in is None else stand_in)
    return "".join(out)
