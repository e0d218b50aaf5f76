//! resolve-by-type: allocations the source layer finds only by following paths and receiver
//! types as rustc does. Each case has a twin of another shape; every export here reaches
//! `memory.grow` (tests/test_source_resolution.py checks that in the compiled module).

#![allow(dead_code)]

mod utils;

use std::collections::VecDeque;

// -- a function reached through a module's glob re-export ------------------------------------------

#[no_mangle]
pub extern "C" fn banner_len(n: usize) -> usize {
    crate::utils::banner(n).len()
}

// Twin: a renamed re-export of a nested module's function, called through `self::`.
#[no_mangle]
pub extern "C" fn headline_len(n: usize) -> usize {
    self::utils::headline(n).len()
}

// -- `.to_lowercase()` and friends -----------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn lower_len(text: *const u8, len: usize) -> usize {
    let text = std::str::from_utf8_unchecked(std::slice::from_raw_parts(text, len));
    text.to_lowercase().len() // expect: string-transform-in-export
}

#[no_mangle]
pub unsafe extern "C" fn upper_len(text: *const u8, len: usize) -> usize {
    let bytes = std::slice::from_raw_parts(text, len);
    std::str::from_utf8(bytes).map(|s| s.to_uppercase().len()).unwrap_or(0) // expect: string-transform-in-export
}

// -- `.clone()` of a `String` field, and of a `Vec` a function returns -----------------------------

pub struct Person {
    name: String,
    inner: Box<Details>,
}
pub struct Details {
    nickname: String,
}
impl Person {
    fn name_copy(&self) -> usize {
        let copy = self.name.clone(); // expect: clone-in-export
        copy.len()
    }
}

#[no_mangle]
pub unsafe extern "C" fn person_name(person: *const Person) -> usize {
    (*person).name_copy()
}

// Twin: the field is reached through a `Box` field.
#[no_mangle]
pub unsafe extern "C" fn person_nickname(person: *const Person) -> usize {
    let person = &*person;
    person.inner.nickname.clone().len() // expect: clone-in-export
}

fn make_list(n: u32) -> Vec<u32> {
    let mut list = Vec::with_capacity(4); // expect: vec-alloc-in-export
    list.push(n); // expect: push-in-export
    list
}

#[no_mangle]
pub extern "C" fn list_twice(n: u32) -> usize {
    let list = make_list(n);
    let copy = list.clone(); // expect: clone-in-export
    copy.len() + list.len()
}

pub struct Store {
    items: Vec<u32>,
}
impl Store {
    fn items(&self) -> Vec<u32> {
        self.items.clone() // expect: clone-in-export
    }
}

// Twin: the `Vec` comes from a method's return type, then flows through a `let`.
#[no_mangle]
pub unsafe extern "C" fn store_twice(store: *const Store) -> usize {
    let items = (*store).items();
    let again = items;
    again.clone().len() // expect: clone-in-export
}

// -- a std receiver is std's, though the crate has a method of that name ---------------------------

pub struct Arena {
    buf: [u8; 16],
    len: usize,
}
impl Arena {
    pub fn push(&mut self, byte: u8) {
        self.buf[self.len % 16] = byte;
        self.len += 1;
    }
}

fn fill(list: &mut Vec<usize>, value: usize) {
    list.push(value); // expect: push-in-export
}

#[no_mangle]
pub unsafe extern "C" fn fill_list(list: *mut Vec<usize>, value: usize) {
    fill(&mut *list, value)
}

// Twin: a `VecDeque` field.
pub struct Queue {
    pending: VecDeque<u8>,
}

#[no_mangle]
pub unsafe extern "C" fn enqueue(queue: *mut Queue, byte: u8) {
    (*queue).pending.push_back(byte) // expect: push-in-export
}

// -- the receiver's type through `Box::from_raw` and `&mut *raw` -----------------------------------

#[no_mangle]
pub unsafe extern "C" fn boxed_push(raw: *mut Vec<u8>, byte: u8) -> *mut Vec<u8> {
    let mut list = Box::from_raw(raw);
    list.push(byte); // expect: push-in-export
    Box::into_raw(list)
}

#[no_mangle]
pub unsafe extern "C" fn raw_push(raw: *mut Vec<u8>, byte: u8) {
    let list = &mut *raw;
    list.push(byte); // expect: push-in-export
}
