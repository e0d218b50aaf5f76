"""Layer 1: find allocating constructs on the paths exported functions run, from the Rust source."""

from wasmlint.source.analyze import ExportSite, SourceResult, analyze_crate, construct_label, finding_key
from wasmlint.source.scan import validate_queries

__all__ = ["ExportSite", "SourceResult", "analyze_crate", "construct_label", "finding_key", "validate_queries"]
