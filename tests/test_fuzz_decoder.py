"""Mutated real modules never crash or hang the decoder: each decodes, or raises DecodeError with a
byte offset inside the input, within a second.

The mutators (bit flips, truncation, section splicing, overlong LEB128s) are fuzz/mutators.py,
which the long-running fuzz/fuzz_decoder.py uses too; here hypothesis makes their random choices,
derandomized so that every run tries the same inputs. The seeds are the compiled guests (built by
rustc 1.63 and by the current rustc, tests/guest_builds.py), the WAT fixtures, the module rules'
cases, and a module assembled byte by byte whose every LEB128 a test can re-encode.
"""

from __future__ import annotations

import functools
import itertools

import pytest
import wasmtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import wasmlint_lines_run
from fuzz.mutators import (
    LEB_TARGETS,
    MUTATORS,
    WIDE_DIMENSIONS,
    Field,
    assembled_module,
    encode_leb,
    leb_fields,
    min_width,
    mutate,
    reencode,
    replace_field,
    seed_modules,
    wide_module,
)
from fuzz.target import BAD_OFFSET, CRASH, DECODE_ERROR, OK, SAFETY_NET, Outcome, inspect_bytes
from guest_builds import CURRENT_RUSTC
from wasmlint.module import analyze_module
from wasmlint.module.analysis import NAME_LIMIT
from wasmlint.module.demangle import demangle


def fuzz_settings(examples: int):
    # Fixed inputs (derandomize) and no example database: CI runs exactly what a developer runs.
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


ENGINE = wasmtime.Engine()


def valid_for_wasmtime(data: bytes) -> bool:
    try:
        wasmtime.Module.validate(ENGINE, data)
        return True
    except wasmtime.WasmtimeError:
        return False


def facts_without_offsets(data: bytes) -> dict:
    """What the module layer reports, less what moves when an encoding gets longer."""
    facts = analyze_module(data).to_dict()
    del facts["size"]
    for site in facts["grow_sites"]:
        del site["offset"]
    return facts


# Plain cached functions, not fixtures: hypothesis prints a failing test's arguments, and these
# are megabytes.
@functools.cache
def all_seeds() -> dict[str, bytes]:
    from conftest import guest_modules

    guests = guest_modules()
    assert len(guests) >= 8, f"expected the compiled guests, got {sorted(guests)}"
    # And as the current rustc builds them: other encodings (padded indices, bulk memory).
    guests.update({f"{name} ({CURRENT_RUSTC})": path for name, path in guest_modules(CURRENT_RUSTC).items()})
    return seed_modules(guests)


@functools.cache
def seed_facts(name: str) -> dict:
    return facts_without_offsets(all_seeds()[name])


def test_every_seed_decodes():
    for name, data in all_seeds().items():
        outcome = inspect_bytes(data)
        assert outcome.kind == OK, f"seed {name}: {outcome.describe()}"


def test_outcomes_catch_what_the_fuzzer_looks_for(monkeypatch):
    """The property can fail: escaped exceptions, the decoder's catch-all, offsets outside the
    input and slowness are all failures."""
    import fuzz.target
    import wasmlint.module.decoder as decoder

    assert not inspect_bytes(b"\0asm").failed  # a plain DecodeError is fine
    assert Outcome(OK, 1.5).failed  # over a second

    monkeypatch.setattr(decoder._Decoder, "_sec_type", lambda self, pos, end: [][0])
    assert inspect_bytes(assembled_module()).kind == SAFETY_NET
    monkeypatch.undo()

    def bad_offset(data):
        raise fuzz.target.DecodeError("somewhere", len(data) + 1)

    monkeypatch.setattr(fuzz.target, "analyze_module", bad_offset)
    assert inspect_bytes(assembled_module()).kind == BAD_OFFSET

    monkeypatch.setattr(fuzz.target, "analyze_module", lambda data: {}["missing"])
    outcome = inspect_bytes(assembled_module())
    assert outcome.kind == CRASH and "KeyError" in outcome.detail


# --- mutated real modules ------------------------------------------------------------------------

def draw_seed(data):
    """All seed modules, the name of one drawn from them, and a random source for the mutators."""
    seeds = all_seeds()
    name = data.draw(st.sampled_from(sorted(seeds)), label="seed")
    return seeds, name, data.draw(st.randoms(use_true_random=False), label="random")


@pytest.mark.parametrize("mutator", sorted(MUTATORS))
@fuzz_settings(150)
@given(data=st.data())
def test_mutated_modules_decode_or_raise_decode_error(mutator, data):
    seeds, name, rnd = draw_seed(data)
    mutated = MUTATORS[mutator](seeds[name], rnd, list(seeds.values()))
    outcome = inspect_bytes(mutated)
    assert not outcome.failed, f"{name} after {mutator}: {outcome.describe()}"


@fuzz_settings(150)
@given(data=st.data())
def test_chained_mutations_decode_or_raise_decode_error(data):
    seeds, name, rnd = draw_seed(data)
    mutated, applied = mutate(seeds[name], rnd, list(seeds.values()))
    outcome = inspect_bytes(mutated)
    assert not outcome.failed, f"{name} after {'+'.join(applied)}: {outcome.describe()}"


@fuzz_settings(100)
@given(data=st.data())
def test_padded_lebs_in_real_modules_change_no_fact(data):
    """A LEB128 padded to at most 5 bytes is still valid: the module means the same."""
    seeds, name, rnd = draw_seed(data)
    target = data.draw(st.sampled_from(LEB_TARGETS), label="target")
    fields = leb_fields(seeds[name], rnd, target)
    if not fields:
        return
    field = data.draw(st.sampled_from(fields), label="field")
    padded = replace_field(seeds[name], field, reencode(field, "padded", rnd))
    outcome = inspect_bytes(padded)
    assert outcome.kind == OK, f"{name}, {target} at {field.start:#x}: {outcome.describe()}"
    assert facts_without_offsets(padded) == seed_facts(name)


# --- every LEB128 of a small module, re-encoded -------------------------------------------------

def assembled_with(encode) -> bytes:
    """The assembled module with its n-th LEB128 (of value v) written as encode(n, v, signed)."""
    counter = itertools.count()
    return assembled_module(lambda value, where: encode(next(counter), value, False),
                            lambda value, where: encode(next(counter), value, True))


def _field_names() -> list[str]:
    names = []

    def record(value: int, where: str, signed: bool = False) -> bytes:
        names.append(where)
        return encode_leb(value, signed=signed)

    assembled_module(record, lambda value, where: record(value, where, True))
    return names


FIELDS = _field_names()
# The decoder checks these fields strictly. Name-section fields are read leniently (a broken
# custom section is ignored), and immediates whose value the call graph does not need are stepped
# over, not decoded.
STRICT = [n for n, where in enumerate(FIELDS) if not where.startswith(("name:", "skipped:"))]
# Limits are u64 in the binary format: a 32-bit memory's minimum may take ten bytes, and whether
# its value is in range is for validation (wasmtime), not for decoding (us).
LIMITS = [n for n, where in enumerate(FIELDS) if where in ("table min", "table max", "memory min")]
LENIENT = [n for n, where in enumerate(FIELDS) if n not in STRICT]
CANONICAL = assembled_module()


def test_the_assembled_module_is_valid_and_has_something_to_report():
    assert valid_for_wasmtime(CANONICAL)
    facts = analyze_module(CANONICAL)
    assert facts.export("entry").status == "grows" and facts.export("entry").host_growth_path
    assert len(FIELDS) > 50 and STRICT and LENIENT


@fuzz_settings(100)
@given(extra=st.lists(st.integers(0, 4), min_size=len(FIELDS), max_size=len(FIELDS)))
def test_padded_lebs_anywhere_change_no_fact(extra):
    padded = assembled_with(lambda n, value, signed: encode_leb(
        value, min(min_width(value, signed) + extra[n], 5), signed))
    assert valid_for_wasmtime(padded)  # the padding is legal: wasmtime agrees
    outcome = inspect_bytes(padded)
    assert outcome.kind == OK, outcome.describe()
    assert facts_without_offsets(padded) == facts_without_offsets(CANONICAL)


@fuzz_settings(100)
@given(field=st.sampled_from(STRICT), mode=st.sampled_from(["too long", "too large"]),
       rnd=st.randoms(use_true_random=False))
def test_overlong_lebs_in_checked_fields_are_decode_errors_unless_wasmtime_takes_them(field, mode, rnd):
    broken = assembled_with(lambda n, value, signed: reencode(Field(0, 0, value, signed), mode, rnd)
                            if n == field else encode_leb(value, signed=signed))
    outcome = inspect_bytes(broken)
    if valid_for_wasmtime(broken):
        assert field in LIMITS and mode == "too long", f"{FIELDS[field]} {mode}: wasmtime takes it"
        assert outcome.kind == OK, f"{FIELDS[field]} {mode}: {outcome.describe()}"
        assert facts_without_offsets(broken) == facts_without_offsets(CANONICAL)
    elif field in LIMITS:
        assert not outcome.failed, f"{FIELDS[field]} {mode}: {outcome.describe()}"
    else:
        assert outcome.kind == DECODE_ERROR, f"{FIELDS[field]} {mode}: {outcome.describe()}"


@fuzz_settings(50)
@given(field=st.sampled_from(LENIENT), mode=st.sampled_from(["too long", "too large"]),
       rnd=st.randoms(use_true_random=False))
def test_invalid_lebs_in_lenient_fields_change_no_fact(field, mode, rnd):
    broken = assembled_with(lambda n, value, signed: reencode(Field(0, 0, value, signed), mode, rnd)
                            if n == field else encode_leb(value, signed=signed))
    outcome = inspect_bytes(broken)
    assert not outcome.failed, f"{FIELDS[field]} {mode}: {outcome.describe()}"
    if outcome.kind == OK and not FIELDS[field].startswith("name:"):
        assert facts_without_offsets(broken) == facts_without_offsets(CANONICAL)


# --- modules large in one dimension --------------------------------------------------------------

def lines_run(data: bytes) -> int:
    """How many lines of wasmlint's own code the inspect path runs on `data`."""
    outcomes = []
    count = wasmlint_lines_run(lambda: outcomes.append(inspect_bytes(data)))
    assert outcomes[0].kind == OK, outcomes[0].describe()
    return count


@pytest.mark.parametrize("dimension", WIDE_DIMENSIONS)
def test_work_grows_linearly_with_any_one_dimension(dimension):
    """Sixteen times the memories (exports, grow sites, call chain...) may cost about sixteen times
    the work, not 256 times: a step quadratic in some count turns a 100 KB module into a hang.
    (Measured: 16-18 times; the bound leaves room for n log n, none for n squared.)"""
    assert valid_for_wasmtime(wide_module(dimension, 10))
    small, large = lines_run(wide_module(dimension, 100)), lines_run(wide_module(dimension, 1600))
    assert large < 32 * small, f"{dimension}: {small} lines run for 100, {large} for 1600"


# --- names from the name section are demangled: any text must do ---------------------------------

MANGLED = st.tuples(st.sampled_from(["_R", "_ZN", "__R", "_RNv", "_RINv"]),
                    st.text(alphabet="_0123456789abcdefsuvCMXYNIBELKApTSRQPOFGUDhjlmnotxyz$.", max_size=80))


@fuzz_settings(300)
@given(parts=MANGLED)
def test_demangle_returns_text_for_any_name(parts):
    name = "".join(parts)
    assert isinstance(demangle(name), str)


def test_a_name_that_backrefs_would_blow_up_is_shown_as_it_is():
    # A 50 KB v0 name whose 1000 backrefs each repeat the 50 KB identifier: 50 MB demangled.
    ident = "a" * 50_000
    name = f"_RIC{len(ident)}_{ident}" + "B0_" * 1000 + "E"
    assert demangle(name) == name


def test_display_names_are_cut_at_a_thousand_characters():
    facts = analyze_module(wide_module("long name", 100))  # a 5000-character name, 100 callers
    path = facts.export("e1").path
    assert path[0] == "e1" and path[1] == "g" * NAME_LIMIT + "... (4000 more characters)"
