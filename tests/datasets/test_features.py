"""The reference features against hand-verified values and independent implementations."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
import scipy.fft

from tinyperf.datasets import features


def _tone(freq: float, n: int = 16000, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(n) / 16000)).astype(np.float32)


# --- kws -------------------------------------------------------------------------------------------------------


def test_kws_waveform_divides_by_max_not_absmax_and_pads() -> None:
    clip = np.array([-300, 100, 50], np.int16)
    wav = features.kws_waveform(clip)
    assert wav.shape == (16000,) and wav.dtype == np.float32
    np.testing.assert_allclose(wav[:3], [-3.0, 1.0, 0.5])  # max is 100: the -300 sample becomes -3
    assert not wav[3:].any()
    long = np.arange(20000, dtype=np.int16)
    assert features.kws_waveform(long).shape == (16000,)  # the reference's 2-sample shift is an identity


def test_kws_mfcc_silence_hand_value() -> None:
    """Zero audio: every log-mel is log(1e-6), so MFCC 0 = log(1e-6) * 2N / sqrt(2N) = -123.570 (N = 40), the rest 0."""
    out = features.kws_mfcc(np.zeros((1, 16000), np.float32))
    assert out.shape == (1, 49, 10, 1) and out.dtype == np.float32
    expected0 = math.log(1e-6) * math.sqrt(2 * 40)  # -123.5662...
    np.testing.assert_allclose(out[0, :, 0, 0], expected0, rtol=1e-5)
    np.testing.assert_allclose(out[0, :, 1:, 0], 0, atol=1e-3)
    assert round(expected0, 3) == -123.570


def _numpy_mfcc(wav: np.ndarray) -> np.ndarray:
    """tf.signal's MFCC pipeline written out from its documentation, as an independent check."""
    frame, step, nfft = 480, 320, 512
    n = 1 + (len(wav) - frame) // step
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame) / frame)  # periodic Hann
    frames = np.stack([wav[i * step : i * step + frame] * window for i in range(n)])
    mag = np.abs(np.fft.rfft(frames, nfft, axis=1))

    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        return 1127.0 * np.log1p(np.asarray(f) / 700.0)

    bins = nfft // 2 + 1
    lin = hz_to_mel(np.linspace(0, 8000, bins)[1:])
    edges = np.linspace(hz_to_mel(20.0), hz_to_mel(4000.0), 40 + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0, np.minimum((lin[:, None] - lower) / (center - lower), (upper - lin[:, None]) / (upper - center)))
    w = np.vstack([np.zeros((1, 40)), w])
    log_mel = np.log(mag @ w + 1e-6)
    return (scipy.fft.dct(log_mel, type=2, axis=1) / np.sqrt(2 * 40))[:, :10]


def test_kws_mfcc_matches_independent_numpy() -> None:
    rng = np.random.default_rng(0)
    wav = features.kws_waveform((_tone(440) + _tone(1800, amp=0.2) + rng.normal(0, 0.05, 16000)) * 20000)
    ours = features.kws_mfcc(wav[None])[0, :, :, 0]
    np.testing.assert_allclose(ours, _numpy_mfcc(wav.astype(np.float64)), atol=2e-3, rtol=1e-3)


def test_kws_file_quantization_truncates() -> None:
    x = np.array([0.0, 0.5847029 * 1.9, -0.5847029 * 1.9, 200.0, -200.0], np.float32)
    q = features.kws_quantize_file(x, 0.5847029, 83)
    assert q.tolist() == [83, 84, 81, 127, -128]  # trunc(84.9)=84, trunc(81.1)=81; saturated ends


def test_background_mixer_is_frozen_and_seeded() -> None:
    bg = [np.full(40000, 0.5, np.float32)]
    a = features.BackgroundMixer(bg, np.random.default_rng(3))
    b = features.BackgroundMixer(bg, np.random.default_rng(3))
    assert a.volume == b.volume and 0 <= a.volume <= 0.1
    clip = np.full(16000, 0.99, np.float32)
    mixed = a(clip)
    np.testing.assert_allclose(mixed, np.clip(0.99 + 0.5 * a.volume, -1, 1), rtol=1e-6)


# --- ad --------------------------------------------------------------------------------------------------------


def test_ad_windows_shape_and_order() -> None:
    samples = (_tone(1000, n=160000) * 32767).astype(np.int16)  # 10 s, as ToyADMOS
    frames = features.ad_frames(samples, 16000)
    assert frames.shape == (200, 128) and frames.dtype == np.float32
    vec = features.ad_vectors(frames)
    assert vec.shape == (196, 640)
    np.testing.assert_array_equal(vec[7, 128 * 3 : 128 * 4], frames[10])  # row t, slot k = frame t + k
    assert len(frames.astype("<f4").tobytes()) == 102_400  # the official *_hist_librosa.bin size


def test_ad_silence_hand_value() -> None:
    """Zero audio: 10 * log10(0 + float64 eps) = -156.5356 dB everywhere."""
    frames = features.ad_frames(np.zeros(160000, np.int16), 16000)
    np.testing.assert_allclose(frames, 10 * math.log10(sys.float_info.epsilon), rtol=1e-6)
    assert round(10 * math.log10(sys.float_info.epsilon), 4) == -156.5356


def test_ad_tone_lands_in_its_mel_band() -> None:
    frames = features.ad_frames((_tone(2000, n=160000) * 32767).astype(np.int16), 16000)
    centers = features._mel_to_hz_slaney(np.linspace(0, features._hz_to_mel_slaney(8000.0), 130))[1:-1]
    assert abs(int(frames.mean(0).argmax()) - int(np.abs(centers - 2000).argmin())) <= 1


def test_mel_filterbank_slaney_properties() -> None:
    w = features.mel_filterbank(16000, 1024, 128)
    assert w.shape == (128, 513)
    assert (w >= 0).all() and (w.sum(axis=1) > 0).all()


def test_ad_matches_librosa_with_reflect_padding() -> None:
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(1)
    y = (0.3 * _tone(700, n=160000) + rng.normal(0, 0.05, 160000)).astype(np.float32)
    samples = np.round(y * 32767).astype(np.int16)
    yf = samples.astype(np.float32) / 32768
    mel = librosa.feature.melspectrogram(y=yf, sr=16000, n_fft=1024, hop_length=512, n_mels=128, power=2.0,
                                         pad_mode="reflect")
    ref = (20.0 / 2.0 * np.log10(mel + sys.float_info.epsilon)).T[50:250]
    ours = features.ad_frames(samples, 16000)
    np.testing.assert_allclose(ours, ref, atol=2e-3)
    np.testing.assert_allclose(features.mel_filterbank(16000, 1024, 128),
                               librosa.filters.mel(sr=16000, n_fft=1024, n_mels=128), rtol=1e-5, atol=1e-8)


# --- images ----------------------------------------------------------------------------------------------------


def test_cifar_rows_chw_to_hwc() -> None:
    row = np.zeros((1, 3072), np.uint8)
    row[0, 0] = 10  # R plane, pixel (0, 0)
    row[0, 1024 + 33] = 20  # G plane, pixel (1, 1)
    row[0, 2048 + 1023] = 30  # B plane, pixel (31, 31)
    img = features.cifar_rows_to_hwc(row)[0]
    assert img.shape == (32, 32, 3)
    assert img[0, 0, 0] == 10 and img[1, 1, 1] == 20 and img[31, 31, 2] == 30
    assert img.sum() == 60


def test_decode_image_rgb_96(tmp_path) -> None:
    from PIL import Image

    grey = tmp_path / "g.png"
    Image.fromarray(np.full((96, 96), 77, np.uint8), "L").save(grey)
    img = features.decode_image(grey, 96)
    assert img.shape == (96, 96, 3) and img.dtype == np.uint8 and (img == 77).all()
    big = tmp_path / "b.png"
    Image.fromarray(np.full((120, 140, 3), (10, 20, 30), np.uint8), "RGB").save(big)
    img = features.decode_image(big, 96)
    assert img.shape == (96, 96, 3) and tuple(img[50, 50]) == (10, 20, 30)
    assert len(img.tobytes()) == 27_648  # the official vww .bin size
