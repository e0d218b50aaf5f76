//! fixed-writer: wasmlint's own advice for `format-in-export`, next to the mistake it replaces.
//!
//! `write_fixed` formats with `write!` into a `core::fmt::Write` over a static buffer: it never
//! allocates. `write_heap` builds the same text with `format!`. Both go through `core::fmt::write`,
//! whose `call_indirect` on the `&mut dyn Write` vtable could reach `String`'s `Write` impl (and the
//! allocator) by type alone; the module layer follows the vtable each caller passes, so only
//! `write_heap` reaches `memory.grow`.

use core::fmt::Write;
use core::ptr::{addr_of, addr_of_mut};

static mut OUT: [u8; 64] = [0; 64];

struct FixedWriter {
    len: usize,
}

impl Write for FixedWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        // SAFETY: wasm32 guests are single-threaded; no other reference to OUT is alive.
        let out = unsafe { &mut *addr_of_mut!(OUT) };
        let bytes = s.as_bytes();
        let room = out.len() - self.len;
        if bytes.len() > room {
            return Err(core::fmt::Error);
        }
        out[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        Ok(())
    }
}

#[no_mangle]
pub extern "C" fn write_fixed(n: u32) -> u32 {
    let mut w = FixedWriter { len: 0 };
    let _ = write!(w, "n={}", n);
    w.len as u32
}

#[no_mangle]
pub extern "C" fn write_heap(n: u32) -> u32 {
    let text = format!("n={}", n); // expect: format-in-export
    // SAFETY: as above.
    let out = unsafe { &mut *addr_of_mut!(OUT) };
    let len = text.len().min(out.len());
    out[..len].copy_from_slice(&text.as_bytes()[..len]);
    len as u32
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    // SAFETY: only the address is taken.
    unsafe { addr_of!(OUT) as *const u8 }
}
