"""The MLPerf Tiny reference features, computed exactly as the reference training code does.

kws (keyword_spotting/get_dataset.py, closed-division MFCC): per clip, float audio divided by its
``reduce_max`` (the maximum, not the absolute maximum), zero-padded to 16000 samples, the reference's
"2-sample shift" (pad [[2, 2]] then slice from offset 2, which leaves the clip unchanged), background noise for
training only, then tf.signal: STFT 480/320 with a periodic Hann window and fft_length 512, magnitude,
40 mel bins 20-4000 Hz, log(mel + 1e-6), MFCC, first 10 coefficients -> 49 x 10.

ad (anomaly_detection/common.py file_to_vector_array with librosa): power mel spectrogram, n_fft 1024,
hop 512, 128 mels (Slaney mel scale and area normalisation, fmin 0, fmax sr/2), centred frames with reflect
padding (librosa 0.6.0, the reference's pinned version; librosa >= 0.10 pads with zeros by default),
10 * log10(mel + float64 eps), frames [50:250], then 5 consecutive frames concatenated -> 196 x 640.
Implemented in numpy (float64, float32 at the end); tests compare it with librosa when importable.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from tinyperf.errors import DatasetError

KWS = {"sample_rate": 16000, "clip_samples": 16000, "frame_length": 480, "frame_step": 320, "fft_length": 512,
       "num_mel_bins": 40, "lower_hz": 20.0, "upper_hz": 4000.0, "dct_coefficients": 10,
       "log_offset": 1e-6, "shift_padding": 2, "background_frequency": 0.8, "background_volume": 0.1}
AD = {"sample_rate": 16000, "n_fft": 1024, "hop_length": 512, "n_mels": 128, "power": 2.0, "frames": 5,
      "frame_range": [50, 250], "center": True, "pad_mode": "reflect", "htk": False, "norm": "slaney"}


# --- kws -------------------------------------------------------------------------------------------------------


def kws_waveform(samples: np.ndarray) -> np.ndarray:
    """One clip (int16 or float) -> the reference's float32 foreground: /reduce_max, pad to 16000, shift."""
    wav = np.asarray(samples, dtype=np.float32)
    peak = wav.max() if wav.size else np.float32(0)
    if peak > 0:  # the reference divides unconditionally; an all-zero or all-negative clip would give inf/NaN
        wav = wav / peak
    n = KWS["clip_samples"]
    wav = np.pad(wav[:n], (0, max(0, n - len(wav))))
    shift = KWS["shift_padding"]
    return np.pad(wav, (shift, shift))[shift : shift + n].astype(np.float32)


class BackgroundMixer:
    """Training-time background noise, frozen as in the reference.

    The reference draws the background clip, its offset, whether to mix (probability 0.8) and the volume
    (uniform 0..0.1) with ``np.random`` inside a function that ``tf.data.Dataset.map`` traces once, so one
    draw applies to every training clip of a run. This reproduces that draw from a seeded generator.
    """

    def __init__(self, backgrounds: list[np.ndarray], rng: np.random.Generator) -> None:
        self.segment: np.ndarray | None = None
        self.volume = 0.0
        usable = [b for b in backgrounds if len(b) > KWS["clip_samples"]]
        if not usable:
            return
        bg = usable[int(rng.integers(len(usable)))]
        offset = int(rng.integers(0, len(bg) - KWS["clip_samples"]))
        self.segment = np.asarray(bg[offset : offset + KWS["clip_samples"]], dtype=np.float32)
        if rng.uniform(0, 1) < KWS["background_frequency"]:
            self.volume = float(rng.uniform(0, KWS["background_volume"]))

    def __call__(self, wav: np.ndarray) -> np.ndarray:
        if self.segment is None:
            return wav
        return np.clip(self.segment * np.float32(self.volume) + wav, -1.0, 1.0).astype(np.float32)

    def describe(self) -> dict[str, Any]:
        return {"mode": "frozen per run (reference quirk)", "volume": self.volume,
                "applied": self.segment is not None and self.volume > 0}


def kws_mfcc(waveforms: np.ndarray, batch: int = 512) -> np.ndarray:
    """(N, 16000) float32 foregrounds -> (N, 49, 10, 1) float32 MFCC with tf.signal, as the reference."""
    import tensorflow as tf

    waveforms = np.asarray(waveforms, dtype=np.float32)
    if waveforms.ndim != 2 or waveforms.shape[1] != KWS["clip_samples"]:
        raise ValueError(f"expected (N, {KWS['clip_samples']}) waveforms, got {waveforms.shape}")
    weights = tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=KWS["num_mel_bins"], num_spectrogram_bins=KWS["fft_length"] // 2 + 1,
        sample_rate=KWS["sample_rate"], lower_edge_hertz=KWS["lower_hz"], upper_edge_hertz=KWS["upper_hz"])
    out = []
    for start in range(0, len(waveforms), batch):
        stft = tf.signal.stft(waveforms[start : start + batch], frame_length=KWS["frame_length"],
                              frame_step=KWS["frame_step"], fft_length=None)
        spectrogram = tf.abs(stft)
        mel = tf.tensordot(spectrogram, weights, 1)
        log_mel = tf.math.log(mel + KWS["log_offset"])
        mfcc = tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., : KWS["dct_coefficients"]]
        out.append(mfcc.numpy())
    frames = 1 + (KWS["clip_samples"] - KWS["frame_length"]) // KWS["frame_step"]
    result = np.concatenate(out) if out else np.zeros((0, frames, KWS["dct_coefficients"]), np.float32)
    return result.reshape(-1, frames, KWS["dct_coefficients"], 1).astype(np.float32)


def kws_quantize_file(mfcc: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """make_bin_files.py: ``np.array(x / scale + zp, dtype=int8)``: a truncating cast.

    Values beyond int8 are saturated here (numpy's out-of-range float->int8 cast is undefined behaviour);
    within range the result is the reference's truncation toward zero.
    """
    q = np.trunc(np.asarray(mfcc, dtype=np.float32) / np.float32(scale) + np.float32(zero_point))
    return np.clip(q, -128, 127).astype(np.int8)


# --- ad --------------------------------------------------------------------------------------------------------


def _hz_to_mel_slaney(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)


def _mel_to_hz_slaney(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """librosa.filters.mel(htk=False, norm='slaney'): (n_mels, 1 + n_fft // 2)."""
    fmax = sr / 2 if fmax is None else fmax
    fftfreqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = _mel_to_hz_slaney(np.linspace(_hz_to_mel_slaney(fmin), _hz_to_mel_slaney(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    return weights * enorm[:, None]


_MEL_CACHE: dict[tuple[int, int, int], np.ndarray] = {}


def ad_log_mel(y: np.ndarray, sr: int) -> np.ndarray:
    """Float audio -> (frames, 128) log-mel in dB, frame-major, float64."""
    n_fft, hop = AD["n_fft"], AD["hop_length"]
    y = np.asarray(y, dtype=np.float64)
    if len(y) <= n_fft // 2:
        raise DatasetError(f"clip of {len(y)} samples is too short for a {n_fft}-point STFT with reflect padding")
    padded = np.pad(y, n_fft // 2, mode="reflect")
    n_frames = 1 + (len(padded) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann (scipy fftbins=True)
    power = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** AD["power"]
    key = (sr, n_fft, AD["n_mels"])
    if key not in _MEL_CACHE:
        _MEL_CACHE[key] = mel_filterbank(sr, n_fft, AD["n_mels"])
    mel = power @ _MEL_CACHE[key].T
    return 20.0 / AD["power"] * np.log10(mel + sys.float_info.epsilon)


def ad_frames(samples: np.ndarray, sr: int) -> np.ndarray:
    """One clip -> the 200 x 128 float32 log-mel frames [50:250] that the evaluation file holds."""
    from tinyperf.datasets.wavio import to_float

    y = to_float(samples) if np.asarray(samples).dtype == np.int16 else np.asarray(samples, dtype=np.float32)
    log_mel = ad_log_mel(y, sr)
    lo, hi = AD["frame_range"]
    if log_mel.shape[0] < hi:
        raise DatasetError(f"clip has {log_mel.shape[0]} frames; the reference keeps frames {lo}:{hi} "
                           f"(at least {(hi - 1) * AD['hop_length']} samples)")
    return log_mel[lo:hi].astype(np.float32)


def ad_vectors(frames: np.ndarray) -> np.ndarray:
    """(200, 128) frames -> (196, 640): row t = frames t..t+4 concatenated, frame-major (common.py)."""
    n = AD["frames"]
    count = frames.shape[0] - n + 1
    return np.concatenate([frames[t : t + count] for t in range(n)], axis=1).astype(np.float32)


# --- images ----------------------------------------------------------------------------------------------------


def decode_image(path: Any, size: int) -> np.ndarray:
    """A JPEG/PNG -> (size, size, 3) uint8 RGB; grey images become RGB; other sizes are resized."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if im.size != (size, size):
                im = im.resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(im, dtype=np.uint8).copy()
    except OSError as exc:
        raise DatasetError(f"{path}: not a readable image: {exc}") from exc


def cifar_rows_to_hwc(rows: np.ndarray) -> np.ndarray:
    """CIFAR pickle rows (N, 3072) in CHW plane order -> (N, 32, 32, 3) uint8 HWC."""
    return np.asarray(rows, dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
