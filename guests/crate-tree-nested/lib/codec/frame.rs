//! The module `codec::frame` (its path follows the declarations, not its folder under src/).

pub fn encode_frame(n: u32) -> u32 {
    let header = n.to_string(); // expect: to-string-in-export
    header.len() as u32
}
