"""The official MLPerf Tiny fp32 models (closed division): fetched at a pinned commit, loaded as Keras models.

The manifests are datasets/reference_fp32/<task>.yaml (model=reference-ptq). The download code is the datasets
stage's (resumable, size-checked, atomic); the files are then loaded with the Keras 2 API and saved as
float.keras, so the quantization stage treats a reference model exactly like a model trained here.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tinyperf import REPO_ROOT, fsutil, tfenv
from tinyperf.errors import ModelError

log = logging.getLogger(__name__)

MANIFEST_DIR = REPO_ROOT / "datasets" / "reference_fp32"


def manifest(task: str) -> Path:
    return MANIFEST_DIR / f"{task}.yaml"


def _load(keras: Any, downloads: Path, names: list[str]) -> Any:
    if "saved_model.pb" in names:
        # A TensorFlow SavedModel (kws): rebuild its folder layout from the flat downloads.
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "saved_model"
            (root / "variables").mkdir(parents=True)
            for name in names:
                dest = root / name if name == "saved_model.pb" else root / "variables" / name
                shutil.copyfile(downloads / name, dest)
            return keras.models.load_model(root, compile=False)
    (h5,) = [n for n in names if n.endswith((".h5", ".keras"))]
    return keras.models.load_model(downloads / h5, compile=False)


def import_reference(task: str, downloads: str | Path, out_dir: str | Path, manifest_path: str | Path | None = None,
                     threads: int | None = None) -> dict[str, Any]:
    """Fetch (or reuse) the official fp32 model of *task* and write out_dir/float.keras + reference.json."""
    from tinyperf.datasets import download
    from tinyperf.datasets import manifest as mf

    manifest_path = Path(manifest_path or manifest(task))
    downloads, out_dir = Path(downloads), Path(out_dir)
    records = download.fetch_all(manifest_path, downloads, trust_unverified=True,
                                 record=downloads / "verified.json")
    keras = tfenv.setup(threads=threads)
    names = [a.name for a in mf.load(manifest_path).archives]
    try:
        model = _load(keras, downloads, names)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelError(f"{manifest_path}: the downloaded reference model cannot be loaded by Keras: {exc}") from exc
    summary = {
        "task": task,
        "source": str(manifest_path),
        "files": records,
        "params": int(model.count_params()),
        "input_shape": [int(d) for d in model.input_shape[1:]],
        "versions": tfenv.versions(),
    }
    with fsutil.atomic_path(out_dir / "float.keras") as tmp:
        model.save(tmp)
    fsutil.write_json(out_dir / "reference.json", summary)
    log.info("reference %s model: %d parameters, input %s", task, summary["params"], summary["input_shape"])
    return summary
