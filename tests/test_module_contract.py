"""A module found in the project (a prebuilt `pkg/`, a published package's `.wasm`), not built from
one of its crates, is weighed by the project's hosts that load it, as a raw export is by the hosts
of its crate: every export's growth is `info` where each of those hosts makes its views after the
calls that may grow memory, and keeps its severity where one keeps a view across the call, where
no host loads the module, where a host could not be read whole, and with --strict.

The module is greeting-alloc's, built by the suite; `set_name` is its one export that grows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import guest_module, run_cli

# Views made after the call that may grow, in three shapes: at top level, in a class that makes a
# DataView per read, and in a helper in a subfolder loading the module by a URL.
FRESH_TOP_LEVEL = """\
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync('./greeting.wasm'))
const ex = instance.exports
const encoder = new TextEncoder()
const sal = encoder.encode('Ahoy'), name = encoder.encode('Testy')
new Uint8Array(ex.memory.buffer).set(sal, ex.get_salutation_ptr())
new Uint8Array(ex.memory.buffer).set(name, ex.get_name_ptr())
const len = ex.set_name(sal.length, name.length)
const ptr = ex.get_msg_ptr()
console.log(new TextDecoder().decode(new Uint8Array(ex.memory.buffer, ptr, len)))
"""

FRESH_CLASS = """\
export class Greeter {
  constructor(instance) { this.ex = instance.exports }
  bytes() { return new DataView(this.ex.memory.buffer) }
  greet(salLen, nameLen) {
    const len = this.ex.set_name(salLen, nameLen)
    const view = this.bytes()
    return view.getUint8(this.ex.get_msg_ptr()) + len
  }
}
const source = await fetch(new URL('../greeting.wasm', import.meta.url))
const { instance } = await WebAssembly.instantiateStreaming(source)
console.log(new Greeter(instance).greet(4, 5))
"""

# Keeps `mem8` across set_name: the view is stale where it is read.
KEEPS_VIEW = """\
import { readFileSync } from 'node:fs'
const { instance } = await WebAssembly.instantiate(readFileSync('./greeting.wasm'))
const ex = instance.exports
const mem8 = new Uint8Array(ex.memory.buffer)
mem8.set(new TextEncoder().encode('Ahoy'), ex.get_salutation_ptr())
const len = ex.set_name(4, 5)
const ptr = ex.get_msg_ptr()
console.log(new TextDecoder().decode(mem8.slice(ptr, ptr + len)))
"""


def _project(tmp_path: Path, hosts: dict[str, str]) -> Path:
    shutil.copy(guest_module("greeting-alloc"), tmp_path / "greeting.wasm")
    for name, text in hosts.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _growth(tmp_path: Path, *options: str) -> tuple[int, dict[str, dict]]:
    """Exit code, and the module's growth findings by export."""
    proc = run_cli("check", "--no-cache", "--format", "json", *options, ".", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    return proc.returncode, {f["symbol"]: f for f in findings
                             if f["rule_id"] == "export-reaches-memory-grow" and f["path"] == "greeting.wasm"}


def test_a_module_whose_hosts_all_make_fresh_views_has_its_growth_as_info(tmp_path):
    _project(tmp_path, {"main.mjs": FRESH_TOP_LEVEL, "lib/greeter.mjs": FRESH_CLASS})
    code, growth = _growth(tmp_path)
    assert set(growth) == {"set_name"}
    finding = growth["set_name"]
    assert finding["severity"] == "info"
    assert finding["message"].endswith("; safe with the hosts in this project (lib/greeter.mjs, main.mjs)")
    assert any("make over this module's memory.buffer is made after the calls that may grow it" in line
               for line in finding["evidence"]), finding["evidence"]
    assert code == 0  # nothing at or above the fail level is left

    # --strict, as for crates: the rule's own severity.
    _, strict = _growth(tmp_path, "--strict")
    assert strict["set_name"]["severity"] == "error"


def test_one_host_keeping_a_view_across_the_call_keeps_the_error(tmp_path):
    _project(tmp_path, {"main.mjs": FRESH_TOP_LEVEL, "keeps.mjs": KEEPS_VIEW})
    code, growth = _growth(tmp_path)
    assert growth["set_name"]["severity"] == "error" and "safe with" not in growth["set_name"]["message"]
    assert code == 1


def test_a_module_no_host_loads_keeps_the_error(tmp_path):
    # A host that loads another module does not vouch for this one.
    _project(tmp_path, {"other.mjs": FRESH_TOP_LEVEL.replace("./greeting.wasm", "./other.wasm")})
    _, growth = _growth(tmp_path)
    assert growth["set_name"]["severity"] == "error"


def test_a_host_not_read_whole_does_not_vouch(tmp_path):
    # The file's end does not parse: what it does there with the module's memory is unknown.
    _project(tmp_path, {"main.mjs": FRESH_TOP_LEVEL + "const broken = (\n"})
    _, growth = _growth(tmp_path)
    assert growth["set_name"]["severity"] == "error"
