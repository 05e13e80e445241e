"""qemu_m4's two links to the host: semihosting on QEMU's stdio (the default) and UART0 (-DTP_QEMU_LINK_UART).
Both carry the protocol's bytes unchanged, give the same outputs and the same instruction counts; the
semihosting link takes a pipelined load whole and leaves QEMU cleanly when the runner closes the line."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tinyperf import profiles
from tinyperf.cli import main as tinyperf
from tinyperf.datasets.evalset import EvalEntry, write_labels
from tinyperf.errors import DeviceError
from tinyperf.firmware import build as fwbuild
from tinyperf.runner.client import DutClient, TrafficLog
from tinyperf.runner.transport import QemuDut, qemu_argv, qemu_link_of

from .helpers import make_model

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None,
                                reason="qemu-system-arm / arm-none-eabi-gcc absent")


def _build(tmp_path: Path, name: str, uart: bool, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ad firmware of the hand model; *uart* adds the build flag of the UART link to the profile's cflags."""
    if uart:
        original = profiles.board

        def with_uart(board: str) -> dict[str, Any]:
            prof = copy.deepcopy(original(board))
            prof["toolchain"]["cflags"] = [*prof["toolchain"]["cflags"], "-DTP_QEMU_LINK_UART"]
            return prof

        monkeypatch.setattr(fwbuild.profiles, "board", with_uart)
    try:
        model = tmp_path / "m"
        if not model.exists():
            make_model("ad").write(model)
        return fwbuild.build_firmware("qemu_m4", model, "ad", tmp_path / name).firmware
    finally:
        monkeypatch.undo()


@pytest.fixture(scope="module")
def firmwares(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("qemu_link")
    mp = pytest.MonkeyPatch()
    return {"semihosting": _build(tmp, "fw_semi", False, mp), "uart": _build(tmp, "fw_uart", True, mp)}


def test_the_firmware_names_its_link(firmwares: dict[str, Path], tmp_path: Path) -> None:
    assert qemu_link_of(firmwares["semihosting"]) == "semihosting"
    assert qemu_link_of(firmwares["uart"]) == "uart"
    legacy = tmp_path / "legacy.elf"  # a firmware from before the marker speaks UART0
    legacy.write_bytes(firmwares["uart"].read_bytes().replace(b"tinyperf-qemu-link=", b"xxxxxxxxxxxxxxxxxxx"))
    assert qemu_link_of(legacy) == "uart"
    odd = tmp_path / "odd.elf"
    odd.write_bytes(b"\0tinyperf-qemu-link=morse;\0")
    with pytest.raises(DeviceError, match="unknown qemu_m4 link 'morse'"):
        qemu_link_of(odd)
    # the semihosting command line leaves QEMU's stdio to the firmware alone
    argv = qemu_argv(firmwares["semihosting"], "semihosting")
    assert "-nographic" not in argv and argv[argv.index("-serial") + 1] == "null"
    assert "enable=on,target=native" in argv


@pytest.mark.parametrize("link", ["semihosting", "uart"])
def test_pipelined_load_arrives_byte_exact(firmwares: dict[str, Path], link: str) -> None:
    data = os.urandom(5120)  # ad's largest `db load`, 166 commands, pipelined 32 at a time
    dut = QemuDut(firmwares[link])
    try:
        assert dut.link == link
        client = DutClient(dut, TrafficLog(io.StringIO()), timeout=30.0)
        assert "m-init-done" in client.boot(20.0)
        assert client.name() == "tinyperf"
        client.load(data)
        lines = client.command("db print")
        got = bytes.fromhex("".join(line.removeprefix("m-buffer-").replace("-", "") for line in lines if line))
        assert got == data
        proc = dut.proc
    finally:
        dut.close()
    if link == "semihosting":  # end of input: the firmware leaves QEMU itself (SYS_EXIT), status 0
        assert proc is not None and proc.returncode == 0


def test_links_give_the_same_outputs_and_instruction_counts(firmwares: dict[str, Path], tmp_path: Path) -> None:
    data = tmp_path / "eval"  # one ad file of three windows: the UART link needs ~0.6 s a window
    data.mkdir()
    rng = np.random.default_rng(3)
    (data / "ad_0.bin").write_bytes(rng.normal(-20.0, 8.0, 640 + 2 * 128).astype("<f4").tobytes())
    write_labels(data, [EvalEntry("ad_0.bin", 2, 0, 2560, 512)])
    got: dict[str, Any] = {}
    for link, fw in firmwares.items():
        for mode in ("accuracy", "performance"):
            out = tmp_path / f"{link}_{mode}"
            extra = ["--iterations", "20", "--warmup", "1", "--windows", "2"] if mode == "performance" else []
            assert tinyperf(["run", "--board", "qemu_m4", "--firmware", str(fw), "--mode", mode, "--data", str(data),
                             "-o", str(out), *extra]) == 0
            got[f"{link}_{mode}"] = json.loads((out / "results.json").read_text())
    semi, uart = got["semihosting_accuracy"], got["uart_accuracy"]
    assert semi["files"] == uart["files"] == 1
    assert semi["predictions"] == uart["predictions"]
    assert got["semihosting_performance"]["instructions_per_inference"] > 1000
    assert got["semihosting_performance"]["instructions_per_inference"] == \
        got["uart_performance"]["instructions_per_inference"]
