"""Accuracy of the float and int8 models on the MLPerf evaluation files, as the device computes it.

The int8 path feeds each file through tinyperf.codec exactly as the firmware does and reports what the device
would print, so these predictions are the ones device results must equal. Classifiers: top-1 of the argmax.
ad: per window the MSE of the reconstruction (printed with 3 decimals, as the DUT does), per file the mean
over the 196 windows, then scikit-learn's ROC AUC over files, as the MLPerf runner computes it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf import codec, fsutil, profiles
from tinyperf.datasets import evalset
from tinyperf.evaluate.interpreters import Int8Model

log = logging.getLogger(__name__)


def metric_value(metric: str, labels: list[int], preds: list[float]) -> float:
    if metric == "auc":
        from sklearn.metrics import roc_auc_score

        if len(set(labels)) < 2:
            return float("nan")
        return float(roc_auc_score(labels, preds))
    return float(np.mean(np.asarray(labels) == np.asarray(preds)))


def device_value(x: float) -> float:
    """What the DUT prints for a float (%0.3f), read back."""
    return float(f"{x:.3f}")


def evaluate_int8(task: str, eval_dir: Path, model: Int8Model) -> dict[str, Any]:
    preds: dict[str, float] = {}
    labels: dict[str, int] = {}
    for entry, inputs in evalset.iter_inputs(eval_dir):
        labels[entry.file] = entry.label
        if task == "ad":
            scores = []
            for raw in inputs:
                out = model(codec.file_to_int8(task, raw, model.q_in))
                scores.append(device_value(codec.ad_score(codec.file_to_float(task, raw), out, model.q_out)))
            preds[entry.file] = float(np.mean(scores))
        else:
            out = model(codec.file_to_int8(task, inputs[0], model.q_in))
            preds[entry.file] = int(np.argmax(out))
    return {"labels": labels, "predictions": preds}


def evaluate_float(task: str, eval_dir: Path, keras_model: Any, input_shape: list[int]) -> dict[str, Any]:
    preds: dict[str, float] = {}
    labels: dict[str, int] = {}
    for entry, inputs in evalset.iter_inputs(eval_dir):
        labels[entry.file] = entry.label
        batch = np.stack([codec.file_to_float(task, raw).reshape(input_shape) for raw in inputs])
        out = keras_model(batch, training=False).numpy()
        if task == "ad":
            mse = np.mean((out.reshape(len(batch), -1) - batch.reshape(len(batch), -1)) ** 2, axis=1)
            preds[entry.file] = float(np.mean(mse))
        else:
            preds[entry.file] = int(np.argmax(out[0]))
    return {"labels": labels, "predictions": preds}


def _summarise(metric: str, result: dict[str, Any]) -> dict[str, Any]:
    files = list(result["labels"])
    value = metric_value(metric, [result["labels"][f] for f in files], [result["predictions"][f] for f in files])
    return {metric: value, **result}


def evaluate(task: str, eval_dir: str | Path, int8_model: str | Path, out: str | Path,
             float_model: str | Path | None = None, threads: int | None = None) -> dict[str, Any]:
    """Write the host accuracy JSON (float and int8) to *out*; return it."""
    profile = profiles.task(task)
    metric = profile["evaluation"]["metric"]
    eval_dir = Path(eval_dir)
    n_files = len(evalset.read_labels(eval_dir))
    report: dict[str, Any] = {
        "task": task,
        "metric": metric,
        "files": n_files,
        "official_files": profile["evaluation"]["files"],
        "complete": n_files >= profile["evaluation"]["files"],
        "quality_target": profile["evaluation"]["quality_target"],
    }
    int8 = Int8Model.from_file(int8_model)
    report["int8"] = _summarise(metric, evaluate_int8(task, eval_dir, int8))
    report["int8"]["io"] = {"input": int8.input, "output": int8.output}
    if float_model is not None:
        from tinyperf import tfenv

        keras = tfenv.setup(threads=threads)
        model = keras.models.load_model(float_model)
        report["float"] = _summarise(metric, evaluate_float(task, eval_dir, model, profile["input_shape"]))
    report["meets_target"] = bool(report["int8"][metric] >= report["quality_target"])
    fsutil.write_json(out, report)
    line = ", ".join(f"{k} {report[k][metric]:.4f}" for k in ("float", "int8") if k in report)
    log.info("%s on %d evaluation files: %s", task, n_files, line)
    return report
