//! syntax-error: a file that does not parse (on purpose; never built).
//!
//! The export `early` comes before the error and is still reported. `broken` misses a `;`, which
//! wasmlint reports as `parse-error` (recorded in expect.toml) while analysing the rest.

#[no_mangle]
pub extern "C" fn early(n: u32) -> usize {
    let text = format!("{}", n); // expect: format-in-export
    text.len()
}

fn broken(x: u32) -> u32 {
    let y = x.wrapping_add(1)
    let z = y * 2;
    z
}

#[no_mangle]
pub extern "C" fn late(x: u32) -> u32 {
    broken(x)
}
