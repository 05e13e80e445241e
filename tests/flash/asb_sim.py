"""The Ambiq Secure Bootloader's UART wired update, simulated from the protocol (see tinyperf.flash.asb).

Checks every message's CRC and length, the order of the session, the DATA sequence numbers, each block's CRC
(from its UPDATE) and wired header; on RESET it reassembles the OTA blob from the staged blocks, checks its
header (magic, length, CRC32, install address, no encryption) and installs the image at 0xC000 in ``flash``.
"""

from __future__ import annotations

import struct
import zlib

from tests.flash.peer import PtyPeer
from tinyperf.flash import asb

VERSION = 3
MAX_STORAGE = 0x48000
CRC_ERROR, SEQUENCE_ERROR, INVALID_PARAM, INVALID_OPERATION = 3, 10, 9, 8


def frame(msg_type: int, words: tuple[int, ...]) -> bytes:
    body = struct.pack(f"<{1 + len(words)}I", ((8 + 4 * len(words)) << 16) | msg_type, *words)
    return struct.pack("<I", zlib.crc32(body)) + body


class AsbSim(PtyPeer):
    def __init__(
        self,
        silent: bool = False,
        damage: dict[int, int] | None = None,
        nak_always: int | None = None,
    ) -> None:
        super().__init__()
        self.silent = silent
        self.damage = dict(damage or {})  # DATA packet number (0-based, in arrival order) -> damaged deliveries
        self.nak_always = nak_always  # DATA packet number the loader refuses every time
        self.flash: dict[int, bytes] = {}  # address -> bytes: staged blocks and the installed image
        self.installed: bytes | None = None
        self.ota_descriptor: int | None = None
        self.data_packets = 0  # accepted
        self.naks = 0
        self.reset = False
        self.ota_source: int | None = None
        self._block: bytearray | None = None
        self._block_len = 0
        self._block_crc = 0

    # -- framing -------------------------------------------------------------------------------------------

    def message(self) -> tuple[int, bytes, bool] | None:
        """(type, words after the header word, crc ok), or None when the host goes quiet mid-message."""
        head = self.read_exact(8, timeout=5.0)
        if len(head) < 8:
            if head:
                self.errors.append(f"message cut short: {len(head)} bytes")
            return None
        crc, word = struct.unpack("<II", head)
        length = word >> 16
        if not 8 <= length <= asb.MAX_MESSAGE or (length % 4 and (word & 0xFFFF) != asb.MSG_DATA):
            self.errors.append(f"impossible message length {length} (type {word & 0xFFFF})")
            return None
        rest = bytearray(self.read_exact(length - 8, timeout=2.0))
        if len(rest) < length - 8:
            self.errors.append(f"message cut short: {len(rest) + 8} of {length} bytes")
            return None
        msg_type = word & 0xFFFF
        if msg_type == asb.MSG_DATA and self.damage.get(self.data_packets, 0) > 0:
            self.damage[self.data_packets] -= 1
            rest[len(rest) // 2] ^= 0x10  # line noise inside the payload
        ok = zlib.crc32(head[4:] + rest) == crc
        return msg_type, bytes(rest), ok

    def ack(self, msg_type: int, status: int = 0, seq: int = 0) -> None:
        if status:
            self.naks += 1
        self.write(frame(asb.MSG_ACK, (msg_type, status, seq)))

    # -- the loader ----------------------------------------------------------------------------------------

    def serve(self) -> None:
        while True:
            msg = self.message()
            if msg is None:
                continue
            msg_type, rest, ok = msg
            if msg_type == asb.MSG_HELLO and ok and len(rest) == 0:
                break
            self.errors.append(f"expected HELLO first, got type {msg_type} (crc ok: {ok})")
        if self.silent:
            while True:
                self.read(256)
        info = tuple(range(0xA0, 0xB0))
        self.write(frame(asb.MSG_STATUS, (VERSION, MAX_STORAGE, 0, 0, *info)))
        while not self.reset:
            msg = self.message()
            if msg is None:
                continue
            self.handle(*msg)

    def handle(self, msg_type: int, rest: bytes, ok: bool) -> None:
        words = struct.unpack_from(f"<{len(rest) // 4}I", rest) if len(rest) >= 4 else ()
        if not ok:
            self.ack(msg_type, CRC_ERROR, words[0] if msg_type == asb.MSG_DATA else 0)
        elif msg_type == asb.MSG_OTADESC:
            if len(rest) != 4 or words[0] % 0x2000:
                self.errors.append(f"OTADESC {rest!r}: not one page-aligned address")
                self.ack(msg_type, INVALID_PARAM)
                return
            self.ota_descriptor = words[0]
            self.ack(msg_type)
        elif msg_type == asb.MSG_UPDATE:
            if len(rest) != 12 or self._block is not None:
                self.errors.append(f"UPDATE {words} out of place (block in progress: {self._block is not None})")
                self.ack(msg_type, INVALID_OPERATION)
                return
            self._block_len, self._block_crc, piggyback = words
            if piggyback or not asb.WIRED_HEADER_BYTES < self._block_len <= asb.WIRED_HEADER_BYTES + MAX_STORAGE:
                self.errors.append(f"UPDATE with size {self._block_len}, piggyback {piggyback}")
                self.ack(msg_type, INVALID_PARAM)
                return
            self._block = bytearray()
            self.ack(msg_type)
        elif msg_type == asb.MSG_DATA:
            self.data(words[0], rest[4:])
        elif msg_type == asb.MSG_RESET:
            self.ack(msg_type)
            self.install()
            self.reset = True
        else:
            self.errors.append(f"unexpected message type {msg_type}")
            self.ack(msg_type, 6)

    def data(self, seq: int, payload: bytes) -> None:
        number = self.data_packets
        if self._block is None:
            self.errors.append(f"DATA seq 0x{seq:X} without UPDATE")
            self.ack(asb.MSG_DATA, INVALID_OPERATION, seq)
            return
        if number == self.nak_always:
            self.ack(asb.MSG_DATA, 1, seq)
            return
        if seq != len(self._block):
            self.errors.append(f"DATA seq 0x{seq:X}, expected 0x{len(self._block):X}")
            self.ack(asb.MSG_DATA, SEQUENCE_ERROR, seq)
            return
        if len(self._block) + len(payload) > self._block_len:
            self.errors.append("more DATA than the UPDATE announced")
            self.ack(asb.MSG_DATA, 11, seq)
            return
        self._block += payload
        self.data_packets += 1
        if len(self._block) == self._block_len:
            block, self._block = bytes(self._block), None
            if zlib.crc32(block) != self._block_crc:
                self.errors.append("block CRC differs from its UPDATE's")
                self.ack(asb.MSG_DATA, CRC_ERROR, seq)
                return
            self.stage(block)
        self.ack(asb.MSG_DATA, 0, seq)

    def stage(self, block: bytes) -> None:
        hdr = block[: asb.WIRED_HEADER_BYTES]
        w0, = struct.unpack_from("<I", hdr, 0)
        key, address, size = struct.unpack_from("<3I", hdr, 84)
        if hdr[80] != asb.IMAGETYPE_NONSECURE or key != asb.FLASH_KEY or w0 & 0x000F000F:
            self.errors.append(f"wired header: type {hdr[80]}, key 0x{key:X}, w0 0x{w0:08X} (auth/enc must be off)")
        if size != len(block) - asb.WIRED_HEADER_BYTES or address % 0x2000:
            self.errors.append(f"wired header: size {size} for {len(block) - asb.WIRED_HEADER_BYTES} bytes, "
                               f"address 0x{address:X}")
        self.flash[address] = block[asb.WIRED_HEADER_BYTES :]
        if hdr[81] & asb.OPTION_OTA:
            self.ota_source = address

    def install(self) -> None:
        """What the SBL does with the OTA after the reset: reassemble, check, copy to the install address."""
        source = self.ota_source
        if source is None:
            self.errors.append("RESET without a staged block flagged for OTA")
            return
        blob = bytearray()
        address = source
        while address in self.flash:
            blob += self.flash[address]
            address += asb.SPLIT
        w0, crc, w2 = struct.unpack_from("<3I", blob, 0)
        install_at, = struct.unpack_from("<I", blob, 112)
        if w0 >> 24 != asb.MAGIC_NONSECURE or w0 & (1 << 23):
            self.errors.append(f"OTA header w0 0x{w0:08X}: not a clear non-secure image")
        if w0 & 0x1FFFFF != len(blob):
            self.errors.append(f"OTA blob length {w0 & 0x1FFFFF} in the header, {len(blob)} staged")
        if zlib.crc32(bytes(blob[8:])) != crc:
            self.errors.append("OTA image CRC does not check")
        if w2 & 0xF0F or not w2 >> 24 & 0x10:
            self.errors.append(f"OTA header w2 0x{w2:08X}: expected install CRC on, no auth/enc")
        if install_at != asb.APP_BASE:
            self.errors.append(f"OTA install address 0x{install_at:X}")
        self.installed = bytes(blob[asb.OTA_HEADER_BYTES :])
        self.flash[install_at] = self.installed
