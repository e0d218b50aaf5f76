//! unsafe-no-mangle: the Rust 2024 spelling of an export (never built here).
//!
//! `#[unsafe(no_mangle)]` is accepted from Rust 1.82 and required in edition 2024; wasmlint must
//! treat it exactly like `#[no_mangle]`.

#[unsafe(no_mangle)]
pub extern "C" fn set_name(len: usize) -> usize {
    let message = format!("name of {} bytes", len); // expect: format-in-export
    message.len()
}

#[unsafe(export_name = "renamed")]
pub extern "C" fn renamed(n: u32) -> usize {
    let text = n.to_string(); // expect: to-string-in-export
    text.len()
}
