"""Progress of long steps (downloads, training epochs, accuracy runs) on one redrawn stderr line.

Quiet unless stderr is a terminal: Snakemake redirects each job's output to its log, where a redrawn line
would only be noise. ``TINYPERF_PROGRESS=1`` forces it on, ``=0`` off.

    with Progress(total=n_bytes, desc="ToyCar.zip", unit="B") as bar:
        for chunk in chunks:
            bar.update(len(chunk))

    for entry in track(entries, desc="accuracy kws", unit="file"):
        ...
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import IO, TypeVar

T = TypeVar("T")

#: Seconds between redraws: often enough to look alive, rarely enough to cost nothing.
MIN_INTERVAL_S = 0.1


def enabled(stream: IO[str] | None = None) -> bool:
    """Whether progress is drawn on *stream* (stderr by default)."""
    forced = os.environ.get("TINYPERF_PROGRESS")
    if forced is not None and forced != "":
        return forced not in ("0", "false", "no")
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _scaled(n: float, unit: str) -> str:
    if unit != "B":
        return f"{n:.0f}" if float(n).is_integer() else f"{n:.1f}"
    for prefix in ("", "K", "M", "G"):
        if abs(n) < 1024 or prefix == "G":
            return f"{n:.0f} {prefix}B" if prefix == "" else f"{n:.1f} {prefix}B"
        n /= 1024
    return f"{n:.1f} GB"  # unreachable; keeps type checkers content


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """A progress line: ``desc  42% |#####     | 420/1000 file  12.3 file/s  00:34<00:47  postfix``.

    *total* may be None (unknown size): the line then shows the count and rate only. Drawing is a no-op when
    disabled, so callers never need to test for a terminal themselves.
    """

    def __init__(self, total: float | None = None, desc: str = "", unit: str = "it",
                 stream: IO[str] | None = None, enable: bool | None = None, width: int = 24) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled(self.stream) if enable is None else enable
        self.width = width
        self.n: float = 0
        self.postfix = ""
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._closed = False

    def update(self, n: float = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last_draw >= MIN_INTERVAL_S or (self.total is not None and self.n >= self.total):
            self._draw(now)

    def set_postfix(self, text: str) -> None:
        """Extra text at the end of the line, e.g. ``loss 0.412``; shown at the next redraw."""
        self.postfix = text
        self._draw(time.monotonic())

    def line(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        elapsed = now - self._start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        parts = [self.desc] if self.desc else []
        if self.total:
            frac = min(1.0, self.n / self.total)
            filled = int(frac * self.width)
            parts.append(f"{frac * 100:3.0f}% |{'#' * filled}{' ' * (self.width - filled)}|")
            parts.append(f"{_scaled(self.n, self.unit)}/{_scaled(self.total, self.unit)}"
                         + ("" if self.unit == "B" else f" {self.unit}"))
            eta = (self.total - self.n) / rate if rate > 0 else 0.0
            timing = f"{_duration(elapsed)}<{_duration(eta)}"
        else:
            parts.append(_scaled(self.n, self.unit) + ("" if self.unit == "B" else f" {self.unit}"))
            timing = _duration(elapsed)
        parts.append(f"{_scaled(rate, 'B')}/s" if self.unit == "B" else f"{rate:.1f} {self.unit}/s")
        parts.append(timing)
        if self.postfix:
            parts.append(self.postfix)
        return "  ".join(parts)

    def _draw(self, now: float) -> None:
        if not self.enabled or self._closed:
            return
        self._last_draw = now
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._draw(time.monotonic())
        self._closed = True
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def track(iterable: Iterable[T], total: float | None = None, desc: str = "", unit: str = "it",
          stream: IO[str] | None = None, enable: bool | None = None) -> Iterator[T]:
    """Yield from *iterable*, advancing a progress line by one per item (total from len() when it has one)."""
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with Progress(total=total, desc=desc, unit=unit, stream=stream, enable=enable) as bar:
        for item in iterable:
            yield item
            bar.update(1)


def keras_callback(epochs: int, desc: str = "training", stream: IO[str] | None = None,
                   enable: bool | None = None) -> object:
    """A tf_keras callback drawing one line over the epochs with the latest loss; pass ``verbose=0`` to fit.

    Built lazily so that importing this module never imports TensorFlow.
    """
    import tf_keras

    class _EpochProgress(tf_keras.callbacks.Callback):  # type: ignore[misc, name-defined]
        def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
            self.bar = Progress(total=epochs, desc=desc, unit="epoch", stream=stream, enable=enable)

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            self.bar.postfix = "  ".join(f"{k} {v:.4g}" for k, v in logs.items() if k != "learning_rate")
            self.bar.update(1)

        def on_train_end(self, logs: dict[str, float] | None = None) -> None:
            self.bar.close()

    return _EpochProgress()
