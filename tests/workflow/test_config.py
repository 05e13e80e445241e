"""Configuration: rejected before any job runs, with a message naming the key and the allowed values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.workflow.smk import REPO_ROOT, make_workdir, snakemake
from tinyperf import config, profiles
from tinyperf.errors import ConfigError


def base() -> dict:
    return yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())


def test_shipped_configs_validate() -> None:
    for name in ("config.yaml", "demo.yaml"):
        cfg = config.validate(yaml.safe_load((REPO_ROOT / "config" / name).read_text()))
        assert config.tasks(cfg) and config.boards(cfg)
    demo = config.validate(yaml.safe_load((REPO_ROOT / "config" / "demo.yaml").read_text()))
    assert config.tasks(demo) == ["ad", "kws", "vww", "ic"]
    assert config.boards(demo) == ["host", "qemu_m4"]


def test_every_profile_validates() -> None:
    for b in profiles.BOARDS:
        assert profiles.board(b)["name"] == b
    for t in profiles.TASKS:
        assert profiles.task(t)["name"] == t


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"task": "asr"}, r"key 'task': 'asr' is not allowed; allowed values: ad, kws, vww, ic, ic2, all"),
        ({"board": "stm32"}, r"key 'board': 'stm32' is not allowed; allowed values: host, qemu_m4, esp_eye, himax"),
        ({"board": ["host", "esp32"]}, r"'esp32' is not allowed"),
        ({"bord": "host"}, r"unknown key\(s\) 'bord'; allowed keys: baud, board, codegen"),
        ({"quantization": {"metod": "ptq"}}, r"unknown key\(s\) 'metod' under 'quantization'"),
        ({"seed": "abc"}, r"key 'seed': 'abc' is not of type 'integer'"),
        ({"runner": {"min_window_s": 0}}, r"key 'runner.min_window_s'"),
        ({"model": "nothere.tflite"}, r"key 'model': no such file 'nothere.tflite'"),
        ({"model": "weights.h5"}, r"neither one of train, reference, reference-ptq nor the path of a .tflite"),
    ],
)
def test_bad_values_name_the_key(override: dict, expected: str) -> None:
    cfg = {**base(), **override}
    with pytest.raises(ConfigError, match=expected):
        config.validate(cfg)


def test_epochs_resolution() -> None:
    cfg = config.validate({**base(), "epochs": {"kws": 3}})
    assert config.epochs(cfg, "kws") == 3
    assert config.epochs(cfg, "ad") == profiles.task("ad")["training"]["epochs"]
    assert config.epochs(config.validate({**base(), "epochs": 7}), "vww") == 7


def test_codegen_target_follows_the_board() -> None:
    cfg = config.validate(base())
    assert config.codegen_target(cfg, "host") == "portable"
    assert config.codegen_target(cfg, "nano33ble") == "cortex-m4"
    assert config.codegen_target(cfg, "himax") == "arc-em"


def test_model_key_for_own_model(tmp_path: Path) -> None:
    own = tmp_path / "mine.tflite"
    own.write_bytes(b"\x1c\x00\x00\x00TFL3rest")
    cfg = config.validate({**base(), "model": str(own)})
    key = config.model_key(cfg)
    assert key.startswith("byom-") and len(key) == len("byom-") + 12


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["task=speech"], "key 'task': 'speech' is not allowed"),
        (["board=arduino"], "key 'board': 'arduino' is not allowed"),
        (["tsak=kws"], "unknown key(s) 'tsak'"),
    ],
)
def test_snakemake_rejects_before_any_job(tmp_path: Path, args: list[str], expected: str) -> None:
    wd = make_workdir(tmp_path / "wd")
    proc = snakemake(wd, "-n", "--config", *args, check=False)
    assert proc.returncode != 0
    assert expected in proc.stdout + proc.stderr
    assert not (wd / "results").exists() and not (wd / "resources").exists()


@pytest.mark.parametrize("task", ["ad", "kws", "vww", "ic"])
def test_real_sources_plan_the_real_download(tmp_path: Path, task: str) -> None:
    from tests.workflow.smk import planned_jobs

    wd = make_workdir(tmp_path / "wd")
    jobs = planned_jobs(wd, "--config", f"task={task}", "board=host", "data=real")
    assert jobs["download"] == 1 and jobs["extract"] == 1 and jobs["prepare"] == 1 and jobs["train"] == 1
    assert "synth_dataset" not in jobs
    proc = snakemake(wd, "-n", "--config", f"task={task}", "board=host", "data=real", "-p")
    assert f"--manifest datasets/{task}.yaml" in proc.stdout + proc.stderr


def test_reference_ptq_source_plans_the_official_weights(tmp_path: Path) -> None:
    from tests.workflow.smk import planned_jobs

    wd = make_workdir(tmp_path / "wd")
    jobs = planned_jobs(wd, "--config", "task=vww", "board=host", "data=real", "model=reference-ptq")
    assert jobs["reference_model"] == 1 and "train" not in jobs and jobs["quantize"] == 1


def test_reference_source_plans_the_official_int8_files(tmp_path: Path) -> None:
    from tests.workflow.smk import planned_jobs

    wd = make_workdir(tmp_path / "wd")
    jobs = planned_jobs(wd, "--config", "task=vww", "board=host", "data=real", "model=reference")
    assert jobs["reference_int8"] == 1 and jobs["import_model"] == 1
    assert not {"reference_model", "train", "quantize"} & set(jobs)


def test_lint_is_clean() -> None:
    proc = snakemake(REPO_ROOT, "--lint", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_reference_ptq_is_refused_where_no_fp32_weights_exist() -> None:
    with pytest.raises(ConfigError, match=r"reference-ptq needs the official fp32 Keras weights.*for ic2"):
        config.validate({"model": "reference-ptq", "task": "all"})
    assert config.tasks(config.validate({"model": "reference-ptq", "task": ["kws", "ic"]})) == ["kws", "ic"]
