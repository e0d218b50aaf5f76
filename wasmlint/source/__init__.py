"""Layer 1: find allocating constructs on the paths exported functions run, from the Rust source."""

from wasmlint.source.analyze import SourceResult, analyze_crate, construct_label
from wasmlint.source.scan import validate_queries

__all__ = ["SourceResult", "analyze_crate", "construct_label", "validate_queries"]
