#!/usr/bin/env bash
# The action's install step: wasmlint (with the runtime layer's wasmtime, for --confirm) from the
# action's own checkout, into a virtual environment under RUNNER_TEMP, so the job's Python and its
# packages are left as they were. WASMLINT_PYTHON: the interpreter to make it with (3.11 or newer).
set -euo pipefail
venv="$RUNNER_TEMP/wasmlint-venv"
"${WASMLINT_PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH[runtime]"
"$venv/bin/wasmlint" --version
