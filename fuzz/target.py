"""What every fuzz input must satisfy: the `inspect` path returns facts or raises DecodeError with a
byte offset inside the input, and finishes within a second."""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass

from wasmlint.module import DecodeError, analyze_module, module_findings, render_inspect_text
from wasmlint.rules import builtin_rules

TIME_LIMIT = 1.0  # seconds per input; generous on purpose (a shared, noisy machine)
RULES = builtin_rules()

OK = "decoded"
DECODE_ERROR = "decode-error"
# Failures: the decoder's catch-all turned a stray IndexError (or the like) into a DecodeError, so a
# reader is missing a check; a DecodeError whose offset is not in the input; any other exception.
SAFETY_NET = "safety-net"
BAD_OFFSET = "bad-offset"
CRASH = "crash"
FAILURES = (SAFETY_NET, BAD_OFFSET, CRASH)


@dataclass(frozen=True)
class Outcome:
    kind: str
    seconds: float
    detail: str = ""  # the error message, or the traceback of a crash

    @property
    def slow(self) -> bool:
        return self.seconds > TIME_LIMIT

    @property
    def failed(self) -> bool:
        return self.kind in FAILURES or self.slow

    def describe(self) -> str:
        slow = f" (took {self.seconds:.2f} s)" if self.slow else ""
        return f"{self.kind}{slow}: {self.detail}"


def inspect_bytes(data: bytes) -> Outcome:
    """Run what `wasmlint inspect` and the module layer of `check` run on a module's bytes."""
    start = time.perf_counter()
    try:
        facts = analyze_module(data)
        render_inspect_text(facts, "fuzz.wasm")
        json.dumps(facts.to_dict())
        module_findings(facts, "fuzz.wasm", RULES)
    except DecodeError as exc:
        seconds = time.perf_counter() - start
        # decode_module's catch-all re-raises a stray IndexError (or the like) as "malformed module
        # (IndexError: ...)"; `from None` hides the original from tracebacks but keeps it here.
        cause = exc.__context__
        if exc.message.startswith("malformed module (") and cause is not None:
            detail = f"{exc} <- {type(cause).__name__}: {cause}\n" + "".join(traceback.format_exception(cause))
            return Outcome(SAFETY_NET, seconds, detail)
        if not isinstance(exc.offset, int) or not 0 <= exc.offset <= len(data) or "byte offset" not in str(exc):
            return Outcome(BAD_OFFSET, seconds, f"{exc!r} (input of {len(data)} bytes)")
        return Outcome(DECODE_ERROR, seconds, str(exc))
    except Exception as exc:  # noqa: BLE001 - any other exception is exactly what we look for
        return Outcome(CRASH, time.perf_counter() - start, "".join(traceback.format_exception(exc)))
    return Outcome(OK, time.perf_counter() - start)
