//! game-of-life: the shape of the classic wasm-bindgen tutorial. `Universe::new` collects its cells
//! and `tick` clones them, both allocations on exported paths; the page (www/index.js) reads the
//! cells straight from the module's memory, making its view afresh after every call, so nothing
//! can detach under it.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Dead = 0,
    Alive = 1,
}

#[wasm_bindgen]
pub struct Universe {
    width: u32,
    height: u32,
    cells: Vec<Cell>,
}

impl Universe {
    fn index(&self, row: u32, column: u32) -> usize {
        (row * self.width + column) as usize
    }

    fn live_neighbours(&self, row: u32, column: u32) -> u8 {
        let mut count = 0;
        for dr in [self.height - 1, 0, 1] {
            for dc in [self.width - 1, 0, 1] {
                if dr == 0 && dc == 0 {
                    continue;
                }
                let r = (row + dr) % self.height;
                let c = (column + dc) % self.width;
                count += self.cells[self.index(r, c)] as u8;
            }
        }
        count
    }
}

#[wasm_bindgen]
impl Universe {
    pub fn new() -> Universe {
        let (width, height) = (64, 64);
        let cells = (0..width * height)
            .map(|i| if i % 2 == 0 || i % 7 == 0 { Cell::Alive } else { Cell::Dead })
            .collect(); // expect: collect-in-export
        Universe { width, height, cells }
    }

    pub fn tick(&mut self) {
        let mut next = self.cells.clone(); // expect: clone-in-export
        for row in 0..self.height {
            for column in 0..self.width {
                let i = self.index(row, column);
                next[i] = match (self.cells[i], self.live_neighbours(row, column)) {
                    (Cell::Alive, 2) | (Cell::Alive, 3) | (Cell::Dead, 3) => Cell::Alive,
                    _ => Cell::Dead,
                };
            }
        }
        self.cells = next;
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn cells(&self) -> *const Cell {
        self.cells.as_ptr()
    }
}
