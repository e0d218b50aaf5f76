//! Declared under `#[cfg(test)]`: only in test builds, never in the module.

#[test]
fn encodes() {
    assert_eq!(super::encode(7), 1);
}

#[no_mangle]
pub extern "C" fn test_only(n: u32) -> usize {
    format!("{}", n).len()
}
