"""The sandbox budget every guest run gets: fuel, wall-clock, memory, stack and worker timeout."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

COMPILERS = ("auto", "cranelift", "winch")


@dataclass(frozen=True)
class Limits:
    # About one second of compiled guest code; enough for any sensible export call.
    fuel_per_call: int = 1_000_000_000
    # Wall-clock per call (and per start function), enforced with wasmtime's epoch deadline.
    seconds_per_call: float = 5.0
    # Linear memory plus tables a store may hold; `memory.grow` past it returns -1.
    memory_bytes: int = 512 * 1024 * 1024
    # Wasm stack per call: wasmtime's own default, so deep but finite recursion traps cleanly.
    max_wasm_stack: int = 512 * 1024
    # The parent kills the worker process after this long, whatever it is doing.
    worker_timeout: float = 120.0
    # "auto" compiles modules with a code section of at least `winch_threshold` bytes with Winch.
    compiler: str = "auto"
    winch_threshold: int = 1024 * 1024
    # Wasmtime's on-disk code cache under the user's cache directory.
    cache: bool = True

    def __post_init__(self) -> None:
        if self.compiler not in COMPILERS:
            raise ValueError(f"compiler must be one of {', '.join(COMPILERS)}, not {self.compiler!r}")
        for name in ("fuel_per_call", "memory_bytes", "max_wasm_stack"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.seconds_per_call <= 0 or self.worker_timeout <= 0:
            raise ValueError("time limits must be positive")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Limits":
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
