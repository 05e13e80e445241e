"""Prepare a task's extracted source: reference features, splits, calibration set, MLPerf evaluation files.

OUT/train.npz, OUT/val.npz, OUT/calibration.npz (``x``, and ``y`` where labels exist), OUT/meta.json and
OUT/eval/ (``*.bin`` + ``y_labels.csv`` in the official layout, encodings per tinyperf.codec) are written
under a temporary name and renamed together. Selection rules (§3 of the MLPerf Tiny fact sheet):

* kws: the first N clips of the tfds ``speech_commands`` test split, unshuffled (N = 1000);
* vww: 500 person + 500 non-person (the official COCO-id list when datasets/selections holds it);
* ic: 20 per class, the official file list for the real source, else ``default_rng(8108)`` per class + shuffle;
* ad: per id 01-04, every 10th test file starting at the 4th (…03, …13, …), normals then anomalies; the real
  source takes exactly the files of the official ad01 list when datasets/selections holds it.

The official lists (datasets/selections/<model>_y_labels.csv) are used only when the extracted source is the
real one: synthetic sources keep the rules, whatever their file names.

``eval_limit`` caps N and keeps the rule (balanced where the rule is balanced); a capped set is marked
``"official": false`` in meta.json.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tinyperf import codec, fsutil
from tinyperf.datasets import evalset, features, wavio
from tinyperf.datasets import manifest as mf
from tinyperf.errors import DatasetError

log = logging.getLogger(__name__)

SELECTIONS = mf.MANIFEST_DIR / "selections"
KWS_WORDS = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]
KWS_CLASSES = [*KWS_WORDS, "_silence_", "_unknown_"]
#: label names in the evaluation file names (keyword_spotting/get_dataset.py word_labels)
KWS_FILE_LABELS = ["Down", "Go", "Left", "No", "Off", "On", "Right", "Stop", "Up", "Yes", "Silence", "Unknown"]
VWW_CLASSES = ["non_person", "person"]
IC_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
OFFICIAL_EVAL = {"kws": 1000, "vww": 1000, "ic": 200, "ad": 248}


def tfds_order(keys: list[str], split: str) -> list[int]:
    """Indices of *keys* in TensorFlow Datasets' stored order: ascending md5(split name + key)."""
    salt = hashlib.md5(split.encode(), usedforsecurity=False)

    def h(key: str) -> int:
        m = salt.copy()
        m.update(key.encode())
        return int(m.hexdigest(), 16)

    return sorted(range(len(keys)), key=lambda i: h(keys[i]))


def _find(raw: Path, pattern: str, what: str) -> Path:
    hits = sorted(p for p in raw.glob(pattern))
    if not hits:
        raise DatasetError(f"{raw}: no {what} ({pattern}); is this the extracted source of the right task?")
    return hits[0]


def _record(raw: Path) -> dict[str, Any]:
    path = raw / "extracted.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _is_real(task: str, record: dict[str, Any]) -> bool:
    """True when the extracted archives are the tracked manifest's: equal sha256, or equal size where the
    manifest has no sha256 (ToyCar; download already checked its md5)."""
    real = {a.name: a for a in mf.load(mf.tracked(task)).archives}
    got = record.get("archives", [])
    if not got or {a["name"] for a in got} != set(real):
        return False
    return all(real[a["name"]].sha256 == a["sha256"] if real[a["name"]].sha256 is not None
               else real[a["name"]].size == a["size"] for a in got)


def _read_selection(name: str) -> list[list[str]] | None:
    """Rows of datasets/selections/*name*, or None where the repository does not hold it."""
    path = SELECTIONS / name
    if not path.is_file():
        return None
    rows = [line.split(",") for line in path.read_text().splitlines() if line.strip()]
    if any(len(r) not in (3, 5) for r in rows):
        raise DatasetError(f"{path}: malformed (rows must be file,classes,label[,window,stride])")
    return rows


def _balanced_take(groups: list[list[Any]], limit: int | None) -> list[list[Any]]:
    """Round-robin over groups until *limit* items are taken, keeping each group's order."""
    if limit is None:
        return groups
    taken: list[list[Any]] = [[] for _ in groups]
    n, depth = 0, 0
    while n < limit and any(depth < len(g) for g in groups):
        for gi, g in enumerate(groups):
            if depth < len(g) and n < limit:
                taken[gi].append(g[depth])
                n += 1
        depth += 1
    return taken


# --- kws -------------------------------------------------------------------------------------------------------


def _kws_label(folder: str) -> int:
    if folder in KWS_WORDS:
        return KWS_WORDS.index(folder)
    if folder in ("_silence_", "_background_noise_"):
        return 10
    return 11


def _cut_background(samples: np.ndarray, rate: int) -> list[np.ndarray]:
    """tfds: background files cut into 1 s clips with a 0.5 s hop, labelled silence."""
    return [samples[s : s + rate] for s in range(0, len(samples) - rate, rate // 2)]


def _prepare_kws(raw: Path, out: Path, eval_limit: int | None, seed: int, real: bool) -> dict[str, Any]:
    main = _find(raw, "*/validation_list.txt", "speech_commands validation_list.txt").parent
    test_root = next((p.parent.parent for p in sorted(raw.glob("*/_silence_/*.wav")) if p.parent.parent != main),
                     None)
    if test_root is None:
        raise DatasetError(f"{raw}: no Speech Commands test set (a folder with _silence_/ next to the words)")
    val_set = set((main / "validation_list.txt").read_text().split())
    test_set = set((main / "testing_list.txt").read_text().split())
    val_set.add("_background_noise_/running_tap.wav")  # tfds adds it to validation

    splits: dict[str, list[tuple[str, np.ndarray, int]]] = {"train": [], "validation": [], "test": []}
    backgrounds: list[np.ndarray] = []
    for wav in sorted(main.glob("*/*.wav")):
        rel = f"{wav.parent.name}/{wav.name}"
        if rel in test_set:
            continue
        split = "validation" if rel in val_set else "train"
        samples, rate = wavio.read(wav)
        key = f"{wav.parent.name}_{wav.name}"
        if wav.parent.name == "_background_noise_":
            backgrounds.append(wavio.to_float(samples))
            for k, clip in enumerate(_cut_background(samples, rate)):
                splits[split].append((f"{key}_{k * (rate // 2)}", clip, 10))
        else:
            splits[split].append((key, samples, _kws_label(wav.parent.name)))
    for wav in sorted(test_root.glob("*/*.wav")):
        samples, _ = wavio.read(wav)
        splits["test"].append((f"{wav.parent.name}_{wav.name}", samples, _kws_label(wav.parent.name)))
    for name, items in splits.items():
        if not items:
            raise DatasetError(f"{raw}: the Speech Commands {name} split is empty")
        order = tfds_order([k for k, _, _ in items], name)
        splits[name] = [items[i] for i in order]

    rng = np.random.default_rng(seed)
    mixer = features.BackgroundMixer(backgrounds, rng)
    x_train = features.kws_mfcc(np.stack([mixer(features.kws_waveform(s)) for _, s, _ in splits["train"]]))
    y_train = np.array([y for _, _, y in splits["train"]], np.int64)
    x_val = features.kws_mfcc(np.stack([features.kws_waveform(s) for _, s, _ in splits["validation"]]))
    y_val = np.array([y for _, _, y in splits["validation"]], np.int64)

    # Calibration (quant_cal_idxs.txt): 10 validation clips per label, drawn with seed 2.
    cal_rng = np.random.default_rng(2)
    cal_idx = np.concatenate([np.sort(cal_rng.choice(np.flatnonzero(y_val == c), min(10, int((y_val == c).sum())),
                                                     replace=False)) for c in range(12) if (y_val == c).any()])

    n_eval = min(eval_limit or OFFICIAL_EVAL["kws"], len(splits["test"]))
    test = splits["test"][:n_eval]
    x_test = features.kws_mfcc(np.stack([features.kws_waveform(s) for _, s, _ in test]))
    entries = []
    eval_dir = out / "eval"
    for idx, ((_, _, label), mfcc) in enumerate(zip(test, x_test, strict=True)):
        name = f"tst_{idx:06d}_{KWS_FILE_LABELS[label]}_{label}.bin"
        q = features.kws_quantize_file(mfcc.reshape(-1), float(codec.KWS_FILE_SCALE), codec.KWS_FILE_ZERO_POINT)
        (eval_dir / name).write_bytes(q.tobytes())
        entries.append(evalset.EvalEntry(name, 12, label))
    official = _check_official_kws(entries, real)
    return {
        "splits": {"train": (x_train, y_train), "val": (x_val, y_val), "calibration": (x_val[cal_idx], y_val[cal_idx])},
        "eval": entries, "classes": KWS_CLASSES, "official": official and eval_limit is None,
        "features": {**features.KWS, "background": mixer.describe()},
        "selection": "first N clips of the tfds test split in tfds order (md5 of split + example key); "
                     "calibration: 10 validation clips per label, default_rng(2)",
    }


def _check_official_kws(entries: list[evalset.EvalEntry], real: bool) -> bool:
    """With the real source, our file names must equal the official y_labels.csv where we have it."""
    rows = _read_selection("kws01_y_labels.csv") if real else None
    if rows is None:
        return real
    official = [r[0] for r in rows]
    ours = [e.file for e in entries]
    for i, (a, b) in enumerate(zip(ours, official, strict=False)):
        if a != b:
            raise DatasetError(f"kws evaluation file {i} is {a}, the official list says {b}: "
                               "the test-split order differs from tfds's; report this as a bug")
    return len(ours) == len(official)


# --- vww -------------------------------------------------------------------------------------------------------

_COCO_ID = re.compile(r"(\d{12})\.(?:jpg|jpeg|png)$", re.IGNORECASE)


def _prepare_vww(raw: Path, out: Path, eval_limit: int | None, seed: int, real: bool) -> dict[str, Any]:
    root = _find(raw, "**/person", "person/ folder").parent
    files = {c: sorted(p for p in (root / c).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
             for c in VWW_CLASSES}
    for c, fs in files.items():
        if not fs:
            raise DatasetError(f"{root / c}: no images")
    # flow_from_directory(validation_split=0.1): per class, the first 10% of the sorted files are validation.
    train, val = [], []
    for label, c in enumerate(VWW_CLASSES):
        n_val = int(0.1 * len(files[c]))
        val += [(p, label) for p in files[c][:n_val]]
        train += [(p, label) for p in files[c][n_val:]]

    def load(items: list[tuple[Path, int]]) -> tuple[np.ndarray, np.ndarray]:
        x = np.stack([features.decode_image(p, 96) for p, _ in items]) if items else np.zeros((0, 96, 96, 3), np.uint8)
        return x, np.array([y for _, y in items], np.int64)

    rows = _read_selection("vww01_y_labels.csv") if real else None
    per_class = (eval_limit or OFFICIAL_EVAL["vww"]) // 2
    if rows is not None:
        eval_items = _vww_official(files, rows, per_class)
        selection = "official vww01 y_labels.csv in its order (COCO ids looked up in the archive)"
        official = eval_limit is None
    else:
        groups = [[it for it in val if it[1] == label] for label in (0, 1)]
        selection = "balanced person / non-person from the validation tenth (no official list for this source)"
        official = False
        chosen = [g[:per_class] for g in groups]
        eval_items = [it for pair in zip(*chosen, strict=False) for it in pair]
    entries = []
    for p, label in eval_items:
        m = _COCO_ID.search(p.name)
        name = f"{m.group(1) if m else p.stem}.bin"
        (out / "eval" / name).write_bytes(features.decode_image(p, 96).tobytes())
        entries.append(evalset.EvalEntry(name, 2, label))
    # convert_vww.py: the first 11 files of person/ (sorted here; the reference takes os.listdir order)
    calib = [(p, 1) for p in files["person"][:11]]
    return {"splits": {"train": load(train), "val": load(val), "calibration": load(calib)},
            "eval": entries, "classes": VWW_CLASSES, "official": official,
            "features": {"height": 96, "width": 96, "channels": 3, "dtype": "uint8", "model_rescale": 1 / 255},
            "selection": selection + "; calibration: the first 11 person images"}


def _vww_official(files: dict[str, list[Path]], rows: list[list[str]], per_class: int) -> list[tuple[Path, int]]:
    """The official rows' images (by COCO id), in the list's order, at most *per_class* of each label."""
    by_id = {m.group(1): (p, label) for label, c in enumerate(VWW_CLASSES) for p in files[c]
             if (m := _COCO_ID.search(p.name))}
    missing = [r[0][:12] for r in rows if r[0][:12] not in by_id]
    if missing:
        raise DatasetError(f"{len(missing)} of the {len(rows)} official vww evaluation images are not in the "
                           f"archive: COCO ids {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
    taken: dict[int, int] = defaultdict(int)
    items = []
    for r in rows:
        p, label = by_id[r[0][:12]]
        if label != int(r[2]):
            raise DatasetError(f"{p}: the archive files COCO id {r[0][:12]} under {VWW_CLASSES[label]}/, the "
                               f"official list labels it {r[2]}")
        if taken[label] < per_class:
            taken[label] += 1
            items.append((p, label))
    return items


# --- ic --------------------------------------------------------------------------------------------------------


def _unpickle(path: Path) -> dict[bytes, Any]:
    try:
        with open(path, "rb") as f:
            return pickle.load(f, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise DatasetError(f"{path}: not a CIFAR-10 python batch: {exc}") from exc


def _prepare_ic(raw: Path, out: Path, eval_limit: int | None, seed: int, real: bool) -> dict[str, Any]:
    root = _find(raw, "**/cifar-10-batches-py", "cifar-10-batches-py/ folder")
    batches = [_unpickle(root / f"data_batch_{i}") for i in range(1, 6)]
    test = _unpickle(root / "test_batch")
    x_train = features.cifar_rows_to_hwc(np.concatenate([b[b"data"] for b in batches]))
    y_train = np.concatenate([np.asarray(b[b"labels"], np.int64) for b in batches])
    x_test = features.cifar_rows_to_hwc(test[b"data"])
    y_test = np.asarray(test[b"labels"], np.int64)
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in test[b"filenames"]]

    official_list = SELECTIONS / "ic01_y_labels.csv"
    per_class = (eval_limit or OFFICIAL_EVAL["ic"]) // 10
    if real and official_list.is_file():
        index = {Path(n).stem: i for i, n in enumerate(names)}
        rows = [line.split(",") for line in official_list.read_text().split()]
        picked = [index[Path(r[0]).stem] for r in rows if Path(r[0]).stem in index]
        if len(picked) != len(rows):
            raise DatasetError(f"{len(rows) - len(picked)} official ic evaluation images are not in test_batch")
        if eval_limit is not None:  # keep the official order, capped per class
            counts: dict[int, int] = defaultdict(int)
            kept = []
            for i in picked:
                if counts[int(y_test[i])] < per_class:
                    counts[int(y_test[i])] += 1
                    kept.append(i)
            picked = kept
        selection, official = "official ic01 y_labels.csv (perf_samples_idxs.npy)", eval_limit is None
    else:
        rng = np.random.default_rng(8108)
        picked_arr = np.concatenate([rng.choice(np.flatnonzero(y_test == c), min(per_class, int((y_test == c).sum())),
                                                replace=False) for c in range(10)])
        rng.shuffle(picked_arr)
        picked = [int(i) for i in picked_arr]
        selection, official = f"{per_class} per class with default_rng(8108), then shuffled", False
    entries = []
    for i in picked:
        name = f"{Path(names[i]).stem}.bin"
        (out / "eval" / name).write_bytes(x_test[i].tobytes())
        entries.append(evalset.EvalEntry(name, 10, int(y_test[i])))
    # model_converter.py: 500 test images (calibration_samples_idxs.npy); here 50 per class outside the eval set
    rng = np.random.default_rng(seed)
    pool = np.setdiff1d(np.arange(len(y_test)), picked)
    cal = np.concatenate([rng.choice(pool[y_test[pool] == c], min(50, int((y_test[pool] == c).sum())), replace=False)
                          for c in range(10)])
    return {"splits": {"train": (x_train, y_train), "val": (x_test, y_test), "calibration": (x_test[cal], y_test[cal])},
            "eval": entries, "classes": IC_CLASSES, "official": official,
            "features": {"height": 32, "width": 32, "channels": 3, "dtype": "uint8", "layout": "HWC (from CHW)",
                         "model_rescale": 1.0},
            "selection": selection + "; val: the test batch (the reference validates on it); calibration: 50 test "
                                     "images per class outside the evaluation set"}


# --- ad --------------------------------------------------------------------------------------------------------

_TOYCAR = re.compile(r"^(normal|anomaly)_id_(\d\d)_(\d+)\.wav$")


def _prepare_ad(raw: Path, out: Path, eval_limit: int | None, seed: int, real: bool) -> dict[str, Any]:
    train_files = sorted(raw.glob("*/ToyCar/train/*.wav"), key=lambda p: p.name)
    test_files = sorted(raw.glob("*/ToyCar/test/*.wav"), key=lambda p: p.name)
    if not train_files or not test_files:
        raise DatasetError(f"{raw}: no ToyCar/train or ToyCar/test wavs; is this the extracted ToyADMOS source?")
    vectors, by_id = [], defaultdict(list)
    for p in train_files:
        samples, sr = wavio.read(p)
        vectors.append(features.ad_vectors(features.ad_frames(samples, sr)))
        m = _TOYCAR.match(p.name)
        by_id[m.group(2) if m else "?"].append(len(vectors) - 1)
    x = np.concatenate(vectors)
    split_at = int(len(x) * (1 - 0.1))  # model.fit(validation_split=0.1): the last tenth, before shuffling
    # 02_convert.py: every 5th training vector of the calibration files (200 per id, evenly spaced here)
    cal_files = [f for ids in by_id.values() for f in np.array(ids)[np.unique(np.linspace(0, len(ids) - 1, 200)
                                                                           .round().astype(int))]]
    x_cal = np.concatenate([vectors[f] for f in cal_files])[::5]

    rows = _read_selection("ad01_y_labels.csv") if real else None
    entries = []
    for p, label in _ad_select(test_files, rows, eval_limit):
        samples, sr = wavio.read(p)
        frames = features.ad_frames(samples, sr)
        name = f"{p.stem}_hist_librosa.bin"
        (out / "eval" / name).write_bytes(frames.astype("<f4").tobytes())
        entries.append(evalset.EvalEntry(name, 2, label, 640 * 4, 128 * 4))
    official = eval_limit is None and real and len(entries) == OFFICIAL_EVAL["ad"]
    rule = ("the files of the official ad01 y_labels.csv, in its order" if rows is not None else
            "per id 01-04 and kind, every 10th test file from the 4th")
    return {"splits": {"train": (x[:split_at], None), "val": (x[split_at:], None), "calibration": (x_cal, None)},
            "eval": entries, "classes": ["normal", "anomaly"], "official": official,
            "features": dict(features.AD),
            "selection": rule + "; train: vectors of every train clip (ids 01-07), last tenth as val; "
                                "calibration: every 5th vector of 200 evenly spaced train clips per id"}


def _ad_select(test_files: list[Path], rows: list[list[str]] | None,
               eval_limit: int | None) -> list[tuple[Path, int]]:
    """(test wav, label) to evaluate: the official *rows* when given, else the every-10th rule; groups by kind
    and id, normals first, and caps with *eval_limit* round-robin over the groups."""
    groups: dict[tuple[str, str], list[tuple[Path, int]]] = defaultdict(list)
    if rows is not None:
        by_name = {f"{p.stem}_hist_librosa.bin": p for p in test_files}
        missing = [r[0] for r in rows if r[0] not in by_name]
        if missing:
            raise DatasetError(f"{len(missing)} of the {len(rows)} official ad evaluation files have no ToyCar test "
                               f"wav: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
        for r in rows:
            m = _TOYCAR.match(by_name[r[0]].name)
            groups[(m.group(1), m.group(2)) if m else ("?", "?")].append((by_name[r[0]], int(r[2])))
        keys = list(groups)  # the list's own order
    else:
        for p in sorted(test_files, key=lambda p: p.name):
            m = _TOYCAR.match(p.name)
            if m and m.group(2) in ("01", "02", "03", "04"):
                groups[(m.group(1), m.group(2))].append((p, int(m.group(1) == "anomaly")))
        keys = sorted(groups, key=lambda k: (k[0] != "normal", k[1]))
        groups = defaultdict(list, {k: groups[k][3::10] for k in keys})
    return [it for g in _balanced_take([groups[k] for k in keys], eval_limit) for it in g]


PREPARERS: dict[str, Callable[[Path, Path, int | None, int, bool], dict[str, Any]]] = {
    "kws": _prepare_kws, "vww": _prepare_vww, "ic": _prepare_ic, "ad": _prepare_ad}


def prepare(task: str, raw_dir: str | Path, out_dir: str | Path, eval_limit: int | None = None,
            seed: int = 1234) -> dict[str, Any]:
    """Prepare *task* from the extracted source in *raw_dir* into *out_dir* (atomically); returns meta.json."""
    mf.check_task(task)
    raw = Path(raw_dir)
    if not raw.is_dir():
        raise DatasetError(f"{raw}: no such directory; run `tinyperf dataset extract` first")
    if eval_limit is not None and eval_limit < 1:
        raise DatasetError(f"--eval-limit must be at least 1, got {eval_limit}")
    record = _record(raw)
    if record.get("task") not in (None, task):
        raise DatasetError(f"{raw} holds the {record['task']} source, not {task}'s")
    real = _is_real(task, record)
    with fsutil.atomic_dir(out_dir) as tmp:
        (tmp / "eval").mkdir()
        result = PREPARERS[task](raw, tmp, eval_limit, seed, real)
        counts, shapes = {}, {}
        for name, (x, y) in result["splits"].items():
            arrays = {"x": x} if y is None else {"x": x, "y": y}
            np.savez(tmp / f"{name}.npz", **arrays)
            counts[name], shapes[name] = len(x), list(x.shape[1:])
        if not result["eval"]:
            raise DatasetError(f"{raw}: the evaluation selection is empty")
        evalset.write_labels(tmp / "eval", result["eval"])
        counts["eval"] = len(result["eval"])
        meta = {
            "task": task, "source": record.get("source"), "real_source": real,
            "source_archives": record.get("archives", []), "seed": seed, "eval_limit": eval_limit,
            "official_eval_set": bool(result["official"]), "counts": counts, "shapes": shapes,
            "dtypes": {n: str(x.dtype) for n, (x, _) in result["splits"].items()},
            "classes": result["classes"], "features": result["features"], "selection": result["selection"],
        }
        fsutil.write_json(tmp / "meta.json", meta)
        tmp.chmod(0o755)
    log.info("%s prepared: %s", task, counts)
    return meta
