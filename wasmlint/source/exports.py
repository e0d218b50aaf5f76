"""Decide which Rust functions a wasm module exports, from their attributes, for one build.

`cfg_attr(PRED, ...)` applies its attributes only when PRED holds for the build (`wasmlint.cfg`),
so `#[cfg_attr(feature = "enable_wasm", wasm_bindgen)]` is an export exactly when cargo would make
one. Each export says how it was made (its form), the contract its host has with it (`raw`: the
host reads memory itself; `wasm-bindgen`: generated glue marshals every argument and result) and
the cfg conditions that enabled it.
"""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Sequence

from tree_sitter import Node

from wasmlint.cfg import BuildCfg, Meta, attribute_applied, conditions_of, excluded_by
from wasmlint.syntax import node_text

_SKIPPED_SIBLINGS = {"line_comment", "block_comment"}
DEFAULT_BUILD = BuildCfg()

# Forms of export: the linker attributes (the host calls the function as it is) and wasm-bindgen's.
RAW_FORMS = ("no_mangle", "export_name")
BINDGEN_FORMS = ("wasm_bindgen", "method", "start")


def contract_of(form: str) -> str:
    """`raw` for `no_mangle` / `export_name` exports, `wasm-bindgen` for the forms its glue calls."""
    return "raw" if form in RAW_FORMS else "wasm-bindgen"


@dataclass(frozen=True)
class Export:
    symbol: str  # the name the host sees in the module's export section
    display: str  # how to name it in messages (`Counter::inc` for a wasm_bindgen method)
    form: str = "no_mangle"  # no_mangle | export_name | wasm_bindgen | method | start
    owner: str | None = None  # the type whose method it is (form `method`)
    cfg: tuple[str, ...] = ()  # the cfg conditions that had to hold for it to be exported

    @property
    def contract(self) -> str:
        return contract_of(self.form)


def _text(node: Node | None) -> str:
    return node_text(node) if node is not None else ""


def outer_attributes(siblings: list[Node], position: int) -> list[Node]:
    """The `attribute` nodes written above the item at `position` among its parent's children
    (tree-sitter keeps them as preceding siblings, doc comments possibly between)."""
    found = []
    at = position - 1
    while at >= 0 and (siblings[at].type == "attribute_item" or siblings[at].type in _SKIPPED_SIBLINGS):
        if siblings[at].type == "attribute_item":
            attribute = next((c for c in siblings[at].named_children if c.type == "attribute"), None)
            if attribute is not None:
                found.append(attribute)
        at -= 1
    found.reverse()
    return found


def attribute_name(attribute: Node) -> str:
    head = attribute.named_children[0] if attribute.named_child_count else None
    if head is None:
        return ""
    if head.type == "scoped_identifier":
        return _text(head.child_by_field_name("name"))
    return _text(head)


# Attributes whose meaning depends on the build or that make exports; others are not parsed.
_RELEVANT = {"no_mangle", "export_name", "unsafe", "cfg_attr", "wasm_bindgen", "cfg", "test"}


def applied_attributes(attributes: Sequence[Node], build: BuildCfg) -> list[tuple[Meta, tuple[str, ...]]]:
    """The attributes that apply in this build (a true `cfg_attr`'s, `unsafe(...)`'s inner one),
    each with the cfg_attr conditions that applied it."""
    found: list[tuple[Meta, tuple[str, ...]]] = []
    for attribute in attributes:
        if attribute_name(attribute) in _RELEVANT:
            found.extend(attribute_applied(_text(attribute), build))
    return found


def linker_export(attributes: list[Node], fn_name: str, build: BuildCfg = DEFAULT_BUILD) -> Export | None:
    """The export made by `#[no_mangle]`, `#[unsafe(no_mangle)]`, `#[export_name]` or a true `cfg_attr` of them."""
    return _linker_export(applied_attributes(attributes, build), fn_name)


def _linker_export(applied: list[tuple[Meta, tuple[str, ...]]], fn_name: str) -> Export | None:
    for meta, conditions in applied:
        if meta.name == "export_name":
            symbol = meta.value or fn_name
            return Export(symbol, symbol, "export_name", cfg=conditions)
        if meta.name == "no_mangle":
            return Export(fn_name, fn_name, "no_mangle", cfg=conditions)
    return None


def cfg_excludes_wasm(attributes: list[Node], build: BuildCfg = DEFAULT_BUILD) -> bool:
    """True for a `#[test]` function, or a `#[cfg(...)]` false for the build (wasm32, its features)."""
    for attribute in attributes:
        name = attribute_name(attribute)
        if name == "test":
            return True  # a #[test] function: only in test builds
        if name == "cfg" and excluded_by((_text(attribute),), build) is not None:
            return True
    return False


def _bindgen(applied: list[tuple[Meta, tuple[str, ...]]]) -> tuple[Meta, tuple[str, ...]] | None:
    return next(((m, c) for m, c in applied if m.name == "wasm_bindgen"), None)


def _bindgen_impl(impl_node: Node, attributes: tuple[Node, ...], build: BuildCfg) -> tuple[str, str, tuple[str, ...]] | None:
    """For a `#[wasm_bindgen] impl Type { ... }` block (or one a true `cfg_attr` makes so), given
    its outer attributes: the type, the class name its exports carry (`js_class`, else the type)
    and the conditions; None for trait impls and plain impls."""
    if impl_node.child_by_field_name("trait") is not None:
        return None
    found = _bindgen(applied_attributes(attributes, build))
    if found is None:
        return None
    owner = type_name(impl_node.child_by_field_name("type"))
    if owner is None:
        return None
    meta, conditions = found
    texts = [_text(a) for a in attributes if attribute_name(a) == "cfg"]
    return owner, meta.arg("js_class") or owner, conditions_of(texts, build) + conditions


def _is_pub(fn_node: Node) -> bool:
    """Plain `pub`: wasm-bindgen exports neither `pub(crate)` nor private methods."""
    return any(child.type == "visibility_modifier" and child.text == b"pub" for child in fn_node.children)


def type_name(node: Node | None) -> str | None:
    """The base name of a type: `Vec` for `Vec<u8>`, `Foo` for `&mut crate::Foo`."""
    while node is not None:
        kind = node.type
        if kind in ("type_identifier", "identifier", "primitive_type"):
            return _text(node)
        if kind == "generic_type":
            node = node.child_by_field_name("type")
        elif kind in ("scoped_type_identifier", "scoped_identifier"):
            node = node.child_by_field_name("name")
        elif kind == "reference_type":
            node = node.child_by_field_name("type")
        elif kind in ("array_type", "pointer_type", "tuple_type", "function_type", "dynamic_type", "abstract_type"):
            return None
        else:
            return None
    return None


def exports_of(fn_node: Node, fn_name: str, impl_node: Node | None, impl_attributes: tuple[Node, ...],
               attributes: list[Node], enclosing: tuple[str, ...], build: BuildCfg = DEFAULT_BUILD) -> list[Export]:
    """Every export a `function_item` produces in this build: linker attributes, `#[wasm_bindgen]`
    (`start` included), `pub` methods of a bindgen impl; each with the conditions that enabled it.

    `attributes` are the fn's outer attributes and `impl_attributes` those of its impl block;
    `enclosing` are the true `#[cfg]`s of the inline `mod`s and `impl`/`trait` blocks around it,
    outermost first. The caller works them out for all of a file's items at once.
    """
    if impl_node is None and not attributes:
        return []  # no attributes: the common case
    applied = applied_attributes(attributes, build)
    export = _linker_export(applied, fn_name)
    bindgen = _bindgen(applied)
    if export is None and impl_node is None and bindgen is not None:
        meta, conditions = bindgen
        name = meta.arg("js_name") or fn_name
        export = Export(name, name, "start" if "start" in meta.flags() else "wasm_bindgen", cfg=conditions)
    elif export is None and impl_node is not None:
        found = _bindgen_impl(impl_node, impl_attributes, build)
        if found is None or not _is_pub(fn_node):
            return []
        owner, class_name, impl_conditions = found
        method = (bindgen[0].arg("js_name") if bindgen is not None else None) or fn_name
        conditions = impl_conditions + (bindgen[1] if bindgen is not None else ())
        # wasm-bindgen names a method's export `<class in lower case>_<method>`.
        export = Export(f"{class_name.lower()}_{method}", f"{owner}::{fn_name}", "method", owner, conditions)
    if export is None:
        return []
    own = conditions_of([_text(a) for a in attributes if attribute_name(a) == "cfg"], build)
    return [Export(export.symbol, export.display, export.form, export.owner,
                   enclosing + own + export.cfg)]
