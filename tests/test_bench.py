"""The benchmark entry point stays runnable (its figures live in bench/README.md, not in tests)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO, guest_modules
from guest_builds import CURRENT_RUSTC


def test_python_m_bench_is_the_one_entry_point():
    result = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--only {source,module,runtime,host,hook,host-differential,source-vs-module,growth}" in result.stdout and "--runs" in result.stdout
    assert "--programs" in result.stdout and "--seed" in result.stdout and "--gate" in result.stdout


def test_source_vs_module_compares_each_exports_verdicts():
    # Two guests, and not today's figures (the source layer's rebuild is to change them): each
    # export's row, and the summary computed from the rows.
    guest_modules(CURRENT_RUSTC, [REPO / "guests/greeting-alloc"])  # a missing rustc skips, or fails in CI
    result = subprocess.run([sys.executable, "-m", "bench", "--only", "source-vs-module",
                             "--guests", "greeting-alloc", "dyn-callbacks"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    cells = [[cell.strip() for cell in line.strip().strip("|").split("|")]
             for line in result.stdout.splitlines() if line.startswith("| ") and not line.startswith("| guest ")]
    rows = {(row[0], row[1]): tuple(row[2:]) for row in cells if len(row) == 7}
    summary = {row[0]: row[1:] for row in cells if len(row) == 3}
    assert {export for guest, export in rows if guest == "greeting-alloc"} == {
        "`set_name`", "`get_msg_ptr`", "`get_name_ptr`", "`get_salutation_ptr`"}
    assert rows["greeting-alloc", "`set_name`"] == ("grows", "error", "yes", "error", "yes")  # the canonical bug
    assert rows["greeting-alloc", "`get_msg_ptr`"][0] == "never"
    # rustc 1.96 removes `apply_alloc`'s `String`, whose length alone is used.
    assert {export: verdicts[0] for (guest, export), verdicts in rows.items() if guest == "dyn-callbacks"} == {
        "`apply_alloc`": "never", "`apply_pure`": "never", "`call_host`": "grows", "`handle_alloc`": "grows",
        "`handle_pure`": "panic only"}
    for module, alone, alone_agrees, joined, joined_agrees in rows.values():
        for verdict, agrees in ((alone, alone_agrees), (joined, joined_agrees)):
            assert verdict in ("error", "warning", "info", "none")
            assert agrees == ("yes" if (module == "grows") == (verdict in ("error", "warning")) else "NO")
    assert summary["exports (guests): 9 (2); module: 3 grows, 1 panic only, 5 never"] == ["", ""]
    for view, column in (("alone", 3), ("joined", 5)):
        agreeing = sum(verdicts[column - 1] == "yes" for verdicts in rows.values())
        assert summary["agreement (flagged == grows)"][column // 2 - 1] == f"{agreeing / 9:.2f} ({agreeing}/9)", view
