#![cfg(target_arch = "wasm32")]
//! `store::page`: its own `#![cfg]` holds for wasm32, so it is compiled.

pub fn keep(n: u32) -> usize {
    let kept = Box::new(n); // expect: box-in-export
    *kept as usize
}
