//! `mod store;` in lib/root.rs, as `store/mod.rs`: its modules are its siblings.

pub mod page;
