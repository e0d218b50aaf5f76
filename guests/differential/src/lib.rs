//! The Rust guest of the host-layer differential test (`bench/hostgen`): the exports and imports
//! of `bench/hostgen/module.wat`, with growth through Rust's allocator instead of `memory.grow`.
//! Every growing export leaks allocations until memory has grown, so each call grows it; the others
//! neither allocate nor panic, so no path of theirs reaches `memory.grow`.

use std::mem::forget;

/// What one leak asks the allocator for: more than a page.
const GROWTH: usize = 128 * 1024;

#[link(wasm_import_module = "env")]
extern "C" {
    /// A host callback called in the middle of an export (a WASI `fd_write`, a logger).
    fn host_write(n: i32);
    /// Emscripten's `emscripten_resize_heap`: the host grows memory for the module.
    fn resize_heap(pages: i32) -> i32;
}

/// The last leaked block: written with a volatile store, so the optimiser cannot drop the allocation.
static mut LAST_BLOCK: *mut u8 = std::ptr::null_mut();

/// Leaks heap until the allocator has grown memory: what dlmalloc keeps free depends on earlier
/// calls (and on growth made by the host), so one leak of a fixed size does not always grow.
fn grow_through_allocator() {
    let pages = core::arch::wasm32::memory_size(0);
    while core::arch::wasm32::memory_size(0) == pages {
        let mut block: Vec<u8> = Vec::with_capacity(GROWTH); // expect: vec-alloc-in-export
        unsafe { std::ptr::addr_of_mut!(LAST_BLOCK).write_volatile(block.as_mut_ptr()) };
        forget(block);
    }
}

/// Grows memory; returns a pointer to `size` usable bytes in the first page (like the WAT twin).
#[no_mangle]
pub extern "C" fn alloc(size: i32) -> i32 {
    let _ = size;
    grow_through_allocator();
    4096
}

#[no_mangle]
pub extern "C" fn reserve(blocks: i32) -> i32 {
    for _ in 0..blocks.max(1) {
        grow_through_allocator();
    }
    0
}

#[no_mangle]
pub extern "C" fn grow_then_write(n: i32) {
    grow_through_allocator();
    unsafe { host_write(n) }
}

#[no_mangle]
pub extern "C" fn write_then_grow(n: i32) {
    unsafe { host_write(n) }
    grow_through_allocator();
}

#[no_mangle]
pub extern "C" fn write_only(n: i32) {
    unsafe { host_write(n) }
}

#[no_mangle]
pub extern "C" fn em_malloc(_size: i32) -> i32 {
    unsafe { resize_heap(1) };
    8192
}

/// A pointer to scratch space in the first page; neither grows nor calls out.
#[no_mangle]
pub extern "C" fn scratch() -> i32 {
    256
}

#[no_mangle]
pub unsafe extern "C" fn peek(p: i32) -> i32 {
    (p as usize as *const i32).read_unaligned()
}

#[no_mangle]
pub unsafe extern "C" fn poke(p: i32, v: i32) {
    (p as usize as *mut i32).write_unaligned(v)
}
