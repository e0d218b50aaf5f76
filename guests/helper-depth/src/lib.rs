//! helper-depth: allocation two calls below the export.
//!
//! `describe` allocates nothing itself; it calls `build_message`, which calls `render`, and
//! `render` allocates with `.to_string()` and `format!`. Findings go on the lines in `render`,
//! because an export reaches them. `debug_dump` allocates too but no export calls it, so it must
//! not be reported.

use core::ptr::{addr_of, addr_of_mut};

static mut OUT: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn describe(count: u32) -> usize {
    // SAFETY: wasm32 guests are single-threaded; no other reference to OUT is alive.
    let out = unsafe { &mut *addr_of_mut!(OUT) };
    build_message(count, out)
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    // SAFETY: only the address is taken.
    unsafe { addr_of!(OUT) as *const u8 }
}

fn build_message(count: u32, out: &mut [u8]) -> usize {
    let message = render(count);
    let n = message.len().min(out.len());
    out[..n].copy_from_slice(&message.as_bytes()[..n]);
    n
}

fn render(count: u32) -> String {
    let noun = "widget".to_string(); // expect: to-string-in-export
    format!("{} {}s in stock", count, noun) // expect: format-in-export
}

// Kept for native debugging sessions; nothing exported calls it.
#[allow(dead_code)]
fn debug_dump(values: &[u32]) -> String {
    let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("[{}]", parts.join(", "))
}
