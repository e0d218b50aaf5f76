//! shared-sites: allocating sites that several exports reach through code they share. Each site is
//! reported once, under the export that reaches it first, and names the others: they are all as
//! affected as that one (the host contract, the module's verdicts). Two shapes: two exports that
//! call one helper (`encode`, `decode` -> `write_label`), and two that reach one helper through a
//! method (`record` -> `Journal::note`) and through a closure (`replay` -> `|k| describe(k)`).

use core::ptr::{addr_of, addr_of_mut};

static mut OUT: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn encode(n: u32) -> usize {
    write_label(n)
}

#[no_mangle]
pub extern "C" fn decode(n: u32) -> usize {
    write_label(n.wrapping_add(1))
}

fn write_label(n: u32) -> usize {
    let text = format!("item {}", n); // expect: format-in-export
    copy_out(text.as_bytes())
}

fn copy_out(bytes: &[u8]) -> usize {
    // SAFETY: wasm32 guests are single-threaded; no other reference to OUT is alive.
    let out = unsafe { &mut *addr_of_mut!(OUT) };
    let len = bytes.len().min(out.len());
    out[..len].copy_from_slice(&bytes[..len]);
    len
}

struct Journal {
    count: u32,
}

impl Journal {
    fn note(&mut self, n: u32) -> usize {
        self.count = self.count.wrapping_add(1);
        describe(n.wrapping_add(self.count))
    }
}

fn describe(n: u32) -> usize {
    let digits = n.to_string(); // expect: to-string-in-export
    copy_out(digits.as_bytes())
}

static mut JOURNAL: Journal = Journal { count: 0 };

#[no_mangle]
pub extern "C" fn record(n: u32) -> usize {
    // SAFETY: single-threaded; no other reference to JOURNAL is alive.
    unsafe { (*addr_of_mut!(JOURNAL)).note(n) }
}

#[no_mangle]
pub extern "C" fn replay(times: u32) -> usize {
    let run = |k: u32| describe(k);
    (0..times).map(run).sum()
}

#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    // SAFETY: only the address is taken.
    unsafe { addr_of!(OUT) as *const u8 }
}
