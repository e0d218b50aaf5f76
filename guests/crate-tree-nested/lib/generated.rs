// Brought into lib/root.rs by `include!("generated.rs")`: its items are the crate root's.

pub fn generated_table_len() -> usize {
    let table = vec![0u16; 256]; // expect: vec-macro-in-export
    table.len()
}
