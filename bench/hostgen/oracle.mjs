// The oracle: runs instrumented host programs in V8 and records, at every use site, how often it
// ran and how often the value it used was detached at that moment.
//
//   node oracle.mjs batch.json
//
// batch.json: { modules: { name: path }, concurrency, programs: [{ name, module, code, settings }] }.
// `code` is the body of an async function of (__h, FLAGS) (bench/hostgen/render.py writes it); it
// runs once per flag setting, each time with a fresh instance (so a fresh memory) of the
// precompiled module and fresh program state. One JSON line per program on stdout:
// { name, sites: { id: [ran, detached] }, errors: [message] }.
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'

const RUN_TIMEOUT_MS = 20000
const AsyncFunction = (async () => {}).constructor

const batch = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const modules = Object.fromEntries(
  Object.entries(batch.modules).map(([name, path]) => [name, new WebAssembly.Module(readFileSync(path))]))

// Memories here never have zero length, so a buffer of length 0 is a detached one (Node 20 has
// no ArrayBuffer.prototype.detached). Views: their buffer's length, not their own (a DataView's
// byteLength getter throws once detached).
function isDetached(value) {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value
  if (Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') {
    throw new TypeError(`a use site got ${Object.prototype.toString.call(value)}, not a view or buffer`)
  }
  return buffer.byteLength === 0
}

// A view of `shape` over a detached buffer: what a build over a detached buffer stands for (V8
// throws there; the instrumented copy goes on so that later sites are visited too).
function dead(shape) {
  const buffer = new ArrayBuffer(8)
  const view = shape === 'Buffer' ? Buffer.from(buffer) : shape === 'ArrayBuffer' ? buffer : new globalThis[shape](buffer)
  structuredClone(buffer, { transfer: [buffer] })
  return view
}

function recorder(module) {
  const sites = new Map()
  const note = (id, detached) => {
    const counts = sites.get(id) ?? [0, 0]
    counts[0] += 1
    counts[1] += detached ? 1 : 0
    sites.set(id, counts)
  }
  return {
    module,
    events: { EventEmitter },
    sites,
    ran(id) { note(id, false); return true },
    at(id, subject, use) {
      const detached = isDetached(subject)
      note(id, detached)
      if (!detached) use(subject)
    },
    make(id, shape, build, buffer, ...rest) {
      const detached = isDetached(buffer)
      note(id, detached)
      return detached ? dead(shape) : build(buffer, ...rest)
    },
  }
}

function withTimeout(promise) {
  let timer
  const timeout = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error('timed out')), RUN_TIMEOUT_MS) })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function runProgram(program) {
  const totals = {}
  const errors = []
  let body
  try {
    body = new AsyncFunction('__h', 'FLAGS', program.code)
  } catch (error) {
    return { name: program.name, sites: totals, errors: [`does not compile: ${error}`] }
  }
  for (const flags of program.settings) {
    const h = recorder(modules[program.module])
    try {
      await withTimeout(body(h, flags))
    } catch (error) {
      errors.push(`${JSON.stringify(flags)}: ${error && error.stack ? error.stack.split('\n').slice(0, 2).join(' ') : error}`)
    }
    for (const [id, [ran, detached]] of h.sites) {
      const counts = totals[id] ?? [0, 0]
      counts[0] += ran
      counts[1] += detached
      totals[id] = counts
    }
  }
  return { name: program.name, sites: totals, errors }
}

let stray = 0
process.on('unhandledRejection', (error) => { stray += 1; process.stderr.write(`unhandled rejection: ${error}\n`) })

const queue = [...batch.programs]
async function worker() {
  for (let program = queue.shift(); program; program = queue.shift()) {
    process.stdout.write(JSON.stringify(await runProgram(program)) + '\n')
  }
}
await Promise.all(Array.from({ length: Math.max(1, batch.concurrency ?? 8) }, worker))
if (stray) process.exitCode = 3
