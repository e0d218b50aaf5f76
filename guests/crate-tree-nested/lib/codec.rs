//! `mod codec;` in lib/root.rs: a non-mod-rs file, so its `mod frame;` is `codec/frame.rs`.

pub mod frame;
