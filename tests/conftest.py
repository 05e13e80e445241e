"""Shared fixtures: repository paths and the MLPerf Tiny reference models (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The six reference int8 models; override with TINYPERF_SHARED_MODELS. Never copied into the repository.
SHARED_MODELS = Path(os.environ.get("TINYPERF_SHARED_MODELS", REPO_ROOT.parent / "shared" / "models"))

REFERENCE_MODELS = {
    "kws": "kws/kws_ref_model.tflite",
    "vww": "vww/vww_96_int8.tflite",
    "ic": "ic/pretrainedResnet_quant.tflite",
    "ic2": "ic/pretrainedResnet_large_int8.tflite",
    "ad": "ad/ad01_int8.tflite",
    "sww": "sww/str_ww_ref_model.tflite",
}


def reference_model(name: str) -> Path:
    path = SHARED_MODELS / REFERENCE_MODELS[name]
    if not path.exists():
        pytest.skip(f"reference model {path} absent")
    return path


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
