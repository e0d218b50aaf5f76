//! cfg-attr-raw: raw exports (`no_mangle`, `export_name`) made by `cfg_attr`, gated by features.
//!
//! `c-api` is a default feature and enables `alloc-api` (a feature that enables another), so
//! `parse_len` and `wl_alloc` are exports of a default build: the expectations below are for it.
//! `dump_state` (a nested `cfg_attr`) and the `debug` module need `debug-api`;
//! `parse_len_fallback` is exported only without `c-api` (`--no-default-features`).

#[cfg(feature = "debug-api")]
mod debug;

#[cfg_attr(feature = "c-api", no_mangle)]
pub extern "C" fn parse_len(len: usize) -> usize {
    let mut words: Vec<&str> = Vec::new(); // expect: empty-collection-in-export
    words.push("word"); // expect: push-in-export
    words.len() + len
}

#[cfg_attr(all(target_arch = "wasm32", feature = "alloc-api"), export_name = "wl_alloc")]
pub extern "C" fn alloc_buffer(len: usize) -> usize {
    let buffer = vec![0u8; len]; // expect: vec-macro-in-export
    buffer.len()
}

#[cfg_attr(feature = "debug-api", cfg_attr(target_family = "wasm", no_mangle))]
pub extern "C" fn dump_state(n: u32) -> usize {
    n.to_string().len()
}

#[cfg_attr(not(feature = "c-api"), no_mangle)]
pub extern "C" fn parse_len_fallback(len: usize) -> usize {
    let boxed = Box::new(len);
    *boxed
}

// Exported whatever the features: nothing to report.
#[no_mangle]
pub extern "C" fn version() -> u32 {
    3
}
