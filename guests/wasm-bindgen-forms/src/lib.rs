//! wasm-bindgen-forms: exports made by `#[wasm_bindgen]` (source-only: needs crates.io).
//!
//! Free functions with `#[wasm_bindgen]` are exports; in a `#[wasm_bindgen] impl` block the `pub`
//! methods are exports and private ones are not (but are reached through calls); a trait impl is
//! never exported. `String` in an exported signature means the glue allocates on every call.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn greet(name: &str) -> String { // expect: heap-type-in-export-signature
    format!("Hello, {}!", name) // expect: format-in-export
}

#[wasm_bindgen]
pub fn shout_len(text: String) -> usize { // expect: heap-type-in-export-signature
    text.len()
}

#[wasm_bindgen]
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[wasm_bindgen]
pub struct Counter {
    count: u32,
    history: Vec<u32>,
}

#[wasm_bindgen]
impl Counter {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Counter {
        Counter { count: 0, history: Vec::new() } // expect: empty-collection-in-export
    }

    // `pub(crate)`: visible in the crate, not exported by wasm-bindgen.
    pub(crate) fn internal(&self) -> usize {
        self.count.to_string().len()
    }

    pub fn increment(&mut self) -> u32 {
        self.count += 1;
        self.remember();
        self.count
    }

    pub fn label(&self) -> String { // expect: heap-type-in-export-signature
        self.count.to_string() // expect: to-string-in-export
    }

    fn remember(&mut self) {
        self.history.push(self.count); // expect: push-in-export
    }

    fn summary(&self) -> String {
        format!("{} increments", self.history.len())
    }
}

pub trait Describe {
    fn describe(&self) -> String;
}

#[wasm_bindgen]
impl Describe for Counter {
    fn describe(&self) -> String {
        format!("Counter at {}", self.count)
    }
}
