//! Declared under `#[cfg(not(target_arch = "wasm32"))]`: never compiled into the module, so never
//! checked (no expectation here), although it allocates.

#[no_mangle]
pub extern "C" fn native_report(n: u32) -> usize {
    let report = format!("native {}", n);
    report.len()
}
