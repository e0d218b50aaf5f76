"""Scenario files: the host-side exchange (calls, writes, reads, expectations) to replay on a guest."""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeGuard

from wasmlint.reading import CONFIG_LIMIT, read_regular_text, reason
from wasmlint.tomlfiles import parse_toml
from wasmlint.runtime.result import StepRecord

TOP_KEYS = {"description", "memory", "expect-growth", "steps"}
COMMON_KEYS = {"call", "write", "read", "note"}
KIND_KEYS = {
    "call": {"args", "save", "expect", "expect-growth", "expect-trap", "repeat"},
    "write": {"string", "bytes", "hex"},
    "read": {"length", "expect-string", "expect-bytes", "expect-hex"},
}
REFERENCE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_-]*)(?:([+-])(\d+))?$")

Number = int | float
Operand = int | float | str  # a literal, or "$saved" / "$saved+N"

# The integers a parameter of each type takes: its signed and its unsigned spelling (-1 and
# 0xFFFFFFFF are the same i32). A memory address is an i32 (memory64 is not run).
INTEGER_RANGES = {"i32": (-(1 << 31), 1 << 32), "i64": (-(1 << 63), 1 << 64)}


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file and the key or step."""


@dataclass(frozen=True)
class Step:
    index: int
    kind: str  # "call" | "write" | "read"
    export: str | None = None
    args: tuple[Operand, ...] = ()
    save: str | None = None
    pointer: Operand | None = None
    data: bytes | None = None  # bytes to write, or bytes a read expects
    is_text: bool = False  # `data` came from a string: show it as one
    length: int | None = None
    expect_result: Number | None = None
    expect_growth: bool | None = None
    expect_trap: bool | str | None = None  # True: any trap; a string: a trap whose text holds it
    repeat: int = 1
    note: str | None = None

    def label(self) -> str:
        target = self.export if self.kind == "call" else self.pointer
        return f"steps[{self.index}] ({self.kind} {target})"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["args"] = list(self.args)
        data["data"] = None if self.data is None else self.data.hex()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        values = dict(data)
        if values.get("data") is not None:
            values["data"] = bytes.fromhex(values["data"])
        values["args"] = tuple(values.get("args", ()))
        return cls(**values)


@dataclass(frozen=True)
class Scenario:
    path: str
    steps: tuple[Step, ...]
    description: str | None = None
    memory: str | None = None  # export name of the memory to watch; default: the first one
    expect_growth: bool | None = None  # for the whole scenario
    calls: tuple[str, ...] = field(default=())  # exports the steps call, in order of first use

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "description": self.description,
            "memory": self.memory,
            "expect_growth": self.expect_growth,
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        steps = tuple(Step.from_dict(raw) for raw in data["steps"])
        return cls(
            path=data["path"],
            steps=steps,
            description=data.get("description"),
            memory=data.get("memory"),
            expect_growth=data.get("expect_growth"),
            calls=_calls(steps),
        )


def _calls(steps: tuple[Step, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(step.export for step in steps if step.kind == "call" and step.export is not None))


def _is_number(value: object) -> TypeGuard[Number]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def argument_problem(value: Number, kind: str) -> str | None:
    """Why a number cannot be passed as a parameter of a Wasm value type, or None. Integer types
    take integers in their range (an integral float such as `1e3` too); float types take any
    number, NaN and the infinities included, that a double can hold."""
    if kind in ("f32", "f64"):
        try:
            float(value)
        except OverflowError:
            return f"{value} is too large for an {kind}"
        return None
    if kind not in INTEGER_RANGES:
        return f"a scenario cannot pass a value of type {kind}"
    if isinstance(value, float) and not value.is_integer():  # NaN and the infinities are not integers either
        return f"{value!r} is not an integer, as an {kind} parameter needs"
    low, high = INTEGER_RANGES[kind]
    if not low <= value < high:
        shown = value if isinstance(value, float) or abs(value) < 1 << 64 else f"an integer of {len(hex(value)) - 2} hex digits"
        return f"{shown} does not fit an {kind} ({low} to {high - 1})"
    return None


def _number_problem(value: Number) -> str | None:
    """Why no Wasm value holds this number (an integer beyond 64 bits), or None."""
    if isinstance(value, int) and not INTEGER_RANGES["i64"][0] <= value < INTEGER_RANGES["i64"][1]:
        return f"an integer of {len(hex(value)) - 2} hex digits fits no Wasm value (at most 64 bits)"
    return None


def _operand(value: object, where: str, key: str, saved: set[str], kind: str | None = None) -> Operand:
    """A literal number (one that fits the value type `kind`, when known) or a `$saved` reference."""
    if _is_number(value):
        problem = argument_problem(value, kind) if kind is not None else _number_problem(value)
        if problem is not None:
            raise ScenarioError(f"{where}: `{key}`: {problem}")
        return value
    if isinstance(value, str):
        match = REFERENCE.match(value)
        if not match:
            raise ScenarioError(f"{where}: `{key}`: {value!r} is neither a number nor a `$saved` reference")
        if match.group(1) not in saved:
            raise ScenarioError(f"{where}: `{key}`: `${match.group(1)}` is not saved by an earlier call step")
        return value
    raise ScenarioError(f"{where}: `{key}` must be a number or a `$saved` reference")


def _payload(raw: dict, keys: tuple[str, str, str], where: str, *, required: bool) -> tuple[bytes | None, bool]:
    given = [key for key in keys if key in raw]
    if len(given) > 1:
        raise ScenarioError(f"{where}: give only one of {', '.join(f'`{k}`' for k in keys)}")
    if not given:
        if required:
            raise ScenarioError(f"{where}: needs one of {', '.join(f'`{k}`' for k in keys)}")
        return None, False
    key = given[0]
    value = raw[key]
    if key.endswith("string"):
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: `{key}` must be a string")
        return value.encode("utf-8"), True
    if key.endswith("bytes"):
        if not isinstance(value, list) or not all(isinstance(b, int) and 0 <= b <= 255 for b in value):
            raise ScenarioError(f"{where}: `{key}` must be a list of byte values 0..255")
        return bytes(value), False
    try:
        return bytes.fromhex(value), False
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: `{key}` must be a string of hex digits") from None


def _parse_step(raw: object, index: int, origin: str, saved: set[str]) -> Step:
    where = f"{origin}: steps[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where} must be a table ([[steps]])")
    kinds = [kind for kind in KIND_KEYS if kind in raw]
    if len(kinds) > 1:
        raise ScenarioError(f"{where}: needs exactly one of `call`, `write` or `read`, "
                            f"not {' and '.join(f'`{kind}`' for kind in kinds)}")
    if not kinds:
        # A misspelt `call` (`cal = "f"`) lands here: name the key rather than only what is missing.
        unknown = set(raw) - COMMON_KEYS - set().union(*KIND_KEYS.values())
        if unknown:
            raise ScenarioError(f"{where}: unknown key `{sorted(unknown)[0]}`; "
                                "a step needs exactly one of `call`, `write` or `read`")
        raise ScenarioError(f"{where}: needs exactly one of `call`, `write` or `read`")
    kind = kinds[0]
    unknown = set(raw) - COMMON_KEYS - KIND_KEYS[kind]
    if unknown:
        raise ScenarioError(f"{where}: unknown key `{sorted(unknown)[0]}` for a `{kind}` step")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise ScenarioError(f"{where}: `note` must be a string")
    if kind == "call":
        return _parse_call(raw, index, where, saved, note)
    pointer = _operand(raw[kind], where, kind, saved, kind="i32")  # an address
    if kind == "write":
        data, is_text = _payload(raw, ("string", "bytes", "hex"), where, required=True)
        return Step(index, "write", pointer=pointer, data=data, is_text=is_text, note=note)
    data, is_text = _payload(raw, ("expect-string", "expect-bytes", "expect-hex"), where, required=False)
    length = raw.get("length")
    if length is None:
        if data is None:
            raise ScenarioError(f"{where}: a read needs `length` or an expected value")
        length = len(data)
    elif not isinstance(length, int) or isinstance(length, bool) or not 0 <= length <= 1 << 32:
        raise ScenarioError(f"{where}: `length` must be an integer from 0 to 4 GiB (4294967296)")
    elif data is not None and length != len(data):
        raise ScenarioError(f"{where}: `length` {length} differs from the expected value's {len(data)} bytes")
    return Step(index, "read", pointer=pointer, data=data, is_text=is_text, length=length, note=note)


def _parse_call(raw: dict, index: int, where: str, saved: set[str], note: str | None) -> Step:
    export = raw["call"]
    if not isinstance(export, str) or not export:
        raise ScenarioError(f"{where}: `call` must be an export name")
    args = raw.get("args", [])
    if not isinstance(args, list):
        raise ScenarioError(f"{where}: `args` must be a list")
    operands = tuple(_operand(arg, where, f"args[{i}]", saved) for i, arg in enumerate(args))
    save = raw.get("save")
    if save is not None and (not isinstance(save, str) or not REFERENCE.match("$" + save) or "+" in save):
        raise ScenarioError(f"{where}: `save` must be a name (letters, digits, `_`, `-`)")
    expect = raw.get("expect")
    if expect is not None and not _is_number(expect):
        raise ScenarioError(f"{where}: `expect` must be a number (the call's result)")
    if expect is not None and (problem := _number_problem(expect)) is not None:
        raise ScenarioError(f"{where}: `expect`: {problem}")
    growth = raw.get("expect-growth")
    if growth is not None and not isinstance(growth, bool):
        raise ScenarioError(f"{where}: `expect-growth` must be true or false")
    trap = raw.get("expect-trap")
    if trap is not None and not isinstance(trap, (bool, str)):
        raise ScenarioError(f"{where}: `expect-trap` must be true, false or a piece of the trap message")
    repeat = raw.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= 10_000:
        raise ScenarioError(f"{where}: `repeat` must be an integer from 1 to 10000")
    if save:
        saved.add(save)
    return Step(index, "call", export=export, args=operands, save=save, expect_result=expect,
                expect_growth=growth, expect_trap=trap, repeat=repeat, note=note)


def parse_scenario(text: str, origin: str) -> Scenario:
    """Validate a scenario's TOML text; `origin` names it in error messages."""
    try:
        data = parse_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{origin}: invalid TOML: {exc}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise ScenarioError(f"{origin}: unknown key `{sorted(unknown)[0]}`")
    for key in ("description", "memory"):
        if key in data and not isinstance(data[key], str):
            raise ScenarioError(f"{origin}: `{key}` must be a string")
    growth = data.get("expect-growth")
    if growth is not None and not isinstance(growth, bool):
        raise ScenarioError(f"{origin}: `expect-growth` must be true or false")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(f"{origin}: `steps` must be a non-empty array of tables ([[steps]])")
    saved: set[str] = set()
    steps = tuple(_parse_step(raw, i, origin, saved) for i, raw in enumerate(raw_steps))
    return Scenario(
        path=origin,
        steps=steps,
        description=data.get("description"),
        memory=data.get("memory"),
        expect_growth=growth,
        calls=_calls(steps),
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; raises ScenarioError naming the file and the key or step."""
    path = Path(path)
    try:
        text = read_regular_text(path, CONFIG_LIMIT)
    except OSError as exc:
        raise ScenarioError(f"{path}: {reason(exc)}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    return parse_scenario(text, path.as_posix())


def _trap_expected(step: Step, trap: str | None) -> str | None:
    """The failure text when the trap (or its absence) disagrees with `expect-trap`, else None."""
    wanted = step.expect_trap
    if trap is None:
        return "expected a trap, the call returned" if wanted else None
    if wanted in (None, False):
        return f"trapped: {trap}"
    if isinstance(wanted, str) and wanted.lower() not in trap.lower():
        return f"trapped with {trap!r}, expected a trap mentioning {wanted!r}"
    return None


def call_problem(step: Step, record: StepRecord) -> str | None:
    """What a call's record says against its step's expectations (a trap, growth, result), or None."""
    problem = _trap_expected(step, record.trap)
    if problem or record.trap is not None:
        return problem
    if step.expect_growth is not None and record.grew != step.expect_growth:
        return (f"expect-growth = {str(step.expect_growth).lower()}, but memory went "
                f"{record.pages_before} -> {record.pages_after} pages")
    if step.expect_result is not None:
        got = record.result[0] if record.result else None
        if got != step.expect_result:
            return f"expected result {step.expect_result}, got {got}"
    return None
