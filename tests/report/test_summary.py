from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tinyperf import config as tpconfig
from tinyperf.cli import main
from tinyperf.report import provenance, summary
from tinyperf.report.collect import load_run


def test_a_row_per_run_with_every_required_column(results_tree: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, runs = results_tree
    out = tmp_path / "summary.csv"
    assert main(["report", "summary", *map(str, runs), "-o", str(out), "--html", str(tmp_path / "s.html"),
                 "--config-hash", "0123abcd", "--strict"]) == 0
    df = summary.read(out)
    assert list(df.columns) == summary.COLUMNS
    assert len(df) == len(runs) == 6
    assert summary.missing_required(df) == {}
    assert set(zip(df["task"], df["board"], strict=True)) == {
        (t, b) for t in ("kws", "ad") for b in ("host", "qemu_m4", "nano33ble")}
    assert (df["config_hash"] == "0123abcd").all()
    assert (df["git_commit"].str.len() >= 7).all()
    assert "<table" in (tmp_path / "s.html").read_text()


def test_latency_kind_and_estimate_at_the_board_clock(results_tree: tuple[Path, list[Path]]) -> None:
    _, runs = results_tree
    df = summary.build(runs, config_hash="x").set_index(["task", "board"])
    assert df.loc[("kws", "host"), "latency_kind"] == "measured"
    assert df.loc[("kws", "qemu_m4"), "latency_kind"] == "estimated"  # virtual time
    nano = df.loc[("kws", "nano33ble")]
    assert nano["latency_kind"] == "estimated" and not nano["device_run"]
    # 3.1 M instructions on qemu_m4 at the nano33ble's 64 MHz
    assert nano["latency_ms"] == pytest.approx(3_100_000 / 64e6 * 1000)
    assert nano["instructions_per_inference"] == 3_100_000
    host = df.loc[("kws", "host")]
    assert host["throughput_inf_s"] == pytest.approx(1000 / host["latency_ms"])


def test_values_come_from_the_stages(results_tree: tuple[Path, list[Path]]) -> None:
    root, runs = results_tree
    df = summary.build(runs, config_hash="x").set_index(["task", "board"])
    host_kws = json.loads((root / "synth/kws/train/accuracy_host.json").read_text())
    row = df.loc[("kws", "qemu_m4")]
    assert row["int8_value"] == pytest.approx(host_kws["int8"]["top1"])
    assert row["float_value"] == pytest.approx(host_kws["float"]["top1"])
    assert row["device_value"] == pytest.approx(host_kws["int8"]["top1"])
    assert row["meets_target"] == (row["device_value"] >= 0.90)
    assert row["metric"] == "top1" and df.loc[("ad", "host"), "metric"] == "auc"
    assert row["macs"] == 2_660_000 and row["arena_bytes"] == 23_040
    assert row["flash_limit_bytes"] == 4_194_304 and row["ram_used_pct"] == pytest.approx(0.72)
    assert pd.isna(df.loc[("kws", "host"), "flash_limit_bytes"])  # a process has no limits
    assert row["perf_windows"] == 5 and not row["perf_compliant"]
    assert row["eval_files"] == 40 and not row["eval_complete"] and not row["compliant"]
    assert row["division"] == "open" and row["mlperf_model"] == "kws01"
    versions = json.loads(row["versions"])
    assert versions["tensorflow"] == "2.21.0" and versions["tinyperf"] == row["tinyperf_version"]


def test_a_missing_stage_output_is_reported_not_invented(results_tree: tuple[Path, list[Path]],
                                                         tmp_path: Path) -> None:
    import shutil

    root, _ = results_tree
    copy = tmp_path / "results"
    shutil.copytree(root, copy)
    (copy / "synth/kws/train/codegen/portable/model.json").unlink()
    (copy / "synth/kws/train/codegen/cortex-m4/model.json").unlink()
    df = summary.build([copy / "synth/kws/train/tinyperf/host"], config_hash="x")
    assert summary.missing_required(df) == {"kws/host/tinyperf/train": ["macs", "weight_bytes", "arena_bytes"]}
    out = tmp_path / "s.csv"
    assert main(["report", "summary", str(copy / "synth/kws/train/tinyperf/host"), "-o", str(out), "--strict"]) == 1


def test_config_hash_is_of_the_effective_configuration() -> None:
    base = tpconfig.validate({"task": "kws", "board": "host"})
    same = tpconfig.validate({"board": "host", "task": "kws", "seed": base["seed"]})
    other = tpconfig.validate({"task": "kws", "board": "host", "seed": base["seed"] + 1})
    assert provenance.config_hash(base) == provenance.config_hash(same)
    assert provenance.config_hash(base) != provenance.config_hash(other)


def test_runner_accuracy_records_are_read(results_tree: tuple[Path, list[Path]]) -> None:
    _, runs = results_tree
    run = load_run(runs[0])
    assert isinstance(run.accuracy["predictions"], list)  # type: ignore[index]
    assert run.predictions("device") == run.predictions("int8")
    assert set(run.labels()) == set(run.predictions("device"))
