"""The host's import object: each import's JavaScript function, and which of them grow memory
(wasmlint/host/imports.py), on real parses of hosts written in the shapes toolchains and people use."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from conftest import npm_pack
from wasmlint.host.imports import growing_imports, import_bindings
from wasmlint.host.parsing import parse_host
from wasmlint.host.run import read_import


def _bindings(name: str, text: str):
    host = parse_host(name, text.encode())
    return host, import_bindings(host)


def _growing(name: str, text: str) -> dict[str, tuple[str, ...]]:
    host, bindings = _bindings(name, text)
    return {grow.key: grow.via for grow in growing_imports(host, bindings=bindings)}


def test_inline_import_object_maps_each_import_to_its_function():
    host, bindings = _bindings("host.mjs", """
        const memory = new WebAssembly.Memory({ initial: 1 });
        const { instance } = await WebAssembly.instantiate(bytes, {
          env: { memory, log: (p) => console.log(p), resize(n) { memory.grow(n); return 1; } },
        });
    """)
    assert [(b.module, b.name, b.function.type if b.function else None, b.line) for b in bindings] == [
        ("env", "memory", None, 4), ("env", "log", "arrow_function", 4), ("env", "resize", "method_definition", 4)]
    assert {g.key: g.via for g in growing_imports(host, bindings=bindings)} == {"env.resize": ("env.resize", "memory.grow()")}


def test_emscripten_shape_function_returning_the_object_passed_down_through_parameters():
    # Emscripten's glue: a table of imports, `getWasmImports()` naming it for two modules, handed
    # through two functions' parameters to instantiate; the resize handler calls a helper that grows.
    found = _growing("glue.js", """
        var wasmMemory;
        var growMemory = (size) => { var b = wasmMemory.buffer; wasmMemory.grow((size - b.byteLength) / 65536); return 1; };
        var _emscripten_resize_heap = (requested) => { return growMemory(requested); };
        function _fd_write(fd, iov, n, out) { return 0; }
        function getWasmImports() { return { 'env': wasmImports, 'wasi_snapshot_preview1': wasmImports }; }
        async function instantiateArrayBuffer(binaryFile, imports) {
          var binary = await getBinary(binaryFile);
          return WebAssembly.instantiate(binary, imports);
        }
        async function instantiateAsync(binary, binaryFile, imports) { return instantiateArrayBuffer(binaryFile, imports); }
        async function createWasm() {
          var info = getWasmImports();
          var result = await instantiateAsync(null, "x.wasm", info);
          wasmMemory = result.instance.exports['memory'];
        }
        var wasmImports = { emscripten_resize_heap: _emscripten_resize_heap, fd_write: _fd_write };
    """)
    assert found == {
        "env.emscripten_resize_heap": ("_emscripten_resize_heap", "growMemory", "wasmMemory.grow()"),
        "wasi_snapshot_preview1.emscripten_resize_heap": ("_emscripten_resize_heap", "growMemory", "wasmMemory.grow()"),
    }


def test_minified_import_names_and_a_memory_known_only_as_an_export():
    # The same in a minified build: one-letter names reused in every scope, the memory and the
    # table both read from the exports by their minified names; only the export tells them apart.
    host, bindings = _bindings("min.js", """
        var Ka, Y, Z;
        var Xc = { a: (a) => { return a; }, o: a => { var b = 1; try { Ka.grow(a); return !0 } catch (h) {} return !1 },
                   t: a => { Y.grow(1); return 0 } };
        async function Wa(a, b) { var c = await fetch(a); return await WebAssembly.instantiate(c, b) }
        async function Xa(a) { return Wa("x.wasm", a) }
        (async function () { function a(c) { Z = c.exports; Ka = Z.M; Y = Z.O; return Z } var b = { a: Xc }; return a((await Xa(b)).instance) })();
    """)
    assert [(b.module, b.name) for b in bindings] == [("a", "a"), ("a", "o"), ("a", "t")]
    grows = {g.key: g.memory_export for g in growing_imports(host, bindings=bindings)}
    # Both grow "export M" and "export O": the module says which of them is its memory.
    assert grows == {"a.o": "M", "a.t": "O"}


def test_import_object_built_by_assignments_and_a_class_method():
    host, bindings = _bindings("host.js", """
        class Heap {
          constructor(memory) { this.memory = memory; }
          grow(bytes) { this.memory.grow(Math.ceil(bytes / 65536)); }
        }
        const mem = new WebAssembly.Memory({ initial: 2 });
        const heap = new Heap(mem);
        const imports = {};
        imports.env = { abort() { throw new Error("abort"); } };
        imports.env.heap_grow = (n) => heap.grow(n);
        imports.env.more = function more(n) { return mem.grow(n); };
        const instance = new WebAssembly.Instance(module, imports);
    """)
    assert sorted((b.module, b.name) for b in bindings) == [("env", "abort"), ("env", "heap_grow"), ("env", "more")]
    grows = {g.key: g.via for g in growing_imports(host, bindings=bindings)}
    # `heap.grow(n)` is a method call on an object: not followed by this index (the interpreter's
    # job); the plain function is.
    assert grows == {"env.more": ("more", "mem.grow()")}


def test_table_growth_and_unknown_receivers_are_not_memory_growth():
    assert _growing("host.js", """
        const table = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
        const buffers = [];
        WebAssembly.instantiate(bytes, { env: {
          add_slot() { return table.grow(1); },
          more(list) { list.grow(); },
          log(x) { console.log(x); },
        } });
    """) == {}


def test_an_import_implemented_in_an_imported_file(tmp_path):
    (tmp_path / "memory.mjs").write_text("""
        export let memory;
        export function setMemory(m) { memory = m; }
        export function getMemory() { return memory; }
        function grow(pages) { getMemory().grow(pages); return 1; }
        export function resize(bytes) { return grow(Math.ceil(bytes / 65536)); }
    """)
    (tmp_path / "host.mjs").write_text("""
        import { resize as resizeHeap, setMemory } from "./memory.mjs";
        const imports = { env: {} };
        imports.env.resize_heap = resizeHeap;
        const { instance } = await WebAssembly.instantiateStreaming(fetch("x.wasm"), imports);
        setMemory(instance.exports.memory);
    """)
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        host = parse_host("host.mjs", (tmp_path / "host.mjs").read_bytes())
        bindings = import_bindings(host, read_import)
        grows = growing_imports(host, read_import, bindings)
    finally:
        os.chdir(here)
    assert [(b.module, b.name, b.function_file) for b in bindings] == [("env", "resize_heap", "memory.mjs")]
    assert [(g.key, g.via, g.file, g.line) for g in grows] == [
        ("env.resize_heap", ("resize", "grow", "getMemory().grow()"), "memory.mjs", 5)]


def test_shorthand_properties_name_functions_and_deep_patterns_do_not_break_it():
    deep = "[" * 3000 + "a" + "]" * 3000
    host, bindings = _bindings("host.js", f"""
        function resize({deep}) {{ memory.grow(1); return 1; }}
        const memory = new WebAssembly.Memory({{ initial: 1 }});
        WebAssembly.instantiate(bytes, {{ env: {{ resize, memory }} }});
    """)
    assert [(b.module, b.name, b.function.type if b.function else None) for b in bindings] == [
        ("env", "resize", "function_declaration"), ("env", "memory", None)]
    assert [(g.key, g.via) for g in growing_imports(host, bindings=bindings)] == [("env.resize", ("resize", "memory.grow()"))]


def test_a_file_that_instantiates_nothing_has_no_bindings():
    assert _bindings("util.js", "export function grow(memory) { memory.grow(1); }")[1] == []


@pytest.mark.network
def test_sql_js_glue_debug_and_minified(tmp_path):
    """sql.js's real Emscripten glue: the readable build names `emscripten_resize_heap`, the
    minified one `a.o`, growing the export `M`, which its module exports as its memory."""
    (tarball,) = npm_pack(["sql.js@1.13.0"], tmp_path)
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path, filter="data")
    dist = tmp_path / "package" / "dist"
    debug = parse_host("sql-wasm-debug.js", (dist / "sql-wasm-debug.js").read_bytes())
    assert {g.key: g.via for g in growing_imports(debug)} == {
        "env.emscripten_resize_heap": ("_emscripten_resize_heap", "growMemory", "wasmMemory.grow()"),
        "wasi_snapshot_preview1.emscripten_resize_heap": ("_emscripten_resize_heap", "growMemory", "wasmMemory.grow()"),
    }
    minified = parse_host("sql-wasm.js", (dist / "sql-wasm.js").read_bytes())
    bindings = import_bindings(minified)
    # `a.*` for the module; `e.f` for the one-function module the glue builds to wrap a JS
    # function as a table entry (`new WebAssembly.Instance(b, {e: {f: a}})`).
    assert len([b for b in bindings if b.module == "a"]) >= 30 and {b.module for b in bindings} == {"a", "e"}
    assert [(g.key, g.memory_export) for g in growing_imports(minified, bindings=bindings)] == [("a.o", "M")]
    from wasmlint.module import analyze_module

    facts = analyze_module((dist / "sql-wasm.wasm").read_bytes())
    assert any("M" in memory.exported_as for memory in facts.memories)
