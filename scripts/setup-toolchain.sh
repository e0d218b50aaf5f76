#!/usr/bin/env bash
# Make a Rust toolchain that can build wasm32-unknown-unknown cdylibs available on Debian/Ubuntu.
#
# Order: a toolchain that already works (nothing is installed then); rustup's wasm32 target;
# Debian's rustc, cargo and libstd-rust-dev-wasm32. Exits non-zero when none can compile a tiny
# cdylib to wasm32 afterwards. Prints the cargo/rustc pair that wasmlint will use.
set -euo pipefail

TARGET=wasm32-unknown-unknown
PACKAGES=(rustc cargo libstd-rust-dev-wasm32 lld wabt)

log() { printf 'setup-toolchain: %s\n' "$*" >&2; }

# The cargo/rustc pairs wasmlint tries, in the same order as wasmlint/toolchain.py.
candidates() {
    if [[ -n "${WASMLINT_CARGO:-}${WASMLINT_RUSTC:-}" ]]; then
        local cargo=${WASMLINT_CARGO:-$(dirname "$WASMLINT_RUSTC")/cargo}
        local rustc=${WASMLINT_RUSTC:-$(dirname "$WASMLINT_CARGO")/rustc}
        echo "$cargo $rustc"
        return
    fi
    if command -v cargo >/dev/null && command -v rustc >/dev/null; then
        echo "$(command -v cargo) $(command -v rustc)"
    fi
    echo "/usr/bin/cargo /usr/bin/rustc"
}

# Compile a tiny cdylib for wasm32 in a temp dir: the only check that proves the pair works
# (the std being present is not enough, e.g. a newer cargo with an older rustc fails).
builds_wasm() {
    local cargo=$1 rustc=$2 dir rc=0
    [[ -x "$cargo" && -x "$rustc" ]] || return 1
    dir=$(mktemp -d)
    mkdir -p "$dir/src"
    printf '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n' \
        >"$dir/Cargo.toml"
    printf '#[no_mangle]\npub extern "C" fn probe(n: u32) -> u32 { n + 1 }\n' >"$dir/src/lib.rs"
    RUSTUP_AUTO_INSTALL=0 RUSTC="$rustc" timeout 300 "$cargo" build --quiet --offline --release \
        --target "$TARGET" --manifest-path "$dir/Cargo.toml" --target-dir "$dir/target" \
        >/dev/null 2>&1 || rc=1
    [[ $rc == 0 && -f "$dir/target/$TARGET/release/probe.wasm" ]] || rc=1
    rm -rf "$dir"
    return $rc
}

working_toolchain() {
    local cargo rustc
    while read -r cargo rustc; do
        if builds_wasm "$cargo" "$rustc"; then
            echo "cargo=$cargo rustc=$rustc ($("$rustc" --version))"
            return 0
        fi
    done < <(candidates)
    return 1
}

if found=$(working_toolchain); then
    log "already usable: $found"
    exit 0
fi

# rustup needs the network; keep the attempt short so an offline machine moves on quickly.
if command -v rustup >/dev/null; then
    log "trying: rustup target add $TARGET"
    if timeout 120 rustup target add "$TARGET" >/dev/null 2>&1 && found=$(working_toolchain); then
        log "using rustup: $found"
        exit 0
    fi
    log "rustup could not add $TARGET; falling back to Debian packages"
fi

if ! command -v apt-get >/dev/null; then
    log "no apt-get here; install a Rust toolchain with the $TARGET target by hand"
    exit 1
fi
SUDO=()
if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { log "not root and no sudo: cannot install packages"; exit 1; }
    SUDO=(sudo)
fi
log "installing: ${PACKAGES[*]}"
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${PACKAGES[@]}" >/dev/null

if found=$(working_toolchain); then
    log "using: $found"
    exit 0
fi
log "no toolchain can build a $TARGET cdylib even after installing ${PACKAGES[*]}"
exit 1
