"""Rust symbol demangling for display: legacy and v0 names as they appear in real name sections."""

from __future__ import annotations

import pytest

from wasmlint.module import decode_module, demangle

# Real names from the guests' name sections (rustc 1.63, legacy mangling; wasm-ld keeps the
# `.llvm.<n>` suffixes of local symbols).
LEGACY = [
    ("_ZN61_$LT$dlmalloc..sys..System$u20$as$u20$dlmalloc..Allocator$GT$5alloc17h6db924a109f8a4caE",
     "<dlmalloc::sys::System as dlmalloc::Allocator>::alloc"),
    ("_ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$13dispose_chunk17hf88d5c91704b6402E.llvm.11372828951406332253",
     "dlmalloc::dlmalloc::Dlmalloc<A>::dispose_chunk"),
    ("_ZN44_$LT$$RF$T$u20$as$u20$core..fmt..Display$GT$3fmt17hea8043d688f01c65E",
     "<&T as core::fmt::Display>::fmt"),
    ("_ZN3std9panicking19begin_panic_handler28_$u7b$$u7b$closure$u7d$$u7d$17h106d97be21bfe094E",
     "std::panicking::begin_panic_handler::{{closure}}"),
    ("_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$16reserve_for_push17h6c64855634d70f50E",
     "alloc::raw_vec::RawVec<T,A>::reserve_for_push"),
    ("_ZN4core3ptr121drop_in_place$LT$$RF$alloc..boxed..Box$LT$dyn$u20$std..error..Error$u2b$core..marker"
     "..Send$u2b$core..marker..Sync$GT$$GT$17h07cf8f8a8bd81339E.llvm.2127609134216655508",
     "core::ptr::drop_in_place<&alloc::boxed::Box<dyn std::error::Error+core::marker::Send+core::marker::Sync>>"),
    ("_ZN50_$LT$$RF$mut$u20$W$u20$as$u20$core..fmt..Write$GT$10write_char17h5edd9a3ebd8f7915E.llvm.8661927460261700018",
     "<&mut W as core::fmt::Write>::write_char"),
]

# Real v0 names: the guest crate's own symbol when built with `-C symbol-mangling-version=v0`
# (std stays legacy), and names from @biomejs/wasm-nodejs 2.5.14's name section.
V0 = [
    ("_RNvXsX_NtCs4EoLUFkKuUC_4core3fmtReNtB5_7Display3fmtCsbyOEht218QS_14greeting_alloc",
     "<&str as core::fmt::Display>::fmt"),
    ("_RNvNtNtCs6rswbhJt6Wg_19biome_css_formatter5utils20component_value_list36property_normalizes_css_wide_keyword",
     "biome_css_formatter::utils::component_value_list::property_normalizes_css_wide_keyword"),
    ("_RNvXNtNtNtCsgOWGfyIKurl_16biome_js_analyze4lint11correctness14use_image_sizeNtB2_12UseImageSizeNtNtCsjQffWImICeF_"
     "13biome_analyze4rule4Rule10diagnostic",
     "<biome_js_analyze::lint::correctness::use_image_size::UseImageSize as biome_analyze::rule::Rule>::diagnostic"),
    ("_RNvYNtNtCs2HhofIoeqRP_17biome_html_parser6parser10HtmlParserNtCskkIUtGPGvtX_12biome_parser6Parser7do_bumpB6_",
     "<biome_html_parser::parser::HtmlParser as biome_parser::Parser>::do_bump"),
    ("_RNvXs1i_NtCsknUcikIyyBm_4core3fmtRNtCs6UEpfLU9Rvb_18react_compiler_hir14UpdateOperatorNtB6_7Display3fmtBy_",
     "<&react_compiler_hir::UpdateOperator as core::fmt::Display>::fmt"),
    ("_RNCNvMs1_NtNtNtCs2dcTiawtkYq_20biome_html_formatter4html5lists12element_listNtB7_21FormatHtmlElementList"
     "12fmt_childrens3_0Bd_",
     "<biome_html_formatter::html::lists::element_list::FormatHtmlElementList>::fmt_children::{closure#4}"),
    ("_RNvYNCNvNtNtCsIymtdv4nsv_18biome_js_type_info9generated12global_types16DATE_LOCAL_TYPES0INtNtNtCsknUcikIyyBm_"
     "4core3ops8function6FnOnceuE9call_onceBa_",
     "<biome_js_type_info::generated::global_types::DATE_LOCAL_TYPES::{closure#0} as core::ops::function::FnOnce<()>>"
     "::call_once"),
    ("_RINvNtCsknUcikIyyBm_4core3ptr9drop_glueNtNtCs1AUjBIjKMFI_18react_compiler_ast10statements9StatementE"
     "CsgOWGfyIKurl_16biome_js_analyze.llvm.11205133325499620287",
     "core::ptr::drop_glue::<react_compiler_ast::statements::Statement>"),
    ("_RNvMs1_NtCslWL5Yxw0Iyw_9hashbrown3mapINtB5_7HashMapTNtCs6UEpfLU9Rvb_18react_compiler_hir7BlockIdjjEb"
     "NtCs7cQ8OQwi986_10rustc_hash13FxBuildHasherE6insert",
     "<hashbrown::map::HashMap<(react_compiler_hir::BlockId, usize, usize), bool, rustc_hash::FxBuildHasher>>::insert"),
    # wasm-bindgen appends a description to the symbols of its generated shims.
    ("_RNvNvMsd8_Csbxd7d7D9M8z_6js_sysINtB8_3MapppE3set26___wbg_set_08463b1df38a7e29 externref shim",
     "<js_sys::Map<_, _>>::set::__wbg_set_08463b1df38a7e29 externref shim"),
]

# Real names of rustc 1.96's std (v0 even where the crate's own code is legacy): the allocator and
# panic shims sit in a `__rustc` crate, closures are `{closure#n}`, `!` is a type.
V0_STD_196 = [
    ("_RNvCsfgHYwM92fyn_7___rustc12___rust_alloc", "__rustc::__rust_alloc"),
    ("_RNvCsfgHYwM92fyn_7___rustc35___rust_no_alloc_shim_is_unstable_v2",
     "__rustc::__rust_no_alloc_shim_is_unstable_v2"),
    ("_RNvCsfgHYwM92fyn_7___rustc17rust_begin_unwind", "__rustc::rust_begin_unwind"),
    ("_RINvNtNtCs8P3I9jCZtHF_3std3sys9backtrace26___rust_end_short_backtraceNCNvNtB6_9panicking13panic_handler0zEB6_",
     "std::sys::backtrace::__rust_end_short_backtrace::<std::panicking::panic_handler::{closure#0}, !>"),
    ("_RNvMs4_NtCskntkCyZFIyu_5alloc7raw_vecNtB5_11RawVecInner15try_allocate_inB7_",
     "<alloc::raw_vec::RawVecInner>::try_allocate_in"),
]

# Constructed from the v0 grammar: constants, arrays, slices, pointers, fn pointers, dyn.
V0_GRAMMAR = [
    ("_RINvCs1234_7mycrate3fooKj4_E", "mycrate::foo::<4>"),
    ("_RINvCs1234_7mycrate3fooKanb_Kb0_Kb1_Kc41_E", "mycrate::foo::<-11, false, true, 'A'>"),
    ("_RINvCs1234_7mycrate3fooAhj10_SlPmOuE", "mycrate::foo::<[u8; 16], [i32], *const u32, *mut ()>"),
    ("_RINvCs1234_7mycrate3fooFKCjEuFhElE", 'mycrate::foo::<extern "C" fn(usize), fn(u8) -> i32>'),
    ("_RINvCs1234_7mycrate3fooDNtCs1_4core5DebugEL_E", "mycrate::foo::<dyn core::Debug>"),
    ("_RINvCs1234_7mycrate3fooRL_hQeThlEE", "mycrate::foo::<&u8, &mut str, (u8, i32)>"),
]


@pytest.mark.parametrize(("mangled", "expected"), LEGACY + V0 + V0_STD_196 + V0_GRAMMAR)
def test_demangle(mangled, expected):
    assert demangle(mangled) == expected


@pytest.mark.parametrize("name", [
    "set_name", "__rust_alloc", "rust_begin_unwind", "func[3]", "", "main.command_export",
    "_ZN3foo",  # truncated legacy mangling
    "_ZN3foo$XX$3barE",  # unknown escape
    "_RNvCs1234_5mycrate",  # v0 cut short
    "_RNvCs1234_u7mycrate3foo",  # punycode identifier: not supported, shown as is
    "_RB0_",  # a backreference that does not point backwards
    "_R" + "I" * 500 + "Cs_3foo",  # absurd nesting
])
def test_anything_else_comes_back_unchanged(name):
    assert demangle(name) == name


def test_every_name_of_a_guest_demangles_cleanly(compiler):
    from conftest import guest_modules

    # rustc 1.63 mangles everything legacy; rustc 1.96's std is v0-mangled (`_RNv...`), and the
    # closures and generics of the crate's own code stay legacy.
    modules = guest_modules(compiler)
    names = [raw for name in ("greeting-alloc", "dyn-callbacks")
             for raw in decode_module(modules[name].read_bytes()).func_names.values()]
    assert len(names) > 150
    mangled = {"_ZN": 0, "_R": 0}
    for raw in names:
        shown = demangle(raw)
        if raw.startswith(("_ZN", "_R")):
            mangled["_ZN" if raw.startswith("_ZN") else "_R"] += 1
            assert shown != raw and "$LT$" not in shown and ".llvm." not in shown, raw
            assert not shown.rstrip(">").endswith(tuple(f"::h{c}" for c in "0123456789abcdef")), shown
    assert mangled["_ZN"] > 0
    assert (mangled["_R"] > 50) if compiler.current else (mangled["_R"] == 0)


def base62(value: int) -> str:
    if value == 0:
        return "_"
    digits, out, value = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "", value - 1
    while True:
        out, value = digits[value % 62] + out, value // 62
        if value == 0:
            return out + "_"


def test_backrefs_that_double_the_output_give_up_quickly():
    # Each generic argument is a tuple of the previous one twice: 2**40 characters if expanded.
    text, previous = "INvCs_3fooTlE", len("INvCs_3foo")
    for _ in range(40):
        argument = f"TB{base62(previous)}B{base62(previous)}E"
        previous = len(text)
        text += argument
    name = "_R" + text + "E"
    assert demangle(name) == name
