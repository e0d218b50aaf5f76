"""Exports made through cfg_attr, judged for the crate's features: `wasmlint exports` and `check` under
default and other features (--features, --no-default-features, --all-features, and the same set in
[package.metadata.wasmlint]), each on two differently shaped guests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import GUESTS, json_findings, run_cli
from wasmlint.cfg import BuildCfg
from wasmlint.check import CrateOutcome, analyze_sources
from wasmlint.plain import from_plain, to_plain

BINDGEN = "guests/cfg-attr-bindgen"  # free functions, `enable_wasm` a default feature
IMPL = "guests/cfg-attr-impl"  # an impl block and a start function, `js` off by default
RAW = "guests/cfg-attr-raw"  # no_mangle / export_name through cfg_attr, buildable

# (guest, options) -> {export symbol: (form, contract)}
EXPORTS = {
    (BINDGEN, ()): {
        "grayscale": ("wasm_bindgen", "wasm-bindgen"), "blurImage": ("wasm_bindgen", "wasm-bindgen"),
        "describeImage": ("wasm_bindgen", "wasm-bindgen"), "checksum": ("no_mangle", "raw"),
    },
    (BINDGEN, ("--no-default-features",)): {"checksum": ("no_mangle", "raw"), "grayscale_raw": ("no_mangle", "raw")},
    (BINDGEN, ("--features", "simd")): {
        "grayscale": ("wasm_bindgen", "wasm-bindgen"), "blurImage": ("wasm_bindgen", "wasm-bindgen"),
        "describeImage": ("wasm_bindgen", "wasm-bindgen"), "checksum": ("no_mangle", "raw"),
        "sharpen": ("wasm_bindgen", "wasm-bindgen"), "simd_blend": ("wasm_bindgen", "wasm-bindgen"),
    },
    (BINDGEN, ("--no-default-features", "--features", "simd")): {
        "checksum": ("no_mangle", "raw"), "grayscale_raw": ("no_mangle", "raw"),
        "sharpen": ("wasm_bindgen", "wasm-bindgen"),  # simd_blend needs enable_wasm too
    },
    (BINDGEN, ("--all-features",)): {
        "grayscale": ("wasm_bindgen", "wasm-bindgen"), "blurImage": ("wasm_bindgen", "wasm-bindgen"),
        "describeImage": ("wasm_bindgen", "wasm-bindgen"), "checksum": ("no_mangle", "raw"),
        "sharpen": ("wasm_bindgen", "wasm-bindgen"), "simd_blend": ("wasm_bindgen", "wasm-bindgen"),
    },
    (IMPL, ()): {"universe_size": ("no_mangle", "raw")},
    (IMPL, ("--features", "js")): {
        "universe_size": ("no_mangle", "raw"), "universe_new": ("method", "wasm-bindgen"),
        "universe_tick": ("method", "wasm-bindgen"), "universe_cellCount": ("method", "wasm-bindgen"),
    },
    (IMPL, ("--features", "console")): {  # console enables js, and adds the start function
        "universe_size": ("no_mangle", "raw"), "universe_new": ("method", "wasm-bindgen"),
        "universe_tick": ("method", "wasm-bindgen"), "universe_cellCount": ("method", "wasm-bindgen"),
        "init_console": ("start", "wasm-bindgen"),
    },
    (IMPL, ("--all-features",)): {
        "universe_size": ("no_mangle", "raw"), "universe_new": ("method", "wasm-bindgen"),
        "universe_tick": ("method", "wasm-bindgen"), "universe_cellCount": ("method", "wasm-bindgen"),
        "init_console": ("start", "wasm-bindgen"),
    },
    (RAW, ()): {"parse_len": ("no_mangle", "raw"), "wl_alloc": ("export_name", "raw"), "version": ("no_mangle", "raw")},
    (RAW, ("--no-default-features",)): {"parse_len_fallback": ("no_mangle", "raw"), "version": ("no_mangle", "raw")},
    (RAW, ("--no-default-features", "--features", "alloc-api")): {
        "parse_len_fallback": ("no_mangle", "raw"), "wl_alloc": ("export_name", "raw"), "version": ("no_mangle", "raw")},
    (RAW, ("--features", "debug-api")): {
        "parse_len": ("no_mangle", "raw"), "wl_alloc": ("export_name", "raw"), "version": ("no_mangle", "raw"),
        "dump_state": ("no_mangle", "raw"), "debug_counters": ("no_mangle", "raw")},
    (RAW, ("--all-features",)): {
        "parse_len": ("no_mangle", "raw"), "wl_alloc": ("export_name", "raw"), "version": ("no_mangle", "raw"),
        "dump_state": ("no_mangle", "raw"), "debug_counters": ("no_mangle", "raw")},
}

# (guest, options) -> the exports with a source finding under those features
FLAGGED = {
    (BINDGEN, ()): {"grayscale", "blurImage", "describeImage", "checksum"},
    (BINDGEN, ("--no-default-features",)): {"checksum", "grayscale_raw"},
    (BINDGEN, ("--features", "simd")): {"grayscale", "blurImage", "describeImage", "checksum", "sharpen", "simd_blend"},
    (BINDGEN, ("--all-features",)): {"grayscale", "blurImage", "describeImage", "checksum", "sharpen", "simd_blend"},
    (IMPL, ()): {"universe_size"},
    (IMPL, ("--features", "js")): {"universe_size", "universe_new", "universe_tick"},
    (IMPL, ("--no-default-features", "--features", "console")): {"universe_size", "universe_new", "universe_tick", "init_console"},
    (IMPL, ("--all-features",)): {"universe_size", "universe_new", "universe_tick", "init_console"},
    (RAW, ()): {"parse_len", "wl_alloc"},
    (RAW, ("--no-default-features",)): {"parse_len_fallback"},
    (RAW, ("--features", "debug-api")): {"parse_len", "wl_alloc", "dump_state", "debug_counters"},
    (RAW, ("--all-features",)): {"parse_len", "wl_alloc", "dump_state", "debug_counters"},
}


def guest_dir(guest: str) -> Path:
    return GUESTS / Path(guest).name


def exports(*args: str, cwd: Path | None = None) -> dict:
    result = run_cli("exports", *args, "--format", "json", **({"cwd": cwd} if cwd else {}))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def forms(data: dict) -> dict[str, tuple[str, str]]:
    (crate,) = data["crates"]
    return {e["symbol"]: (e["form"], e["contract"]) for e in crate["exports"]}


@pytest.mark.parametrize("guest, options", list(EXPORTS), ids=lambda v: " ".join(v) if isinstance(v, tuple) else Path(v).name)
def test_exports_under_each_feature_set(cli, guest, options):
    code, out, err = cli("exports", guest, *options, "--format", "json")
    assert code == 0, err
    assert forms(json.loads(out)) == EXPORTS[(guest, options)]


@pytest.mark.parametrize("guest, options", list(FLAGGED), ids=lambda v: " ".join(v) if isinstance(v, tuple) else Path(v).name)
def test_check_findings_follow_the_features(cli, guest, options):
    code, out, err = cli("check", guest, "--layer", "source", "--format", "json", *options)
    assert {f["symbol"] for f in json_findings(out)} == FLAGGED[(guest, options)], err
    assert code == 1


def test_the_cfg_that_enabled_each_export_is_shown(cli):
    _, out, _ = cli("exports", BINDGEN, "--features", "simd", "--format", "json")
    cfgs = {e["symbol"]: e["cfg"] for e in json.loads(out)["crates"][0]["exports"]}
    assert cfgs == {
        "grayscale": 'feature = "enable_wasm"',
        "blurImage": 'feature = "enable_wasm"',
        "describeImage": 'all(target_arch = "wasm32", feature = "enable_wasm")',
        "sharpen": 'feature = "simd"',
        "checksum": None,
        # the `mod simd;` declaration's cfg, then the cfg_attr on the function
        "simd_blend": 'all(feature = "simd", feature = "enable_wasm")',
    }
    _, out, _ = cli("exports", IMPL, "--features", "console", "--format", "json")
    crate = json.loads(out)["crates"][0]
    by_symbol = {e["symbol"]: e for e in crate["exports"]}
    assert by_symbol["universe_cellCount"]["function"] == "Universe::cell_count"
    assert by_symbol["universe_cellCount"]["owner"] == "Universe"
    assert by_symbol["init_console"]["cfg"] == 'all(target_arch = "wasm32", feature = "console")'
    assert crate["features"] == ["console", "default", "js"]


def test_exports_text_output(cli):
    code, out, _ = cli("exports", IMPL, "--features", "js")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "crate cfg-attr-impl (guests/cfg-attr-impl/Cargo.toml); features: default, js"
    assert lines[1].split() == ["EXPORT", "FUNCTION", "FORM", "CONTRACT", "CFG", "DEFINED", "AT"]
    row = next(line for line in lines if line.strip().startswith("universe_tick"))
    assert row.split() == ["universe_tick", "Universe::tick", "method", "of", "Universe", "wasm-bindgen",
                           "feature", "=", '"js"', "guests/cfg-attr-impl/src/lib.rs:26:12"]
    assert lines[-1] == "  4 exports (1 raw, 3 wasm-bindgen)"


def test_exports_lists_files_outside_the_crate():
    result = run_cli("exports", BINDGEN, "--no-default-features")
    assert result.stdout.rstrip().splitlines()[-1].startswith("info: guests/cfg-attr-bindgen/src/simd.rs is not part of crate")


@pytest.mark.parametrize("guest, table, expected", [
    (IMPL, 'features = ["js"]', EXPORTS[(IMPL, ("--features", "js"))]),
    (BINDGEN, "no-default-features = true", EXPORTS[(BINDGEN, ("--no-default-features",))]),
    (RAW, "all-features = true", EXPORTS[(RAW, ("--all-features",))]),
    (RAW, 'no-default-features = true\nfeatures = "alloc-api"', EXPORTS[(RAW, ("--no-default-features", "--features", "alloc-api"))]),
])
def test_package_metadata_sets_the_features(tmp_path, guest, table, expected):
    crate = tmp_path / Path(guest).name
    shutil.copytree(guest_dir(guest), crate)
    with (crate / "Cargo.toml").open("a") as handle:
        handle.write(f"\n[package.metadata.wasmlint]\n{table}\n")
    assert forms(exports(str(crate))) == expected
    result = run_cli("check", str(crate), "--layer", "source", "--format", "json")
    flagged = {f["symbol"] for f in json_findings(result.stdout)}
    assert flagged and flagged <= set(expected), result.stderr


def test_command_line_features_replace_the_configured_ones(tmp_path):
    crate = tmp_path / "cfg-attr-impl"
    shutil.copytree(guest_dir(IMPL), crate)
    with (crate / "Cargo.toml").open("a") as handle:
        handle.write('\n[package.metadata.wasmlint]\nfeatures = ["console"]\n')
    assert "init_console" in forms(exports(str(crate)))
    assert forms(exports(str(crate), "--features", "js")) == EXPORTS[(IMPL, ("--features", "js"))]
    shown = run_cli("check", str(crate), "--show-config")
    assert "features            = console" in shown.stdout, shown.stdout


def test_an_unknown_feature_is_refused_as_cargo_does(tmp_path, cli):
    code, _, err = cli("check", RAW, "--features", "nope")
    assert code == 2
    assert err.strip() == "error: --features: crate cfg-attr-raw has no feature `nope` (it has: alloc-api, c-api, debug-api)"
    code, _, err = cli("exports", RAW, "--features", "c-api,nope")
    assert code == 2 and "no feature `nope`" in err
    # A workspace: a feature one member has is fine for the run.
    code, out, err = cli("check", RAW, IMPL, "--features", "js", "--layer", "source", "--format", "json")
    assert code == 1, err
    crate = tmp_path / "cfg-attr-raw"
    shutil.copytree(guest_dir(RAW), crate)
    with (crate / "Cargo.toml").open("a") as handle:
        handle.write('\n[package.metadata.wasmlint]\nfeatures = ["debug"]\n')
    result = run_cli("check", str(crate))
    assert result.returncode == 2
    assert "[package.metadata.wasmlint]: `features`: crate cfg-attr-raw has no feature `debug`" in result.stderr


@pytest.mark.parametrize("table, message", [
    ("all-features = 1", "`all-features` must be true or false"),
    ('no-default-features = "yes"', "`no-default-features` must be true or false"),
    ("features = [1]", "`features` must be a list of strings"),
])
def test_bad_feature_keys_are_configuration_errors(cli, tmp_path, table, message):
    crate = tmp_path / "c"
    shutil.copytree(guest_dir(RAW), crate)
    (crate / "wasmlint.toml").write_text(table + "\n")
    code, _, err = cli("check", str(crate))
    assert code == 2 and message in err, err


def test_the_contract_travels_with_the_export_site_through_the_cache():
    source = (GUESTS / "cfg-attr-impl/src/lib.rs").read_bytes()
    outcome = analyze_sources([("lib.rs", source, ())], {}, set(), build=BuildCfg(frozenset({"js", "console"})))
    site = outcome.exports["universe_tick"]
    assert (site.form, site.owner, site.contract, site.cfg) == ("method", "Universe", "wasm-bindgen", ('feature = "js"',))
    assert outcome.exports["universe_size"].contract == "raw"
    again = from_plain(CrateOutcome, json.loads(json.dumps(to_plain(outcome))))
    assert again.exports == outcome.exports


def test_the_readme_shows_real_output():
    readme = (GUESTS.parent / "README.md").read_text(encoding="utf-8")
    listed = run_cli("exports", IMPL, "--features", "console")
    assert listed.stdout.strip() in readme
    checked = run_cli("check", "guests/crate-tree")
    assert "\n".join(checked.stdout.rstrip().splitlines()[-4:]) in readme


def test_a_workspace_table_may_name_a_feature_some_members_have(tmp_path):
    root = tmp_path / "ws"
    for guest in (RAW, IMPL):
        shutil.copytree(guest_dir(guest), root / "crates" / Path(guest).name)
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n\n[workspace.metadata.wasmlint]\nfeatures = ["js"]\n')
    data = exports(str(root))
    by_crate = {crate["name"]: {e["symbol"] for e in crate["exports"]} for crate in data["crates"]}
    assert by_crate["cfg-attr-impl"] == set(EXPORTS[(IMPL, ("--features", "js"))])
    assert by_crate["cfg-attr-raw"] == set(EXPORTS[(RAW, ())])
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["crates/*"]\n\n[workspace.metadata.wasmlint]\nfeatures = ["nope"]\n')
    result = run_cli("exports", str(root))
    assert result.returncode == 2
    assert "[workspace.metadata.wasmlint]: `features`: none of the crates checked has feature `nope`" in result.stderr
    result = run_cli("check", str(root), "--features", "also-nope")
    assert result.returncode == 2
    assert "error: --features: none of the crates checked has feature `also-nope`" in result.stderr
