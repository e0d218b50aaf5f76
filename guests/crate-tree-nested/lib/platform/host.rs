//! `platform::host`, declared in an inline module under `#[cfg(target_family = "wasm")]`.

pub fn tick() -> usize {
    let mut log: Vec<u8> = Vec::with_capacity(8); // expect: vec-alloc-in-export
    log.push(1); // expect: push-in-export
    log.len()
}
