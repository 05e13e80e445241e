"""The TFLM model directory: the resolver's ops, the arena search (robust to the interpreter crashing), and the
model.h interface the DUT shares with tinyperf's generated code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import reference_model
from tinyperf.engines import glue
from tinyperf.errors import ModelError

#: glue's own search, on a stand-in for tflite-micro's interpreter: below 5000 B it fails, below 8000 it crashes (as
#: the real interpreter does on some models), from 8000 it fits
_FAKE_RUNTIME = """
import os, signal
class runtime:
    class Interpreter:
        @staticmethod
        def from_file(path, arena_size):
            if 5000 <= arena_size < 8000:
                os.kill(os.getpid(), signal.SIGSEGV)
            if arena_size < 8000:
                raise RuntimeError("too small")
"""
_REAL_IMPORT = "from tflite_micro.python.tflite_micro import runtime\n"
_FAKE = glue._SEARCH.replace(_REAL_IMPORT, _FAKE_RUNTIME)


def test_resolver_methods_follow_tflms_names() -> None:
    assert glue.resolver_method("CONV_2D") == "AddConv2D"
    assert glue.resolver_method("DEPTHWISE_CONV_2D") == "AddDepthwiseConv2D"
    assert glue.resolver_method("AVERAGE_POOL_2D") == "AddAveragePool2D"
    assert glue.resolver_method("FULLY_CONNECTED") == "AddFullyConnected"
    assert glue.resolver_method("RELU6") == "AddRelu6" and glue.resolver_method("MEAN") == "AddMean"


def test_the_arena_search_survives_a_crashing_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _REAL_IMPORT in glue._SEARCH
    monkeypatch.setattr(glue, "_SEARCH", _FAKE)
    assert glue.min_arena(tmp_path / "model.tflite", hi=1 << 16) == 8000
    with pytest.raises(ModelError, match="cannot allocate this model's tensors even in"):
        glue.min_arena(tmp_path / "model.tflite", hi=4096)


@pytest.mark.needs_models
def test_the_model_directory_has_the_duts_interface(tmp_path: Path) -> None:
    meta = glue.generate(reference_model("kws"), tmp_path / "gen", "tflm-cmsis-nn")
    assert meta["engine"] == "tflm-cmsis-nn" and meta["arena_bytes"] == 24_272  # 64-bit, reference kernels
    assert meta["resolver_ops"] == ["AVERAGE_POOL_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED",
                                    "RESHAPE", "SOFTMAX"]
    assert meta["macs"] == 2_656_768 and meta["model_bytes"] == 53_936
    header = (tmp_path / "gen" / "model.h").read_text()
    for line in ("#define MODEL_INPUT_SIZE 490", "#define MODEL_OUTPUT_SIZE 12", "#define MODEL_INPUT_ZERO_POINT 83",
                 "int model_invoke(const int8_t *input, int8_t *output);", "#ifndef MODEL_ARENA_SIZE"):
        assert line in header
    assert "X(AddSoftmax)" in (tmp_path / "gen" / "model_ops.h").read_text()
    with pytest.raises(ModelError, match="'tinyperf' is not a TFLM engine"):
        glue.generate(reference_model("kws"), tmp_path / "x", "tinyperf")
    with pytest.raises(ModelError, match="cannot read"):
        glue.generate(tmp_path / "absent.tflite", tmp_path / "y", "tflm")
