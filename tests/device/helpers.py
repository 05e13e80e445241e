"""Building firmware and talking to it directly, for the device tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from tinyperf.datasets.evalset import EvalEntry, write_labels
from tinyperf.firmware.build import build_firmware

from .testmodel import HandModel

#: per task: the test model's input/output sizes and file-identity quantization (the reference models')
TASK_SHAPES = {"kws": (490, 12), "vww": (27648, 2), "ic": (3072, 10), "ad": (640, 640)}
IDENTITY_PARAMS = {"kws": (0.5847029, 83), "vww": (1 / 255, -128), "ic": (1.0, -128)}


def make_model(task: str, identity: bool = False) -> HandModel:
    n_in, n_out = TASK_SHAPES[task]
    if identity and task in IDENTITY_PARAMS:
        scale, zp = IDENTITY_PARAMS[task]
    else:
        scale, zp = {"kws": (0.4, 5), "vww": (0.0123, -3), "ic": (0.9, -100), "ad": (0.37, 7)}[task]
    shift = 12 if task == "vww" else 6
    return HandModel(n_in, n_out, scale, zp, 0.00390625 if task != "ad" else 0.29, -128 if task != "ad" else 3,
                     shift=shift)


def build(board: str, task: str, model_dir: Path, out: Path) -> Path:
    return build_firmware(board, model_dir, task, out).firmware


def pipe_session(firmware: Path, commands: str, timeout: float = 20.0) -> str:
    """Run a host firmware with *commands* on stdin (a pipe); return everything it printed."""
    proc = subprocess.run([str(firmware)], input=commands.encode(), capture_output=True, timeout=timeout,
                          check=True)
    return proc.stdout.decode()


def mask_laps(text: str) -> str:
    return re.sub(r"m-lap-us-\d+", "m-lap-us-T", text)


def load_commands(data: bytes) -> str:
    cmds = [f"db load {len(data)}%"]
    cmds += [f"db {data[i:i + 31].hex()}%" for i in range(0, len(data), 31)]
    return "".join(cmds)


def results_of(output: str) -> list[list[str]]:
    return [m.split(",") for m in re.findall(r"m-results-\[(.*?)\]\r\n", output)]


def write_evalset(out: Path, task: str, files: int, seed: int = 0) -> Path:
    """Random evaluation files in the official layout, labels cycling over the classes."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    n_classes = {"kws": 12, "vww": 2, "ic": 10, "ad": 2}[task]
    for i in range(files):
        name = f"{task}_{i:03d}.bin"
        if task == "ad":
            raw = rng.normal(0.0, 2.0 + i % 2, 200 * 128).astype("<f4").tobytes()
            entries.append(EvalEntry(name, 2, i % 2, 2560, 512))
        elif task == "kws":
            raw = rng.integers(-128, 128, 490, dtype=np.int8).tobytes()
            entries.append(EvalEntry(name, n_classes, i % n_classes))
        else:
            raw = rng.integers(0, 256, TASK_SHAPES[task][0], dtype=np.uint8).tobytes()
            entries.append(EvalEntry(name, n_classes, i % n_classes))
        (out / name).write_bytes(raw)
    write_labels(out, entries)
    return out
