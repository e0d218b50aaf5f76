"""Types as the source says them, in a small text form the resolver can compare and take apart.

A type is a string: its base name with its type arguments (`Vec<u32>`, `HashMap<String, Names>`),
references dropped (a method call auto-borrows), raw pointers as `*T`, slices and arrays as `[]`,
`str`, `dyn Fn`. No type checking: only what the syntax shows, and what follows from it through
a few steps the resolver takes (a field, a deref, a function's declared return type).
"""

from __future__ import annotations

from tree_sitter import Node

from wasmlint.syntax import node_text

SLICE = "[]"
# Smart pointers whose methods are mostly their target's (auto-deref), with their own few.
POINTERS = {"Box": {"leak", "into_raw", "from_raw", "as_ref", "as_mut", "downcast", "pin"},
            "Rc": {"clone", "strong_count", "weak_count", "downgrade", "get_mut", "make_mut", "ptr_eq", "try_unwrap", "into_raw"},
            "Arc": {"clone", "strong_count", "weak_count", "downgrade", "get_mut", "make_mut", "ptr_eq", "try_unwrap", "into_raw"}}
# The standard library's types (by base name): a method called on one of them is the standard
# library's, whatever methods of that name the crate defines on its own types.
STD_TYPES = frozenset({
    "Vec", "String", "VecDeque", "HashMap", "HashSet", "BTreeMap", "BTreeSet", "BinaryHeap", "LinkedList",
    "Box", "Rc", "Arc", "PathBuf", "OsString", "CString", "Option", "Result", "Cell", "RefCell", "Mutex",
    "RwLock", "Cow", "str", SLICE, "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64", "bool", "char",
})
_TRANSPARENT = ("reference_type", "bounded_type")


def type_text(node: Node | None, depth: int = 0) -> str | None:
    """The type a type node spells, in the resolver's text form; None when it says nothing a
    method call could use (a tuple, a function type, an unknown shape)."""
    while node is not None and node.type in _TRANSPARENT:
        node = node.child_by_field_name("type") if node.type == "reference_type" else next(iter(node.named_children), None)
    if node is None or depth > 8:
        return None
    kind = node.type
    if kind in ("type_identifier", "primitive_type", "identifier"):
        return node_text(node)
    if kind in ("scoped_type_identifier", "scoped_identifier"):
        name = node.child_by_field_name("name")
        return node_text(name) if name is not None else None
    if kind == "generic_type":
        base = type_text(node.child_by_field_name("type"), depth + 1)
        arguments = node.child_by_field_name("type_arguments")
        if base is None:
            return None
        inner = [type_text(argument, depth + 1) or "_" for argument in (arguments.named_children if arguments is not None else [])
                 if argument.type not in ("lifetime", "type_binding")]
        return f"{base}<{', '.join(inner)}>" if inner else base
    if kind == "pointer_type":
        inner_type = type_text(node.child_by_field_name("type"), depth + 1)
        return f"*{inner_type}" if inner_type else None
    if kind == "array_type":
        return SLICE
    if kind in ("dynamic_type", "abstract_type"):
        trait = node.child_by_field_name("trait")
        return f"dyn {base_of(type_text(trait, depth + 1) or node_text(trait) if trait is not None else '')}"
    if kind == "function_type":
        return "fn"
    return None


def base_of(ty: str | None) -> str | None:
    """`Vec` for `Vec<u32>`; `*` for a raw pointer; None for None."""
    if ty is None:
        return None
    if ty.startswith("*"):
        return "*"
    return ty.split("<", 1)[0]


def arguments_of(ty: str | None) -> list[str]:
    """The type arguments at the top level: `HashMap<String, Vec<u8>>` -> [String, Vec<u8>]."""
    if ty is None or "<" not in ty or not ty.endswith(">"):
        return []
    inner = ty[ty.index("<") + 1:-1]
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in inner:
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        depth += (char == "<") - (char == ">")
        current.append(char)
    if current:
        parts.append("".join(current).strip())
    return [part for part in parts if part]


def first_argument(ty: str | None) -> str | None:
    found = arguments_of(ty)
    return found[0] if found and found[0] != "_" else None


def pointee(ty: str | None) -> str | None:
    """What `*x` reads: the target of a raw pointer, a `Box`/`Rc`/`Arc`, or a `String`'s `str`."""
    if ty is None:
        return None
    if ty.startswith("*"):
        return ty[1:] or None
    base = base_of(ty)
    if base in POINTERS:
        return first_argument(ty)
    if base == "String":
        return "str"
    if base == "Vec":
        return SLICE
    return None


def method_owner(ty: str | None, method: str) -> str | None:
    """The type whose method `.method()` calls on a value of type `ty`: through a smart pointer
    to its target, unless the pointer has a method of that name itself."""
    seen = 0
    while ty is not None and seen < 4:
        base = base_of(ty)
        if base in POINTERS and method not in POINTERS[base]:
            target = first_argument(ty)
            if target is None:
                return ty
            ty, seen = target, seen + 1
            continue
        return ty
    return ty


def substitute_self(ty: str | None, impl_type: str | None) -> str | None:
    """A return type written `Self` (or `Option<Self>`...) as the impl's type."""
    if ty is None or impl_type is None or "Self" not in ty:
        return ty
    if ty == "Self":
        return impl_type
    return ty.replace("<Self>", f"<{impl_type}>").replace("<Self,", f"<{impl_type},")
