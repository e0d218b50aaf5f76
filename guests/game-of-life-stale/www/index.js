// Draws the universe on a canvas, reading the cells through one view made at start-up. The view
// goes stale the first time `tick()` grows the module's memory.
import { Universe, Cell } from "game-of-life-stale";
import { memory } from "game-of-life-stale/game_of_life_stale_bg";

const CELL = 5;
const universe = Universe.new();
const width = universe.width();
const height = universe.height();
const cells = new Uint8Array(memory.buffer, universe.cells(), width * height);

const canvas = document.getElementById("game-of-life-canvas");
const ctx = canvas.getContext("2d");

function drawCells() {
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const alive = cells[row * width + col] !== Cell.Dead; // expect: stale-memory-view
      ctx.fillStyle = alive ? "#000000" : "#ffffff";
      ctx.fillRect(col * CELL, row * CELL, CELL, CELL);
    }
  }
}

function renderLoop() {
  universe.tick();
  drawCells();
  requestAnimationFrame(renderLoop);
}

drawCells();
requestAnimationFrame(renderLoop);
