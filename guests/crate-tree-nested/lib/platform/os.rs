//! `platform::os`, declared under `#[cfg(feature = "native")]`: off by default, so not checked
//! unless the run enables `native` (`--features native`, `--all-features`).

#[no_mangle]
pub extern "C" fn os_report(n: u32) -> usize {
    let report = format!("os {}", n);
    report.len()
}
