//! fixed-capacity: `.push()` is only an allocation on a heap collection.
//!
//! `FixedBuf` is a crate-local fixed-size buffer with its own `push`; `fill_fixed` calls it many
//! times and must not be reported. `fill_vec` pushes into a real `Vec` and is reported.

use core::ptr::{addr_of, addr_of_mut};

static mut OUT: [u8; 64] = [0; 64];

struct FixedBuf {
    data: [u8; 64],
    len: usize,
}

impl FixedBuf {
    const fn new() -> Self {
        FixedBuf { data: [0; 64], len: 0 }
    }

    /// Appends a byte; drops it silently when the buffer is full (never allocates).
    fn push(&mut self, b: u8) {
        if self.len < self.data.len() {
            self.data[self.len] = b;
            self.len += 1;
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

#[no_mangle]
pub extern "C" fn fill_fixed(n: usize) -> usize {
    let mut buf = FixedBuf::new();
    for i in 0..n {
        buf.push(b'a' + (i % 26) as u8);
    }
    buf.push(b'!');
    // SAFETY: wasm32 guests are single-threaded; no other reference to OUT is alive.
    let out = unsafe { &mut *addr_of_mut!(OUT) };
    out[..buf.len].copy_from_slice(buf.as_bytes());
    buf.len
}

#[no_mangle]
pub extern "C" fn fill_vec(n: usize) -> usize {
    let mut values = Vec::new(); // expect: empty-collection-in-export
    for i in 0..n {
        values.push(i as u8); // expect: push-in-export
    }
    values.len()
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    // SAFETY: only the address is taken.
    unsafe { addr_of!(OUT) as *const u8 }
}
