//! resolution-forms: calls the source layer must follow (or must not), and code `#[cfg]` leaves
//! out of a wasm32 build.

// A helper passed to an exporting macro: `$helper()` in the template calls it.
macro_rules! call_helper {
    ($name:ident, $helper:ident) => {
        #[no_mangle]
        pub extern "C" fn $name() -> usize {
            $helper()
        }
    };
}

fn allocating_helper() -> usize {
    String::from("z").len() // expect: string-alloc-in-export
}

call_helper!(via_macro, allocating_helper);

// A trait's default method, called on a type that does not override it.
trait Named {
    fn name(&self) -> usize {
        "zz".to_string().len() // expect: to-string-in-export
    }
}
struct Z;
impl Named for Z {}

#[no_mangle]
pub extern "C" fn trait_default() -> usize {
    Z.name()
}

// A fully qualified call.
trait Make {
    fn make() -> usize;
}
struct Buf;
impl Make for Buf {
    fn make() -> usize {
        vec![1u8].len() // expect: vec-macro-in-export
    }
}

#[no_mangle]
pub extern "C" fn qualified() -> usize {
    <Buf as Make>::make()
}

// Two types with a method of the same name: the local type decides which one runs.
struct A;
struct B;
impl A {
    fn go(&self) -> usize {
        1
    }
}
impl B {
    #[allow(dead_code)]
    fn go(&self) -> usize {
        vec![1u8, 2].len()
    }
}

#[no_mangle]
pub extern "C" fn same_name() -> usize {
    let a = A;
    a.go()
}

// Native-only code and tests are not part of the wasm32 module.
#[cfg(not(target_arch = "wasm32"))]
fn now() -> usize {
    format!("native").len()
}
#[cfg(target_arch = "wasm32")]
fn now() -> usize {
    0
}

#[no_mangle]
pub extern "C" fn cfg_twin() -> usize {
    #[cfg(test)]
    {
        let _ = format!("only in tests");
    }
    let empty: Vec<u8> = vec![];
    now() + empty.len()
}

#[cfg(test)]
mod tests {
    #[no_mangle]
    pub extern "C" fn test_only() -> usize {
        format!("x").len()
    }
}
