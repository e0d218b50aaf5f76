//! A native tool built beside the guest's lib: its own crate root. Its `lookup` and `consume`
//! allocate, and share names with the lib's functions; the lib's calls never reach them, and no
//! export of the lib runs this file's code.

fn lookup(name: &str, k: usize) -> String {
    format!("{name}{k}")
}

fn consume(value: usize) -> usize {
    vec![value; 4].len()
}

fn main() {
    println!("{} {}", lookup("a", 1), consume(2));
}
