//! factory-registry: exports that register factories (closures stored behind `dyn Fn`) and an
//! export that later calls them. The registering exports allocate only for what they do
//! themselves (the name's `to_owned`, the map's `insert`); the closures' bodies run in `create`,
//! which carries their allocations with the path through the stored closure.

#![allow(dead_code)]

use std::collections::HashMap;
use std::rc::Rc;

pub struct Config {
    pub size: u32,
}

pub struct Document {
    pub size: u32,
    pub title: String,
}

impl Document {
    pub fn new(cfg: &Config) -> Document {
        Document { size: cfg.size, title: String::new() } // expect: empty-collection-in-export
    }
}

type Factory = Box<dyn Fn(&Config) -> Rc<Document>>;

pub struct Ctx {
    factories: HashMap<String, Factory>,
    listeners: Vec<fn(u32) -> u32>,
}

impl Ctx {
    pub fn register(&mut self, name: &str, factory: Factory) {
        self.factories.insert(name.to_owned(), factory); // expect: push-in-export, to-owned-in-export
    }

    pub fn create(&self, name: &str, cfg: &Config) -> u32 {
        match self.factories.get(name) {
            Some(factory) => factory(cfg).size,
            None => 0,
        }
    }
}

static mut CTX: Option<Ctx> = None;

unsafe fn ctx() -> &'static mut Ctx {
    let slot = &mut *std::ptr::addr_of_mut!(CTX);
    slot.get_or_insert_with(|| Ctx { factories: HashMap::new(), listeners: Vec::new() }) // expect: empty-collection-in-export
}

#[no_mangle]
pub unsafe extern "C" fn register_document() {
    ctx().register("doc", Box::new(|cfg| Rc::new(Document::new(cfg)))); // expect: closure-stored, refcount-in-export
}

// Twin: the factory captures nothing but is written as a `move` closure with a block body, and
// formats its title when it runs.
#[no_mangle]
pub unsafe extern "C" fn register_titled() {
    ctx().register(
        "titled",
        Box::new(move |cfg: &Config| { // expect: closure-stored
            let mut doc = Document::new(cfg);
            doc.title = format!("{}", cfg.size); // expect: format-in-export
            Rc::new(doc) // expect: refcount-in-export
        }),
    );
}

#[no_mangle]
pub unsafe extern "C" fn create(kind: u32, size: u32) -> u32 {
    let cfg = Config { size };
    let name = if kind == 0 { "doc" } else { "titled" };
    ctx().create(name, &cfg)
}
