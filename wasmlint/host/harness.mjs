// The Node confirmation harness of wasmlint's host layer (driven by confirm.py): instantiate a module
// with stub imports, make a view over `memory.buffer`, call an export, and say whether the view
// detached. It runs no user JavaScript. Everything arrives on stdin as data: one line of JSON (the
// request), then the module's bytes; so the process needs no file access at all. One JSON line per
// event goes to stdout, written synchronously (stdout is a pipe), so that a killed process has
// still reported every export it finished.
import { readFileSync, writeSync } from "node:fs";

const PAGE = 65536;
const VIEWS = new Set([
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
  "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array",
  "DataView", "ArrayBuffer", "Buffer",
]);
// Value types as the JS API spells them (the decoder writes funcref / `(ref null func)`).
const JS_TYPES = {
  "i32": "i32", "i64": "i64", "f32": "f32", "f64": "f64", "funcref": "anyfunc",
  "(ref null func)": "anyfunc", "externref": "externref", "(ref null extern)": "externref",
};

function emit(event) {
  writeSync(1, JSON.stringify(event) + "\n");
}

function describe(error) {
  if (error instanceof WebAssembly.Exception) return "an uncaught WebAssembly exception";
  try {
    return `${error.name}: ${error.message}`;
  } catch {
    return "an error that cannot be described";
  }
}

function zero(type) {
  if (type === "i64") return 0n;
  if (type === "i32" || type === "f32" || type === "f64") return 0;
  if (type === "v128") throw new TypeError("an imported function cannot return v128 to JavaScript");
  return null; // a null reference
}

function jsType(type, what) {
  const name = JS_TYPES[type];
  if (name === undefined) throw new TypeError(`${what} has type ${type}, which JavaScript cannot create`);
  return name;
}

// What the harness does for an import through which the host grows memory (Emscripten's
// `emscripten_resize_heap`, as the host's own JavaScript implements it): grow the watched memory to
// the size asked for (a byte count above the current size), else by one page; 1 when it grew, as
// Emscripten's handler returns. No host code runs: this is the harness's own stand-in.
function resizeStandIn(target) {
  return (requested) => {
    const memory = target.memory;
    if (!memory) return 0;
    const bytes = memory.buffer.byteLength;
    const wanted = typeof requested === "number" && requested > bytes ? Math.ceil((requested - bytes) / PAGE) : 1;
    try {
      memory.grow(wanted);
      return 1;
    } catch {
      return 0;
    }
  };
}

// The stand-ins for the module's imports, made anew for every instance. Returns the import object
// and the memories it created (a module that imports its memory is viewed through ours).
// `growing`: the "module.name" of imports the host grows memory in; `target.memory` is the memory
// they grow, set once the instance exists.
function stubImports(imports, maxPages, allowed, growing = [], target = {}) {
  const object = Object.create(null);
  const memories = [];
  for (const item of imports) {
    const what = `import ${JSON.stringify(item.module)} ${JSON.stringify(item.name)}`;
    let value;
    if (item.kind === "func" && growing.includes(`${item.module}.${item.name}`)) {
      value = resizeStandIn(target);
    } else if (item.kind === "func") {
      const zeros = () => item.results.map(zero);
      value = item.results.length > 1 ? () => zeros() : () => (item.results.length ? zeros()[0] : undefined);
    } else if (item.kind === "memory") {
      if (item.memory64) throw new TypeError(`${what} is a 64-bit memory, which this Node cannot create`);
      if (item.min > maxPages) {
        throw new RangeError(`${what} needs ${item.min} pages, more than ${allowed}`);
      }
      // Our maximum may be lower than the declared one (an import may promise less): it keeps
      // growth within memory_mb, and a shared memory reserves its maximum up front.
      const maximum = Math.min(item.max ?? maxPages, maxPages);
      value = new WebAssembly.Memory({ initial: item.min, maximum, shared: item.shared });
      memories.push(value);
    } else if (item.kind === "table") {
      const descriptor = { element: jsType(item.type, what), initial: item.min };
      if (item.max !== null) descriptor.maximum = item.max;
      value = new WebAssembly.Table(descriptor);
    } else if (item.kind === "global") {
      const type = jsType(item.type, what);
      value = new WebAssembly.Global({ value: type, mutable: item.mutable }, zero(type));
    } else if (item.kind === "tag") {
      value = new WebAssembly.Tag({ parameters: item.params.map((type) => jsType(type, what)) });
    } else {
      throw new TypeError(`${what} is a ${item.kind}, which this harness cannot provide`);
    }
    // Names are arbitrary strings (`__proto__` too): define own properties, never assign.
    if (!Object.hasOwn(object, item.module)) {
      Object.defineProperty(object, item.module, { value: Object.create(null), enumerable: true });
    }
    if (!Object.hasOwn(object[item.module], item.name)) {
      Object.defineProperty(object[item.module], item.name, { value, enumerable: true });
    }
  }
  return { object, memories };
}

// The memory a host would view: the scenario's, else `memory`, else the first exported one, else
// the one we created for an import (as the runtime layer watches it).
function watchedMemory(module, instance, memoryName, created) {
  const names = WebAssembly.Module.exports(module).filter((e) => e.kind === "memory").map((e) => e.name);
  if (memoryName !== null) return names.includes(memoryName) ? instance.exports[memoryName] : undefined;
  if (names.includes("memory")) return instance.exports.memory;
  if (names.length) return instance.exports[names[0]];
  return created[0] ?? null;
}

function makeView(kind, buffer) {
  if (!VIEWS.has(kind)) throw new StepError(`${JSON.stringify(kind)} is not a view constructor`);
  if (kind === "ArrayBuffer") return buffer; // the host kept `memory.buffer` itself
  if (kind === "Buffer") return Buffer.from(buffer);
  if (kind === "DataView") return new DataView(buffer);
  const View = globalThis[kind];
  if (typeof View !== "function") throw new StepError(`this Node (${process.version}) has no ${kind}`);
  return new View(buffer);
}

function isDetached(view, bytesBefore) {
  const buffer = view instanceof DataView || ArrayBuffer.isView(view) ? view.buffer : view;
  if (typeof buffer.detached === "boolean") return buffer.detached;
  // Node 20 has no `ArrayBuffer.prototype.detached`; a detached buffer reads 0 bytes long (and a
  // SharedArrayBuffer never detaches: growth leaves the old one valid at its old length).
  return bytesBefore > 0 && buffer.byteLength === 0;
}

// Operands: {int: "decimal"} | {float: "text"} | {saved: name, delta: "decimal"}. Integers travel as
// text so that i64 values keep every bit.
function resolve(operand, saved) {
  if ("int" in operand) return BigInt(operand.int);
  if ("float" in operand) return Number(operand.float);
  if (!saved.has(operand.saved)) throw new StepError(`$${operand.saved} has no value (the call that saves it failed)`);
  const value = saved.get(operand.saved);
  return typeof value === "bigint" ? value + BigInt(operand.delta) : value + Number(operand.delta);
}

function toParam(value, type) {
  if (type === "f32" || type === "f64") return Number(value);
  const big = typeof value === "bigint" ? value : BigInt(Math.trunc(value));
  return type === "i64" ? BigInt.asIntN(64, big) : Number(BigInt.asIntN(32, big));
}

function shown(value) {
  return typeof value === "bigint" ? { int: value.toString() } : { float: String(value) };
}

// The first result, kept for `$saved` operands: integers as BigInt, floats as numbers.
function firstResult(result, types) {
  const value = types.length > 1 ? result[0] : result;
  if (types[0] === "i32") return BigInt(value);
  if (types[0] === "i64") return value;
  if (types[0] === "f32" || types[0] === "f64") return value;
  return undefined; // no result, or a reference
}

class StepError extends Error {}

function callText(record) {
  return `${record.export}(${record.args.map((arg) => arg.int ?? arg.float).join(", ")})`;
}

// A call that trapped has no verdict (the host saw an exception), but say what it did to the view.
function trapped(record) {
  if (!record.detached) return record.trap;
  return `${record.trap}; before the trap it grew memory ${record.pages_before} -> ${record.pages_after} pages and the view detached`;
}

// One export under test: fresh instances, the scenario's steps or the smoke calls, and the record
// of the call that detached the view (or of the first call, when none did).
class Run {
  constructor(module, request, spec) {
    this.module = module;
    this.request = request;
    this.spec = spec;
    this.saved = new Map();
    this.calls = 0;
    this.first = null; // the first call of the export that returned
  }

  fresh() {
    let imports;
    try {
      this.target = {};
      imports = stubImports(this.request.imports, this.request.max_pages, this.request.allowed,
                            this.request.growing ?? [], this.target);
      this.instance = new WebAssembly.Instance(this.module, imports.object);
    } catch (error) {
      throw new StepError(`the module could not be instantiated: ${describe(error)}`);
    }
    const { memory } = this.request;
    this.memory = watchedMemory(this.module, this.instance, memory, imports.memories);
    if (this.memory === undefined) throw new StepError(`the module exports no memory named ${JSON.stringify(memory)}`);
    if (this.memory === null) throw new StepError("the module has no memory to view");
    this.target.memory = this.memory;
  }

  pages() {
    return this.memory.buffer.byteLength / PAGE;
  }

  // A trap, and whether the memory cap may have caused it: `memory.grow` past the cap returns -1,
  // and Rust's allocator then traps. (The refused request itself is invisible from JavaScript, so
  // this is said once memory holds half of what the cap allows.)
  trapText(error) {
    const pages = this.pages();
    const cap = this.request.max_pages;
    const near = pages * 2 >= cap
      ? ` (memory is at ${pages} of ${this.request.allowed}: a refused memory.grow may have caused it)`
      : "";
    return describe(error) + near;
  }

  prepare(step, params) {
    const func = this.instance.exports[step.export];
    if (typeof func !== "function") throw new StepError(`the module has no exported function ${JSON.stringify(step.export)}`);
    const values = step.args.map((operand) => resolve(operand, this.saved));
    if (values.length !== params.length) {
      throw new StepError(`\`${step.export}\` takes ${params.length} arguments, the call gives ${values.length}`);
    }
    return { func, values, args: values.map((value, i) => toParam(value, params[i])) };
  }

  // One call of the export under test, with a fresh view made just before it.
  check(step) {
    const { func, values, args } = this.prepare(step, this.spec.params);
    const view = makeView(this.spec.view, this.memory.buffer);
    const bytes = this.memory.buffer.byteLength;
    const record = { export: step.export, args: values.map(shown), pages_before: bytes / PAGE, trap: null };
    this.calls += 1;
    try {
      record.result = func(...args);
    } catch (error) {
      record.trap = this.trapText(error);
    }
    record.pages_after = this.pages();
    record.detached = isDetached(view, bytes);
    if (record.trap === null) this.first ??= record;
    return record;
  }

  save(step, result, types) {
    if (step.save === null) return;
    const value = firstResult(result, types);
    if (value !== undefined) this.saved.set(step.save, value);
  }

  // A call of another export, replayed for its effect on memory and on saved values.
  replay(step) {
    const { func, args } = this.prepare(step, step.params);
    let result;
    try {
      result = func(...args);
    } catch (error) {
      if (!step.expect_trap) throw new StepError(`${step.label} trapped: ${this.trapText(error)}`);
      return this.fresh(); // as the runtime layer does: never reuse a trapped instance
    }
    this.save(step, result, step.results);
  }

  write(step) {
    let address = resolve(step.pointer, this.saved);
    address = typeof address === "bigint" ? address : BigInt(Math.trunc(address));
    if (address < 0n) address &= 0xFFFFFFFFn; // pointers come back as negative i32 values above 2 GiB
    const data = Buffer.from(step.hex, "hex");
    if (address + BigInt(data.length) > BigInt(this.memory.buffer.byteLength)) {
      throw new StepError(`${step.label}: ${data.length} bytes at 0x${address.toString(16)} lie outside memory`);
    }
    new Uint8Array(this.memory.buffer, Number(address), data.length).set(data);
  }

  // The scenario's steps in order, up to the last call of the export under test.
  scenario() {
    this.fresh();
    const last = this.request.steps.findLastIndex((step) => step.export === this.spec.export);
    for (const step of this.request.steps.slice(0, last + 1)) {
      if (step.hex !== undefined) {
        this.write(step);
        continue;
      }
      for (let i = 0; i < step.repeat; i++) {
        if (step.export !== this.spec.export) {
          this.replay(step);
          continue;
        }
        const record = this.check(step);
        if (record.trap === null) {
          if (record.detached) return record;
          this.save(step, record.result, this.spec.results);
        } else if (step.expect_trap) {
          this.fresh();
        } else {
          throw new StepError(`${step.label} trapped: ${trapped(record)}`);
        }
      }
    }
    return this.first;
  }

  // No scenario: each smoke argument set on a fresh instance, a first call and a steady-state call.
  // A trap on made-up arguments proves nothing; only when every call trapped is nothing known.
  smoke() {
    let failed = null;
    for (const args of this.spec.smoke) {
      this.fresh();
      const step = { export: this.spec.export, args };
      for (let call = 0; call < 2; call++) {
        const record = this.check(step);
        if (record.trap !== null) {
          failed ??= record;
          break;
        }
        if (record.detached) return record;
      }
    }
    if (this.first === null && failed !== null) {
      throw new StepError(`every smoke call trapped, the first, ${callText(failed)}, with ${trapped(failed)}`);
    }
    return this.first;
  }
}

function main() {
  const input = readFileSync(0);
  const newline = input.indexOf(10);
  const request = JSON.parse(input.subarray(0, newline).toString("utf8"));
  let module;
  try {
    module = new WebAssembly.Module(input.subarray(newline + 1));
  } catch (error) {
    emit({ event: "compile-error", message: describe(error) });
    return;
  }
  emit({ event: "compiled" });
  for (const spec of request.exports) {
    emit({ event: "begin", index: spec.index });
    const run = new Run(module, request, spec);
    let verdict;
    try {
      const record = spec.smoke ? run.smoke() : run.scenario();
      verdict = { record: record && { ...record, result: undefined }, calls: run.calls };
    } catch (error) {
      verdict = { error: error instanceof StepError ? error.message : describe(error), record: null, calls: run.calls };
    }
    // No explicit garbage collection between instances: V8 frees the memories of discarded ones
    // when a new one needs room (measured: three exports each growing 400 MiB, one after another,
    // all grew under a 1 GiB RLIMIT_DATA).
    emit({ event: "verdict", index: spec.index, ...verdict });
  }
  emit({ event: "done" });
}

main();
