"""synth -> download -> extract -> prepare for every task, through the real code paths (file:// URLs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from tinyperf import codec, datasets
from tinyperf.datasets import download, evalset, extract, prepare, synth
from tinyperf.datasets import manifest as mf
from tinyperf.errors import DatasetError

EVAL_LIMIT = 40


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    out = {}
    for task in mf.DATA_TASKS:
        manifest = synth.write(task, root / task / "synth", seed=7)
        download.fetch_all(manifest, root / task / "dl", record=root / task / "dl" / "verified.json")
        extract.extract_all(manifest, root / task / "dl", root / task / "raw")
        prepare.prepare(task, root / task / "raw", root / task / "data", eval_limit=EVAL_LIMIT, seed=7)
        out[task] = root / task
    return out


def test_synth_uses_real_names_and_file_urls(prepared: dict[str, Path]) -> None:
    for task, d in prepared.items():
        m = mf.load(d / "synth" / "manifest.yaml")
        real = mf.load(mf.tracked(task))
        assert [a.name for a in m.archives] == [a.name for a in real.archives]
        for a in m.archives:
            assert a.url == (d / "synth" / a.name).resolve().as_uri()
            assert a.sha256 and a.size == (d / "synth" / a.name).stat().st_size


def test_synth_is_deterministic(tmp_path: Path, prepared: dict[str, Path]) -> None:
    a = yaml.safe_load(synth.write("ic", tmp_path / "a", seed=7).read_text())
    b = yaml.safe_load(synth.write("ic", tmp_path / "b", seed=7).read_text())
    c = yaml.safe_load(synth.write("ic", tmp_path / "c", seed=8).read_text())
    assert a["archives"][0]["sha256"] == b["archives"][0]["sha256"] != c["archives"][0]["sha256"]
    ref = yaml.safe_load((prepared["ic"] / "synth" / "manifest.yaml").read_text())
    assert ref["archives"][0]["sha256"] == a["archives"][0]["sha256"]


def test_real_layouts(prepared: dict[str, Path]) -> None:
    raw = {t: d / "raw" for t, d in prepared.items()}
    assert (raw["kws"] / "speech_commands_v0.02" / "validation_list.txt").is_file()
    assert list((raw["kws"] / "speech_commands_test_set_v0.02" / "_silence_").glob("*_nohash_*.wav"))
    assert list((raw["vww"] / "vw_coco2014_96" / "vw_coco2014_96" / "person").glob("COCO_*2014_*.jpg"))
    assert (raw["ic"] / "cifar-10-python" / "cifar-10-batches-py" / "data_batch_5").is_file()
    assert list((raw["ad"] / "dev_data_ToyCar" / "ToyCar" / "test").glob("anomaly_id_04_*.wav"))
    assert list((raw["ad"] / "eval_data_train_ToyCar" / "ToyCar" / "train").glob("normal_id_07_*.wav"))


SHAPES = {"kws": ((49, 10, 1), np.float32), "vww": ((96, 96, 3), np.uint8), "ic": ((32, 32, 3), np.uint8),
          "ad": ((640,), np.float32)}
BIN_BYTES = {"kws": 490, "vww": 27_648, "ic": 3072, "ad": 102_400}


@pytest.mark.parametrize("task", mf.DATA_TASKS)
def test_prepared_outputs(prepared: dict[str, Path], task: str) -> None:
    data = prepared[task] / "data"
    meta = json.loads((data / "meta.json").read_text())
    shape, dtype = SHAPES[task]
    for split in ("train", "val", "calibration"):
        x, y = datasets.load_split(data, split)
        assert x.shape[1:] == shape and x.dtype == dtype and len(x) > 0, split
        assert (y is None) == (task == "ad")
        if y is not None:
            assert len(y) == len(x) and y.max() < len(meta["classes"])
        assert datasets.model_input(task, x).dtype == np.float32
    assert meta["counts"]["eval"] <= EVAL_LIMIT and not meta["official_eval_set"] and not meta["real_source"]
    assert meta["source_archives"] and all(len(a["sha256"]) == 64 for a in meta["source_archives"])
    entries = evalset.read_labels(data / "eval")
    assert len(entries) == meta["counts"]["eval"]
    for e in entries:
        assert (data / "eval" / e.file).stat().st_size == BIN_BYTES[task]
    labels = [e.label for e in entries]
    if task in ("vww", "ic"):  # balanced rules
        assert len(set(np.bincount(labels))) == 1
    if task == "ad":
        assert all(e.window_bytes == 2560 and e.stride_bytes == 512 for e in entries)
        assert len(list(entries[0].windows((data / "eval" / entries[0].file).read_bytes()))) == 196
        assert {e.file.split("_")[3] for e in entries} == {"00000003", "00000013"}  # every 10th from the 4th
        assert 0 < sum(labels) < len(labels)


def test_kws_eval_names_follow_the_official_pattern(prepared: dict[str, Path]) -> None:
    entries = evalset.read_labels(prepared["kws"] / "data" / "eval")
    for i, e in enumerate(entries):
        assert e.file == f"tst_{i:06d}_{prepare.KWS_FILE_LABELS[e.label]}_{e.label}.bin"
    x_val, _ = datasets.load_split(prepared["kws"] / "data", "val")
    assert x_val.min() > (-128 - 83) * 0.5847029  # the file encoding holds the features without saturating


def test_vww_eval_names_are_coco_ids(prepared: dict[str, Path]) -> None:
    for e in evalset.read_labels(prepared["vww"] / "data" / "eval"):
        assert len(e.file) == len("000000343218.bin") and e.file[:12].isdigit()


def _eval_xy(task: str, d: Path) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for e, inputs in evalset.iter_inputs(d / "data" / "eval"):
        xs.append(codec.file_to_float(task, inputs[0]))
        ys.append(e.label)
    return np.stack(xs), np.array(ys)


@pytest.mark.parametrize("task", ["kws", "vww", "ic"])
def test_classes_are_learnable(prepared: dict[str, Path], task: str) -> None:
    """A linear classifier on the prepared training data beats chance clearly on the evaluation files."""
    from sklearn.linear_model import LogisticRegression

    x, y = datasets.load_split(prepared[task] / "data", "train")
    xf = datasets.model_input(task, x).reshape(len(x), -1)
    mean, std = xf.mean(0), xf.std(0) + 1e-6
    clf = LogisticRegression(max_iter=300, C=0.1).fit((xf - mean) / std, y)
    xe, ye = _eval_xy(task, prepared[task])  # codec's float model input for each file: same domain as model_input
    acc = (clf.predict((xe.reshape(len(xe), -1) - mean) / std) == ye).mean()
    chance = 1 / len(np.unique(y))
    assert acc >= min(chance + 0.3, 0.9), f"{task}: accuracy {acc:.2f}, chance {chance:.2f}"


def test_ad_anomalies_are_detectable(prepared: dict[str, Path]) -> None:
    """PCA reconstruction error trained on normals separates the synthetic anomalies (AUC)."""
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score

    x, _ = datasets.load_split(prepared["ad"] / "data", "train")
    pca = PCA(n_components=8).fit(x)
    scores, labels = [], []
    for e, windows in evalset.iter_inputs(prepared["ad"] / "data" / "eval"):
        w = np.stack([codec.file_to_float("ad", b) for b in windows])
        scores.append(float(((pca.inverse_transform(pca.transform(w)) - w) ** 2).mean()))
        labels.append(e.label)
    assert roc_auc_score(labels, scores) > 0.9


def test_prepare_errors_leave_nothing(tmp_path: Path, prepared: dict[str, Path]) -> None:
    with pytest.raises(DatasetError, match=r"holds the ic source"):
        prepare.prepare("kws", prepared["ic"] / "raw", tmp_path / "out")
    with pytest.raises(DatasetError, match="no such directory"):
        prepare.prepare("ic", tmp_path / "missing", tmp_path / "out")
    with pytest.raises(DatasetError, match="unknown task"):
        prepare.prepare("imagenet", prepared["ic"] / "raw", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
