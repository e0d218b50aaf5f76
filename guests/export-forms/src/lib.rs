//! export-forms: every way a plain (non-wasm-bindgen) Rust function becomes a wasm export.
//!
//! `#[no_mangle]`, `#[export_name = "..."]`, attributes separated by doc comments and other
//! attributes, an export inside a `mod` block, and `#[cfg_attr(target_arch = "wasm32", no_mangle)]`.
//! The `extern "C"` block declares an import from the host: imports are never exports, and
//! `log`, which calls it, allocates nothing.
#[link(wasm_import_module = "env")] // current rustc no longer makes undefined symbols `env` imports
extern "C" {
    fn host_log(ptr: *const u8, len: usize);
}

fn log(msg: &str) {
    // SAFETY: the host reads `len` bytes at `ptr` during the call and keeps no reference.
    unsafe { host_log(msg.as_ptr(), msg.len()) }
}

#[no_mangle]
pub extern "C" fn plain_export(n: u32) -> usize {
    let text = n.to_string(); // expect: to-string-in-export
    text.len()
}

#[export_name = "custom_name"]
pub extern "C" fn renamed_export(n: usize) -> usize {
    let zeros = vec![0u8; n]; // expect: vec-macro-in-export
    zeros.iter().filter(|b| **b == 0).count()
}

/// Boxes its argument; the doc comment and `#[inline(never)]` sit between the attributes.
#[inline(never)]
/// A second doc line after another attribute.
#[no_mangle]
pub extern "C" fn boxed_export(x: u32) -> u32 {
    let boxed = Box::new(x); // expect: box-in-export
    *boxed + 1
}

mod nested {
    #[no_mangle]
    pub extern "C" fn nested_export(n: u32) -> usize {
        let digits: Vec<u32> = (0..n).collect(); // expect: collect-in-export
        digits.len()
    }
}

#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn cfg_attr_export(len: usize) -> usize {
    let bytes = b"hello world"[..len.min(11)].to_vec(); // expect: to-owned-in-export
    bytes.len()
}

#[no_mangle]
pub extern "C" fn joined_len(n: usize) -> usize {
    let mut label = String::with_capacity(n); // expect: string-alloc-in-export
    label.push_str("items"); // expect: push-in-export
    let joined = ["a", "b", "c"].join(", "); // expect: concat-in-export
    log(&joined);
    label.len() + joined.len()
}

#[no_mangle]
pub extern "C" fn chained(n: u32) -> usize {
    let all = vec![n, n + 1].iter().map(|v| v.to_string()).collect::<Vec<_>>(); // expect: vec-macro-in-export, to-string-in-export, collect-in-export
    all.len()
}

#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn grow_by_one_page() -> usize {
    core::arch::wasm32::memory_grow::<0>(1) // expect: memory-grow-call-in-export
}

#[no_mangle]
pub extern "C" fn ping() {
    log("ping");
}
