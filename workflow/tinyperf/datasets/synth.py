"""Synthetic sources in each real source's archive format and naming, with learnable class structure.

``write(task, out_dir, seed)`` writes the archives the real manifest names (``speech_commands_v0.02.tar.gz``,
``vw_coco2014_96.tar.gz``, ``cifar-10-python.tar.gz``, ``dev_data_ToyCar.zip`` ...) with the real member
layout, plus ``manifest.yaml`` pointing at them through file:// URLs with their sha256 and size, so that the
real download, verification, extraction and preparation code runs on them unchanged.

Every class is a distinct pattern plus noise: kws words are two-tone sequences at word-specific frequencies,
vww persons are warm upright figures and non-persons cool horizontal bars, CIFAR classes are gratings of class-specific
hue, orientation and frequency, and ToyCar normals are a machine hum per id while anomalies add a rattle.
The same seed writes byte-identical archives (fixed mtimes, fixed member order).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tinyperf import fsutil
from tinyperf.datasets import manifest as mf
from tinyperf.datasets import wavio

RATE = 16000
KWS_WORDS = ["down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes"]
KWS_UNKNOWN_WORDS = ["bed", "cat", "marvin"]
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

#: demo scale: training all four tasks takes minutes on 2 cores
SCALE = {
    "kws": {"train": 30, "val": 6, "test": 8, "unknown_train": 10, "noise_files": 5, "noise_s": 6},
    "vww": {"per_class": 150},
    "ic": {"train": 50, "test": 30},
    "ad": {"dev_ids": 4, "eval_ids": 3, "train": 10, "eval_train": 3, "test": 20},
}


class _Archive:
    """A deterministic tar.gz or zip written in memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: list[tuple[str, bytes]] = []

    def add(self, member: str, data: bytes) -> None:
        self.members.append((member, data))

    def bytes(self) -> bytes:
        buf = io.BytesIO()
        if self.name.endswith(".zip"):
            with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                for member, data in self.members:
                    zf.writestr(zipfile.ZipInfo(member, date_time=(2020, 3, 1, 0, 0, 0)), data,
                                compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
            return buf.getvalue()
        with (gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=1) as gz,
              tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar):
            dirs: set[str] = set()
            for member, data in self.members:
                parts = member.split("/")
                for i in range(1, len(parts)):
                    d = "/".join(parts[:i])
                    if d not in dirs and d != ".":
                        dirs.add(d)
                        info = tarfile.TarInfo(d)
                        info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 0
                        tar.addfile(info)
                info = tarfile.TarInfo(member)
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()


# --- kws: Speech Commands v0.02 --------------------------------------------------------------------------------


def _word_tones(word_index: int) -> tuple[float, float]:
    """Two frequencies per word, spread over the 20-4000 Hz mel range the features keep."""
    return 250.0 + 170.0 * word_index, 3700.0 - 150.0 * word_index


def _kws_clip(rng: np.random.Generator, tones: tuple[float, float] | None) -> np.ndarray:
    t = np.arange(RATE) / RATE
    noise = rng.normal(0, 0.03, RATE)
    if tones is None:  # silence: room noise only
        return np.clip(noise * rng.uniform(0.2, 1.0), -1, 1)
    onset = rng.uniform(0.1, 0.25)
    length = rng.uniform(0.55, 0.7)
    mid = onset + length / 2
    env1 = ((t >= onset) & (t < mid)).astype(float)
    env2 = ((t >= mid) & (t < onset + length)).astype(float)
    f1, f2 = (f * rng.uniform(0.97, 1.03) for f in tones)
    sig = env1 * np.sin(2 * np.pi * f1 * t) + env2 * np.sin(2 * np.pi * f2 * t)
    return np.clip(rng.uniform(0.3, 0.8) * sig + noise, -1, 1)


def _pcm(x: np.ndarray) -> np.ndarray:
    return np.round(np.clip(x, -1, 1) * 32767).astype(np.int16)


def _kws(out: Path, rng: np.random.Generator) -> list[_Archive]:
    s = SCALE["kws"]
    main, test = _Archive("speech_commands_v0.02.tar.gz"), _Archive("speech_commands_test_set_v0.02.tar.gz")
    val_list, test_list = [], []
    words = [(w, _word_tones(i)) for i, w in enumerate(KWS_WORDS)]
    words += [(w, _word_tones(10 + i)) for i, w in enumerate(KWS_UNKNOWN_WORDS)]
    for w_i, (word, tones) in enumerate(words):
        n_train = s["train"] if word in KWS_WORDS else s["unknown_train"]
        n_val = s["val"] if word in KWS_WORDS else 2
        for n in range(n_train + n_val + 2):  # +2: listed in testing_list.txt, as the real archive has them
            name = f"{word}/{w_i:02x}{rng.integers(1 << 24):06x}_nohash_{n % 3}.wav"
            main.add(f"./{name}", wavio.encode(_pcm(_kws_clip(rng, tones)), RATE))
            if n_train <= n < n_train + n_val:
                val_list.append(name)
            elif n >= n_train + n_val:
                test_list.append(name)
    for i in range(s["noise_files"]):
        name = ["white_noise.wav", "pink_noise.wav", "dude_miaowing.wav", "exercise_bike.wav",
                "running_tap.wav"][i % 5]
        color = np.cumsum(rng.normal(0, 1, RATE * s["noise_s"])) * 0.002 if i % 2 else 0
        noise = rng.normal(0, 0.2, RATE * s["noise_s"]) + color
        main.add(f"./_background_noise_/{name}", wavio.encode(_pcm(noise), RATE))
    main.add("./validation_list.txt", ("\n".join(val_list) + "\n").encode())
    main.add("./testing_list.txt", ("\n".join(test_list) + "\n").encode())
    main.add("./LICENSE", b"Synthetic stand-in for Speech Commands v0.02 written by tinyperf dataset synth.\n")
    # The test archive holds the ten words, _silence_ and _unknown_ (other words), one folder each.
    for w_i, word in enumerate([*KWS_WORDS, "_silence_", "_unknown_"]):
        for n in range(s["test"]):
            if word == "_unknown_":
                u = n % len(KWS_UNKNOWN_WORDS)
                tones: tuple[float, float] | None = _word_tones(10 + u)
            else:
                tones = None if word == "_silence_" else _word_tones(w_i)
            name = f"./{word}/{0xF0 + w_i:02x}{rng.integers(1 << 24):06x}_nohash_0.wav"
            test.add(name, wavio.encode(_pcm(_kws_clip(rng, tones)), RATE))
    return [main, test]


# --- vww: vw_coco2014_96 -----------------------------------------------------------------------------------------


def _vww_image(rng: np.random.Generator, person: bool) -> np.ndarray:
    yy, xx = np.mgrid[0:96, 0:96].astype(float)
    base = rng.uniform(60, 170, 3)
    img = base + 25 * np.sin(xx / rng.uniform(6, 14) + rng.uniform(0, 6))[..., None] * rng.uniform(0.3, 1.0, 3)
    # Persons are warm (red-dominant), other objects cool (blue-dominant): a cue even a small model finds.
    warm = np.array([rng.uniform(180, 255), rng.uniform(60, 140), rng.uniform(30, 90)])
    color = warm if person else warm[::-1]
    if person:  # an upright figure: a tall body and a head above it
        cx, cy = rng.uniform(28, 68), rng.uniform(48, 62)
        body = ((xx - cx) / rng.uniform(8, 12)) ** 2 + ((yy - cy) / rng.uniform(20, 26)) ** 2 < 1
        head = (xx - cx) ** 2 + (yy - (cy - 30)) ** 2 < rng.uniform(6, 9) ** 2
        mask = body | head
    else:  # horizontal bars: wide and flat
        mask = np.zeros((96, 96), bool)
        for _ in range(rng.integers(1, 4)):
            y0, x0 = rng.uniform(10, 80), rng.uniform(0, 40)
            mask |= (np.abs(yy - y0) < rng.uniform(3, 7)) & (xx > x0) & (xx < x0 + rng.uniform(40, 56))
    img[mask] = color
    img += rng.normal(0, 12, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _jpeg(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img, "RGB").save(buf, format="JPEG", quality=92)
    return buf.getvalue()


def _vww(out: Path, rng: np.random.Generator) -> list[_Archive]:
    arc = _Archive("vw_coco2014_96.tar.gz")
    n = SCALE["vww"]["per_class"]
    ids = rng.choice(np.arange(1, 581_929), size=2 * n, replace=False)  # COCO 2014 image ids go up to 581929
    for c, folder in enumerate(["non_person", "person"]):
        for i in range(n):
            coco_id = int(ids[c * n + i])
            split = "train2014" if coco_id % 3 else "val2014"
            arc.add(f"vw_coco2014_96/{folder}/COCO_{split}_{coco_id:012d}.jpg", _jpeg(_vww_image(rng, c == 1)))
    return [arc]


# --- ic: CIFAR-10 python version -----------------------------------------------------------------------------------


def _cifar_image(rng: np.random.Generator, cls: int) -> np.ndarray:
    yy, xx = np.mgrid[0:32, 0:32].astype(float)
    angle = np.pi * cls / 10 + rng.normal(0, 0.08)
    freq = 0.35 + 0.06 * (cls % 4)
    phase = rng.uniform(0, 2 * np.pi)
    grating = np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
    hue = np.array([np.cos(2 * np.pi * cls / 10), np.cos(2 * np.pi * (cls / 10 + 1 / 3)),
                    np.cos(2 * np.pi * (cls / 10 + 2 / 3))])
    img = 128 + 60 * hue + 50 * grating[..., None] * (0.6 + 0.4 * hue) + rng.normal(0, 18, (32, 32, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _cifar_batch(label: str, images: list[np.ndarray], labels: list[int], names: list[str]) -> bytes:
    data = np.stack([im.transpose(2, 0, 1).reshape(-1) for im in images]).astype(np.uint8)  # CHW rows
    doc = {b"batch_label": label.encode(), b"labels": labels, b"data": data,
           b"filenames": [n.encode() for n in names]}
    return pickle.dumps(doc, protocol=2)


def _ic(out: Path, rng: np.random.Generator) -> list[_Archive]:
    arc = _Archive("cifar-10-python.tar.gz")
    s = SCALE["ic"]
    counter = 0

    def make(n_per_class: int) -> tuple[list[np.ndarray], list[int], list[str]]:
        nonlocal counter
        labels = list(np.repeat(np.arange(10), n_per_class))
        rng.shuffle(labels)
        images, names = [], []
        for c in labels:
            images.append(_cifar_image(rng, int(c)))
            names.append(f"{CIFAR_CLASSES[int(c)]}_s_{counter:06d}.png")
            counter += 1
        return images, [int(c) for c in labels], names

    images, labels, names = make(s["train"])
    per = len(images) // 5
    for b in range(5):
        sl = slice(b * per, (b + 1) * per if b < 4 else len(images))
        arc.add(f"cifar-10-batches-py/data_batch_{b + 1}",
                _cifar_batch(f"training batch {b + 1} of 5", images[sl], labels[sl], names[sl]))
    images, labels, names = make(s["test"])
    arc.add("cifar-10-batches-py/test_batch", _cifar_batch("testing batch 1 of 1", images, labels, names))
    meta = {b"num_cases_per_batch": per, b"label_names": [c.encode() for c in CIFAR_CLASSES], b"num_vis": 3072}
    arc.add("cifar-10-batches-py/batches.meta", pickle.dumps(meta, protocol=2))
    arc.add("cifar-10-batches-py/readme.html", b"<html>Synthetic CIFAR-10 stand-in (tinyperf dataset synth)</html>\n")
    return [arc]


# --- ad: ToyADMOS ToyCar (DCASE 2020 Task 2) ---------------------------------------------------------------------


def _toycar_clip(rng: np.random.Generator, machine_id: int, anomaly: bool) -> np.ndarray:
    """10 s of a machine: a hum whose pitch depends on the id; anomalies add a rattle in the upper bands."""
    n = 10 * RATE
    t = np.arange(n) / RATE
    f0 = 90.0 + 25.0 * machine_id
    drift = 1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * t)
    hum = sum(np.sin(2 * np.pi * k * f0 * drift * t + rng.uniform(0, 6)) / k for k in range(1, 8))
    sig = 0.15 * hum + rng.normal(0, 0.02, n)
    if anomaly:
        f_a = rng.uniform(2500, 5000)
        pulses = (np.sin(2 * np.pi * rng.uniform(3, 8) * t) > 0.3).astype(float)
        sig += 0.12 * pulses * np.sin(2 * np.pi * f_a * t) + 0.05 * pulses * rng.normal(0, 1, n)
    return sig


def _ad(out: Path, rng: np.random.Generator) -> list[_Archive]:
    s = SCALE["ad"]
    dev, ev = _Archive("dev_data_ToyCar.zip"), _Archive("eval_data_train_ToyCar.zip")
    for mid in range(1, s["dev_ids"] + 1):
        for n in range(s["train"]):
            dev.add(f"ToyCar/train/normal_id_{mid:02d}_{n:08d}.wav", wavio.encode(_pcm(_toycar_clip(rng, mid, False)),
                                                                                   RATE))
        for kind in ("normal", "anomaly"):
            for n in range(s["test"]):
                clip = _toycar_clip(rng, mid, kind == "anomaly")
                dev.add(f"ToyCar/test/{kind}_id_{mid:02d}_{n:08d}.wav", wavio.encode(_pcm(clip), RATE))
    for mid in range(s["dev_ids"] + 1, s["dev_ids"] + s["eval_ids"] + 1):
        for n in range(s["eval_train"]):
            ev.add(f"ToyCar/train/normal_id_{mid:02d}_{n:08d}.wav", wavio.encode(_pcm(_toycar_clip(rng, mid, False)),
                                                                                  RATE))
    return [dev, ev]


BUILDERS: dict[str, Callable[[Path, np.random.Generator], list[_Archive]]] = {
    "kws": _kws, "vww": _vww, "ic": _ic, "ad": _ad}


def write(task: str, out_dir: str | Path, seed: int = 1234) -> Path:
    """Write the task's synthetic archives and their manifest into *out_dir* (atomically); return the manifest."""
    mf.check_task(task)
    final = Path(out_dir).resolve()
    real = mf.load(mf.tracked(task))
    rng = np.random.default_rng([seed, mf.TASKS.index(task)])
    archives = []
    with fsutil.atomic_dir(final) as tmp:
        for arc in BUILDERS[task](tmp, rng):
            data = arc.bytes()
            (tmp / arc.name).write_bytes(data)
            archives.append(mf.Archive(name=arc.name, url=(final / arc.name).as_uri(),
                                       sha256=hashlib.sha256(data).hexdigest(), size=len(data), extract=True))
        assert [a.name for a in archives] == [a.name for a in real.archives], "synthetic names must be the real ones"
        text = mf.dump(task, f"synthetic {real.source} (tinyperf dataset synth, seed {seed})",
                       "synthetic data, no licence restrictions", archives)
        (tmp / "manifest.yaml").write_text(text)
        tmp.chmod(0o755)
    return final / "manifest.yaml"
