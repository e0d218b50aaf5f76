"""Automatic stand-ins for a guest's imports: logged zero-returning functions, default globals, WASI."""

from __future__ import annotations

from collections import Counter

import wasmtime

WASI_PREVIEW1 = "wasi_snapshot_preview1"
AnyMemory = wasmtime.Memory | wasmtime.SharedMemory  # a memory an import or export can be


def _zero(kind: wasmtime.ValType) -> object:
    name = str(kind)
    if name in ("i32", "i64"):
        return 0
    if name in ("f32", "f64"):
        return 0.0
    return None  # a null reference


def _stub(module: str, name: str, ty: wasmtime.FuncType, calls: Counter, trap: bool):
    key = f"{module}::{name}"
    zeros = [_zero(kind) for kind in ty.results]

    def stub(*_args):
        calls[key] += 1
        if trap:
            raise wasmtime.Trap(f"imported function {key} was called (import stubs set to trap)")
        if not zeros:
            return None
        return zeros[0] if len(zeros) == 1 else zeros

    return stub


def _define_value(linker: wasmtime.Linker, store: wasmtime.Store, engine: wasmtime.Engine,
                  item: wasmtime.ImportType) -> AnyMemory | None:
    """Define a default global, table or memory for one import; return a created memory."""
    ty = item.type
    name = item.name or ""  # None only in the module-linking proposal, which wasmtime no longer has
    if isinstance(ty, wasmtime.GlobalType):
        linker.define(store, item.module, name, wasmtime.Global(store, ty, _zero(ty.content)))
    elif isinstance(ty, wasmtime.TableType):
        linker.define(store, item.module, name, wasmtime.Table(store, ty, None))
    elif isinstance(ty, wasmtime.MemoryType):
        memory = wasmtime.SharedMemory(engine, ty) if ty.is_shared else wasmtime.Memory(store, ty)
        linker.define(store, item.module, name, memory)
        return memory
    return None


def link_imports(engine: wasmtime.Engine, store: wasmtime.Store, module: wasmtime.Module,
                 calls: Counter, *, trap: bool = False) -> tuple[wasmtime.Linker, list[AnyMemory]]:
    """A linker satisfying every import of `module` in `store`; also returns memories it created."""
    linker = wasmtime.Linker(engine)
    memories: list[AnyMemory] = []
    imports = list(module.imports)
    if any(item.module == WASI_PREVIEW1 for item in imports):
        # No preopened directories, no environment, no arguments, no inherited stdio.
        store.set_wasi(wasmtime.WasiConfig())
        linker.define_wasi()
    seen: set[tuple[str, str]] = set()
    for item in imports:
        name = item.name or ""  # None only in the module-linking proposal, which wasmtime no longer has
        key = (item.module, name)
        if item.module == WASI_PREVIEW1 or key in seen:
            continue
        seen.add(key)
        try:
            if isinstance(item.type, wasmtime.FuncType):
                linker.define_func(item.module, name, item.type, _stub(item.module, name, item.type, calls, trap))
            else:
                memory = _define_value(linker, store, engine, item)
                if memory is not None:
                    memories.append(memory)
        except (wasmtime.WasmtimeError, TypeError, ValueError):
            # Left to the catch-all below (tags, exotic reference types).
            seen.discard(key)
    linker.define_unknown_imports_as_default_values(store, module)
    return linker, memories
