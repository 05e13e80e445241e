"""Training, quantization, bring-your-own and reference models, and host evaluation, on small real runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from tinyperf import profiles, tfenv
from tinyperf.datasets import evalset
from tinyperf.errors import ModelError
from tinyperf.training.train import lr_at

REFERENCE_WEIGHTS = {"kws": 22_604, "vww": 210_850, "ic": 77_706, "ad": 265_864}  # BN folded, mlperf_tiny.md §3


@pytest.fixture(scope="module")
def keras():
    return tfenv.setup(threads=2, seed=0)


@pytest.mark.parametrize("task", ["kws", "vww", "ic", "ad"])
def test_architectures_have_the_reference_size(keras, task: str) -> None:
    from tinyperf.training import models

    model = models.build(keras, profiles.task(task))
    bn = sum(layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert model.count_params() - bn == REFERENCE_WEIGHTS[task]
    assert list(model.input_shape[1:]) == profiles.task(task)["input_shape"]


def test_learning_rate_schedules() -> None:
    kws = profiles.task("kws")["training"]["lr_schedule"]
    assert [lr_at(kws, e) for e in (0, 11, 12, 23, 24, 35, 36)] == [5e-4, 5e-4, 1e-4, 1e-4, 2e-5, 2e-5, 1e-5]
    ic = profiles.task("ic")["training"]["lr_schedule"]
    assert lr_at(ic, 2) == pytest.approx(1e-3 * 0.99**2)
    assert lr_at({"kind": "constant", "value": 0.1}, 50) == 0.1


def _ad_data(rng: np.random.Generator, n: int, anomalous: bool = False) -> np.ndarray:
    """640-dim vectors on a low-dimensional manifold (normal) or off it (anomalous)."""
    basis = np.random.default_rng(7).normal(0, 1, (4, 640)).astype(np.float32)
    x = rng.normal(0, 1, (n, 4)).astype(np.float32) @ basis * 3 - 40
    if anomalous:
        x += rng.normal(0, 6, x.shape).astype(np.float32)
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def ad_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ad_prepared")
    rng = np.random.default_rng(0)
    np.savez(root / "train.npz", x=_ad_data(rng, 1500))
    np.savez(root / "val.npz", x=_ad_data(rng, 200))
    np.savez(root / "calibration.npz", x=_ad_data(rng, 100))
    eval_dir = root / "eval"
    eval_dir.mkdir()
    entries = []
    for i, anomalous in enumerate([False, False, False, True, True, True]):
        frames = _ad_data(rng, 40, anomalous).reshape(-1, 128)[:200]  # 200 frames x 128 mels
        name = f"{'anomaly' if anomalous else 'normal'}_id_01_{i:08d}_hist_librosa.bin"
        (eval_dir / name).write_bytes(frames.astype("<f4").tobytes())
        entries.append(evalset.EvalEntry(name, 2, int(anomalous), 2560, 512))
    evalset.write_labels(eval_dir, entries)
    return root


@pytest.fixture(scope="module")
def ad_trained(ad_prepared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tinyperf.training.train import train

    out = tmp_path_factory.mktemp("ad_model")
    summary = train("ad", ad_prepared, out, epochs=3, seed=1, threads=2)
    assert summary["epochs"] == 3 and summary["train_samples"] == 1500
    return out


def test_training_writes_model_history_and_summary(ad_trained: Path, keras) -> None:
    history = json.loads((ad_trained / "history.json").read_text())
    assert len(history["loss"]) == 3 and len(history["val_loss"]) == 3
    summary = json.loads((ad_trained / "train.json").read_text())
    assert summary["versions"]["tensorflow"].startswith("2.")
    # a 9-step training is short: the BatchNorm statistics were re-estimated, so they moved off their init
    assert summary["batchnorm_refreshed_batches"] > 0
    model = keras.models.load_model(ad_trained / "float.keras")
    bn = next(layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert not np.allclose(bn.moving_mean.numpy(), 0.0)
    assert not list(ad_trained.glob(".*.part*"))


def test_ptq_gives_full_int8_and_host_evaluation_agrees(ad_trained: Path, ad_prepared: Path, tmp_path: Path) -> None:
    from tinyperf.evaluate.host import evaluate
    from tinyperf.quantize.convert import quantize

    summary = quantize("ad", ad_trained / "float.keras", ad_prepared, tmp_path, method="ptq", seed=1)
    assert summary["calibration_samples"] == 100
    assert summary["io"]["input"]["dtype"] == "int8" and summary["io"]["output"]["dtype"] == "int8"
    assert (tmp_path / "int8.tflite").read_bytes()[4:8] == b"TFL3"
    report = evaluate("ad", ad_prepared / "eval", tmp_path / "int8.tflite", tmp_path / "acc.json",
                      float_model=ad_trained / "float.keras")
    assert report["files"] == 6 and report["metric"] == "auc"
    assert set(report["int8"]["predictions"]) == set(report["float"]["predictions"])
    # off-manifold windows reconstruct worse, in float and in int8
    assert report["float"]["auc"] == 1.0 and report["int8"]["auc"] == 1.0
    # device-style scores: 3 decimals per window, then the mean over the 196 windows
    assert all(isinstance(v, float) for v in report["int8"]["predictions"].values())
    assert json.loads((tmp_path / "acc.json").read_text()) == json.loads(json.dumps(report))


def test_qat_fine_tunes_then_converts(ad_trained: Path, ad_prepared: Path, tmp_path: Path) -> None:
    from tinyperf.quantize.convert import quantize

    summary = quantize("ad", ad_trained / "float.keras", ad_prepared, tmp_path, method="qat", qat_epochs=1, seed=1)
    assert summary["method"] == "qat" and summary["qat_epochs"] == 1
    assert summary["io"]["input"]["dtype"] == "int8"


def _float_tflite(keras, path: Path, shape: list[int]) -> Path:
    import tensorflow as tf

    model = keras.Sequential([keras.Input(shape=shape), keras.layers.Flatten(), keras.layers.Dense(4)])
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path


def test_bring_your_own_model_is_checked(keras, ad_trained: Path, ad_prepared: Path, tmp_path: Path) -> None:
    from tinyperf.quantize.convert import import_model, quantize

    with pytest.raises(ModelError, match="not quantized int8; tinyperf needs a full-int8 model"):
        import_model("kws", _float_tflite(keras, tmp_path / "float.tflite", [49, 10, 1]), tmp_path / "o1")
    assert not (tmp_path / "o1" / "int8.tflite").exists()
    quantize("ad", ad_trained / "float.keras", ad_prepared, tmp_path / "ad", seed=1)
    with pytest.raises(ModelError, match="does not fit task kws"):
        import_model("kws", tmp_path / "ad" / "int8.tflite", tmp_path / "o2")
    (tmp_path / "junk.tflite").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="not a TFLite flatbuffer"):
        import_model("ad", tmp_path / "junk.tflite", tmp_path / "o3")
    summary = import_model("ad", tmp_path / "ad" / "int8.tflite", tmp_path / "o4")
    assert summary["method"] == "imported" and (tmp_path / "o4" / "int8.tflite").exists()


def test_reference_model_path_downloads_and_loads(keras, ad_trained: Path, tmp_path: Path) -> None:
    """The closed-division path on a stand-in: the real code fetches a file:// copy of an fp32 HDF5 model."""
    from tinyperf.training.reference import import_reference

    h5 = tmp_path / "src" / "ad01.h5"
    h5.parent.mkdir()
    keras.models.load_model(ad_trained / "float.keras").save(h5)
    data = h5.read_bytes()
    manifest = tmp_path / "ad.yaml"
    manifest.write_text(yaml.safe_dump({"task": "ad", "source": "test", "archives": [
        {"name": "ad01.h5", "url": h5.as_uri(), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
         "extract": False}]}))
    summary = import_reference("ad", tmp_path / "downloads", tmp_path / "out", manifest_path=manifest)
    assert summary["params"] == keras.models.load_model(h5).count_params()
    assert (tmp_path / "out" / "float.keras").exists() and (tmp_path / "downloads" / "verified.json").exists()


def test_tracked_reference_manifests_pin_a_commit() -> None:
    from tinyperf.datasets import manifest as mf
    from tinyperf.training.reference import manifest

    for task in [t for t in profiles.TASKS if t != "ic2"]:  # ic2: no fp32 Keras weights published
        m = mf.load(manifest(task))
        assert all("/mlcommons/tiny/1afd2c9820f795965a6134facd0b4dfae41ef23f/" in a.url for a in m.archives)
