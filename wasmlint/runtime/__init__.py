"""Layer 3: run a guest in wasmtime, watch its page count, and pinpoint the call path that grew memory."""

from wasmlint.runtime.cases import findings_for_wat
from wasmlint.runtime.client import run_module, show_progress
from wasmlint.runtime.limits import Limits
from wasmlint.runtime.report import (RuntimeEvidence, export_evidence, for_finding, growth_observation,
                                     render_run_text, runtime_findings, unchecked)
from wasmlint.runtime.result import ExportGrowth, Frame, RunResult, StepRecord
from wasmlint.runtime.scenario import Scenario, ScenarioError, Step, load_scenario, parse_scenario

__all__ = [
    "ExportGrowth",
    "Frame",
    "Limits",
    "RunResult",
    "RuntimeEvidence",
    "Scenario",
    "ScenarioError",
    "Step",
    "StepRecord",
    "export_evidence",
    "findings_for_wat",
    "for_finding",
    "growth_observation",
    "load_scenario",
    "parse_scenario",
    "render_run_text",
    "run_module",
    "runtime_findings",
    "show_progress",
    "unchecked",
]
