"""What JavaScript and the Web APIs do with a buffer or view over Wasm memory, as data.

For each constructor and method: does it *view* the memory (a new view over the same buffer),
*copy* it out (the result is safe to keep, the call reads the memory now), *keep* it (the result
wraps the view: a later use of the result is a use of the view), or *consume* it now (reads it
during the call)? And which calls run a callback now (iteration) or later (an entry point)? The
interpreter asks these tables; it has no code path per API.
"""

from __future__ import annotations

from wasmlint.host.values import VIEW_TYPES

# `new K(buffer, offset, length)` views; `new K(view)` / `new K(array)` copies.
VIEWING_CONSTRUCTORS = VIEW_TYPES | frozenset({"Buffer"})

# Methods of a view. `subarray` views the same buffer; every other method reads or writes the
# memory now (a use); these return a copy, safe to keep.
VIEW_DERIVING_METHODS = frozenset({"subarray"})
# Node's Buffer#slice views the same memory too (unlike a typed array's).
BUFFER_VIEWING_METHODS = frozenset({"subarray", "slice"})
VIEW_COPYING_METHODS = frozenset({"slice", "map", "filter", "toReversed", "toSorted", "with"})
# Properties of a view that do not touch the memory: reading them is a test, not a use.
VIEW_PASSIVE_PROPERTIES = frozenset({"buffer", "byteLength", "length", "byteOffset", "BYTES_PER_ELEMENT",
                                     "constructor", "detached", "maxByteLength", "resizable"})
# Methods of a buffer: all read it now.
BUFFER_DERIVING_PROPERTIES = frozenset({"buffer"})

# Static functions that read the view they are given now (and return a copy or a plain value).
CONSUMING_FUNCTIONS = frozenset({
    "Array.from", "Array.of", "structuredClone", "Buffer.concat", "Buffer.compare", "String.fromCharCode",
    "JSON.stringify", "Object.values", "Object.entries", "btoa", "Uint8Array.from", "Atomics.load",
    "Atomics.store", "Buffer.byteLength",
})
# Methods, whatever the object, that read a view given as an argument now.
CONSUMING_METHODS = frozenset({
    "decode", "encodeInto", "putImageData", "bufferData", "bufferSubData", "texImage2D", "texSubImage2D",
    "texImage3D", "compressedTexImage2D", "uniform1fv", "uniform2fv", "uniform3fv", "uniform4fv",
    "uniformMatrix4fv", "postMessage", "digest", "encrypt", "decrypt", "sign", "verify", "importKey",
    "writeSync", "write", "writeFile", "writeFileSync", "appendFileSync", "send", "enqueue", "update",
    "set", "copyToChannel", "getRandomValues", "readSync", "read", "fill", "apply", "call", "push", "from",
})
# Constructors that keep the view they are given (a later use of the object is a use of the view).
KEEPING_CONSTRUCTORS = frozenset({"ImageData", "VideoFrame", "AudioData", "Response", "ReadableStream"})
# Constructors that copy the view now.
COPYING_CONSTRUCTORS = frozenset({"Blob", "File", "TextDecoder", "Set", "Array"})

# Methods that run the callback they are given now (once per element: twice, for the next turn).
ITERATING_METHODS = frozenset({"forEach", "map", "filter", "reduce", "reduceRight", "some", "every", "find",
                               "findIndex", "flatMap", "findLast", "findLastIndex", "sort", "replace",
                               "replaceAll", "call", "apply"})
# Calls that run the callback they are given later: an entry point of its own.
DEFERRING_FUNCTIONS = frozenset({"setTimeout", "setInterval", "setImmediate", "requestAnimationFrame",
                                 "queueMicrotask", "requestIdleCallback", "process.nextTick"})
DEFERRING_METHODS = frozenset({"then", "catch", "finally", "addEventListener", "on", "once", "addListener",
                               "prependListener", "subscribe", "setTimeout", "setInterval",
                               "requestAnimationFrame", "observe", "onmessage", "register"})
# Properties whose assigned function runs later (`worker.onmessage = fn`, AudioWorklet `process`).
HANDLER_PROPERTIES = frozenset({"onmessage", "onload", "onerror", "onclick", "oninput", "onchange",
                                "onresize", "onended", "onaudioprocess", "process"})

# Map, Set and array methods that store or hand out their elements.
STORING_METHODS = frozenset({"push", "unshift", "add", "set", "splice", "fill"})
ELEMENT_METHODS = frozenset({"get", "at", "pop", "shift", "values", "find", "findLast", "entries", "keys",
                             "slice", "concat", "flat", "reverse", "sort", "toSorted", "toReversed", "filter"})
CLEARING_METHODS = frozenset({"clear"})
COLLECTIONS = frozenset({"Map", "Set", "WeakMap", "WeakSet", "Array"})

# Conditions that test whether a view or buffer detached: the property read, and what it is
# compared with on the branch where the value is fresh.
DETACH_PROPERTIES = frozenset({"byteLength", "length", "detached"})
