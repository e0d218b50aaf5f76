//! Declared under `#[cfg(feature = "simd")]`: part of the crate only when `simd` is enabled.

#[cfg_attr(feature = "enable_wasm", wasm_bindgen::prelude::wasm_bindgen)]
pub fn simd_blend(lanes: u32) -> usize {
    let all: Vec<u32> = (0..lanes).collect();
    all.len()
}
