//! alloc-member: the workspace member that allocates in an export.

#[no_mangle]
pub extern "C" fn tag_len(id: u32) -> usize {
    let tag = format!("item-{}", id); // expect: format-in-export
    tag.len()
}
