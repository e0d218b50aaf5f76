//! Allocation behind `use`: the `malloc`/`free` exports of a small demo, which call the allocator
//! API by the names they imported, next to a bump allocator over a static buffer whose method
//! merely shares the name `alloc` (not flagged: it never asks the allocator for memory).

extern crate alloc;

use alloc::boxed::Box;
use std::alloc::{alloc, dealloc, Layout};
use std::string::String as Text;

#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut u8 {
    let layout = Layout::from_size_align_unchecked(size, 8);
    let ptr = alloc(layout); // expect: alloc-api-in-export
    ptr
}

#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut u8, size: usize) {
    dealloc(ptr, Layout::from_size_align_unchecked(size, 8));
}

const ARENA_SIZE: usize = 1024;
static mut ARENA: [u8; ARENA_SIZE] = [0; ARENA_SIZE];

struct Bump {
    next: usize,
}

impl Bump {
    /// Hands out space from `ARENA`; null when it is full. Never grows memory.
    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let start = (self.next + layout.align() - 1) & !(layout.align() - 1);
        if start > ARENA_SIZE || layout.size() > ARENA_SIZE - start {
            return core::ptr::null_mut();
        }
        self.next = start + layout.size();
        unsafe { ARENA.as_mut_ptr().add(start) }
    }
}

static mut BUMP: Bump = Bump { next: 0 };

#[no_mangle]
pub unsafe extern "C" fn bump_alloc(size: usize) -> *mut u8 {
    BUMP.alloc(Layout::from_size_align_unchecked(size, 8))
}

#[no_mangle]
pub extern "C" fn greeting_len(n: usize) -> usize {
    let text = Text::from("hello"); // expect: string-alloc-in-export
    text.len() + n
}

#[no_mangle]
pub extern "C" fn boxed(n: u32) -> *mut u32 {
    Box::into_raw(Box::new(n)) // expect: box-in-export
}
