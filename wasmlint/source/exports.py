"""Decide which Rust functions a wasm module exports, from their attributes."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

_SKIPPED_SIBLINGS = {"line_comment", "block_comment"}


@dataclass(frozen=True)
class Export:
    symbol: str  # the name the host sees in the module's export section
    display: str  # how to name it in messages (`Counter::inc` for a wasm_bindgen method)


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", errors="replace") if node is not None else ""


def outer_attributes(item: Node) -> list[Node]:
    """The `attribute` nodes written above an item (tree-sitter keeps them as preceding siblings)."""
    found = []
    sibling = item.prev_sibling
    while sibling is not None and (sibling.type == "attribute_item" or sibling.type in _SKIPPED_SIBLINGS):
        if sibling.type == "attribute_item":
            attribute = next((c for c in sibling.named_children if c.type == "attribute"), None)
            if attribute is not None:
                found.append(attribute)
        sibling = sibling.prev_sibling
    found.reverse()
    return found


def _attribute_name(attribute: Node) -> str:
    head = attribute.named_children[0] if attribute.named_child_count else None
    if head is None:
        return ""
    if head.type == "scoped_identifier":
        return _text(head.child_by_field_name("name"))
    return _text(head)


def _string_value(node: Node | None) -> str | None:
    if node is None or node.type != "string_literal":
        return None
    return _text(node)[1:-1]


def _tokens(token_tree: Node) -> list[Node]:
    return [child for child in token_tree.children if child.type not in ("(", ")", "[", "]", "{", "}")]


def _name_from_tokens(tokens: list[Node], key: str) -> str | None:
    """Find `key = "value"` in a flat token list (inside `unsafe(...)`, `cfg_attr(...)`, `wasm_bindgen(...)`)."""
    for index, token in enumerate(tokens):
        if token.type == "identifier" and _text(token) == key:
            if index + 2 < len(tokens) and _text(tokens[index + 1]) == "=":
                value = tokens[index + 2]
                return _string_value(value) or _text(value)
    return None


def _export_in_tokens(tokens: list[Node], fn_name: str) -> str | None:
    names = [_text(t) for t in tokens if t.type == "identifier"]
    if "export_name" in names:
        return _name_from_tokens(tokens, "export_name")
    if "no_mangle" in names:
        return fn_name
    return None


def _token_tree(attribute: Node) -> Node | None:
    return next((c for c in attribute.named_children if c.type == "token_tree"), None)


def linker_export(attributes: list[Node], fn_name: str) -> str | None:
    """The symbol exported by `#[no_mangle]`, `#[unsafe(no_mangle)]`, `#[export_name]` or a `cfg_attr` of them."""
    for attribute in attributes:
        name = _attribute_name(attribute)
        if name == "no_mangle":
            return fn_name
        if name == "export_name":
            value = next((c for c in attribute.named_children if c.type == "string_literal"), None)
            return _string_value(value) or fn_name
        if name in ("unsafe", "cfg_attr"):
            tree = _token_tree(attribute)
            if tree is not None:
                tokens = _tokens(tree)
                if name == "cfg_attr":
                    # The first comma separates the condition from the attributes it applies.
                    commas = [i for i, t in enumerate(tokens) if t.type == ","]
                    tokens = tokens[commas[0] + 1 :] if commas else []
                    for nested in (t for t in tokens if t.type == "token_tree"):
                        tokens = tokens + _tokens(nested)
                found = _export_in_tokens(tokens, fn_name)
                if found:
                    return found
    return None


_WASM_TARGETS = ('target_arch="wasm32"', 'target_arch="wasm64"', 'target_family="wasm"')


def cfg_excludes_wasm(attributes: list[Node]) -> bool:
    """True for `#[cfg(...)]` that leaves the item out of a wasm32 build (or out of a non-test build).

    Recognised: `#[test]`, `cfg(test)`, `cfg(unix)`, `cfg(windows)`, `cfg(not(<wasm target>))` and
    `cfg(target_arch = "<not wasm>")`; anything else (features, `any`, `all`) is kept.
    """
    for attribute in attributes:
        name = _attribute_name(attribute)
        if name == "test":
            return True  # a #[test] function: only in test builds
        if name != "cfg":
            continue
        tree = _token_tree(attribute)
        condition = "".join(_text(tree).split()) if tree is not None else ""
        if condition in ("(test)", "(unix)", "(windows)"):
            return True
        if condition.startswith("(not(") and any(target in condition for target in _WASM_TARGETS):
            return True
        if condition.startswith("(target_arch=") and condition not in ('(target_arch="wasm32")', '(target_arch="wasm64")'):
            return True
    return False


def wasm_bindgen_attribute(attributes: list[Node]) -> Node | None:
    return next((a for a in attributes if _attribute_name(a) == "wasm_bindgen"), None)


def js_name(attribute: Node) -> str | None:
    tree = _token_tree(attribute)
    return _name_from_tokens(_tokens(tree), "js_name") if tree is not None else None


def _is_pub(fn_node: Node) -> bool:
    """Plain `pub`: wasm-bindgen exports neither `pub(crate)` nor private methods."""
    return any(child.type == "visibility_modifier" and child.text == b"pub" for child in fn_node.children)


def bindgen_impl_type(impl_node: Node) -> str | None:
    """The type of a `#[wasm_bindgen] impl Type { ... }` block; None for trait impls and plain impls."""
    if impl_node.child_by_field_name("trait") is not None:
        return None
    if wasm_bindgen_attribute(outer_attributes(impl_node)) is None:
        return None
    return type_name(impl_node.child_by_field_name("type"))


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


def exports_of(fn_node: Node, fn_name: str, impl_node: Node | None, attributes: list[Node]) -> list[Export]:
    """Every export a `function_item` produces: linker attributes, `#[wasm_bindgen]`, bindgen impl methods.

    `attributes` are the fn's outer attributes (`outer_attributes`), read once by the caller.
    """
    if impl_node is None and not attributes:
        return []  # no attributes: the common case
    symbol = linker_export(attributes, fn_name)
    if symbol:
        return [Export(symbol, symbol)]
    bindgen = wasm_bindgen_attribute(attributes)
    if impl_node is None:
        if bindgen is not None:
            name = js_name(bindgen) or fn_name
            return [Export(name, name)]
        return []
    owner = bindgen_impl_type(impl_node)
    if owner is None or not _is_pub(fn_node):
        return []
    method = (js_name(bindgen) if bindgen is not None else None) or fn_name
    # wasm-bindgen names a method's export `<class in lower case>_<method>`.
    return [Export(f"{owner.lower()}_{method}", f"{owner}::{fn_name}")]
