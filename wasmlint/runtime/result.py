"""What one guest run observed: per-step page counts, growth per export, pinpointed paths, failures."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Frame:
    name: str  # display name: demangled when the module names its functions, else `func[N]`
    func_index: int | None = None
    location: str | None = None  # `file:line:col` from DWARF, when the module carries it

    def display(self) -> str:
        return f"{self.name} ({self.location})" if self.location else self.name


@dataclass(frozen=True)
class StepRecord:
    kind: str  # "start" (instantiation), "call", "write" or "read"
    run: int  # which fresh instance: smoke mode uses one per export and argument set
    step: int | None = None  # scenario step index; None in smoke mode
    export: str | None = None
    args: tuple = ()
    result: tuple | None = None
    pages_before: int = 0
    pages_after: int = 0
    trap: str | None = None
    first_call: bool = False  # the first call of this export on this instance
    call_number: int = 0  # 1-based count of calls on this run, for replaying up to this one
    note: str | None = None  # e.g. an expectation that failed, the memory cap being reached
    limit: str | None = None  # the sandbox limit that stopped it (`fuel_per_call`, ...), if one did

    @property
    def grew(self) -> bool:
        return self.pages_after > self.pages_before

    def call_text(self) -> str:
        return f"{self.export}({', '.join(map(str, self.args))})"

    def to_dict(self) -> dict:
        # Shallow: asdict's deep copy costs more than a guest call, and every call is streamed.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["args"] = list(self.args)
        data["result"] = None if self.result is None else list(self.result)
        data["grew"] = self.grew
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "StepRecord":
        values = {key: value for key, value in data.items() if key != "grew"}
        values["args"] = tuple(values.get("args", ()))
        if values.get("result") is not None:
            values["result"] = tuple(values["result"])
        return cls(**values)


@dataclass(frozen=True)
class Resume:
    """Where a run goes on in a new worker after a call was cut (it blocked in a host function,
    which the epoch deadline cannot interrupt, or its worker died), and the calls not to make
    again. A cut call ends its instance, as a trap does. Smoke mode counts runs (one per export and
    argument set), a scenario counts calls."""

    records: tuple[StepRecord, ...] = ()  # what earlier workers recorded, the cut calls included
    failures: tuple[str, ...] = ()
    saved: tuple[tuple[str, int | float], ...] = ()  # a scenario's saved values so far
    cut: frozenset[int] = frozenset()  # runs (smoke) or call numbers (scenario) that were cut
    after: int = -1  # skip every run or call up to this one: earlier workers made them
    run: int = 0  # a scenario's next fresh instance

    def to_dict(self) -> dict:
        return {"records": [r.to_dict() for r in self.records], "failures": list(self.failures),
                "saved": [list(item) for item in self.saved], "cut": sorted(self.cut), "after": self.after,
                "run": self.run}

    @classmethod
    def from_dict(cls, data: dict) -> "Resume":
        return cls(tuple(StepRecord.from_dict(r) for r in data["records"]), tuple(data["failures"]),
                   tuple((name, value) for name, value in data["saved"]), frozenset(data["cut"]),
                   data["after"], data["run"])

    def replaying(self) -> "Resume":
        """What a replay from the start needs: only which calls to leave out."""
        return Resume(cut=self.cut)

    @property
    def start_blocked(self) -> bool:
        """Instantiating was cut: every instance would block again."""
        return any(record.kind == "start" for record in self.records)


@dataclass(frozen=True)
class ExportGrowth:
    """Growth of one export, first calls (on a fresh instance) apart from later calls."""

    export: str
    first_calls: int = 0
    first_calls_grew: int = 0
    later_calls: int = 0
    later_calls_grew: int = 0

    @property
    def grew(self) -> bool:
        return bool(self.first_calls_grew or self.later_calls_grew)


@dataclass
class RunResult:
    module: str
    mode: str = "smoke"  # "scenario" or "smoke" (no scenario: results are hints)
    scenario: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    growth: dict[str, ExportGrowth] = field(default_factory=dict)
    paths: dict[str, list[Frame]] = field(default_factory=dict)  # export -> frames, export first
    pinpoint_method: str | None = None  # "instrument" or "memory-limit"
    failures: list[str] = field(default_factory=list)  # scenario expectations that did not hold
    unsupported: str | None = None  # why wasmtime could not compile the module
    uncalled: dict[str, str] = field(default_factory=dict)  # smoke mode: export -> why it was not called
    imports_called: dict[str, int] = field(default_factory=dict)  # "module::name" -> calls
    error: str | None = None  # the run itself failed (worker crash, timeout, unreadable module)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: compile, instantiate, ...
    compiler: str | None = None  # "cranelift" or "winch"
    cache: bool = False  # wasmtime's on-disk code cache was enabled

    @property
    def grown_exports(self) -> list[str]:
        return [name for name, growth in self.growth.items() if growth.grew]

    def first_growth(self, export: str) -> StepRecord | None:
        return next((r for r in self.steps if r.kind == "call" and r.export == export and r.grew), None)

    def calls_of(self, export: str) -> list[StepRecord]:
        return [r for r in self.steps if r.kind == "call" and r.export == export]

    def to_dict(self) -> dict:
        return {
            "module": self.module,
            "mode": self.mode,
            "scenario": self.scenario,
            "steps": [record.to_dict() for record in self.steps],
            "growth": {name: asdict(growth) | {"grew": growth.grew} for name, growth in self.growth.items()},
            "paths": {name: [asdict(frame) for frame in frames] for name, frames in self.paths.items()},
            "pinpoint_method": self.pinpoint_method,
            "failures": list(self.failures),
            "unsupported": self.unsupported,
            "uncalled": dict(self.uncalled),
            "imports_called": dict(self.imports_called),
            "error": self.error,
            "notes": list(self.notes),
            "timings": dict(self.timings),
            "compiler": self.compiler,
            "cache": self.cache,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "RunResult":
        return cls(
            module=data["module"],
            mode=data.get("mode", "smoke"),
            scenario=data.get("scenario"),
            steps=[StepRecord.from_dict(raw) for raw in data.get("steps", [])],
            growth={
                name: ExportGrowth(**{k: v for k, v in raw.items() if k != "grew"})
                for name, raw in data.get("growth", {}).items()
            },
            paths={name: [Frame(**raw) for raw in frames] for name, frames in data.get("paths", {}).items()},
            pinpoint_method=data.get("pinpoint_method"),
            failures=list(data.get("failures", [])),
            unsupported=data.get("unsupported"),
            uncalled=dict(data.get("uncalled", {})),
            imports_called=dict(data.get("imports_called", {})),
            error=data.get("error"),
            notes=list(data.get("notes", [])),
            timings=dict(data.get("timings", {})),
            compiler=data.get("compiler"),
            cache=bool(data.get("cache", False)),
        )


def summarise_growth(records: list[StepRecord]) -> dict[str, ExportGrowth]:
    """Count, per export, first calls and later calls and how many of each grew memory."""
    counts: dict[str, list[int]] = {}
    for record in records:
        if record.kind != "call" or record.export is None:
            continue
        first, first_grew, later, later_grew = counts.setdefault(record.export, [0, 0, 0, 0])
        if record.first_call:
            counts[record.export][0:2] = [first + 1, first_grew + record.grew]
        else:
            counts[record.export][2:4] = [later + 1, later_grew + record.grew]
    return {name: ExportGrowth(name, *values) for name, values in counts.items()}
