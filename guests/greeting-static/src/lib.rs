//! greeting-static: the fix for greeting-alloc, and a guest that must produce no finding.
//!
//! Same exports and memory map as greeting-alloc, but `set_name` copies the salutation, ", ", the
//! name and "!" straight into the static buffer, so it never allocates and never grows memory.
//! (The allocator is still linked: bounds-check panics reach it, which wasmlint must not report.)
//!
//! Memory map of `BUF`: salutation at 0..16, name at 16..32, message at 32..64.

use core::ptr::{addr_of, addr_of_mut};

const SAL_OFFSET: usize = 0;
const NAME_OFFSET: usize = 16;
const MSG_OFFSET: usize = 32;
const BUF_LEN: usize = 64;

static mut BUF: [u8; BUF_LEN] = [0; BUF_LEN];

fn buf_at(offset: usize) -> *const u8 {
    // SAFETY: only the address is taken; offsets are constants inside BUF.
    unsafe { (addr_of!(BUF) as *const u8).add(offset) }
}

#[no_mangle]
pub extern "C" fn set_name(sal_len: usize, name_len: usize) -> i32 {
    let total = sal_len + 2 + name_len + 1;
    if sal_len > NAME_OFFSET - SAL_OFFSET
        || name_len > MSG_OFFSET - NAME_OFFSET
        || total > BUF_LEN - MSG_OFFSET
    {
        return -1;
    }
    // SAFETY: wasm32 guests are single-threaded; no other reference to BUF is alive.
    let buf = unsafe { &mut *addr_of_mut!(BUF) };
    let mut out = MSG_OFFSET;
    buf.copy_within(SAL_OFFSET..SAL_OFFSET + sal_len, out);
    out += sal_len;
    buf[out..out + 2].copy_from_slice(b", ");
    out += 2;
    buf.copy_within(NAME_OFFSET..NAME_OFFSET + name_len, out);
    out += name_len;
    buf[out] = b'!';
    total as i32
}

#[no_mangle]
pub extern "C" fn get_salutation_ptr() -> *const u8 {
    buf_at(SAL_OFFSET)
}

#[no_mangle]
pub extern "C" fn get_name_ptr() -> *const u8 {
    buf_at(NAME_OFFSET)
}

#[no_mangle]
pub extern "C" fn get_msg_ptr() -> *const u8 {
    buf_at(MSG_OFFSET)
}
