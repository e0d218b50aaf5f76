//! `#[path = "web_impl.rs"] pub mod web;` inside `mod platform { ... }`: the module `platform::web`.

pub fn pending() -> usize {
    let queue: Vec<u32> = Vec::new(); // expect: empty-collection-in-export
    queue.len()
}
