//! bindgen-hello: the hello-world every wasm-bindgen user starts from. `greet` builds its text with
//! `format!`, which allocates and may grow memory, but wasm-bindgen's generated JavaScript reads
//! memory only through getters that re-create their views when memory grew: with no host of its
//! own keeping a view, the allocation cannot detach anything. wasmlint reports it as `info`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    fn alert(s: &str);
}

#[wasm_bindgen]
pub fn greet(name: &str) {
    alert(&format!("Hello, {}!", name)); // expect: format-in-export
}
