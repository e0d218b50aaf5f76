//! Nothing declares `mod legacy;`: not part of the crate, not reported.

pub fn encode_frame(n: u32) -> u32 {
    let header = format!("v1:{}", n);
    header.len() as u32
}
