//! raw-alloc-host: raw exports that allocate by design. The host asks `malloc` / `string_new` for
//! memory and then writes into it; its own code (host/) makes every view after the call that may
//! grow memory, directly and through a helper class in a required file. With that host in the
//! project, the allocations cannot detach anything it reads: wasmlint says so, as `info`.

use std::alloc::{alloc, dealloc, Layout};

#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut u8 {
    let layout = Layout::from_size_align(size.max(1), 8).unwrap();
    unsafe { std::alloc::alloc(layout) } // expect: alloc-api-in-export
}

#[no_mangle]
pub extern "C" fn free(ptr: *mut u8, size: usize) {
    let layout = Layout::from_size_align(size.max(1), 8).unwrap();
    unsafe { dealloc(ptr, layout) }
}

/// A buffer of `len` bytes the host fills with text; freed with `free`.
#[no_mangle]
pub extern "C" fn string_new(len: usize) -> *mut u8 {
    let mut bytes = Vec::with_capacity(len.max(1)); // expect: vec-alloc-in-export
    bytes.resize(len, 0u8); // expect: push-in-export
    let ptr = bytes.as_mut_ptr();
    std::mem::forget(bytes);
    ptr
}

/// Upper-cases `len` ASCII bytes at `ptr` in place: no allocation.
#[no_mangle]
pub extern "C" fn upper(ptr: *mut u8, len: usize) {
    let text = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
    text.make_ascii_uppercase();
}

#[allow(dead_code)]
fn unused_alloc() -> *mut u8 {
    unsafe { alloc(Layout::new::<u64>()) }
}
