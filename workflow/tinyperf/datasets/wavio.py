"""16-bit PCM WAV reading and writing (stdlib ``wave``), as the Speech Commands and ToyADMOS files are."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np

from tinyperf.errors import DatasetError


def encode(samples: np.ndarray, rate: int) -> bytes:
    """int16 mono samples -> WAV bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buf.getvalue()


def read(path: str | Path) -> tuple[np.ndarray, int]:
    """(int16 samples of the first channel, sample rate). Raises DatasetError for anything but 16-bit PCM."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2:
                raise DatasetError(f"{path}: {8 * w.getsampwidth()}-bit samples; expected 16-bit PCM")
            n_ch, rate = w.getnchannels(), w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    except (wave.Error, EOFError) as exc:
        raise DatasetError(f"{path}: not a readable WAV file: {exc}") from exc
    return data.reshape(-1, n_ch)[:, 0].copy(), rate


def to_float(samples: np.ndarray) -> np.ndarray:
    """int16 -> float32 in [-1, 1), as librosa.load and tf.audio.decode_wav scale them (x / 32768)."""
    return (np.asarray(samples, dtype=np.float32) / np.float32(32768.0)).astype(np.float32)
