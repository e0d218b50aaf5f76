//! Declared under `#[cfg(target_arch = "wasm32")]`: compiled for the module, so checked.

#[no_mangle]
pub extern "C" fn history_len(n: u32) -> usize {
    let history: Vec<u32> = (0..n).collect(); // expect: collect-in-export
    history.len() + crate::helpers::label(n)
}
