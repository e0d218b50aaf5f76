"""The cfg evaluator: predicates as cargo judges them for wasm32-unknown-unknown, cfg_attr expansion,
and the features a request turns on from a crate's [features] table."""

from __future__ import annotations

import pytest

from wasmlint.cfg import (
    BuildCfg,
    FeatureRequest,
    attribute_applied,
    cfg_condition,
    crate_features,
    excluded_by,
    parse_attribute,
    holds,
    show,
)

DEFAULT = BuildCfg(frozenset({"default", "std"}))


def evaluate(text: str, build: BuildCfg = DEFAULT) -> bool:
    return holds(cfg_condition(parse_attribute(text)), build)


@pytest.mark.parametrize("text, expected", [
    ('cfg(target_arch = "wasm32")', True),
    ('cfg(target_arch="wasm32")', True),
    ('cfg(target_arch = "wasm64")', False),
    ('cfg(target_family = "wasm")', True),
    ('cfg(target_os = "unknown")', True),
    ('cfg(target_os = "wasi")', False),
    ('cfg(target_pointer_width = "32")', True),
    ('cfg(not(target_arch = "wasm32"))', False),
    ("cfg(test)", False),
    ("cfg(unix)", False),
    ("cfg(windows)", False),
    ("cfg(debug_assertions)", False),  # wasmlint builds in release
    ("cfg(wrap_proc_macro)", False),  # a build script's cfg: wasmlint runs none
    ('cfg(feature = "std")', True),
    ('cfg(feature = "alloc")', False),
    ('cfg(all(feature = "std", target_arch = "wasm32"))', True),
    ('cfg(all(feature = "std", unix))', False),
    ('cfg(any(unix, target_family = "wasm"))', True),
    ("cfg(any())", False),
    ("cfg(all())", True),
    ('cfg(not(any(test, feature = "alloc")))', True),
    ('cfg(target_has_atomic = "64")', True),
    ('cfg(panic = "unwind")', False),
])
def test_predicates(text, expected):
    assert evaluate(text) is expected


def test_a_malformed_predicate_keeps_the_code():
    # wasmlint keeps what it cannot judge rather than lose what it would find in it.
    assert evaluate("cfg(not(a, b))") is True
    assert evaluate('cfg("quoted")') is True


def test_predicates_are_shown_as_rust_spells_them():
    shown = show(cfg_condition(parse_attribute('cfg( all(feature="a",not( test )) )')))
    assert shown == 'all(feature = "a", not(test))'


def test_cfg_attr_applies_its_attributes_only_when_its_condition_holds():
    [(meta, conditions)] = attribute_applied('cfg_attr(feature = "std", wasm_bindgen(js_name = "doIt"))', DEFAULT)
    assert (meta.name, meta.arg("js_name"), conditions) == ("wasm_bindgen", "doIt", ('feature = "std"',))
    assert attribute_applied('cfg_attr(feature = "alloc", no_mangle)', DEFAULT) == ()


def test_nested_cfg_attr_and_several_attributes():
    nested = attribute_applied('cfg_attr(target_arch = "wasm32", cfg_attr(feature = "std", no_mangle))', DEFAULT)
    assert [(m.name, c) for m, c in nested] == [("no_mangle", ('target_arch = "wasm32"', 'feature = "std"'))]
    assert attribute_applied('cfg_attr(target_arch = "wasm32", cfg_attr(unix, no_mangle))', DEFAULT) == ()
    several = attribute_applied('cfg_attr(feature = "std", inline, export_name = "x")', DEFAULT)
    assert [(m.name, m.value) for m, _ in several] == [("inline", None), ("export_name", "x")]


def test_unsafe_wraps_an_attribute():
    [(meta, _)] = attribute_applied('unsafe(export_name = "raw_name")', DEFAULT)
    assert (meta.name, meta.value) == ("export_name", "raw_name")


def test_scoped_wasm_bindgen_and_flags():
    [(meta, _)] = attribute_applied("wasm_bindgen::prelude::wasm_bindgen(start)", DEFAULT)
    assert meta.name == "wasm_bindgen" and "start" in meta.flags()


def test_excluded_by_names_the_false_cfg():
    assert excluded_by(["inline", 'cfg(feature = "alloc")'], DEFAULT) == 'feature = "alloc"'
    assert excluded_by(['cfg_attr(target_arch = "wasm32", cfg(test))'], DEFAULT) == "test"
    assert excluded_by(['cfg(feature = "std")', "doc(hidden)"], DEFAULT) is None


# -- features ------------------------------------------------------------------------------------

MANIFEST = {
    "package": {"name": "img"},
    "features": {
        "default": ["enable_wasm"],
        "enable_wasm": ["wasm-bindgen", "color"],
        "color": [],
        "simd": ["dep:packed"],
        "serde": ["serde/std", "dep:serde_json"],
        "weak": ["log?/std"],
        "full": ["simd", "serde"],
    },
    "dependencies": {
        "wasm-bindgen": {"version": "0.2", "optional": True},
        "packed": {"version": "1", "optional": True},
        "serde": {"version": "1", "optional": True},
        "serde_json": {"version": "1", "optional": True},
        "log": {"version": "0.4", "optional": True},
        "libc": "0.2",
    },
    "target": {"cfg(unix)": {"dependencies": {"nix": {"version": "0.26", "optional": True}}}},
}


def enabled(request: FeatureRequest) -> set[str]:
    return set(crate_features(MANIFEST, request, "img").enabled)


def test_default_features_and_the_features_they_enable():
    # `wasm-bindgen` is the optional dependency's implicit feature, turned on by enable_wasm.
    assert enabled(FeatureRequest()) == {"default", "enable_wasm", "wasm-bindgen", "color"}


def test_no_default_features_and_features_given():
    assert enabled(FeatureRequest(no_default_features=True)) == set()
    assert enabled(FeatureRequest(("simd",), no_default_features=True)) == {"simd"}  # dep:packed is no feature
    assert enabled(FeatureRequest(("img/full",), no_default_features=True)) == {"full", "simd", "serde"}


def test_dep_prefixed_and_weak_and_dependency_features():
    # `serde/std` turns the optional `serde` on (its implicit feature); `dep:serde_json` hides
    # serde_json's implicit feature; `log?/std` turns nothing on.
    assert enabled(FeatureRequest(("serde", "weak"), no_default_features=True)) == {"serde", "weak"}
    features = crate_features(MANIFEST, FeatureRequest(), "img")
    assert "serde_json" not in features.known and "packed" not in features.known
    assert {"log", "nix", "wasm-bindgen", "serde"} <= features.known
    # A dependency's feature on the command line turns that optional dependency on.
    assert "log" in enabled(FeatureRequest(("log/std",), no_default_features=True))


def test_all_features_enables_every_feature_and_optional_dependency():
    assert enabled(FeatureRequest(all_features=True)) == set(crate_features(MANIFEST, FeatureRequest(), "img").known)


def test_unknown_features_are_reported():
    features = crate_features(MANIFEST, FeatureRequest(("simd", "nope", "img/also-nope", "other/x")), "img")
    assert features.unknown == ["nope", "img/also-nope"]


def test_a_crate_without_features_table():
    features = crate_features({"package": {"name": "p"}}, FeatureRequest(), "p")
    assert features.enabled == frozenset() and features.known == frozenset()
    assert crate_features(None, FeatureRequest(("x",)), "p").unknown == ["x"]


@pytest.mark.parametrize(("literal", "value"), [
    (r'"sub\x2fh.rs"', "sub/h.rs"),
    (r'"\u{1F_600}\u{2f}"', "\U0001F600/"),
    (r'"tab\there\\and\"quote\""', 'tab\there\\and"quote"'),
    ('"a\\\n      b"', "ab"),  # a backslash ending a line skips the break and the indentation
    (r'r"C:\x2f"', r"C:\x2f"),  # raw: escapes are text
    (r'r##"say "#hi"#"##', 'say "#hi"#'),
    (r'b"\xff"', "\xff"),  # only a byte string reaches past \x7f
    (r'"\xff"', r"\xff"),  # rustc rejects these: the text stays as written
    (r'"\q"', r"\q"),
    (r'"\u{d800}"', r"\u{d800}"),
])
def test_string_literals_are_read_with_rustc_escapes(literal, value):
    from wasmlint.cfg import string_value

    assert string_value(literal) == value
    assert parse_attribute(f"path = {literal}").value == value
