//! An alternative version of lib.rs that allocates. No `mod` declaration reaches this file: rustc
//! never compiles it, so wasmlint does not report it (an `info` line names it instead).

static mut MSG: [u8; 64] = [0; 64];

#[no_mangle]
pub extern "C" fn shout(len: usize) -> usize {
    let greeting = format!("{} bytes", len);
    // SAFETY: wasm32 guests are single-threaded.
    let out = unsafe { &mut *core::ptr::addr_of_mut!(MSG) };
    out[..greeting.len().min(64)].copy_from_slice(&greeting.as_bytes()[..greeting.len().min(64)]);
    greeting.len()
}
