#!/usr/bin/env bash
# Set up wasmlint from this clone in ./.venv (Python 3.11 or newer), with the wasm32 Rust toolchain
# that `--build` needs on Debian/Ubuntu.
#   scripts/setup.sh        wasmlint with its runtime layer (wasmtime, for --confirm) and, when it can
#                           be had, a wasm32 toolchain (scripts/setup-toolchain.sh)
#   scripts/setup.sh --dev  also what the test suite needs (pytest, jsonschema, pre-commit, wabt,
#                           Node.js/npm, git, Debian's wasm-bindgen sources, a current rustc beside
#                           Debian's: scripts/setup-modern-rust.sh) and an editable install of this
#                           checkout
# The venv is made even when no toolchain can be had: the source, host and module layers need none.
# The last lines say what will not work. Exit status: 0, or with --dev 1 when something the test
# suite needs is missing (CI must not pass without it; the venv is made all the same).
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
log() { printf 'setup: %s\n' "$*" >&2; }

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    log "wasmlint needs Python 3.11 or newer; python3 here is $(python3 --version 2>&1 || echo missing)"
    exit 1
fi

SUDO=()
[[ $(id -u) != 0 ]] && command -v sudo >/dev/null && SUDO=(sudo)
apt_updated=0
apt_install() {
    command -v apt-get >/dev/null || { log "no apt-get: install $* by hand"; return 1; }
    if [[ $apt_updated == 0 ]]; then
        "${SUDO[@]}" apt-get update -qq || return 1
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "$@" >/dev/null
}

missing_parts=()  # what could not be set up, with what it costs
bash scripts/setup-toolchain.sh \
    || missing_parts+=("a wasm32 Rust toolchain: \`wasmlint check --build\` will not work (the source, host and module layers, --wasm FILE and --confirm do)")

if [[ $dev == 1 ]]; then
    missing=()
    command -v wasm-objdump >/dev/null || missing+=(wabt)
    command -v npm >/dev/null || missing+=(nodejs npm)
    command -v git >/dev/null || missing+=(git)
    # wasm-bindgen 0.2.83 from Debian's Rust registry: the wasm-bindgen guests build offline with it
    compgen -G '/usr/share/cargo/registry/wasm-bindgen-0.2.*' >/dev/null || missing+=(librust-wasm-bindgen-dev)
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing ${missing[*]}"
        apt_install "${missing[@]}" || missing_parts+=("${missing[*]}: the tests that need them skip (fail with CI=true)")
    fi
    # The suite builds its guests with Debian's rustc 1.63 and with a current one.
    bash scripts/setup-modern-rust.sh \
        || missing_parts+=("a current rustc (scripts/setup-modern-rust.sh): its guest builds skip (fail with CI=true)")
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv 2>/dev/null || { apt_install python3-venv && python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip
if [[ $dev == 1 ]]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q '.[runtime]'
fi
log "ready: $(.venv/bin/wasmlint --version) in .venv"
for part in "${missing_parts[@]}"; do
    log "not set up: $part"
done
[[ $dev == 1 && ${#missing_parts[@]} -gt 0 ]] && exit 1
exit 0
