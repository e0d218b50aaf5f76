"""Fuzzing the module decoder: the mutators and the checked property (used by tests/test_fuzz_decoder.py too)."""
