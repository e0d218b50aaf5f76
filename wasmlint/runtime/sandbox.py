"""Wasmtime engines and stores that hold untrusted guests to their fuel, time, memory and stack budget."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import wasmtime
from wasmtime import _ffi as ffi

from wasmlint.cache import user_cache_dir
from wasmlint.reading import CONFIG_LIMIT, read_regular
from wasmlint.runtime.limits import Limits

EPOCH_TICK = 0.01  # seconds between epoch increments: the granularity of the wall-clock limit
WINCH = 2  # wasmtime_strategy_t: 0 auto, 1 cranelift, 2 winch (not exposed by Config.strategy)
TABLE_ELEMENTS = 10_000_000


class CompileError(RuntimeError):
    """Wasmtime could not compile the module (invalid, or a proposal it does not support)."""


@dataclass
class Compiled:
    engine: wasmtime.Engine
    module: wasmtime.Module
    compiler: str  # "cranelift" or "winch"
    cache: bool
    notes: list[str]


def cache_dir() -> Path:
    """Wasmtime's code cache for wasmlint, under XDG_CACHE_HOME (never inside the source tree)."""
    return user_cache_dir() / "wasmtime"


def _enable_cache(config: wasmtime.Config) -> bool:
    directory = cache_dir()
    code = (directory / "code").as_posix()
    # Wasmtime 33+ rejects `enabled`; older releases require it.
    formats = (f'[cache]\ndirectory = "{code}"\n', f'[cache]\nenabled = true\ndirectory = "{code}"\n')
    try:
        (directory / "code").mkdir(parents=True, exist_ok=True)
    except OSError:
        return False  # a read-only home: run uncached rather than fail
    for index, text in enumerate(formats):
        settings = directory / f"config-{index}.toml"
        try:
            if _settings_text(settings) != text:
                # Written beside it and renamed over it: whatever stood there (a FIFO, a link)
                # is replaced, never opened.
                fresh = settings.with_name(f".{settings.name}.{os.getpid()}")
                fresh.write_text(text, encoding="utf-8")
                os.replace(fresh, settings)
            config.cache = str(settings)
            return True
        except (OSError, wasmtime.WasmtimeError):
            continue
    return False


def _settings_text(path: Path) -> str | None:
    """The settings file's text, or None when there is none or it is not a regular file."""
    try:
        return read_regular(path, CONFIG_LIMIT).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _config(limits: Limits, *, winch: bool, cache: bool) -> tuple[wasmtime.Config, bool]:
    config = wasmtime.Config()
    config.consume_fuel = True
    config.epoch_interruption = True
    config.max_wasm_stack = limits.max_wasm_stack
    if winch:
        ffi.wasmtime_config_strategy_set(config.ptr(), WINCH)
    cached = _enable_cache(config) if cache else False
    return config, cached


def compile_module(data: bytes, limits: Limits, *, code_size: int) -> Compiled:
    """Compile with Winch for large code when allowed, falling back to Cranelift; raises CompileError."""
    want_winch = limits.compiler == "winch" or (limits.compiler == "auto" and code_size >= limits.winch_threshold)
    notes: list[str] = []
    if want_winch:
        try:
            config, cached = _config(limits, winch=True, cache=limits.cache)
            engine = wasmtime.Engine(config)
            return Compiled(engine, wasmtime.Module(engine, data), "winch", cached, notes)
        except wasmtime.WasmtimeError as exc:
            notes.append(f"Winch could not compile the module ({_compile_message(str(exc))}); used Cranelift")
    config, cached = _config(limits, winch=False, cache=limits.cache)
    engine = wasmtime.Engine(config)
    try:
        module = wasmtime.Module(engine, data)
    except wasmtime.WasmtimeError as exc:
        raise CompileError(_compile_message(str(exc))) from None
    return Compiled(engine, module, "cranelift", cached, notes)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def _compile_message(text: str) -> str:
    # Wasmtime says "failed to parse WebAssembly module" first and the reason under "Caused by:".
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    cause = [line for line in lines[1:] if line != "Caused by:"]
    return f"{lines[0]}: {cause[-1]}" if lines and cause else _first_line(text)


class EpochTicker:
    """A daemon thread advancing the engine's epoch so that a running guest meets its deadline."""

    def __init__(self, engine: wasmtime.Engine) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="wasmlint-epoch", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(EPOCH_TICK):
            self._engine.increment_epoch()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def new_store(engine: wasmtime.Engine, limits: Limits) -> wasmtime.Store:
    """A store for exactly one instance, with the memory cap set and a budget for its start function."""
    store = wasmtime.Store(engine)
    store.set_limits(memory_size=limits.memory_bytes, instances=1, table_elements=TABLE_ELEMENTS)
    refill(store, limits)
    return store


def refill(store: wasmtime.Store, limits: Limits) -> None:
    """Give the next call its own fuel and deadline (a new store has none: even a start function traps)."""
    store.set_fuel(limits.fuel_per_call)
    store.set_epoch_deadline(max(1, round(limits.seconds_per_call / EPOCH_TICK)))


def limit_hit(error: Exception) -> str | None:
    """The sandbox limit that stopped a call or an instantiation (a Limits field, or
    `table_elements`), or None when the guest stopped by itself."""
    code = getattr(error, "trap_code", None) if isinstance(error, wasmtime.Trap) else None
    if code is wasmtime.TrapCode.OUT_OF_FUEL:
        return "fuel_per_call"
    if code is wasmtime.TrapCode.INTERRUPT:
        return "seconds_per_call"
    if code is wasmtime.TrapCode.STACK_OVERFLOW:
        return "max_wasm_stack"
    # The store's limits refuse an instance whose minimum sizes exceed them.
    text = str(error.message if isinstance(error, wasmtime.Trap) else error)
    if "exceeds memory limits" in text:
        return "memory_bytes"
    if "exceeds table limits" in text:
        return "table_elements"
    return None


def describe_trap(error: Exception, limits: Limits) -> str:
    """One line saying why a guest call stopped, naming the limit when a limit stopped it."""
    if isinstance(error, wasmtime.ExitTrap):
        return f"guest called proc_exit({error.code})"
    limit = limit_hit(error)
    if limit == "fuel_per_call":
        return f"out of fuel: stopped after {limits.fuel_per_call} units (fuel_per_call)"
    if limit == "seconds_per_call":
        return f"interrupted: ran longer than {limits.seconds_per_call:g} s (seconds_per_call)"
    if limit == "max_wasm_stack":
        return f"call stack exhausted: more than {limits.max_wasm_stack} bytes of wasm stack (max_wasm_stack)"
    text = str(error.message if isinstance(error, wasmtime.Trap) else error)
    causes = [line.strip() for line in text.splitlines() if line.strip().startswith("wasm trap:")]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if causes:
        line = causes[-1]
    elif lines and lines[-1] != "Caused by:" and "Caused by:" in lines:
        line = lines[-1]
    else:
        line = lines[0] if lines else type(error).__name__
    if limit == "memory_bytes":
        line += f" (memory_bytes: {limits.memory_bytes // 65536} pages allowed)"
    elif limit == "table_elements":
        line += f" (the sandbox allows {TABLE_ELEMENTS} table elements)"
    return line
