"""Accuracy mode: every evaluation file through the DUT (`infer 1 0` after each load).

Classifiers: top-1 of the argmax of each file's m-results vector. ad: each file's 196 windows, the score the
mean of the windows' MSEs, ROC AUC with scikit-learn as the MLPerf rules require. Per-file predictions go
into results.json so they can be compared with the host int8 evaluation.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf.datasets.evalset import read_labels
from tinyperf.progress import track
from tinyperf.runner.client import DutClient

log = logging.getLogger(__name__)


def run_accuracy(client: DutClient, task: str, data_dir: Path, max_files: int | None = None) -> dict[str, Any]:
    entries = read_labels(data_dir)
    total = len(entries)
    if max_files is not None:
        entries = entries[:max_files]
    predictions: list[dict[str, Any]] = []
    t0 = time.monotonic()
    for k, entry in enumerate(track(entries, desc=f"accuracy {task}", unit="file")):
        raw = (data_dir / entry.file).read_bytes()
        outputs = []
        for window in entry.windows(raw):
            client.load(window)
            outputs.append(client.infer(1, 0, timeout=client.timeout).results)
        rec: dict[str, Any] = {"file": entry.file, "label": entry.label}
        if task == "ad":
            scores = [o[0] for o in outputs]
            rec["score"] = float(np.mean(scores))
            rec["window_scores"] = scores
        else:
            vec = outputs[0]
            rec["prediction"] = int(np.argmax(vec))
            rec["outputs"] = vec
        predictions.append(rec)
        if (k + 1) % 50 == 0:
            log.info("%d/%d files, %.1f s", k + 1, len(entries), time.monotonic() - t0)
    reasons = []
    if len(entries) < total:
        reasons.append(f"evaluated {len(entries)} of {total} files")
    labels = np.array([p["label"] for p in predictions])
    result: dict[str, Any] = {"mode": "accuracy", "files": len(entries), "files_total": total}
    if task == "ad":
        from sklearn.metrics import roc_auc_score

        scores = np.array([p["score"] for p in predictions])
        if len(set(labels.tolist())) < 2:
            result["auc"] = None
            reasons.append("AUC undefined: the evaluated files hold only one class")
        else:
            result["auc"] = float(roc_auc_score(labels, scores))
    else:
        preds = np.array([p["prediction"] for p in predictions])
        result["accuracy"] = float(np.mean(preds == labels))
        result["top1_percent"] = 100.0 * result["accuracy"]
    result["compliant"] = not reasons
    result["noncompliance"] = reasons
    result["predictions"] = predictions
    result["wall_s"] = time.monotonic() - t0
    return result


def accuracy_lines(result: dict[str, Any]) -> list[str]:
    out = []
    if "top1_percent" in result:
        out.append(f"Top-1: {result['top1_percent']:.1f}%")
    if "auc" in result:
        out.append(f"AUC = {result['auc']:.3f}" if result["auc"] is not None else "AUC = undefined")
    out.append(f"Files evaluated: {result['files']} of {result['files_total']}")
    if not result["compliant"]:
        out.append("NOT COMPLIANT: " + "; ".join(result["noncompliance"]))
    return out
