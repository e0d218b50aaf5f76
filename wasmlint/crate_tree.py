"""Which .rs files rustc compiles into a crate: its roots and the `mod` declarations they reach.

rustc reads the crate root (`src/lib.rs`, `src/main.rs`, `[lib] path`, the binaries) and then only
the files its `mod x;` declarations name (`x.rs` or `x/mod.rs`, `#[path = "..."]`, `include!("...")`),
skipping declarations whose `#[cfg]` is false for the build. A `.rs` file lying beside them that
nothing declares (an old `lib_growth.rs`) is not part of the crate. Declarations are found by a
small scanner over the text (comments, strings and braces understood), not by tree-sitter: a run
whose crates all come from the results cache never loads a parser. Which named files may be read
is the caller's to say (`read`): one it will not give is a note naming the declaration.
"""

from __future__ import annotations

import json
import os
import re
from collections import deque
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from wasmlint.cfg import BuildCfg, attribute_applied, conditions_of, excluded_by, string_value
from wasmlint.reading import is_dir, is_file


class Declaration(NamedTuple):
    kind: str  # "mod" (a `mod x;` declaration) or "include" (`include!("x.rs")`)
    name: str  # the module's name, or the included path (its escapes read as rustc reads them)
    attributes: tuple[str, ...]  # the texts inside the `#[...]` written above it
    inline: tuple[tuple[str, tuple[str, ...]], ...]  # the inline `mod a { ... }` around it: (name, attributes)
    line: int
    literal: str = ""  # the included path's string literal as written


class Scanned:
    # Plain classes and named tuples here: every run with a crate imports this module, and a
    # dataclass costs the start-up path most of a millisecond to create.
    def __init__(self) -> None:
        self.inner: list[str] = []  # `#![...]` of the file itself
        self.declarations: list[Declaration] = []


# Only what matters to module declarations: comments, strings and character literals (which may
# hold braces or `mod`), attributes, braces, `mod name` followed by `;` or `{`, and `include!`.
# Every branch starts with a literal character, so the regular expression engine skips to the
# next candidate character in C (a branch starting with a group or a look-behind defeats that, and
# made this scan cost more than the rest of a cached run). Runs of `//` lines are one match.
_SCAN = re.compile(
    r"""
      /(?:(?P<line>/[^\n]*(?:\n[ \t]*//[^\n]*)*)|(?P<block>\*))
    | b(?P<braw>r(?P<bhashes>\#*)")
    | r(?P<raw>(?P<hashes>\#*)")
    | "(?P<string>)
    | '(?P<char>(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|.))')
    | \#(?P<attr>!?\[)
    | \{(?P<open>)
    | \}(?P<close>)
    | m(?P<mod>od\s+(?:r\#)?(?P<name>[A-Za-z_]\w*)\s*(?P<end>[;{]))
    | i(?P<include>nclude!\s*[(\[{]\s*)
    """,
    re.X,
)
_STRING_REST = re.compile(r'(?:[^"\\]|\\.)*"', re.S)
_BLOCK_PART = re.compile(r"/\*|\*/")
_ATTRIBUTE_PART = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]]', re.S)
_VISIBILITY = re.compile(r"\s*(?:pub\s*(?:\([^)]*\))?\s*)?")
# Cheap tests (each starts with a literal) for whether a file can declare anything at all.
_MOD_CANDIDATE = re.compile(r"mod\s+(?:r#)?[A-Za-z_]")
_INNER_CFG = re.compile(r"#!\[\s*cfg")
# Branches that only stand at the start of a word: after a word character they are not tokens.
_WORD_STARTS = ("braw", "raw", "mod", "include")


def scan_declarations(text: str) -> Scanned:
    """The `mod x;` declarations and `include!("...")`s of one file, with their attributes and the
    inline modules around them, and the file's own `#![...]` attributes."""
    found = Scanned()
    if _MOD_CANDIDATE.search(text) is None and "include!" not in text and _INNER_CFG.search(text) is None:
        return found
    frames: list[tuple[str, list[str]] | None] = []  # per open brace: an inline mod (name, attributes) or None
    chain: list[str] = []  # the outer attributes just read, waiting for their item
    chain_end = -1
    position = 0
    while True:
        match = _SCAN.search(text, position)
        if match is None:
            break
        kind = match.lastgroup
        start, position = match.start(), match.end()
        if kind in _WORD_STARTS and start and (text[start - 1].isalnum() or text[start - 1] in "_$"):
            position = start + 1  # inside a word (`for"`, `my_mod x`): not a token
            continue
        if kind == "line":
            if chain and not text[chain_end:start].strip():
                chain_end = position
        elif kind == "block":
            position = _block_comment_end(text, position)
            if chain and not text[chain_end:start].strip():
                chain_end = position
        elif kind in ("raw", "braw"):
            hashes = match.group("hashes") if kind == "raw" else match.group("bhashes")
            close = text.find('"' + hashes, position)
            position = len(text) if close < 0 else close + 1 + len(hashes)
        elif kind == "string":
            rest = _STRING_REST.match(text, position)
            position = rest.end() if rest else len(text)
        elif kind == "attr":
            close = _attribute_end(text, position)
            body = text[position:close]
            position = close + 1
            if text[start + 1] == "!":
                if not frames:
                    found.inner.append(body)
                elif frames[-1] is not None:
                    frames[-1][1].append(body)  # `mod a { #![cfg(..)] ... }`: an attribute of `a`
            else:
                if not (chain and not text[chain_end:start].strip()):
                    chain = []
                chain.append(body)
                chain_end = position
        elif kind == "open":
            frames.append(None)
            chain = []
        elif kind == "close":
            if frames:
                frames.pop()
            chain = []
        elif kind == "mod":
            attributes = tuple(chain) if chain and _VISIBILITY.fullmatch(text, chain_end, start) else ()
            chain = []
            if match.group("end") == "{":
                frames.append((match.group("name"), list(attributes)))
            else:
                found.declarations.append(Declaration("mod", match.group("name"), attributes, _inline(frames),
                                                      text.count("\n", 0, start) + 1))
        elif kind == "include":
            attributes = tuple(chain) if chain and _VISIBILITY.fullmatch(text, chain_end, start) else ()
            chain = []
            literal = _string_literal(text, position)
            if literal is not None:
                found.declarations.append(Declaration("include", string_value(literal), attributes, _inline(frames),
                                                      text.count("\n", 0, start) + 1, literal))
    return found


_RAW_START = re.compile(r'r(#*)"')


def _string_literal(text: str, position: int) -> str | None:
    """The string literal (`"..."`, `r"..."`, `r#"..."#`) starting at `position`, as written."""
    if text.startswith('"', position):
        rest = _STRING_REST.match(text, position + 1)
        return text[position : rest.end()] if rest is not None else None
    raw = _RAW_START.match(text, position)
    if raw is None:
        return None
    close = text.find('"' + raw.group(1), raw.end())
    return text[position : close + 1 + len(raw.group(1))] if close >= 0 else None


def _inline(frames) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((frame[0], tuple(frame[1])) for frame in frames if frame is not None)


def _block_comment_end(text: str, position: int) -> int:
    depth = 1
    while depth:
        part = _BLOCK_PART.search(text, position)
        if part is None:
            return len(text)
        depth += 1 if part.group() == "/*" else -1
        position = part.end()
    return position


def _attribute_end(text: str, position: int) -> int:
    """The index of the `]` closing an attribute whose body starts at `position`."""
    depth = 1
    while True:
        part = _ATTRIBUTE_PART.search(text, position)
        if part is None:
            return len(text)
        position = part.end()
        if part.group() == "[":
            depth += 1
        elif part.group() == "]":
            depth -= 1
            if depth == 0:
                return part.start()


# -- the crate's roots ------------------------------------------------------------------------------


class Root(NamedTuple):
    path: Path
    declared: str | None = None  # where Cargo.toml names it (`[lib] path = "..."`); None for a default root


def crate_roots(root: Path, manifest: dict | None, package: str,
                place: Callable[[str], str] = lambda value: "Cargo.toml") -> list[Root]:
    """The files rustc starts from: the library (`[lib] path` or `src/lib.rs`) and the binaries
    (`[[bin]]` paths, `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`). A path Cargo.toml
    names is kept whatever is there (following it says what it found), with the declaration
    (`place(value)` says where the manifest writes it); default ones only when they exist."""
    manifest = manifest if isinstance(manifest, dict) else {}
    candidates: list[Root] = []

    def named(table: str, value: str) -> Root:
        return Root(root / value, f"{place(value)}: `{table} path = {json.dumps(value)}`")

    lib = manifest.get("lib")
    lib_path = lib.get("path") if isinstance(lib, dict) else None
    candidates.append(named("[lib]", lib_path) if isinstance(lib_path, str) else Root(root / "src" / "lib.rs"))
    bins = manifest.get("bin")
    for target in bins if isinstance(bins, list) else ():
        if not isinstance(target, dict):
            continue
        path, name = target.get("path"), target.get("name")
        if isinstance(path, str):
            candidates.append(named("[[bin]]", path))
        elif isinstance(name, str):
            candidates += [Root(root / "src" / "bin" / f"{name}.rs"), Root(root / "src" / "bin" / name / "main.rs")]
            if name == package:
                candidates.append(Root(root / "src" / "main.rs"))
    section = manifest.get("package")
    if not (isinstance(section, dict) and section.get("autobins") is False):
        candidates.append(Root(root / "src" / "main.rs"))
        folder = root / "src" / "bin"
        try:
            entries = sorted(os.listdir(folder)) if is_dir(folder) else []
        except OSError:
            entries = []  # a folder that cannot be listed: discovery's walk names it
        for entry in entries:
            candidates.append(Root(folder / entry if entry.endswith(".rs") else folder / entry / "main.rs"))
    found: dict[Path, Root] = {}
    for candidate in candidates:
        if candidate.declared is not None or is_file(candidate.path):
            found.setdefault(candidate.path, candidate)
    return list(found.values())


def build_script(root: Path, manifest: dict | None) -> Path | None:
    """The crate's build script (compiled for the host that builds, never into the module)."""
    section = (manifest or {}).get("package") if isinstance(manifest, dict) else None
    build = section.get("build") if isinstance(section, dict) else None
    if build is False:
        return None
    return root / build if isinstance(build, str) else root / "build.rs"


# -- following the declarations ---------------------------------------------------------------------


ROOT_MARK = "<"


def root_module(position: int) -> tuple[str, ...]:
    """The module path of a crate root: `()` for the first (the lib when there is one), a segment
    of its own for every other (`("<root 1>",)`), so that their items never mix. Numbered, not
    named by file: module paths are part of the results cache's key, which must not depend on
    the folder wasmlint runs in."""
    return () if position == 0 else (f"{ROOT_MARK}root {position}>",)


def crate_root_of(module: tuple[str, ...]) -> tuple[str, ...]:
    """The root module a module path belongs to: `()` or its `<bin ...>` segment."""
    return module[:1] if module and module[0].startswith(ROOT_MARK) else ()


class CrateTree:
    def __init__(self) -> None:
        self.files: dict[Path, tuple[str, ...]] = {}  # resolved file -> its module path, in the order reached
        self.conditions: dict[Path, tuple[str, ...]] = {}  # the cfgs that held on the way to each file
        self.sources: dict[Path, bytes] = {}  # what was read of each file
        self.cut: dict[Path, str] = {}  # resolved file -> why the build leaves it out (a false cfg)
        self.notes: list[str] = []  # declarations naming no file, or a file that was not read


class NotRead(NamedTuple):
    """What `read` says of a file it will not give: the words after its name ("no such file",
    "outside the project (/src/app); not read"). A note names the declaration with them."""

    why: str


class _Place(NamedTuple):
    """Where a module's own `mod x;` declarations look (rustc's directory and `relative` prefix:
    a non-mod-rs file `a.rs` declares its modules in `a/`)."""

    folder: Path
    relative: str | None = None


def follow_crate(
    roots: list[Root],
    build: BuildCfg,
    read: Callable[[Path], tuple[Path, bytes] | NotRead | None],
    shown: Callable[[Path], str],
    named: Callable[[Path], str],
) -> CrateTree:
    """Every file the roots reach through `mod` declarations true for `build`. `read(path)` gives
    the resolved path and bytes of a file that may be analysed, NotRead (the declaration gets a
    note), or None (said already, or excluded); `shown` names a file that was read in messages,
    `named` one as a declaration names it (a symlink as itself)."""
    tree = CrateTree()
    # Each root is a crate of its own (the lib, each bin): a bin's modules are not the lib's, so
    # every root after the first starts its module paths with a segment naming it, one no Rust
    # identifier can be (`<root 1>`), and `crate::` in its files means that segment.
    queue: deque[tuple[Path, tuple[str, ...], _Place, tuple[str, ...], str | None]] = deque(
        (root.path, root_module(position), _Place(root.path.parent), (), root.declared)
        for position, root in enumerate(roots)
    )
    while queue:
        path, module, place, conditions, declared = queue.popleft()
        found = read(path)
        if found is None:
            continue
        if isinstance(found, NotRead):
            if declared is not None:
                tree.notes.append(f"{declared} names {named(path)}: {found.why}")
            continue
        real, data = found
        if real in tree.files:
            continue
        text = data.decode("utf-8", errors="replace")
        scanned = scan_declarations(text)
        cut = excluded_by(scanned.inner, build)
        if cut is not None:
            tree.cut.setdefault(real, f"its #![cfg({cut})] is false for this build")
            continue
        tree.files[real] = module
        tree.sources[real] = data
        tree.conditions[real] = conditions + conditions_of(scanned.inner, build)
        for declaration in scanned.declarations:
            attributes = [text for _, inner in declaration.inline for text in inner] + list(declaration.attributes)
            folder, relative = place.folder, place.relative
            names: list[str] = []
            for name, inner in declaration.inline:
                moved = _path_attribute(inner, build)
                if moved is not None:
                    folder, relative = folder / moved.value, None
                else:
                    folder, relative = (folder / relative if relative else folder) / name, None
                names.append(name)
            where = f"{shown(path)}:{declaration.line}"
            if declaration.kind == "include":
                targets = [(path.parent / declaration.name, module + tuple(names), _Place(folder, relative))]
                written = f"include!({declaration.literal})"
            else:
                targets = _module_files(declaration, attributes, folder, relative, module + tuple(names), build)
                moved = _path_attribute(declaration.attributes, build)
                written = f"mod {declaration.name};" if moved is None else f"#[path = {moved.literal}] mod {declaration.name};"
            why = excluded_by(attributes, build)
            if why is not None:
                for target, *_ in targets:
                    if is_file(target):
                        tree.cut.setdefault(_resolved(target), f"its declaration at {where} is under #[cfg({why})], false for this build")
                continue
            if not targets:
                name = declaration.name
                tree.notes.append(f"{where}: `mod {name};` names no file ({name}.rs or {name}/mod.rs)")
                continue
            held = conditions + conditions_of(attributes, build)
            for target, inner_module, inner_place in targets:
                queue.append((target, inner_module, inner_place, held, f"{where}: `{written}`"))
    tree.cut = {path: why for path, why in tree.cut.items() if path not in tree.files}
    return tree


class _PathAttribute(NamedTuple):
    """A `#[path = "..."]`: the path it names and its literal as written."""

    value: str
    literal: str


def _path_attribute(attributes: Iterable[str], build: BuildCfg) -> _PathAttribute | None:
    """The first `#[path = "..."]` (or one a true `cfg_attr` applies)."""
    for text in attributes:
        for meta, _ in attribute_applied(text, build):
            if meta.path == "path" and meta.value and meta.literal is not None:
                return _PathAttribute(meta.value, meta.literal)
    return None


def _module_files(declaration: Declaration, attributes, folder: Path, relative: str | None,
                  module: tuple[str, ...], build: BuildCfg) -> list[tuple[Path, tuple[str, ...], _Place]]:
    """The file a `mod x;` declaration names, as rustc looks for it, with the module path and the
    place of its own declarations; empty when neither candidate exists. A candidate that is
    there but is not a readable file (a FIFO, a broken symlink) is still the one named: reading
    it says what it is."""
    name = declaration.name
    inner = module + (name,)
    moved = _path_attribute(attributes, build)
    if moved is not None:
        # A `#[path]` file is read as a mod.rs file: its declarations are its siblings.
        target = folder / moved.value
        return [(target, inner, _Place(target.parent))]
    base = folder / relative if relative else folder
    plain, nested = base / f"{name}.rs", base / name / "mod.rs"
    if _present(plain):
        return [(plain, inner, _Place(base, name))]
    if _present(nested):
        return [(nested, inner, _Place(base / name))]
    return []


def _present(path: Path) -> bool:
    """Something other than a folder is there (a file, a FIFO, a symlink even if broken)."""
    return os.path.lexists(path) and not os.path.isdir(path)


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))
