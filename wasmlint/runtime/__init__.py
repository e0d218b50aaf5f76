"""Layer 3: run a guest in wasmtime, watch its page count, and pinpoint the call path that grew memory."""

from wasmlint.runtime.cases import findings_for_wat
from wasmlint.runtime.client import run_module, show_progress
from wasmlint.runtime.limits import Limits
from wasmlint.runtime.report import (ExportEvidence, RuntimeEvidence, evidence_line, export_evidence,
                                     render_run_text, runtime_findings, unchecked)
from wasmlint.runtime.result import ExportGrowth, Frame, RunResult, StepRecord
from wasmlint.runtime.scenario import Scenario, ScenarioError, Step, load_scenario, parse_scenario

__all__ = [
    "ExportEvidence",
    "ExportGrowth",
    "Frame",
    "Limits",
    "RunResult",
    "RuntimeEvidence",
    "Scenario",
    "ScenarioError",
    "Step",
    "StepRecord",
    "evidence_line",
    "export_evidence",
    "findings_for_wat",
    "load_scenario",
    "parse_scenario",
    "render_run_text",
    "run_module",
    "runtime_findings",
    "show_progress",
    "unchecked",
]
