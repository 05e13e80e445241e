"""Fit a task's reference architecture on prepared features with the reference recipe; seeded."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf import fsutil, profiles, progress, tfenv
from tinyperf.errors import DatasetError

log = logging.getLogger(__name__)


def lr_at(schedule: dict[str, Any], epoch: int) -> float:
    """The learning rate of *epoch* (0-based) under a task profile's schedule."""
    kind = schedule["kind"]
    if kind == "constant":
        return float(schedule["value"])
    if kind == "exponential":
        return float(schedule["initial"]) * float(schedule["rate"]) ** epoch
    if kind == "steps":
        for boundary, value in zip(schedule["boundaries"], schedule["values"], strict=False):
            if epoch < boundary:
                return float(value)
        return float(schedule["values"][-1])
    raise ValueError(f"unknown learning-rate schedule {kind!r}")


def refresh_batchnorm(keras: Any, model: Any, x: np.ndarray, batch: int, max_batches: int = 64) -> int:
    """Re-estimate every BatchNormalization layer's moving mean and variance over the training data.

    Keras keeps them as exponential averages with momentum 0.99, which need a few hundred steps to forget
    their initial values (0 and 1). A short training (the demo's few epochs on small data) ends with stale
    statistics, and inference then sees a different network from the one trained. Averaging the batch
    statistics over the data (momentum i/(i+1) for the i-th batch: an exact running mean) gives what the
    moving averages converge to; nothing else changes. Returns the number of batches used.
    """
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if not layers:
        return 0
    saved = [layer.momentum for layer in layers]
    n = 0
    try:
        for n, start in enumerate(range(0, min(len(x), batch * max_batches), batch)):
            for layer in layers:
                layer.momentum = n / (n + 1)
            model(x[start : start + batch], training=True)  # eager call: the momentum above is used
    finally:
        for layer, momentum in zip(layers, saved, strict=True):
            layer.momentum = momentum
    return n + 1


#: Below this many optimizer steps the BatchNormalization moving averages (momentum 0.99) are still stale.
BN_SETTLED_STEPS = 1000


def load_training_data(task: str, prepared: Path) -> tuple[np.ndarray, Any, np.ndarray | None, Any]:
    from tinyperf import datasets

    x, y = datasets.load_split(prepared, "train")
    try:
        xv, yv = datasets.load_split(prepared, "val")
    except (DatasetError, FileNotFoundError):
        xv, yv = None, None
    x = datasets.model_input(task, x)
    xv = datasets.model_input(task, xv) if xv is not None and len(xv) else None
    return x, y, xv, yv


def train(task: str, prepared: str | Path, out_dir: str | Path, epochs: int, seed: int,
          threads: int | None = None) -> dict[str, Any]:
    """Train and write out_dir/float.keras, history.json, train.json. Returns train.json's content."""
    profile = profiles.task(task)
    keras = tfenv.setup(threads=threads, seed=seed)
    from tinyperf.training import models

    out_dir = Path(out_dir)
    x, y, xv, yv = load_training_data(task, Path(prepared))
    recipe = profile["training"]
    n_classes = len(profile["classes"])
    model = models.build(keras, profile)
    loss = recipe["loss"]
    metrics = [] if task == "ad" else ["accuracy"]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr_at(recipe["lr_schedule"], 0)),
                  loss=loss, metrics=metrics)

    if task == "ad":
        targets, val_targets = x, xv
    elif loss == "categorical_crossentropy":
        targets = keras.utils.to_categorical(y, n_classes)
        val_targets = keras.utils.to_categorical(yv, n_classes) if xv is not None else None
    else:
        targets, val_targets = y, yv

    callbacks = [keras.callbacks.LearningRateScheduler(lambda e, _lr: lr_at(recipe["lr_schedule"], e))]
    # On a terminal one redrawn line; in a log (Snakemake) one line per epoch.
    verbose = 2
    if progress.enabled():
        callbacks.append(progress.keras_callback(epochs, desc=f"training {task}"))
        verbose = 0
    fit_kw: dict[str, Any] = {"epochs": epochs, "callbacks": callbacks, "verbose": verbose}
    if xv is not None:
        fit_kw["validation_data"] = (xv, val_targets)
    elif recipe.get("validation_split"):
        fit_kw["validation_split"] = recipe["validation_split"]

    batch = min(int(recipe["batch_size"]), max(1, len(x)))
    aug = recipe.get("augmentation")
    started = time.monotonic()
    log.info("training %s (%s) on %d samples for %d epochs", task, model.name, len(x), epochs)
    if aug:
        gen = keras.preprocessing.image.ImageDataGenerator(
            rotation_range=aug["rotation"], width_shift_range=aug["shift"], height_shift_range=aug["shift"],
            zoom_range=aug["zoom"], horizontal_flip=aug["horizontal_flip"])
        history = model.fit(gen.flow(x, targets, batch_size=batch, seed=seed),
                            steps_per_epoch=int(np.ceil(len(x) / batch)), **fit_kw)
    else:
        history = model.fit(x, targets, batch_size=batch, shuffle=True, **fit_kw)
    steps = epochs * int(np.ceil(len(x) / batch))
    bn_batches = 0
    if steps < BN_SETTLED_STEPS:
        order = np.random.default_rng(seed).permutation(len(x))
        bn_batches = refresh_batchnorm(keras, model, x[order], batch)
        log.info("%d optimizer steps only: BatchNormalization statistics re-estimated over %d batches", steps,
                 bn_batches)
    seconds = time.monotonic() - started

    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    summary = {
        "task": task,
        "architecture": profile["model"]["architecture"],
        "epochs": epochs,
        "seed": seed,
        "batch_size": batch,
        "train_samples": len(x),
        "val_samples": 0 if xv is None else len(xv),
        "params": int(model.count_params()),
        "steps": steps,
        "batchnorm_refreshed_batches": bn_batches,
        "seconds": round(seconds, 2),
        "final": {k: v[-1] for k, v in hist.items()},
        "versions": tfenv.versions(),
    }
    with fsutil.atomic_path(out_dir / "float.keras") as tmp:
        model.save(tmp)
    fsutil.write_json(out_dir / "history.json", hist)
    fsutil.write_json(out_dir / "train.json", summary)
    log.info("trained in %.1f s: %s", seconds, json.dumps(summary["final"]))
    return summary
