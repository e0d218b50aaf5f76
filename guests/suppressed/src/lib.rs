//! suppressed: `// wasmlint: allow(rule-id) -- reason` comments.
//!
//! `greet_len` has an end-of-line allow that covers its `format!` line only (its `String::from`
//! is still reported). The allow above `debug_len` covers the whole fn. The allow in `stale`
//! matches nothing any more and is reported as `unused-suppression` (recorded in expect.toml,
//! because a trailing expect comment on that line would become part of the allow's reason).

#[no_mangle]
pub extern "C" fn greet_len(n: u32) -> usize {
    let greeting = format!("hello {}", n); // wasmlint: allow(format-in-export) -- called once at startup, before the host takes views
    let suffix = String::from("!"); // expect: string-alloc-in-export
    greeting.len() + suffix.len()
}

// wasmlint: allow(to-string-in-export) -- debug-only export; the host re-reads its views after it
#[no_mangle]
pub extern "C" fn debug_len(n: u32) -> usize {
    let a = n.to_string();
    let b = (n + 1).to_string();
    a.len() + b.len()
}

#[no_mangle]
pub extern "C" fn stale(n: u32) -> u32 {
    // wasmlint: allow(vec-macro-in-export) -- the vec! this covered was removed
    n + 1
}
