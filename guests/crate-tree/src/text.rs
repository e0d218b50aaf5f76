//! Part of the crate (`mod text;`): allocation-free, and nothing is reported here.

pub fn upper_in_place(bytes: &mut [u8]) -> usize {
    bytes.make_ascii_uppercase();
    bytes.len()
}
