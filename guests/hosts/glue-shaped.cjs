// Bindings for the greeting module in the shape newer wasm-bindgen generates (nodejs target).
// node glue-shaped.cjs [greeting.wasm]
let imports = {};
let wasm;

let cachedUint8ArrayMemory0 = null;

function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

let cachedDataViewMemory0 = null;

function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

const cachedTextEncoder = new TextEncoder();

function passStringToWasm0(arg, ptr) {
    return cachedTextEncoder.encodeInto(arg, getUint8ArrayMemory0().subarray(ptr, ptr + 16)).written;
}

function getStringFromWasm0(ptr, len) {
    let result = '';
    for (let i = 0; i < len; i++) {
        result += String.fromCharCode(getDataViewMemory0().getUint8(ptr + i));
    }
    return result;
}

/**
 * @param {string} salutation
 * @param {string} name
 * @returns {string}
 */
module.exports.set_name = function(salutation, name) {
    const len0 = passStringToWasm0(salutation, wasm.get_salutation_ptr());
    const len1 = passStringToWasm0(name, wasm.get_name_ptr());
    const ret = wasm.set_name(len0, len1);
    return getStringFromWasm0(wasm.get_msg_ptr(), ret);
};

const path = process.argv[2] || require('path').join(__dirname, 'greeting_bg.wasm');
const bytes = require('fs').readFileSync(path);

const wasmModule = new WebAssembly.Module(bytes);
const wasmInstance = new WebAssembly.Instance(wasmModule, imports);
wasm = wasmInstance.exports;
module.exports.__wasm = wasm;

if (require.main === module) {
    console.log(module.exports.set_name('Ahoy there', 'Testy McTestface'));
    console.log(module.exports.set_name('Hello', 'Ferris'));
}
