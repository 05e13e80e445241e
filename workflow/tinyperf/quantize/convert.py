"""Convert a float Keras model to a full-int8 TFLite model (int8 input and output)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf import fsutil, profiles, tfenv
from tinyperf.errors import DatasetError, ModelError

log = logging.getLogger(__name__)


def calibration_samples(task: str, prepared: Path, size: int | None) -> np.ndarray:
    from tinyperf import datasets

    x, _ = datasets.load_split(prepared, "calibration")
    if not len(x):
        raise DatasetError(f"{prepared}: the calibration set is empty")
    if size is not None:
        x = x[:size]
    return datasets.model_input(task, x)


def to_int8_tflite(keras_model: Any, calib: np.ndarray) -> bytes:
    import tensorflow as tf

    def representative() -> Iterator[list[np.ndarray]]:
        for sample in calib:
            yield [sample[np.newaxis].astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def qat_finetune(keras: Any, model: Any, task: str, prepared: Path, epochs: int, seed: int) -> Any:
    """Quantization-aware fine-tuning with tensorflow-model-optimization's default 8-bit scheme."""
    import tensorflow_model_optimization as tfmot

    from tinyperf.training.train import load_training_data

    profile = profiles.task(task)
    x, y, _, _ = load_training_data(task, prepared)
    qmodel = tfmot.quantization.keras.quantize_model(model)
    loss = profile["training"]["loss"]
    if task == "ad":
        targets = x
    elif loss == "categorical_crossentropy":
        targets = keras.utils.to_categorical(y, len(profile["classes"]))
    else:
        targets = y
    qmodel.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4), loss=loss)
    batch = min(int(profile["training"]["batch_size"]), len(x))
    qmodel.fit(x, targets, batch_size=batch, epochs=epochs, shuffle=True, verbose=2)
    return qmodel


def io_params(tflite: bytes) -> dict[str, Any]:
    from tinyperf.evaluate.interpreters import describe_io

    return describe_io(tflite)


def quantize(task: str, float_model: str | Path, prepared: str | Path, out_dir: str | Path,
             method: str = "ptq", calibration_size: int | None = None, qat_epochs: int = 2,
             seed: int = 1234, threads: int | None = None) -> dict[str, Any]:
    """Write out_dir/int8.tflite and out_dir/quantize.json; return the latter's content."""
    keras = tfenv.setup(threads=threads, seed=seed)
    prepared, out_dir = Path(prepared), Path(out_dir)
    try:
        model = keras.models.load_model(float_model)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{float_model}: cannot load the float Keras model: {exc}") from exc
    size = calibration_size or profiles.task(task)["quantization"].get("calibration_size")
    calib = calibration_samples(task, prepared, size)
    started = time.monotonic()
    if method == "qat":
        model = qat_finetune(keras, model, task, prepared, qat_epochs, seed)
    elif method != "ptq":
        raise ModelError(f"unknown quantization method {method!r}; allowed: ptq, qat")
    flat = to_int8_tflite(model, calib)
    seconds = time.monotonic() - started
    summary = {
        "task": task,
        "method": method,
        "calibration_samples": len(calib),
        "qat_epochs": qat_epochs if method == "qat" else 0,
        "bytes": len(flat),
        "io": io_params(flat),
        "seconds": round(seconds, 2),
        "versions": tfenv.versions(),
    }
    with fsutil.atomic_path(out_dir / "int8.tflite") as tmp:
        tmp.write_bytes(flat)
    fsutil.write_json(out_dir / "quantize.json", summary)
    log.info("quantized %s (%s, %d calibration samples): %d bytes", task, method, len(calib), len(flat))
    return summary


def import_model(task: str, tflite: str | Path, out_dir: str | Path, official: bool = False) -> dict[str, Any]:
    """Bring your own model (or the official int8 one, *official*): refuse it unless it is full-int8 and fits the
    task's input; copy it in."""
    from tinyperf.evaluate.interpreters import Int8Model

    model = Int8Model.from_file(tflite)
    expected = int(np.prod(profiles.task(task)["input_shape"]))
    got = int(np.prod(model.input["shape"]))
    if got != expected:
        raise ModelError(
            f"{tflite}: input shape {model.input['shape']} ({got} values) does not fit task {task}, whose "
            f"evaluation files give {expected} values per input ({profiles.task(task)['input_shape']})"
        )
    out_dir = Path(out_dir)
    flat = Path(tflite).read_bytes()
    summary = {"task": task, "method": "official" if official else "imported", "source": str(tflite),
               "sha256": _sha256(flat),
               "bytes": len(flat), "io": {"input": model.input, "output": model.output}}
    with fsutil.atomic_path(out_dir / "int8.tflite") as tmp:
        tmp.write_bytes(flat)
    fsutil.write_json(out_dir / "quantize.json", summary)
    return summary


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
