// Draws the universe on a canvas. The cells are read straight from the module's memory through a
// view made after the last call into the module, in every frame.
import { Universe, Cell } from "game-of-life";
import { memory } from "game-of-life/game_of_life_bg";

const CELL = 5;
const universe = Universe.new();
const width = universe.width();
const height = universe.height();

const canvas = document.getElementById("game-of-life-canvas");
canvas.width = CELL * width;
canvas.height = CELL * height;
const ctx = canvas.getContext("2d");

const drawCells = () => {
  const cells = new Uint8Array(memory.buffer, universe.cells(), width * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      ctx.fillStyle = cells[row * width + col] === Cell.Dead ? "#ffffff" : "#000000";
      ctx.fillRect(col * CELL, row * CELL, CELL, CELL);
    }
  }
};

const renderLoop = () => {
  universe.tick();
  drawCells();
  requestAnimationFrame(renderLoop);
};

drawCells();
requestAnimationFrame(renderLoop);
