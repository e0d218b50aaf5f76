//! cfg-attr-bindgen: an image library that exports through `cfg_attr`, as many published crates do.
//!
//! `enable_wasm` is a default feature (it turns the optional `wasm-bindgen` dependency on), so in
//! a normal build every `#[cfg_attr(feature = "enable_wasm", wasm_bindgen...)]` function is an
//! export: the expectations below are for the default features. `simd` is not a default feature:
//! `sharpen` and the `simd` module are exported only with `--features simd` (or
//! `--all-features`); `grayscale_raw` only with `--no-default-features`.

#[cfg(feature = "enable_wasm")]
use wasm_bindgen::prelude::*;

#[cfg(feature = "simd")]
mod simd;

#[cfg_attr(feature = "enable_wasm", wasm_bindgen)]
pub fn grayscale(pixels: &mut [u8]) -> usize {
    let copy = pixels.to_vec(); // expect: to-owned-in-export
    for (out, pixel) in pixels.iter_mut().zip(copy.iter()) {
        *out = *pixel / 3;
    }
    copy.len()
}

#[cfg_attr(feature = "enable_wasm", wasm_bindgen(js_name = "blurImage"))]
pub fn blur(width: u32, height: u32) -> usize {
    let buffer = vec![0u8; (width * height) as usize]; // expect: vec-macro-in-export
    buffer.len()
}

// Nested: exported when both conditions hold, under the name the JavaScript side uses.
#[cfg_attr(target_arch = "wasm32", cfg_attr(feature = "enable_wasm", wasm_bindgen(js_name = "describeImage")))]
pub fn describe(width: u32, height: u32) -> String { // expect: heap-type-in-export-signature
    format!("{}x{}", width, height) // expect: format-in-export
}

#[cfg_attr(feature = "simd", wasm_bindgen)]
pub fn sharpen(level: u32) -> usize {
    level.to_string().len()
}

// A library function no export reaches: not reported.
pub fn caption(n: u32) -> usize {
    format!("image {}", n).len()
}

// Exported in every build, by the linker attribute (the host calls it raw).
#[no_mangle]
pub extern "C" fn checksum(len: usize) -> usize {
    let mut sums = Vec::with_capacity(len); // expect: vec-alloc-in-export
    sums.push(len); // expect: push-in-export
    sums.len()
}

// The crate's raw fallback when it is built without wasm-bindgen.
#[cfg(not(feature = "enable_wasm"))]
#[no_mangle]
pub extern "C" fn grayscale_raw(len: usize) -> usize {
    let copy = vec![0u8; len];
    copy.len()
}
