// A second ImageData shape: a renderer class wraps the pixels once in its constructor and draws the
// wrapper each frame after a growing call, driven by requestAnimationFrame. (TypeScript, browser.)
interface Exports {
  memory: WebAssembly.Memory
  scratch(): number
  alloc(size: number): number
}

class Renderer {
  private readonly image: ImageData

  constructor(private readonly ex: Exports, private readonly ctx: CanvasRenderingContext2D, width: number, height: number) {
    const pixels = new Uint8ClampedArray(ex.memory.buffer, ex.scratch(), width * height * 4) // fresh: new Uint8ClampedArray
    this.image = new ImageData(pixels, width, height)
  }

  frame = (): void => {
    this.ex.alloc(64)
    this.ctx.putImageData(this.image, 0, 0) // stale: this.image <- alloc
    requestAnimationFrame(this.frame)
  }
}

async function start(): Promise<void> {
  const canvas = document.getElementById('screen') as HTMLCanvasElement
  const ctx = canvas.getContext('2d')!
  const imports = { env: { host_write(): void {}, resize_heap: (): number => 0 } }
  const { instance } = await WebAssembly.instantiateStreaming(fetch('module.wasm'), imports)
  const renderer = new Renderer(instance.exports as unknown as Exports, ctx, canvas.width, canvas.height)
  requestAnimationFrame(renderer.frame)
}

start()
