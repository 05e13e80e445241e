"""A new user with none of the seed boards attached: each run does every step this machine can and stops at the
first that needs the board or a vendor tool, saying what to attach or install and the command to continue.

Runs in the demo's working directory (after the demo's own tests), so the ad model is already trained.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workflow.smk import snakemake

pytestmark = pytest.mark.slow

EXIT_STOPPED = "returned non-zero exit status 3"  # tinyperf's status for absent hardware or a vendor tool

CASES = {
    # board: (the step that stops, what the message says, the command to continue)
    "nano33ble": ("flash", "attach the Arduino Nano 33 BLE Sense over USB and double-tap its reset button",
                  "snakemake --cores all --config board=nano33ble task=ad port=/dev/ttyUSB0 flash_port=/dev/ttyACM0"),
    "sparkfun_edge": ("flash", "attach the SparkFun Edge 2 through a 3.3 V USB-serial adapter",
                      "snakemake --cores all --config board=sparkfun_edge task=ad port=/dev/ttyUSB0"),
    # a bootable Himax image needs the SDK's closed image_gen before any port is opened
    "himax": ("flash", "no Himax image tool configured: a bootable Himax image needs the closed image_gen tool",
              "snakemake --cores all --config board=himax task=ad port=/dev/ttyUSB0"),
    "esp_eye": ("firmware", "xtensa-esp32-elf-gcc not found", "./install.sh esp32 && . ./export.sh"),
}


@pytest.mark.parametrize("board", list(CASES))
def test_run_stops_at_the_first_step_needing_hardware(demo: Path, board: str) -> None:
    step, message, command = CASES[board]
    proc = snakemake(demo, "--configfile", "config/demo.yaml", "--config", "task=ad", f"board={board}",
                     "estimate=[]", "scenario=null", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"Error in rule {step}:" in out, out[-3000:]
    assert EXIT_STOPPED in out
    assert message in out and command in out  # the job's log is shown (show-failed-logs in the profile)
    assert f"rerun: snakemake --cores all --config board={board} task=ad" in out.replace("Then rerun", "rerun")
    run = demo / "results" / "synth" / "ad" / "train" / "tinyperf" / board
    assert not (run / "flash.json").exists() and not (run / "performance").exists()
    if step == "flash":
        assert (run / "firmware" / "memory.json").exists()  # the real cross build ran
    if board in ("nano33ble", "sparkfun_edge"):
        # before stopping, the estimate: the same code with the board's flags, counted on qemu_m4
        estimate = json.loads((run / "estimate" / "results.json").read_text())
        assert estimate["latency_kind"] == "estimated" and estimate["board"] == board
        assert estimate["instructions_per_inference"] > 0 and estimate["compliant"] is False
        lower, modelled = estimate["latency_range_ms"]  # 1 IPC, and the modelled Cortex-M4 cycles
        assert 0 < lower < modelled == estimate["latency_ms"]
