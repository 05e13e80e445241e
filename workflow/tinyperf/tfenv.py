"""TensorFlow set-up shared by the stages that use it: Keras 2 API, threads, seeds, quiet logs.

tensorflow-model-optimization needs the Keras 2 API, so every stage builds models with tf_keras; the
environment must be set before TensorFlow is first imported.
"""

from __future__ import annotations

import os
import random
from typing import Any


def setup(threads: int | None = None, seed: int | None = None) -> Any:
    """Import and configure TensorFlow; return the tf_keras module."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Deterministic kernels: the same seed gives the same model on the same machine.
    os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
    import numpy as np
    import tensorflow as tf
    import tf_keras

    if threads:
        # Snakemake's OMP_NUM_THREADS does not bound TensorFlow's Eigen pools; the rule's threads must.
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, threads)))
        except RuntimeError:
            pass  # already initialised in this process (tests): keep the first setting
    if seed is not None:
        random.seed(seed)
        np.random.seed(seed)
        tf.random.set_seed(seed)
        tf_keras.utils.set_random_seed(seed)
    return tf_keras


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("tensorflow", "tf-keras", "tensorflow-model-optimization", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "absent"
    return out
