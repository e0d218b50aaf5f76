//! resolve-by-scope: calls the source layer must resolve as rustc does, none of which allocates.
//! Each case has a twin of another shape. No export here reaches `memory.grow` except through
//! a panic (tests/test_source_resolution.py checks that in the compiled module).

#![allow(dead_code)]

use std::collections::HashMap;

// -- a method by its receiver's type, not by its bare name ---------------------------------------

pub struct Names {
    ids: [u32; 4],
}
impl Names {
    pub fn get_name(&self, k: usize) -> u32 {
        self.ids[k % 4]
    }
}

// Another type's `get_name` formats: a call on `&Names` never runs it.
pub struct Labels {
    prefix: String,
}
impl Labels {
    pub fn get_name(&self, k: usize) -> String {
        format!("{}{}", self.prefix, k)
    }
}

static NAMES: Names = Names { ids: [7, 8, 9, 10] };

fn lookup(names: &Names, k: usize) -> u32 {
    names.get_name(k)
}

#[no_mangle]
pub extern "C" fn name_of(k: usize) -> u32 {
    lookup(&NAMES, k)
}

// Twin: the receiver is a struct field whose declared type is `Names`, reached through a raw pointer.
pub struct Registry {
    names: Names,
    count: usize,
}

#[no_mangle]
pub extern "C" fn registry_name(registry: *const Registry, k: usize) -> u32 {
    let registry = unsafe { &*registry };
    registry.names.get_name(k + registry.count)
}

// -- a local binding is not the crate's item of that name -----------------------------------------

fn upper(n: usize) -> String {
    format!("{n}")
}

#[no_mangle]
pub extern "C" fn doubled(n: usize) -> usize {
    let upper = n * 2;
    drop(upper);
    n
}

fn consume(value: usize) -> usize {
    value + 1
}

// Twin: bound by an `if let` pattern, passed on to another function.
#[no_mangle]
pub extern "C" fn checked_double(n: usize) -> usize {
    if let Some(upper) = n.checked_mul(2) {
        consume(upper)
    } else {
        0
    }
}

// -- a closure only stored does not run where it is stored ----------------------------------------

static mut HOOK: Option<fn(u32) -> usize> = None;

#[no_mangle]
pub extern "C" fn install_hook() {
    unsafe {
        HOOK = Some(|n| format!("{n}").len()); // expect: closure-stored
    }
}

// Twin: handed to a crate function that stores its parameter in a struct field.
pub struct Slot {
    run: Option<fn(u32) -> usize>,
}

static mut SLOT: Slot = Slot { run: None };

fn keep(slot: &mut Slot, callback: fn(u32) -> usize) {
    slot.run = Some(callback);
}

#[no_mangle]
pub extern "C" fn install_slot() {
    keep(unsafe { &mut *std::ptr::addr_of_mut!(SLOT) }, |n| n.to_string().len()); // expect: closure-stored
}

// -- a box of a closure that captures nothing allocates nothing ----------------------------------

#[no_mangle]
pub extern "C" fn boxed_pure(n: u32) -> u32 {
    let add: Box<dyn Fn(u32) -> u32> = Box::new(|x| x + 1);
    add(n)
}

fn apply(f: Box<dyn Fn(u32) -> u32>, n: u32) -> u32 {
    f(n)
}

// Twin: the box goes straight into a function that calls it.
#[no_mangle]
pub extern "C" fn boxed_passed(n: u32) -> u32 {
    apply(Box::new(|x: u32| x.wrapping_mul(3)), n)
}

// -- a type of the standard library gets std's method, not the crate's of that name ---------------

pub struct Cache {
    entries: HashMap<u32, u32>,
}
impl Cache {
    // A crate method named like HashMap's `get`, which formats: `map.get(&k)` never runs it.
    pub fn get(&self, k: u32) -> String {
        format!("{k}")
    }
}

#[no_mangle]
pub extern "C" fn cached(map: *const HashMap<u32, u32>, k: u32) -> u32 {
    let map = unsafe { &*map };
    map.get(&k).copied().unwrap_or(0)
}

// Twin: an `Option`'s `get_or_insert` is std's, though the crate has a `Cache::get`-like name.
#[no_mangle]
pub extern "C" fn cached_field(cache: *const Cache, k: u32) -> u32 {
    let cache = unsafe { &*cache };
    cache.entries.get(&k).copied().unwrap_or(0)
}
