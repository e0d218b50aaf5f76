// Bindings for the greeting module in the shape wasm-bindgen generates (web target), and a use.
// node glue-shaped.mjs [greeting.wasm]
import { readFile } from 'node:fs/promises';

let wasm;

let cachedUint8ArrayMemory0 = null;

function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

const cachedTextEncoder = new TextEncoder();

const cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

function passStringToWasm0(arg, ptr) {
    const buf = cachedTextEncoder.encode(arg);
    getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
    return buf.length;
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

/**
 * @param {string} salutation
 * @param {string} name
 * @returns {string}
 */
export function set_name(salutation, name) {
    const len0 = passStringToWasm0(salutation, wasm.get_salutation_ptr());
    const len1 = passStringToWasm0(name, wasm.get_name_ptr());
    const ret = wasm.set_name(len0, len1);
    if (ret < 0) {
        throw new Error('set_name failed');
    }
    return getStringFromWasm0(wasm.get_msg_ptr(), ret);
}

function __wbg_finalize_init(instance) {
    wasm = instance.exports;
    cachedUint8ArrayMemory0 = null;
    return wasm;
}

export default async function __wbg_init(module_or_path) {
    const { instance } = await WebAssembly.instantiate(await readFile(module_or_path), {});
    return __wbg_finalize_init(instance);
}

await __wbg_init(process.argv[2] ?? './greeting.wasm');
console.log(set_name('Ahoy there', 'Testy McTestface'));
console.log(set_name('Hello', 'Ferris'));
