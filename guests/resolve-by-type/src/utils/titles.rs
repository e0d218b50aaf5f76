pub mod heading {
    pub fn make(n: usize) -> String {
        "#".repeat(n) // expect: concat-in-export
    }
}
