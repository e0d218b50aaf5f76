//! crate-tree: only the files rustc compiles are part of the crate.
//!
//! `lib_growth.rs` and `lib_no_growth.rs` beside this file are two alternative versions of it, as
//! tutorials keep them: no `mod` declaration reaches them, so they are not part of the crate and
//! their allocations are not reported (one `info` line each says so). `helpers` lives in
//! `shared/fmt_helpers.rs` through `#[path]`, and is still the module `helpers` (calls to
//! `helpers::...` resolve). `wasm` is declared under `#[cfg(target_arch = "wasm32")]` (compiled),
//! `native` under `#[cfg(not(target_arch = "wasm32"))]` (not compiled, not checked).

mod text;

#[path = "shared/fmt_helpers.rs"]
mod helpers;

#[cfg(target_arch = "wasm32")]
mod wasm;

#[cfg(not(target_arch = "wasm32"))]
mod native;

static mut OUT: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn describe(n: u32) -> usize {
    helpers::label(n)
}

#[no_mangle]
pub extern "C" fn shout(len: usize) -> usize {
    // SAFETY: wasm32 guests are single-threaded; nothing else holds a reference to OUT.
    let out = unsafe { &mut *core::ptr::addr_of_mut!(OUT) };
    text::upper_in_place(&mut out[..len.min(64)])
}
