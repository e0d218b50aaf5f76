"""Readable names for Rust symbols: legacy `_ZN...17h<hash>E` and v0 `_R...` manglings."""

from __future__ import annotations

import re

_LEGACY_ESCAPES = {
    "SP": "@", "BP": "*", "RF": "&", "LT": "<", "GT": ">", "LP": "(", "RP": ")", "C": ",",
}
_HASH = re.compile(r"h[0-9a-f]{16}")
_DIGITS = re.compile(r"\d{1,9}")
_LLVM_SUFFIX = re.compile(r"\.llvm\.[0-9A-Za-z_]+")
_LEGACY_ESCAPE = re.compile(r"\$([A-Z]{1,2}|u[0-9a-f]{2,6})\$")


class _Unsupported(Exception):
    """The name uses something this demangler does not handle; the caller shows it unchanged."""


# Not cached here: the module layer keeps each module's names for its own analysis (_Names), and
# a cache of 65,536 names held 5 MB of a large module's names for the rest of the run.
def demangle(name: str) -> str:
    """Demangle a Rust symbol for display; anything else (or anything unsupported) comes back unchanged."""
    try:
        if name.startswith(("_ZN", "__ZN", "ZN")):
            text, rest = _legacy(name[name.index("N") + 1:])
        elif name.startswith(("_R", "__R")) and len(name) > 2:
            text, rest = _V0(name[name.index("R") + 1:]).symbol()
        else:
            return name
    except (_Unsupported, IndexError, ValueError, RecursionError):
        return name
    if rest and rest[0] not in ".$ ":  # `.llvm.N`, `.cold`, wasm-bindgen's ` externref shim`
        return name
    # LLVM's `.llvm.<digits>` only keeps local symbols apart: drop it, keep other suffixes.
    return text + _LLVM_SUFFIX.sub("", rest)


# --- legacy ----------------------------------------------------------------------------------

def _legacy(text: str) -> tuple[str, str]:
    parts: list[str] = []
    pos = 0
    while True:
        if pos >= len(text):
            raise _Unsupported
        if text[pos] == "E":
            break
        digits = _DIGITS.match(text, pos)
        if not digits:
            raise _Unsupported
        length = int(digits.group())
        pos = digits.end()
        part = text[pos:pos + length]
        if len(part) != length:
            raise _Unsupported
        parts.append(part)
        pos += length
    if len(parts) > 1 and _HASH.fullmatch(parts[-1]):
        parts.pop()
    return "::".join(_legacy_ident(part) for part in parts), text[pos + 1:]


def _legacy_ident(part: str) -> str:
    if part.startswith("_$"):
        part = part[1:]

    def escape(match: re.Match) -> str:
        code = match.group(1)
        if code in _LEGACY_ESCAPES:
            return _LEGACY_ESCAPES[code]
        if code.startswith("u"):
            return chr(int(code[1:], 16))
        raise _Unsupported

    if "$" in _LEGACY_ESCAPE.sub("", part):
        raise _Unsupported  # a lone `$`: not a mangling we understand
    return _LEGACY_ESCAPE.sub(escape, part).replace("..", "::")


# --- v0 --------------------------------------------------------------------------------------

_BASIC_TYPES = {
    "a": "i8", "b": "bool", "c": "char", "d": "f64", "e": "str", "f": "f32", "h": "u8",
    "i": "isize", "j": "usize", "l": "i32", "m": "u32", "n": "i128", "o": "u128", "s": "i16",
    "t": "u16", "u": "()", "v": "...", "x": "i64", "y": "u64", "z": "!", "p": "_",
}
_INTEGER_TYPES = {"a", "h", "i", "j", "l", "m", "n", "o", "s", "t", "x", "y"}
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


class _V0:
    """A recursive-descent reader of the v0 grammar (RFC 2603) that prints as it parses."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.depth = 0
        self.backrefs = 0
        self.copied = 0  # characters that backrefs have repeated so far

    def symbol(self) -> tuple[str, str]:
        """The demangled path and whatever follows the mangling (a `.suffix`)."""
        if self.peek().isdigit():  # encoding version
            self.decimal()
        out = self.path(value=True)
        if self.peek() and self.peek() not in ".$ ":
            self.path()  # the instantiating crate: nothing useful for display
        return out, self.text[self.pos:]

    # primitives
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos >= len(self.text):
            raise _Unsupported
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def eat(self, ch: str) -> bool:
        if self.peek() == ch:
            self.pos += 1
            return True
        return False

    def decimal(self) -> int:
        if self.eat("0"):  # "0" is a whole number: the next digit starts something else
            return 0
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        if start == self.pos:
            raise _Unsupported
        return int(self.text[start:self.pos])

    def base62(self) -> int:
        if self.eat("_"):
            return 0
        value = 0
        while not self.eat("_"):
            ch = self.next()
            digit = _BASE62.find(ch)
            if digit < 0:
                raise _Unsupported
            value = value * 62 + digit
        return value + 1

    def disambiguator(self) -> int:
        return self.base62() if self.eat("s") else 0

    def ident(self) -> tuple[str, int]:
        dis = self.disambiguator()
        if self.eat("u"):
            raise _Unsupported  # punycode identifiers
        length = self.decimal()
        self.eat("_")
        name = self.text[self.pos:self.pos + length]
        if len(name) != length:
            raise _Unsupported
        self.pos += length
        return name, dis

    def backref(self, parse) -> str:
        # Backrefs can nest so that the output doubles at every level: give up on such names.
        self.backrefs += 1
        if self.backrefs > 1000:
            raise _Unsupported
        start = self.pos - 1
        target = self.base62()
        if target >= start:
            raise _Unsupported  # backrefs must point backwards
        saved = self.pos
        self.pos = target
        try:
            text = parse()
        finally:
            self.pos = saved
        # Each backref may repeat a long stretch: a 50 KB name could otherwise demangle to 50 MB.
        self.copied += len(text)
        if self.copied > 1 << 16:
            raise _Unsupported
        return text

    def enter(self) -> None:
        self.depth += 1
        if self.depth > 100:
            raise _Unsupported

    # grammar
    def path(self, value: bool = False) -> str:
        self.enter()
        try:
            tag = self.next()
            if tag == "C":
                return self.ident()[0]
            if tag == "M":
                self.disambiguator()
                self.path()
                return f"<{self.type()}>"
            if tag == "X":
                self.disambiguator()
                self.path()
                self_type = self.type()
                return f"<{self_type} as {self.path()}>"
            if tag == "Y":
                self_type = self.type()
                return f"<{self_type} as {self.path()}>"
            if tag == "N":
                namespace = self.next()
                parent = self.path(value)
                name, dis = self.ident()
                if namespace.isupper():
                    kind = {"C": "closure", "S": "shim"}.get(namespace, namespace)
                    label = f"{kind}:{name}" if name else kind
                    return f"{parent}::{{{label}#{dis}}}"
                return f"{parent}::{name}" if name else parent
            if tag == "I":
                base = self.path(value)
                args = []
                while not self.eat("E"):
                    args.append(self.generic_arg())
                return f"{base}{'::' if value else ''}<{', '.join(args)}>"
            if tag == "B":
                return self.backref(lambda: self.path(value))
            raise _Unsupported
        finally:
            self.depth -= 1

    def generic_arg(self) -> str:
        if self.eat("L"):
            self.base62()
            return "'_"
        if self.eat("K"):
            return self.const()
        return self.type()

    def type(self) -> str:
        self.enter()
        try:
            tag = self.peek()
            if tag in _BASIC_TYPES:
                self.pos += 1
                return _BASIC_TYPES[tag]
            if tag in "CMXYNI":
                return self.path()
            self.pos += 1
            if tag == "A":
                inner = self.type()
                return f"[{inner}; {self.const()}]"
            if tag == "S":
                return f"[{self.type()}]"
            if tag == "T":
                items = []
                while not self.eat("E"):
                    items.append(self.type())
                return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
            if tag in "RQ":
                if self.eat("L"):
                    self.base62()
                return ("&" if tag == "R" else "&mut ") + self.type()
            if tag in "PO":
                return ("*const " if tag == "P" else "*mut ") + self.type()
            if tag == "F":
                return self.fn_sig()
            if tag == "D":
                return self.dyn_bounds()
            if tag == "B":
                return self.backref(self.type)
            raise _Unsupported
        finally:
            self.depth -= 1

    def fn_sig(self) -> str:
        if self.eat("G"):
            self.base62()
        prefix = "unsafe " if self.eat("U") else ""
        if self.eat("K"):
            if self.eat("C"):
                abi = "C"
            else:
                abi, _ = self.ident()
                abi = abi.replace("_", "-")
            prefix += f'extern "{abi}" '
        params = []
        while not self.eat("E"):
            params.append(self.type())
        result = self.type()
        arrow = "" if result == "()" else f" -> {result}"
        return f"{prefix}fn({', '.join(params)}){arrow}"

    def dyn_bounds(self) -> str:
        if self.eat("G"):
            self.base62()
        traits = []
        while not self.eat("E"):
            trait = self.path()
            bindings = []
            while self.eat("p"):
                name, _ = self.ident()
                bindings.append(f"{name} = {self.type()}")
            if bindings:
                trait = (trait[:-1] + ", " if trait.endswith(">") else trait + "<") + ", ".join(bindings) + ">"
            traits.append(trait)
        if self.eat("L"):
            self.base62()
        return "dyn " + " + ".join(traits)

    def const(self) -> str:
        if self.eat("p"):
            return "_"
        if self.eat("B"):
            return self.backref(self.const)
        tag = self.next()
        negative = self.eat("n")
        start = self.pos
        while self.peek() and self.peek() in "0123456789abcdef":
            self.pos += 1
        digits = self.text[start:self.pos]
        if not self.eat("_"):
            raise _Unsupported
        value = int(digits, 16) if digits else 0
        if tag in _INTEGER_TYPES:
            return str(-value if negative else value)
        if tag == "b" and value in (0, 1):
            return "true" if value else "false"
        if tag == "c":
            return repr(chr(value))
        raise _Unsupported
