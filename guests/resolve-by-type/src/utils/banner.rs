pub fn banner(n: usize) -> String {
    format!("== {n} ==") // expect: format-in-export
}
