//! dyn-callbacks: calls through trait objects, in two shapes, each with a callback that allocates
//! and one that does not.
//!
//! `&dyn Fn`: `apply` calls the closure it is given through the closure's vtable. `apply_pure`
//! passes arithmetic, `apply_alloc` a closure that builds a `String`.
//!
//! `Box<dyn Trait>`: `dispatch` calls `Handler::handle` on the box it is given. `handle_pure`
//! boxes `Doubler`, `handle_alloc` boxes `Namer`, whose `handle` formats. Both handlers are zero
//! sized, so `Box::new` allocates nothing: `handle_pure` allows `box-in-export`, and
//! `handle_alloc`'s `Box::new` finding carries the module layer's path through `Namer::handle`.
//!
//! `call_host` calls a function pointer the host passes in: no constant of the module names it,
//! so the module layer cannot resolve that call, and matches it by type (a warning, as the
//! source shows no allocation).
//!
//! In the compiled module every callback is reached through a `call_indirect` of the same
//! signature; the module layer follows the vtable each export passes, so only `apply_alloc` and
//! `handle_alloc` reach `memory.grow` through their callbacks.

static mut OUT: [u8; 64] = [0; 64];

#[inline(never)]
fn apply(f: &dyn Fn(u32) -> u32, x: u32) -> u32 {
    f(x)
}

#[no_mangle]
pub extern "C" fn apply_pure(x: u32) -> u32 {
    apply(&|v| v.wrapping_mul(3).wrapping_add(1), x)
}

#[no_mangle]
pub extern "C" fn apply_alloc(x: u32) -> u32 {
    apply(&|v| v.to_string().len() as u32, x) // expect: to-string-in-export
}

trait Handler {
    fn handle(&self, x: u32) -> u32;
}

struct Doubler;

impl Handler for Doubler {
    fn handle(&self, x: u32) -> u32 {
        x.wrapping_mul(2)
    }
}

struct Namer;

impl Handler for Namer {
    fn handle(&self, x: u32) -> u32 {
        // Not reported by the source layer: it does not follow calls through `dyn Handler`.
        let name = format!("handler #{}", x);
        let n = name.len().min(64);
        // SAFETY: wasm32 guests are single-threaded; no other reference to OUT is alive.
        unsafe { (&mut *core::ptr::addr_of_mut!(OUT))[..n].copy_from_slice(&name.as_bytes()[..n]) };
        n as u32
    }
}

#[inline(never)]
fn dispatch(handler: Box<dyn Handler>, x: u32) -> u32 {
    handler.handle(x)
}

#[no_mangle]
pub extern "C" fn handle_pure(x: u32) -> u32 {
    // wasmlint: allow(box-in-export) -- Doubler is zero-sized: the box allocates nothing
    dispatch(Box::new(Doubler), x)
}

#[no_mangle]
pub extern "C" fn handle_alloc(x: u32) -> u32 {
    dispatch(Box::new(Namer), x) // expect: box-in-export
}

#[no_mangle]
pub extern "C" fn call_host(callback: extern "C" fn(u32, u32) -> u32, x: u32) -> u32 {
    callback(x, x)
}
