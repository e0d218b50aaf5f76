#!/usr/bin/env bash
# Install a current rustc for wasm32 beside Debian's rustc 1.63, for the test suite's second build of
# its guests (users build with current Rust, whose wasm32 output differs from 1.63's).
#
# Debian 12 has no wasm32 std for a current rustc, but bookworm-security's rustc-web ships with
# rust-web-src, whose library/vendor holds std's own dependencies: cargo -Zbuild-std builds std for
# wasm32 offline from it. Installing rustc-web with apt would remove rustc 1.63 (they conflict), so
# its packages are unpacked into a prefix instead:
#   $WASMLINT_MODERN_RUST (default ${XDG_DATA_HOME:-~/.local/share}/wasmlint/rust-web-1.96)
#     bin/cargo, bin/rustc   wrappers that find the prefix's libraries
#     cargo-home/            CARGO_HOME whose config replaces crates.io by std's vendored sources
#     usr/                   the unpacked packages
# Idempotent: a prefix that already builds a wasm32 cdylib is left alone. Exits non-zero, saying why,
# when the packages cannot be had or the result cannot build one. tests/guest_builds.py reads the
# same prefix and builds with the same flags as the probe below.
set -euo pipefail

VERSION=1.96
PREFIX=${WASMLINT_MODERN_RUST:-${XDG_DATA_HOME:-$HOME/.local/share}/wasmlint/rust-web-$VERSION}
# The std that -Zbuild-std compiles (at opt-level 3, as a shipped std is) is shared by every build,
# here and in the test suite (tests/guest_builds.py): the first takes about 40 s on 2 cores, later
# ones under a second.
TARGET_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/wasmlint/target/rustc-web-$VERSION
PACKAGES=(rustc-web cargo-web libstd-rust-web-dev "libstd-rust-web-$VERSION" rust-web-src)
# What the unpacked binaries load or run: LLVM 22 and its linker, cargo's libraries, a C toolchain
# for the build scripts std's dependencies have.
DEPENDENCIES=(lld-22 libllvm22 libgit2-1.5 libcurl4 libssh2-1 libsqlite3-0 gcc libc6-dev)

log() { printf 'setup-modern-rust: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

SUDO=()
if [[ $(id -u) != 0 ]] && command -v sudo >/dev/null; then SUDO=(sudo); fi

# Build a tiny cdylib exactly as the test suite builds its guests; the only proof the prefix works.
probe() {
    local dir rc=0
    dir=$(mktemp -d)
    mkdir -p "$dir/src"
    printf '[package]\nname = "modern-rust-probe"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n' \
        >"$dir/Cargo.toml"
    printf '#[no_mangle]\npub extern "C" fn probe(n: usize) -> usize { format!("{n}").len() }\n' >"$dir/src/lib.rs"
    mkdir -p "$TARGET_DIR"
    CARGO_HOME="$PREFIX/cargo-home" RUSTC="$PREFIX/bin/rustc" RUSTC_BOOTSTRAP=1 timeout 900 \
        "$PREFIX/bin/cargo" rustc --quiet --offline --lib --release --target wasm32-unknown-unknown \
        -Zbuild-std=std,panic_abort --config 'profile.release.package."*".opt-level=3' \
        --manifest-path "$dir/Cargo.toml" --target-dir "$TARGET_DIR" \
        -- -Csymbol-mangling-version=legacy -Zunstable-options >"$dir/log" 2>&1 || rc=1
    [[ $rc == 0 && -f "$TARGET_DIR/wasm32-unknown-unknown/release/modern_rust_probe.wasm" ]] || rc=1
    [[ $rc == 0 ]] || tail -20 "$dir/log" >&2
    rm -rf "$dir"
    return $rc
}

installed() {
    [[ -x "$PREFIX/bin/rustc" && -x "$PREFIX/bin/cargo" && -f "$PREFIX/cargo-home/config.toml" ]] &&
        "$PREFIX/bin/rustc" --version 2>/dev/null | grep -q "^rustc $VERSION\."
}

install_dependencies() {
    local missing=() package
    for package in "${DEPENDENCIES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    [[ ${#missing[@]} == 0 ]] && return 0
    [[ $(id -u) == 0 || ${#SUDO[@]} -gt 0 ]] || die "not root and no sudo: cannot install ${missing[*]}"
    log "installing ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed (bookworm-security must be in the apt sources)"
}

# Download and unpack into a fresh folder, then move it into place: an interrupted run never
# leaves a half-made prefix that looks installed.
unpack_packages() {
    local work staging
    work=$(mktemp -d)
    staging="$work/prefix"
    (cd "$work" && apt-get download -qq "${PACKAGES[@]}" 2>"$work/download.log") || {
        log "apt-get download failed; updating the package lists and trying again"
        "${SUDO[@]}" apt-get update -qq
        (cd "$work" && apt-get download -qq "${PACKAGES[@]}" 2>"$work/download.log") ||
            die "apt-get download ${PACKAGES[*]} failed: $(tail -1 "$work/download.log")"
    }
    mkdir -p "$staging"
    local deb
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$staging"; done

    local vendor
    vendor=$(echo "$staging"/usr/src/rustc-"$VERSION".*/library/vendor)
    [[ -d "$vendor" ]] || die "rust-web-src has no library/vendor: -Zbuild-std cannot build std offline"
    vendor=${vendor/#$staging/$PREFIX}

    # rustc runs `rust-lld` for wasm32 and looks for it in its sysroot first: Debian's LLVM 22 lld.
    mkdir -p "$staging/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin"
    ln -sf /usr/bin/lld-22 "$staging/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"

    mkdir -p "$staging/bin" "$staging/cargo-home"
    local tool
    for tool in rustc cargo; do
        cat >"$staging/bin/$tool" <<EOF
#!/bin/sh
# rustc-web $VERSION unpacked by scripts/setup-modern-rust.sh: its libraries live in the prefix.
export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
exec "$PREFIX/usr/bin/$tool" "\$@"
EOF
        chmod +x "$staging/bin/$tool"
    done
    cat >"$staging/cargo-home/config.toml" <<EOF
# -Zbuild-std takes std's dependencies from crates.io; rust-web-src vendors them.
[source.crates-io]
replace-with = "rust-web-src"

[source.rust-web-src]
directory = "$vendor"
EOF
    rm -rf "$PREFIX"
    mkdir -p "$(dirname "$PREFIX")"
    mv "$staging" "$PREFIX"
    rm -rf "$work"
}

if installed && probe; then
    log "already usable: $("$PREFIX/bin/rustc" --version) in $PREFIX"
    exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    die "needs apt-get and dpkg-deb (Debian 12 with bookworm-security), or a prefix made elsewhere in $PREFIX"
install_dependencies
log "unpacking ${PACKAGES[*]} into $PREFIX"
unpack_packages
installed || die "$PREFIX/bin/rustc does not run: $("$PREFIX/bin/rustc" --version 2>&1 | tail -1)"
log "building std for wasm32 once (about 40 s), then a probe cdylib"
probe || die "$("$PREFIX/bin/rustc" --version) cannot build a wasm32 cdylib with -Zbuild-std (log above)"
log "ready: $("$PREFIX/bin/rustc" --version) in $PREFIX"
