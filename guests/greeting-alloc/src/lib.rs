//! greeting-alloc: the canonical bug wasmlint exists to catch.
//!
//! The host writes a salutation and a name into a shared static buffer, calls `set_name`, and reads
//! the message back. `set_name` builds the message with `format!`, which allocates; with rustc
//! 1.63's dlmalloc the first call grows linear memory (17 -> 18 pages) and detaches every
//! JavaScript view of the old buffer.
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
    if sal_len > NAME_OFFSET - SAL_OFFSET || name_len > MSG_OFFSET - NAME_OFFSET {
        return -1;
    }
    // SAFETY: wasm32 guests are single-threaded; no other reference to BUF is alive.
    let buf = unsafe { &mut *addr_of_mut!(BUF) };
    let sal = core::str::from_utf8(&buf[SAL_OFFSET..SAL_OFFSET + sal_len]).unwrap_or("Hello");
    let name = core::str::from_utf8(&buf[NAME_OFFSET..NAME_OFFSET + name_len]).unwrap_or("you");
    let greeting: String = format!("{}, {}!", sal, name); // expect: format-in-export
    let bytes = greeting.as_bytes();
    if bytes.len() > BUF_LEN - MSG_OFFSET {
        return -1;
    }
    buf[MSG_OFFSET..MSG_OFFSET + bytes.len()].copy_from_slice(bytes);
    bytes.len() as i32
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
