//! clean-member: the workspace member with no heap use; it must produce no finding.

#[no_mangle]
pub extern "C" fn checksum(a: u32, b: u32) -> u32 {
    a.rotate_left(5) ^ b.wrapping_mul(0x9e37_79b9)
}
