"""The WE-I Plus bootloader's boot menu, simulated from its user guide, in front of the xmodem package's receiver.

After a simulated reset it prints the ``wake up evt:4`` banner; a key within ``key_window`` opens the menu,
``1`` lists ``1. Xmodem download and burn``, ``1`` again starts the real ``xmodem.XMODEM.recv``; every received
image is kept in ``received`` and answered with ``burn application done``, then the next one is awaited.
``noise`` damages that many incoming XMODEM blocks (one flipped byte each) so the receiver NAKs them.
"""

from __future__ import annotations

import io
import time

from xmodem import XMODEM

from tests.flash.peer import PeerClosed, PtyPeer


class HimaxSim(PtyPeer):
    def __init__(self, boot_delay: float = 0.3, key_window: float = 1.0, noise: int = 0, menu: bool = True) -> None:
        super().__init__()
        self.boot_delay = boot_delay
        self.key_window = key_window
        self.noise = noise
        self.menu = menu  # False: an old bootloader without the XMODEM entry
        self.received: list[bytes] = []
        self.booted_app = False
        self.damaged = 0

    def getc(self, size: int, timeout: float = 1) -> bytes | None:
        data = bytearray(self.read_exact(size, timeout))
        if size > 100 and len(data) == size and self.damaged < self.noise:
            self.damaged += 1
            data[size // 2] ^= 0x40
        return bytes(data) or None

    def putc(self, data: bytes, timeout: float = 1) -> int:
        self.write(data)
        return len(data)

    def key(self, timeout: float) -> bytes:
        """The next key that is not Enter, or b"" after *timeout*."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            b = self.read(1, left)
            if b and b not in b"\r\n":
                return b
        return b""

    def serve(self) -> None:
        if self._stop_event.wait(self.boot_delay):
            raise PeerClosed
        self.write(b"\r\nHimax WE1 EVB bootloader v1.4.4 (simulated)\r\nwake up evt:4\r\n")
        if not self.key(self.key_window):
            self.booted_app = True
            self.write(b"1st APPLICATION boot\r\n")
            while True:
                self.read(64)
        self.write(b"\r\n==== WE-I Plus boot menu ====\r\n")
        if self.menu:
            self.write(b"1. Xmodem download and burn\r\n")
        self.write(b"2. Boot the application\r\n")
        while self.key(60) != b"1" or not self.menu:
            self.write(b"unknown option\r\n")
        self.write(b"Send data using the xmodem protocol from your terminal\r\n")
        modem = XMODEM(self.getc, self.putc, mode="xmodem1k")
        while True:
            stream = io.BytesIO()
            n = modem.recv(stream, crc_mode=1, retry=8, timeout=1, quiet=True)
            if n is None:
                self.errors.append(f"XMODEM receive failed after {len(self.received)} image(s)")
                return
            self.received.append(stream.getvalue())
            self.write(b"\r\nburn application done\r\n")
