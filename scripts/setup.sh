#!/usr/bin/env bash
# Set up wasmlint on a Debian/Ubuntu machine: a wasm32 Rust toolchain, then wasmlint in ./.venv.
#   scripts/setup.sh        what `wasmlint check --build --confirm` needs
#   scripts/setup.sh --dev  also what the test suite needs (pytest, jsonschema, pre-commit, wabt,
#                           Node.js/npm, git, Debian's wasm-bindgen sources, a current rustc beside
#                           Debian's: scripts/setup-modern-rust.sh) and an editable install of this
#                           checkout
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
log() { printf 'setup: %s\n' "$*" >&2; }

SUDO=()
[[ $(id -u) != 0 ]] && command -v sudo >/dev/null && SUDO=(sudo)
apt_updated=0
apt_install() {
    command -v apt-get >/dev/null || { log "no apt-get: install $* by hand"; return 1; }
    if [[ $apt_updated == 0 ]]; then
        "${SUDO[@]}" apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "$@" >/dev/null
}

bash scripts/setup-toolchain.sh

if [[ $dev == 1 ]]; then
    missing=()
    command -v wasm-objdump >/dev/null || missing+=(wabt)
    command -v npm >/dev/null || missing+=(nodejs npm)
    command -v git >/dev/null || missing+=(git)
    # wasm-bindgen 0.2.83 from Debian's Rust registry: the wasm-bindgen guests build offline with it
    compgen -G '/usr/share/cargo/registry/wasm-bindgen-0.2.*' >/dev/null || missing+=(librust-wasm-bindgen-dev)
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing ${missing[*]}"
        apt_install "${missing[@]}"
    fi
    # The suite builds its guests with Debian's rustc 1.63 and with a current one.
    bash scripts/setup-modern-rust.sh
fi

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv 2>/dev/null || { apt_install python3-venv && python3 -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip
if [[ $dev == 1 ]]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q .
fi
log "ready: $(.venv/bin/wasmlint --version) in .venv"
