"""The host side of the MLPerf Tiny DUT protocol: commands, replies, loads, inferences.

Every reply is read up to its m-ready line with a timeout that names the command; an e-[...] line, a reply
the reference firmware would never give, or a DUT that goes away raises DeviceError: a run is either
complete and correct, or it fails saying why.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import IO

from tinyperf.errors import DeviceError
from tinyperf.runner.transport import Transport

READY = "m-ready"
#: bytes per `db` command, as the MLCommons runner sends them (62 hex digits fit the 80-char command buffer)
CHUNK_BYTES = 31
#: commands written ahead of their replies on links with back-pressure (a pty, a socket)
PIPELINE_DEPTH = 32

LAP_RE = re.compile(r"^m-lap-us-(\d+)$")
#: no line of the protocol comes near this; a longer one is noise (a wrong baud rate, a stuck transmitter)
MAX_LINE_BYTES = 64 * 1024
#: an m-lap-us difference of half the 32-bit counter or more is a timestamp that went backwards, not a window:
#: MLPerf windows last under 30 s, and 2^31 us is 36 minutes
BACKWARDS_US = 1 << 31
_PRINTABLE = re.compile(rb"^[\t\x20-\x7e]*$")
RESULTS_RE = re.compile(r"^m-results-\[(.*)\]$")


class DutErrorReply(DeviceError):
    """The DUT answered a command with an e-[...] line (or the reference's bare error text)."""


class TrafficLog:
    """log.txt: every line in both directions, stamped with seconds since the session began."""

    def __init__(self, stream: IO[str], full_db: bool = True) -> None:
        self.stream = stream
        self.t0 = time.monotonic()
        self.full_db = full_db

    def line(self, who: str, text: str) -> None:
        self.stream.write(f"{time.monotonic() - self.t0:010.3f} {who}: {text}\n")


@dataclass
class InferResult:
    iterations: int
    warmup: int
    start_us: int
    end_us: int
    results: list[float]
    wall_s: float
    extra_lines: list[str] = field(default_factory=list)

    @property
    def elapsed_us(self) -> int:
        # m-lap-us is a 32-bit microsecond counter on most DUTs (the reference's us_ticker_read)
        return (self.end_us - self.start_us) % (1 << 32)


class DutClient:
    def __init__(self, transport: Transport, log: TrafficLog, timeout: float = 10.0) -> None:
        self.t = transport
        self.log = log
        self.timeout = timeout
        self._buf = b""
        self.unexpected: list[str] = []
        #: how many values each m-results-[...] must hold (set once the task is known; None: not checked)
        self.expected_results: int | None = None

    # -- lines -----------------------------------------------------------------------------------------
    def read_line(self, timeout: float, waiting_for: str, log: bool = True) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            if len(self._buf) > MAX_LINE_BYTES:
                raise DeviceError(f"a line of over {MAX_LINE_BYTES} bytes with no end from the DUT while waiting for "
                                  f"the reply to {waiting_for} (it starts {self._buf[:60]!r}): noise on the line?")
            left = deadline - time.monotonic()
            if left <= 0:
                status = self.t.exit_status()
                if status:
                    raise DeviceError(f"{status} while waiting for the reply to {waiting_for}")
                partial = self._buf.decode(errors="replace")
                raise DeviceError(
                    f"no reply from the DUT to {waiting_for} within {timeout:.1f} s"
                    + (f" (partial line {partial!r})" if partial else "")
                )
            try:
                chunk = self.t.read(min(left, 0.5))
            except DeviceError as exc:
                raise DeviceError(f"{exc} while waiting for the reply to {waiting_for}") from exc
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\n", 1)
        raw = raw.rstrip(b"\r")
        text = raw.decode("ascii", errors="replace")
        if log:
            self.log.line("dut", text)
        if len(raw) > MAX_LINE_BYTES:
            raise DeviceError(f"a line of {len(raw)} bytes from the DUT in the reply to {waiting_for}: the protocol's "
                              f"lines are short (it starts {text[:60]!r})")
        if not _PRINTABLE.match(raw):
            raise DeviceError(f"garbage from the DUT in the reply to {waiting_for}: {raw[:60]!r} is not a line of "
                              "the protocol (a wrong baud rate, or another program on the port?)")
        return text

    def wait_ready(self, timeout: float, waiting_for: str) -> list[str]:
        lines = []
        while True:
            line = self.read_line(timeout, waiting_for)
            if line == READY:
                return lines
            lines.append(line)

    def _send(self, cmd: str, log: bool = True) -> None:
        if log:
            self.log.line("host", cmd + "%")
        self.t.write(cmd.encode("ascii") + b"%")

    @staticmethod
    def _check(cmd: str, lines: list[str]) -> None:
        for line in lines:
            if line.startswith("e-[") or line.startswith("Supplied buffer size") or line.startswith("Input db has"):
                raise DutErrorReply(f"the DUT rejected '{cmd}': {line}")

    def command(self, cmd: str, timeout: float | None = None) -> list[str]:
        """Send one command; return the reply lines before m-ready."""
        self._send(cmd)
        lines = self.wait_ready(timeout or self.timeout, f"'{cmd}'")
        self._check(cmd, lines)
        return lines

    # -- commands --------------------------------------------------------------------------------------
    def boot(self, timeout: float) -> list[str]:
        """The boot lines up to the first m-ready (m-timestamp-mode-..., m-lap-us, m-init-done)."""
        lines = self.wait_ready(timeout, "boot (m-init-done, m-ready)")
        if "m-init-done" not in lines:
            raise DeviceError(f"the DUT booted without m-init-done: {lines!r}")
        return lines

    def name(self) -> str:
        for line in self.command("name"):
            m = re.match(r"^m-name-dut-\[([^]]+)]$", line)
            if m:
                return m.group(1)
        raise DeviceError("no m-name-dut-[...] line in the reply to 'name'")

    def profile(self) -> str:
        """The model version string of m-model-[...] (kws01, vww01, ic01, ad01)."""
        for line in self.command("profile"):
            m = re.match(r"^m-model-\[([^]]+)]$", line)
            if m:
                return m.group(1)
        raise DeviceError("no m-model-[...] line in the reply to 'profile'")

    def load(self, data: bytes) -> None:
        """db load N, then 31-byte db chunks; the last must answer m-load-done."""
        if not data:
            raise DeviceError("refusing to load an empty input")
        lines = self.command(f"db load {len(data)}")
        if f"m-[Expecting {len(data)} bytes]" not in lines:
            raise DeviceError(f"unexpected reply to 'db load {len(data)}': {lines!r}")
        chunks = [data[i : i + CHUNK_BYTES].hex() for i in range(0, len(data), CHUNK_BYTES)]
        depth = PIPELINE_DEPTH if self.t.can_pipeline else 1
        if not self.log.full_db:
            self.log.line("host", f"db <{len(chunks)} chunks of {CHUNK_BYTES} bytes, {len(data)} bytes in all>")
        for start in range(0, len(chunks), depth):
            batch = chunks[start : start + depth]
            payload = "".join(f"db {c}%" for c in batch)
            if self.log.full_db:
                for c in batch:
                    self.log.line("host", f"db {c}%")
            self.t.write(payload.encode("ascii"))
            for i, c in enumerate(batch):
                cmd = f"db {c}"
                lines = self._wait_quiet(cmd)
                self._check(cmd, lines)
                last = start + i == len(chunks) - 1
                if last and lines != ["m-load-done"]:
                    raise DeviceError(f"the DUT did not confirm the load (m-load-done) after {len(data)} bytes: "
                                      f"{lines!r}")
                if not last and lines:
                    raise DeviceError(f"unexpected reply to a db chunk: {lines!r}")

    def _wait_quiet(self, cmd: str) -> list[str]:
        """wait_ready for a db chunk; its m-ready is logged only with full_db (chunks are most of a run)."""
        lines = []
        while True:
            line = self.read_line(self.timeout, f"'{cmd}'", log=self.log.full_db)
            if line == READY:
                return lines
            if not self.log.full_db:
                self.log.line("dut", line)
            lines.append(line)

    def infer(self, iterations: int, warmup: int, timeout: float = 30.0) -> InferResult:
        """infer N W: the two m-lap-us timestamps around the N timed inferences, and m-results-[...]."""
        cmd = f"infer {iterations} {warmup}"
        t_wall = time.monotonic()
        self._send(cmd)
        lines = self.wait_ready(timeout, f"'{cmd}'")
        wall = time.monotonic() - t_wall
        self._check(cmd, lines)
        laps: list[int] = []
        results: list[float] | None = None
        expected = {f"m-warmup-start-{warmup}", "m-warmup-done", f"m-infer-start-{iterations}", "m-infer-done"}
        seen: set[str] = set()
        extra: list[str] = []
        for line in lines:
            m = LAP_RE.match(line)
            if m:
                laps.append(int(m.group(1)))
                continue
            m = RESULTS_RE.match(line)
            if m:
                results = parse_results(m.group(1), cmd)
                continue
            if line in expected:
                seen.add(line)
            elif line.startswith("m-lap-us-") or line.startswith("m-results-"):
                raise DeviceError(f"garbled line in the reply to '{cmd}': {line!r}")
            else:
                extra.append(line)
        if seen != expected:
            raise DeviceError(f"incomplete reply to '{cmd}': missing {sorted(expected - seen)} in {lines!r}")
        if len(laps) != 2:
            raise DeviceError(f"expected two m-lap-us-<us> timestamps in the reply to '{cmd}', got {len(laps)}")
        if results is None:
            raise DeviceError(f"no m-results-[...] line in the reply to '{cmd}'")
        if self.expected_results is not None and len(results) != self.expected_results:
            raise DeviceError(f"m-results-[...] holds {len(results)} values in the reply to '{cmd}'; the model "
                              f"has {self.expected_results} outputs")
        if (laps[1] - laps[0]) % (1 << 32) >= BACKWARDS_US:
            raise DeviceError(f"the DUT's timestamps went backwards in the reply to '{cmd}': m-lap-us-{laps[0]} "
                              f"then m-lap-us-{laps[1]}")
        self.unexpected.extend(extra)
        return InferResult(iterations, warmup, laps[0], laps[1], results, wall, extra)


def parse_results(body: str, cmd: str) -> list[float]:
    """The floats of m-results-[...]; empty fields are ignored, as the MLCommons runner does."""
    values = []
    for field_ in body.split(","):
        field_ = field_.strip()
        if not field_:
            continue
        try:
            value = float(field_)
        except ValueError as exc:
            raise DeviceError(
                f"garbled m-results-[{body}] in the reply to '{cmd}': {field_!r} is not a number"
            ) from exc
        if not math.isfinite(value):
            raise DeviceError(f"m-results-[{body}] in the reply to '{cmd}' holds {field_!r}: the model's outputs "
                              "are finite")
        values.append(value)
    if not values:
        raise DeviceError(f"empty m-results-[] in the reply to '{cmd}'")
    return values
