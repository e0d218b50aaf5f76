// The oracle: runs instrumented host programs in V8 and records, at every use site, how often it
// ran and how often the value it used was detached at that moment.
//
//   node oracle.mjs batch.json
//
// batch.json: { modules: { name: path }, concurrency, programs: [{ name, module, code, settings }] }.
// `code` is the body of an async function of (__h, FLAGS) (bench/hostgen/render.py writes it); it
// runs once per flag setting, each time with a fresh instance (so a fresh memory) of the
// precompiled module and fresh program state. Every use runs as the plain program would run it:
// where V8 throws (a build over a detached buffer, `dv.getInt32()` on a detached view), the
// exception ends that entry point's invocation, and the program's driver (in the plain program
// too) catches it, reports it (here: to the recorder) and goes on with the next invocation. One JSON line per program on stdout:
// { name, sites: { id: [ran, detached] }, aborts: [[[step, site, message]], ...], errors: [message] },
// with one list of aborted invocations per flag setting (step 0 is the top level, then the
// driver's calls in order; `site` is the use that threw, or null).
import { readFileSync } from 'node:fs'
import { EventEmitter } from 'node:events'

const RUN_TIMEOUT_MS = 20000
const AsyncFunction = (async () => {}).constructor

const batch = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const modules = Object.fromEntries(
  Object.entries(batch.modules).map(([name, path]) => [name, new WebAssembly.Module(readFileSync(path))]))

// Whether a use site's value is detached. Views: their buffer, not their own length (a DataView's
// byteLength getter throws once detached). Memories here never have zero length, so a buffer of
// length 0 is detached, unless it is a typed array's own empty one (`new Uint8Array(null, 8, 4)`:
// a build over a buffer never captured): only a detached buffer refuses to be sliced (Node 20 has
// no ArrayBuffer.prototype.detached).
function isDetached(value) {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value
  if (Object.prototype.toString.call(buffer) !== '[object ArrayBuffer]') {
    throw new TypeError(`a use site got ${Object.prototype.toString.call(value)}, not a view or buffer`)
  }
  if (buffer.byteLength !== 0) return false
  try {
    buffer.slice(0, 0)
    return false
  } catch {
    return true
  }
}

function recorder(module) {
  const sites = new Map()
  const aborts = []
  const thrownAt = new WeakMap()  // an exception -> the use site that threw it
  const note = (id, detached) => {
    const counts = sites.get(id) ?? [0, 0]
    counts[0] += 1
    counts[1] += detached ? 1 : 0
    sites.set(id, counts)
  }
  // Runs a use and remembers where it threw (the innermost site: uses do not nest, but the
  // exception may pass through other sites' frames on its way out).
  const attempt = (id, run) => {
    try {
      return run()
    } catch (error) {
      if (error !== null && typeof error === 'object' && !thrownAt.has(error)) thrownAt.set(error, id)
      throw error
    }
  }
  return {
    module,
    events: { EventEmitter },
    sites,
    aborts,
    ran(id) { note(id, false); return true },
    // A use of `subject`: recorded unless there is nothing there (`null` or `undefined`: a cell
    // whose making was cut short by an earlier exception), then run as the program runs it.
    at(id, subject, use) {
      if (subject !== null && subject !== undefined) note(id, isDetached(subject))
      attempt(id, () => use(subject))
    },
    // A build over `buffer`, after the program evaluated its arguments in its own order (recorded
    // unless the buffer is `null`: a cell an earlier exception left unfilled).
    make(id, build, buffer, ...rest) {
      if (buffer !== null && buffer !== undefined) note(id, isDetached(buffer))
      return attempt(id, () => build(buffer, ...rest))
    },
    // The driver caught an exception that ended invocation `step`.
    aborted(step, error) {
      const site = error !== null && typeof error === 'object' ? thrownAt.get(error) ?? null : null
      aborts.push([step, site, String(error)])
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
  const aborts = []
  const errors = []
  let body
  try {
    body = new AsyncFunction('__h', 'FLAGS', program.code)
  } catch (error) {
    return { name: program.name, sites: totals, aborts, errors: [`does not compile: ${error}`] }
  }
  for (const flags of program.settings) {
    const h = recorder(modules[program.module])
    try {
      await withTimeout(body(h, flags))
    } catch (error) {
      errors.push(`${JSON.stringify(flags)}: ${error && error.stack ? error.stack.split('\n').slice(0, 2).join(' ') : error}`)
    }
    aborts.push(h.aborts)
    for (const [id, [ran, detached]] of h.sites) {
      const counts = totals[id] ?? [0, 0]
      counts[0] += ran
      counts[1] += detached
      totals[id] = counts
    }
  }
  return { name: program.name, sites: totals, aborts, errors }
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
