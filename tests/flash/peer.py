"""A protocol peer on a pseudo-terminal: the client opens the slave path with pyserial, the peer serves the master.

Subclasses implement ``serve()`` with ``read``/``write``; whatever the peer finds wrong goes to ``errors`` (the
tests assert on it), and an exception in ``serve`` is recorded there too.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections.abc import Callable


class PeerClosed(Exception):
    """The test is over: stop serving."""


class PtyPeer(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.master, self.slave = os.openpty()
        # Raw from the start: with the default line discipline the peer's own output would echo back to it.
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.errors: list[str] = []
        self._stop_event = threading.Event()

    def __enter__(self) -> PtyPeer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self, predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
        """Let the peer catch up with what the client sent last (the client may close the port first)."""
        deadline = time.monotonic() + timeout
        while not predicate() and time.monotonic() < deadline:
            time.sleep(0.01)
        return predicate()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)
        os.close(self.master)
        os.close(self.slave)

    def run(self) -> None:
        try:
            self.serve()
        except PeerClosed:
            pass
        except Exception as exc:  # recorded, so the test fails with the peer's reason
            self.errors.append(f"peer crashed: {exc!r}")

    def serve(self) -> None:
        raise NotImplementedError

    def read(self, n: int, timeout: float | None = None) -> bytes:
        """Up to *n* bytes; b"" when *timeout* passes first. Raises PeerClosed when the test ends."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stop_event.is_set():
            wait = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if wait <= 0:
                return b""
            ready, _, _ = select.select([self.master], [], [], wait)
            if ready:
                try:
                    return os.read(self.master, n)
                except OSError:
                    time.sleep(0.01)
        raise PeerClosed

    def read_exact(self, n: int, timeout: float | None = None) -> bytes:
        buf = bytearray()
        deadline = None if timeout is None else time.monotonic() + timeout
        while len(buf) < n:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            buf += self.read(n - len(buf), left)
        return bytes(buf)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]
