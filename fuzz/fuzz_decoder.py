"""Fuzz the module decoder for a long run: mutate real modules, check every input, save the failures.

    .venv/bin/python fuzz/fuzz_decoder.py --inputs 100000 [--seed 1] [--seconds N]

A plain random loop with a fixed seed (so a run can be repeated exactly) over the mutators in
fuzz/mutators.py, which tests/test_fuzz_decoder.py also uses. Each input goes through the
`inspect` path (fuzz/target.py). A failure -- an exception other than DecodeError, the decoder's
catch-all firing, an offset outside the input, more than a second, a hang -- is minimized and
saved to fuzz/crashes/ with a note of how it was made.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import signal
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz import mutators, target  # noqa: E402

CRASHES = Path(__file__).resolve().parent / "crashes"
HANG_SECONDS = 10  # an input still running after this is stopped and reported as a hang
FULL_GUEST_SHARE = 0.02  # how often a guest with its debug info (5 MB) is the seed


class Hang(BaseException):
    """Raised by the watchdog timer; a BaseException so that the target's `except Exception` lets it through."""


def _on_alarm(signum, frame):
    raise Hang()


def checked(data: bytes) -> target.Outcome:
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        return target.inspect_bytes(data)
    except Hang:
        return target.Outcome("hang", float(HANG_SECONDS), f"still running after {HANG_SECONDS} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def signature(outcome: target.Outcome) -> str:
    """What makes two failures the same bug: the kind and the innermost frame (or the message's shape)."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', outcome.detail)
    if frames:
        where = f"{Path(frames[-1][0]).name}:{frames[-1][1]}"
    else:
        where = re.sub(r"0x[0-9a-f]+|\d+", "N", outcome.detail.splitlines()[0] if outcome.detail else "")
    return f"{outcome.kind}{' slow' if outcome.slow else ''} {where}"


def minimize(data: bytes, sig: str, budget: float = 60.0) -> bytes:
    """A smaller input with the same failure signature: cut chunks out, halving their size (ddmin-like)."""
    deadline = time.monotonic() + budget
    chunk = max(len(data) // 2, 1)
    while chunk >= 1 and time.monotonic() < deadline:
        i, shrunk = 0, False
        while i < len(data) and time.monotonic() < deadline:
            candidate = data[:i] + data[i + chunk:]
            if candidate and signature(checked(candidate)) == sig:
                data, shrunk = candidate, True
            else:
                i += chunk
        if not shrunk:
            chunk //= 2
    return data


def save(data: bytes, outcome: target.Outcome, note: str) -> Path:
    CRASHES.mkdir(exist_ok=True)
    stem = f"{outcome.kind}-{hashlib.sha1(data).hexdigest()[:12]}"
    (CRASHES / f"{stem}.wasm").write_bytes(data)
    (CRASHES / f"{stem}.txt").write_text(f"{note}\n{len(data)} bytes: {data[:64].hex()}\n\n{outcome.describe()}\n",
                                         encoding="utf-8")
    return CRASHES / f"{stem}.wasm"


def load_seeds() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(seeds, full guests): the guests the test suite builds (test_module_objdump.guest_modules),
    the WAT modules and the assembled module; the full guests keep their debug info."""
    sys.path.insert(0, str(mutators.REPO / "tests"))
    import pytest
    from test_module_objdump import guest_modules

    try:
        guests = guest_modules()
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        print(f"fuzz: no compiled guests ({exc}); fuzzing the small modules only", file=sys.stderr)
        guests = {}
    full = {f"{name} (full)": path.read_bytes() for name, path in sorted(guests.items())}
    return mutators.seed_modules(guests), full


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="how many inputs to try (default 100000)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long instead")
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed tries the same inputs")
    parser.add_argument("--no-minimize", action="store_true", help="save failures as found")
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, _on_alarm)
    seeds, full = load_seeds()
    for name, data in {**seeds, **full}.items():
        outcome = checked(data)
        if outcome.kind != target.OK:
            print(f"fuzz: seed {name} does not decode: {outcome.describe()}", file=sys.stderr)
            return 2
    donors = list(seeds.values())
    names, full_names = list(seeds), list(full)
    print(f"fuzz: {len(seeds)} seeds ({sum(map(len, seeds.values())) // 1024} KiB), {len(full)} full guests, "
          f"seed {args.seed}", file=sys.stderr)

    rnd = random.Random(args.seed)
    counts: Counter[str] = Counter()
    by_mutator: Counter[str] = Counter()
    failures: dict[str, tuple[int, Path]] = {}  # signature -> (how many, saved input)
    slowest = (0.0, "")
    start = last_report = time.monotonic()
    tried = 0
    while tried < args.inputs and (args.seconds is None or time.monotonic() - start < args.seconds):
        if full_names and rnd.random() < FULL_GUEST_SHARE:
            seed_name = rnd.choice(full_names)
            seed = full[seed_name]
        else:
            seed_name = rnd.choice(names)
            seed = seeds[seed_name]
        data, applied = mutators.mutate(seed, rnd, donors)
        outcome = checked(data)
        tried += 1
        counts[outcome.kind] += 1
        by_mutator.update(applied)
        if len(applied) > 1:
            by_mutator["chains of 2-3"] += 1
        if outcome.slow:
            counts["over 1 s"] += 1
        if outcome.seconds > slowest[0]:
            slowest = (outcome.seconds, f"{seed_name} {'+'.join(applied)}, {len(data)} bytes")
        if outcome.failed or outcome.kind == "hang":
            sig = signature(outcome)
            seen, path = failures.get(sig, (0, None))
            if path is None:
                note = f"input {tried} of seed {args.seed}: {seed_name} mutated by {'+'.join(applied)}; {sig}"
                small = data if args.no_minimize else minimize(data, sig)
                path = save(small, checked(small), note)
                print(f"fuzz: new failure {sig} -> {path} ({len(small)} bytes)", file=sys.stderr)
            failures[sig] = (seen + 1, path)
        now = time.monotonic()
        if now - last_report >= 30:
            last_report = now
            print(f"fuzz: {tried} inputs, {tried / (now - start):.0f}/s, {dict(counts)}", file=sys.stderr)

    elapsed = time.monotonic() - start
    print(f"inputs tried:   {tried}")
    print(f"time:           {elapsed:.0f} s ({tried / elapsed:.0f} inputs/s)")
    for kind in (target.OK, target.DECODE_ERROR, *target.FAILURES, "hang", "over 1 s"):
        print(f"{kind + ':':<15} {counts[kind]}")
    print(f"slowest input:  {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    print("mutators used:  " + ", ".join(f"{name} {count}" for name, count in by_mutator.most_common()))
    for sig, (seen, path) in failures.items():
        print(f"failure:        {sig}: {seen} inputs, saved {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
