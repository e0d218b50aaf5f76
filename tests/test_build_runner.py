"""`--build` as on a fresh CI runner: the toolchain chosen and why as the first line on stderr,
cargo's progress on stderr while it builds, the network used unless --offline (or cargo's own
configuration) says not, and a crate newer than the toolchain refused with an error naming both."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import GUESTS, REPO

CHOICE = "wasmlint --build: "


@pytest.fixture(scope="module")
def toolchain(wasm_toolchain):
    return wasm_toolchain


def check(*args: str, cwd: Path, cache: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(cache), **(env or {})}
    full_env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "wasmlint", "check", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=900)


def crate(root: Path, manifest_extra: str = "", edition: str = "2021", package_extra: str = "") -> Path:
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(f'[package]\nname = "{root.name}"\nversion = "0.1.0"\nedition = "{edition}"\n'
                                     f'{package_extra}\n[lib]\ncrate-type = ["cdylib"]\n{manifest_extra}')
    (root / "src" / "lib.rs").write_text('#[no_mangle]\npub extern "C" fn one() -> u32 {\n    1\n}\n')
    return root


def test_a_cold_build_of_a_wasm_bindgen_crate_says_its_toolchain_then_shows_cargo_at_work(tmp_path, toolchain):
    # game-of-life-stale depends on wasm-bindgen, which its .cargo/config.toml takes from Debian's
    # cargo registry; a fresh cache folder makes the build cold (its dependencies compile too).
    project = tmp_path / "game-of-life-stale"
    shutil.copytree(GUESTS / "game-of-life-stale", project, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("GITHUB_ACTIONS", None)
    process = subprocess.Popen([sys.executable, "-m", "wasmlint", "check", ".", "--build", "--format", "concise"],
                               cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    arrived: list[tuple[float, str]] = []
    for line in process.stderr:
        arrived.append((time.monotonic(), line.rstrip("\n")))
    stdout = process.stdout.read()
    process.wait(timeout=900)
    ended = time.monotonic()
    lines = [line for _, line in arrived]
    assert process.returncode == 1, "\n".join(lines)
    # The first line: which toolchain, and why the ones before it were passed over.
    assert lines[0] == CHOICE + toolchain.choice, lines[0]
    assert toolchain.choice.endswith(f"using {toolchain.name} (has wasm32)")
    # cargo's own progress, a line per step, as it happens: the first well before the end.
    compiling = [(at, line) for at, line in arrived if line.strip().startswith("Compiling ")]
    assert any("Compiling wasm-bindgen v0.2" in line for _, line in compiling), lines
    assert any(line.strip().startswith(f"Compiling game-of-life-stale v0.1.0 ({project.resolve()})") for _, line in compiling), lines
    assert ended - compiling[0][0] > 1.0, "cargo's progress came only at the end"
    assert any(line.strip().startswith("Finished release") for line in lines)
    # The module was built and checked: its facts are reported on the crate's Cargo.toml.
    assert "Cargo.toml:1:1: info[memory-has-no-maximum]" in stdout
    assert "www/index.js:18:21: error[stale-memory-view]" in stdout


def test_dependencies_come_from_the_network_unless_offline(tmp_path, toolchain):
    # A dependency no local source has: online, cargo goes to fetch it (and fails here, where
    # crates.io cannot be reached); with --offline, or cargo's own `net.offline`, it never tries.
    project = crate(tmp_path / "netdep", manifest_extra='\n[dependencies]\nnot-a-local-crate-xyz = "1"\n')
    quick = {"CARGO_NET_RETRY": "0", "CARGO_HTTP_TIMEOUT": "10"}
    online = check(".", "--build", cwd=project, cache=tmp_path / "cache", env=quick)
    assert online.returncode == 2
    assert online.stderr.splitlines()[0] == CHOICE + toolchain.choice
    assert "Updating crates.io index" in online.stderr and "offline" not in online.stderr, online.stderr
    offline = check(".", "--build", "--offline", cwd=project, cache=tmp_path / "cache")
    assert offline.returncode == 2
    assert offline.stderr.splitlines()[0] == CHOICE + toolchain.choice + "; offline"
    assert "Updating crates.io index" not in offline.stderr and "offline mode" in offline.stderr, offline.stderr
    (project / ".cargo").mkdir()
    (project / ".cargo" / "config.toml").write_text("[net]\noffline = true\n")
    configured = check(".", "--build", cwd=project, cache=tmp_path / "cache")
    assert configured.returncode == 2
    assert "Updating crates.io index" not in configured.stderr and "offline mode" in configured.stderr, configured.stderr


def newer_than(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1] + 1}"


def test_a_rust_version_newer_than_the_toolchain_is_one_error_naming_both(tmp_path, toolchain):
    need = newer_than(toolchain.version)
    project = crate(tmp_path / "modern", package_extra=f'rust-version = "{need}"\n')
    done = check(".", "--build", cwd=project, cache=tmp_path / "cache")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: Cargo.toml: cannot build modern ({project.resolve()}) with {toolchain.name}: its "
                      f"rust-version {need} needs Rust {need} or newer; install a newer Rust with the "
                      "wasm32-unknown-unknown target (`rustup target add wasm32-unknown-unknown`), or point "
                      "WASMLINT_CARGO / WASMLINT_RUSTC at one"], done.stderr
    assert "Compiling" not in done.stderr  # refused before cargo runs


@pytest.mark.parametrize("inherited", [False, True])
def test_an_edition_newer_than_the_toolchain_is_refused_before_cargo_runs(tmp_path, toolchain, inherited):
    if inherited:
        # A workspace member that takes its edition from [workspace.package].
        root = tmp_path / "ws"
        root.mkdir()
        (root / "Cargo.toml").write_text('[workspace]\nmembers = ["member"]\n\n[workspace.package]\nedition = "2024"\n')
        project = crate(root / "member")
        text = (project / "Cargo.toml").read_text().replace('edition = "2021"', "edition.workspace = true")
        (project / "Cargo.toml").write_text(text)
    else:
        project = crate(tmp_path / "e2024", edition="2024")
    done = check(".", "--build", cwd=project, cache=tmp_path / "cache")
    refused = f"with {toolchain.name}: its edition 2024 needs Rust 1.85 or newer" in done.stderr
    assert refused == (toolchain.version < (1, 85)), done.stderr
    if refused:
        assert done.returncode == 2 and "Compiling" not in done.stderr
