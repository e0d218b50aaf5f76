// Preloaded (`node --require`) into the instrumented copies of the hosts in tests/data/hosts-issue21.
// It records, at every marked site, whether the value used there was detached at that moment, and
// writes the record to $ISSUE21_RECORD when the process ends: { "file:line": [visits, detached] }.
// It also stands in for the browser APIs the hosts use (ImageData, a canvas, requestAnimationFrame
// for a fixed number of frames, fetch of a file beside the host).
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const FRAMES = 4
const sites = {}

// Memories here never have zero length, so a buffer of length 0 is a detached one (Node 20 has no
// ArrayBuffer.prototype.detached). A view is judged by its buffer (a detached DataView's byteLength
// getter throws); an ImageData by its pixels.
function bufferOf(value) {
  if (value instanceof ImageData) return value.data.buffer
  if (ArrayBuffer.isView(value)) return value.buffer
  if (Object.prototype.toString.call(value) === '[object ArrayBuffer]') return value
  throw new TypeError(`a marked site got ${Object.prototype.toString.call(value)}, not a view, buffer or ImageData`)
}

function note(site, detached) {
  const counts = sites[site] ?? [0, 0]
  counts[0] += 1
  counts[1] += detached ? 1 : 0
  sites[site] = counts
}

// A live value of the same shape, so that the run goes on past a stale use (V8 would throw there,
// or read undefined) and reaches the sites after it.
function standIn(value) {
  if (value instanceof ImageData) return new ImageData(new Uint8ClampedArray(value.width * value.height * 4), value.width, value.height)
  if (value instanceof DataView) return new DataView(new ArrayBuffer(1 << 20))
  if (Buffer.isBuffer(value)) return Buffer.alloc(1 << 20)
  if (ArrayBuffer.isView(value)) return new value.constructor(1 << 18)
  return new ArrayBuffer(1 << 20)
}

// With $ISSUE21_AS_IS set, nothing stands in: a use that throws on a detached value throws as in V8,
// so the record shows which sites V8 reaches at all (a site after a throw on its path is never run).
const AS_IS = Boolean(process.env.ISSUE21_AS_IS)

// `__at(site, value)`: the value used at a site (returned as is when live).
globalThis.__at = (site, value) => {
  const detached = bufferOf(value).byteLength === 0
  note(site, detached)
  return detached && !AS_IS ? standIn(value) : value
}

// `__make(site, Kind, source, ...rest)`: `new Kind(source, ...rest)`, with the source judged when the
// build happens, after every argument was evaluated (as V8 does). Over a detached source V8 throws;
// the run goes on with a build over a live buffer of its own (later uses of it are not this site's).
globalThis.__make = (site, Kind, source, ...rest) => {
  const detached = bufferOf(source).byteLength === 0
  note(site, detached)
  return new Kind(detached && !AS_IS ? new ArrayBuffer(1 << 20) : source, ...rest)
}

class ImageData {
  constructor(data, width, height) {
    this.data = data
    this.width = width
    this.height = height
  }
}
globalThis.ImageData = ImageData

const context = {
  drawn: 0,
  putImageData(image) {
    // A browser copies the pixels out now; a detached image's pixels read as undefined here.
    if (image.data[0] !== undefined) this.drawn += 1
  },
}
globalThis.document = { getElementById: () => ({ width: 4, height: 4, getContext: () => context }) }

let frames = 0
globalThis.requestAnimationFrame = (callback) => {
  if (frames >= FRAMES) return 0
  frames += 1
  return setTimeout(() => callback(frames * 16), 1)
}

// fetch of a file beside the program, as a browser fetches it beside the page.
globalThis.fetch = async (url) => new Response(fs.readFileSync(path.resolve(String(url))),
  { headers: { 'content-type': 'application/wasm' } })

process.on('exit', () => {
  fs.writeFileSync(process.env.ISSUE21_RECORD, JSON.stringify(sites))
})
