//! Declared in lib.rs as `#[path = "shared/fmt_helpers.rs"] mod helpers;`: the module `helpers`.

pub fn label(n: u32) -> usize {
    let text = format!("item {}", n); // expect: format-in-export
    text.len()
}
