"""The SparkFun Variable Loader, simulated from its protocol (see tinyperf.flash.svl).

Checks every packet's length and CRC, requires whole 32-bit words per frame (as the Artemis loader does),
asks for a resend of damaged frames, and assembles the image it would write from 0x10000.
"""

from __future__ import annotations

from tests.flash.peer import PtyPeer
from tinyperf.flash.svl import CMD_BL, CMD_DONE, CMD_FRAME, CMD_NEXT, CMD_RETRY, CMD_VER, crc16, encode

VERSION = 6


class SvlSim(PtyPeer):
    def __init__(
        self,
        silent: bool = False,
        bad_version_crc: bool = False,
        damage: dict[int, int] | None = None,
        stall_after: int | None = None,
    ) -> None:
        super().__init__()
        self.silent = silent
        self.bad_version_crc = bad_version_crc
        self.damage = dict(damage or {})  # frame index -> how many of its transmissions arrive damaged
        self.stall_after = stall_after  # stop answering after this many frames were written
        self.image = bytearray()
        self.frames_written = 0
        self.retries_sent = 0
        self.done = False

    def packet(self, timeout: float) -> tuple[int, bytes] | None:
        """The next packet, or None (recorded) when it is late or damaged."""
        head = self.read_exact(2, timeout)
        if len(head) < 2:
            return None
        size = int.from_bytes(head, "big")
        if not 3 <= size <= 2048 + 3:
            self.errors.append(f"impossible packet length {size}")
            return None
        payload = bytearray(self.read_exact(size, timeout))
        if len(payload) < size:
            self.errors.append(f"packet cut short: {len(payload)} of {size} bytes")
            return None
        if payload[0] == CMD_FRAME and self.damage.get(self.frames_written, 0) > 0:
            self.damage[self.frames_written] -= 1
            payload[len(payload) // 2] ^= 0x01  # line noise inside the frame
        if crc16(bytes(payload)) != 0:
            return (-1, b"")
        return payload[0], bytes(payload[1:-2])

    def serve(self) -> None:
        while self.read(1) != b"U":
            pass
        if self.silent:
            while True:
                self.read(64)
        ver = bytearray(encode(CMD_VER, bytes([VERSION])))
        if self.bad_version_crc:
            ver[-1] ^= 0xFF
        self.write(bytes(ver))
        pkt = self.packet(timeout=2.0)
        if not pkt or pkt[0] != CMD_BL:
            self.errors.append(f"expected BL after VER, got {pkt}")
            return
        request = CMD_NEXT
        while True:
            if self.stall_after is not None and self.frames_written >= self.stall_after:
                while True:
                    self.read(4096)
            self.write(encode(request))
            if request == CMD_RETRY:
                self.retries_sent += 1
            pkt = self.packet(timeout=2.0)
            if pkt is None:
                return
            cmd, data = pkt
            if cmd == -1:
                request = CMD_RETRY
            elif cmd == CMD_FRAME:
                if len(data) % 4:
                    self.errors.append(f"frame {self.frames_written}: {len(data)} bytes, not whole words")
                    request = CMD_RETRY
                    continue
                self.image += data
                self.frames_written += 1
                request = CMD_NEXT
            elif cmd == CMD_DONE:
                self.done = True
                return
            else:
                self.errors.append(f"unexpected command {cmd} during bootload")
                request = CMD_RETRY
