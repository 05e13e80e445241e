"""Open a DUT for a board: spawn it (host, qemu_m4) or open its port, wait for boot, learn its task."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tinyperf import profiles
from tinyperf.errors import ConfigError, DeviceError
from tinyperf.runner.client import DutClient, TrafficLog
from tinyperf.runner.transport import PtyProcess, QemuDut, SerialPort, Transport

#: m-model-[...] → task
MODEL_VERSIONS = {profiles.task(t)["mlperf_model"]: t for t in profiles.TASKS}
BOOT_TIMEOUT_S = 20.0


@dataclass
class Dut:
    client: DutClient
    transport: Transport
    task: str
    model_version: str
    name: str
    boot_lines: list[str]


def results_per_inference(task: str) -> int:
    """Values of one m-results-[...]: ad's DUT prints its window's score, a classifier every class's output."""
    data_task = profiles.data_task(task)
    return 1 if data_task == "ad" else len(profiles.task(data_task)["classes"])


def open_transport(board: str, firmware: Path | None, port: str | None, baud: int | None,
                   stderr_path: Path | None) -> Transport:
    if port:
        task_baud = baud or profiles.board(board)["serial"].get("baud") or 115200
        return SerialPort(port, int(task_baud))
    if firmware is None:
        raise ConfigError("--firmware is required unless --port names a board's serial port")
    if not firmware.exists():
        raise ConfigError(f"{firmware}: no such firmware; build it with `tinyperf build`")
    transport = profiles.board(board)["serial"]["transport"]
    if transport == "pty":
        return PtyProcess([str(firmware.resolve())], stderr_path)
    if transport == "qemu":
        return QemuDut(firmware.resolve(), stderr_path)
    raise ConfigError(f"board {board} is a physical board: pass --port (e.g. /dev/ttyACM0) after flashing it")


@contextlib.contextmanager
def open_dut(board: str, firmware: Path | None, log: TrafficLog, port: str | None = None,
             baud: int | None = None, stderr_path: Path | None = None,
             timeout: float = 10.0) -> Iterator[Dut]:
    """The DUT booted and identified; its process (if any) is killed when the block exits, however."""
    with open_transport(board, firmware, port, baud, stderr_path) as transport:
        client = DutClient(transport, log, timeout=timeout)
        # A spawned DUT prints its boot lines; a board on a port booted long ago and prints nothing.
        boot = client.boot(BOOT_TIMEOUT_S) if not port else []
        name = client.name()
        version = client.profile()
        task = MODEL_VERSIONS.get(version)
        if task is None:
            raise DeviceError(f"the DUT reports model {version!r}; tinyperf knows {', '.join(MODEL_VERSIONS)}")
        client.expected_results = results_per_inference(task)
        yield Dut(client, transport, task, version, name, boot)
