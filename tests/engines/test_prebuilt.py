"""firmware=PATH: a DUT image built elsewhere is checked, flashed, measured, reported and submitted like tinyperf's
own, with its engine recorded as given."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import reference_model
from tests.workflow.smk import make_workdir, snakemake
from tinyperf import config as tpconfig
from tinyperf.errors import BuildError, ConfigError
from tinyperf.firmware.prebuilt import install_prebuilt


def _elf_header(machine: int, bits: int = 1) -> bytes:
    head = bytearray(64)
    head[0:4], head[4], head[5] = b"\x7fELF", bits, 1
    head[18:20] = machine.to_bytes(2, "little")
    return bytes(head)


def test_an_image_for_another_architecture_is_refused(tmp_path: Path) -> None:
    arm = tmp_path / "vendor.elf"
    arm.write_bytes(_elf_header(40))
    arm.chmod(0o755)
    with pytest.raises(BuildError, match=r"is an ELF for ARM; host runs host code"):
        install_prebuilt("host", "kws", arm, "x-cube-ai", tmp_path / "out")
    native = Path(os.path.realpath(sys.executable))
    with pytest.raises(BuildError, match=r"is an ELF for x86-64; qemu_m4 runs cortex-m4 code"):
        install_prebuilt("qemu_m4", "kws", native, "x-cube-ai", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_images_a_board_flashes_are_checked_and_sized(tmp_path: Path) -> None:
    shutil.copyfile(os.path.realpath(sys.executable), tmp_path / "dut")
    with pytest.raises(BuildError, match="is not executable"):
        install_prebuilt("host", "kws", tmp_path / "dut", "vendor", tmp_path / "out")
    (tmp_path / "bad.hex").write_text("not a hex file\n")
    with pytest.raises(BuildError, match="not Intel HEX"):
        install_prebuilt("nano33ble", "kws", tmp_path / "bad.hex", "vendor", tmp_path / "out")
    (tmp_path / "fw.bin").write_bytes(b"\x00" * 4096)
    memory = install_prebuilt("nano33ble", "kws", tmp_path / "fw.bin", "plumerai", tmp_path / "out")
    assert memory["engine"] == "plumerai" and memory["flash"]["used_bytes"] == 4096
    assert memory["ram"]["used_bytes"] is None and memory["prebuilt"]["format"] == "bin"
    assert (tmp_path / "out" / "firmware.bin").read_bytes() == b"\x00" * 4096


def test_the_configuration_of_a_prebuilt_image(tmp_path: Path) -> None:
    image = tmp_path / "dut"
    image.write_bytes(b"x")
    with pytest.raises(ConfigError, match="'tflm' is an engine tinyperf builds itself"):
        tpconfig.validate({"firmware": str(image), "firmware_engine": "tflm"})
    with pytest.raises(ConfigError, match="one board's firmware for one task"):
        tpconfig.validate({"firmware": str(image), "board": ["host", "qemu_m4"]})
    with pytest.raises(ConfigError, match="key 'firmware': no such file"):
        tpconfig.validate({"firmware": str(tmp_path / "absent")})
    cfg = tpconfig.validate({"firmware": str(image), "firmware_engine": "x-cube-ai", "engine": ["tinyperf", "tflm"]})
    assert tpconfig.engines(cfg) == ["x-cube-ai"]


@pytest.mark.slow
@pytest.mark.needs_models
def test_a_prebuilt_host_dut_is_measured_end_to_end(tmp_path: Path) -> None:
    from tinyperf.cli import main as tinyperf

    model = reference_model("ad")
    # a vendor's image: a DUT built outside the workflow (here by tinyperf's own CLI, in another folder)
    assert tinyperf(["codegen", str(model), "-o", str(tmp_path / "vendor" / "src")]) == 0
    assert tinyperf(["build", "--board", "host", "--task", "ad", "--model", str(tmp_path / "vendor" / "src"),
                     "-o", str(tmp_path / "vendor" / "build")]) == 0
    image = tmp_path / "vendor" / "ad_dut"
    shutil.copy2(tmp_path / "vendor" / "build" / "firmware.elf", image)
    wd = make_workdir(tmp_path / "wd")
    (wd / "run.yaml").write_text("runner: {windows: 2, min_window_s: 0.05}\n")
    snakemake(wd, "--configfile", "run.yaml", "--config", "task=ad", "board=host", "data=synth", "eval_limit=6",
              f"model={model}", f"firmware={image}", "firmware_engine=vendor-x")
    (summary,) = (wd / "results" / "synth").glob("byom-*/summary.csv")
    row = pd.read_csv(summary).iloc[0]
    assert row["engine"] == "vendor-x" and row["engine_sources"].startswith("prebuilt: ")
    assert row["device_run"] and not pd.isna(row["latency_ms"]) and row["device_value"] == row["int8_value"]
    (run,) = (wd / "results" / "synth" / "ad").glob("byom-*/vendor-x/host")
    memory = json.loads((run / "firmware" / "memory.json").read_text())
    assert memory["prebuilt"]["source"] == str(image) and memory["engine"] == "vendor-x"
    assert not (run.parent.parent / "codegen").exists()  # nothing was generated or built for it
    systems = summary.parent / "submission" / "open" / "tinyperf" / "systems"
    desc = json.loads((systems / "host_vendor-x.json").read_text())
    assert desc["Inference Framework"] == "vendor-x (prebuilt firmware, as given to tinyperf)"
    assert (systems.parent / "results" / "host_vendor-x" / "ad" / "performance" / "results.txt").is_file()


def test_engine_names_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tinyperf.cli import main as tinyperf

    with pytest.raises(ConfigError, match=r"key 'engine': 'tvm' is not allowed; allowed values: tinyperf, tflm, "
                       r"tflm-cmsis-nn"):
        tpconfig.validate({"engine": ["tinyperf", "tvm"]})
    assert tinyperf(["build", "--board", "host", "--task", "kws", "--prebuilt", str(tmp_path / "x"),
                     "-o", str(tmp_path / "o")]) == 2
    assert "--prebuilt IMAGE takes --engine NAME" in capsys.readouterr().err
