//! Declared under `#[cfg(feature = "debug-api")]`: part of the crate only with that feature.

#[no_mangle]
pub extern "C" fn debug_counters() -> usize {
    let names = ["reads", "writes"].join(",");
    names.len()
}
