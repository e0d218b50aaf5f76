//! crate-tree-nested: the crate root is `[lib] path = "lib/root.rs"`, and its modules take every
//! shape rustc follows: `codec.rs` with its child in `codec/` (a non-mod-rs file), `store/mod.rs`
//! with `store/page.rs`, an inline `mod platform { ... }` whose file modules live in `platform/`
//! (one of them named by a `#[path]`, which inside an inline module is relative to that folder),
//! a file brought in with `include!`, and declarations under `#[cfg]`: `platform::host` (true for
//! wasm32), `platform::os` (feature `native`, off by default) and `tests` (`cfg(test)`).
//! `src/lib.rs` (the default root, left from an older layout), `lib/old_root.rs` and
//! `lib/codec/legacy.rs` are reached by no declaration: not part of the crate.

mod codec;
mod store;

mod platform {
    #[cfg(target_family = "wasm")]
    pub mod host;
    #[cfg(feature = "native")]
    pub mod os;
    // Inside an inline module, a `#[path]` is relative to the module's folder: lib/platform/.
    #[path = "web_impl.rs"]
    pub mod web;
}

include!("generated.rs");

#[cfg(test)]
mod tests;

#[no_mangle]
pub extern "C" fn encode(n: u32) -> u32 {
    crate::codec::frame::encode_frame(n)
}

#[no_mangle]
pub extern "C" fn remember(n: u32) -> usize {
    store::page::keep(n) + platform::host::tick() + platform::web::pending()
}

#[no_mangle]
pub extern "C" fn table_size() -> usize {
    generated_table_len()
}
