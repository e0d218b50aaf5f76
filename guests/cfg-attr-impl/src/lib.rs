//! cfg-attr-impl: a Game-of-Life-shaped crate whose JavaScript exports are opt-in.
//!
//! `js` is not a default feature (`default = []`), so a plain build exports only the raw
//! `universe_size`, and the expectations below are for that build. With `--features js` the `pub`
//! methods of the `#[cfg_attr(feature = "js", wasm_bindgen)] impl Universe` are exports too
//! (`cellCount` renamed by a `cfg_attr`'d `js_name`); `console` enables `js` and adds the
//! `start` function `init_console` (only on wasm32).

#[cfg(feature = "js")]
use wasm_bindgen::prelude::*;

#[cfg_attr(feature = "js", wasm_bindgen)]
pub struct Universe {
    width: u32,
    cells: Vec<u8>,
}

#[cfg_attr(feature = "js", wasm_bindgen)]
impl Universe {
    #[cfg_attr(feature = "js", wasm_bindgen(constructor))]
    pub fn new(width: u32) -> Universe {
        let cells = (0..width * width).map(|i| (i % 2) as u8).collect();
        Universe { width, cells }
    }

    pub fn tick(&mut self) {
        let next = self.cells.clone();
        self.cells = next;
    }

    #[cfg_attr(feature = "js", wasm_bindgen(js_name = "cellCount"))]
    pub fn cell_count(&self) -> usize {
        self.cells.len() + self.width as usize
    }

    fn rows(&self) -> usize {
        self.cells.len() / self.width.max(1) as usize
    }
}

#[cfg_attr(all(target_arch = "wasm32", feature = "console"), wasm_bindgen(start))]
pub fn init_console() {
    let banner = String::from("universe ready");
    drop(banner);
}

#[no_mangle]
pub extern "C" fn universe_size(width: u32) -> usize {
    let cells = vec![0u8; (width * width) as usize]; // expect: vec-macro-in-export
    cells.len()
}
