"""Per-task input/output on the device equals workflow/tinyperf/codec.py (host board, hand-written model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tinyperf import codec
from tinyperf.datasets.evalset import read_labels

from .helpers import build, load_commands, make_model, pipe_session, results_of, write_evalset


def expected_results(task: str, model, raw_inputs: list[bytes]) -> list[list[str]]:
    q_in = codec.QParams(model.input_scale, model.input_zero_point)
    q_out = codec.QParams(model.output_scale, model.output_zero_point)
    out = []
    for raw in raw_inputs:
        x = codec.file_to_int8(task, raw, q_in)
        y = model.invoke(x)
        if task == "ad":
            window = np.frombuffer(raw, dtype="<f4")
            out.append([f"{codec.ad_score(window, y, q_out):.3f}"])
        else:
            out.append([f"{v:.3f}" for v in codec.dequantize(y, q_out).astype(np.float64)])
    return out


@pytest.mark.parametrize("identity", [True, False], ids=["file-params", "requantized"])
@pytest.mark.parametrize("task", ["kws", "vww", "ic", "ad"])
def test_device_io_equals_codec(tmp_path: Path, task: str, identity: bool) -> None:
    if task == "ad" and identity:
        pytest.skip("ad always quantizes on the device")
    model = make_model(task, identity)
    fw = build("host", task, model.write(tmp_path / "m"), tmp_path / "fw")
    data = write_evalset(tmp_path / "eval", task, files=3)
    raws = []
    for entry in read_labels(data):
        raw = (data / entry.file).read_bytes()
        raws += list(entry.windows(raw))[:4]
    commands = "".join(load_commands(r) + "infer 1 0%" for r in raws)
    got = results_of(pipe_session(fw, commands))
    assert got == expected_results(task, model, raws)
    assert len(got) == len(raws)


def test_rounding_edge_cases_match_codec(tmp_path: Path) -> None:
    """Halves, values that round across the +0.5f, saturation, negative zero: ad quantization on the DUT."""
    model = make_model("ad")
    fw = build("host", "ad", model.write(tmp_path / "m"), tmp_path / "fw")
    s = np.float32(model.input_scale)
    specials = np.array([0.5, -0.5, 1.5, -1.5, 2.5, 0.49999997, -0.49999997, 1e9, -1e9, -0.0, 127.5, -128.5],
                        dtype=np.float32) * s
    window = np.resize(specials, 640).astype("<f4")
    window[100:] = np.linspace(-60, 60, 540, dtype=np.float32)
    raw = window.tobytes()
    got = results_of(pipe_session(fw, load_commands(raw) + "infer 1 0%"))
    assert got == expected_results("ad", model, [raw])
