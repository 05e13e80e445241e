"""Ambiq Secure Bootloader (the Apollo3's boot ROM "SBL": the SparkFun Edge 2's fallback loader) over pyserial.

Written from Ambiq's AmbiqSuite tools/apollo3_scripts (create_cust_image_blob.py, create_cust_wireupdate_blob.py,
uart_wired_update.py, am_defines.py) and SparkFun's combined uploader (Arduino_Apollo3 tools ambiq_bin2board.py /
Apollo3_Uploader_ASB asb.py), called as ``--load-address-wired 0xC000 --load-address-blob 0x20000 --magic-num 0xCB
-i 6 --options 0x1 -r 1``:

- OTA blob = 128-byte header + application padded to whole words (n pad bytes of value n). Header words
  (little-endian): w0 = magic 0xCB (non-secure) << 24 | blob length (encryption bit 23 off); w1 = CRC32
  (zlib/Ethernet) over header bytes 8..127 + application; w2 = 0x10008080 (install-CRC check on, no
  authentication/encryption; key indices 8, the reference tool's defaults); bytes 16..111 zero (signatures, IV,
  key); w28 = install address 0xC000; w29 = version 0; w30/w31 = child pointers 0xFFFFFFFF.
- Wired-update block = 96-byte header + up to 0x48000 bytes of the OTA blob: w0 = 0x08000800 (no auth/enc, key
  indices 8), byte 80 = image type 6 (non-secure), byte 81 = options (bit 0 "install by OTA after download",
  first block only), w21 = key 0x12344321, w22 = where the block is staged in flash (0x20000 + n * 0x48000),
  w23 = its share of the blob.
- UART messages, both ways: CRC32 of the rest (4 bytes, little-endian) | word (length << 16 | type) | words;
  the length counts the CRC. Types: HELLO 0, STATUS 1, OTADESC 2, UPDATE 3, ABORT 4, RECOVER 5, RESET 6, ACK 7,
  DATA 8. HELLO is answered by an 88-byte STATUS (version, max storage, status, state, 16 info words); every
  other message by a 20-byte ACK (acked type, status, sequence number; status 0 = success, else a NAK code).
- Session: reset with DTR/RTS (open asserts them and holds RESET low; releasing them lets the Edge 2's
  auto-reset raise BOOT), HELLO within the SBL's ~250 ms window (3 tries), OTADESC 0xFE000, then per block, last
  first: UPDATE (block length, CRC32 of the block, 0) and DATA packets of at most 8180 bytes (8 KB message
  buffer less 12), each carrying its offset in the block as sequence number; a NAK'd message is resent (Ambiq's
  host tries 4 times). RESET 1 (POI) makes the SBL check the staged image's CRC and install it at 0xC000.

Installing at 0xC000 overwrites the SVL on an Artemis module (the SVL lives there); the application must be
linked for 0xC000, which :func:`check_origin` enforces.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import serial

from tinyperf import __version__
from tinyperf.errors import ConfigError, DeviceError
from tinyperf.flash.common import FlashResult, FlashTarget, read_exact, seconds_since

MSG_HELLO, MSG_STATUS, MSG_OTADESC, MSG_UPDATE, MSG_ABORT, MSG_RECOVER, MSG_RESET, MSG_ACK, MSG_DATA = range(9)
MSG_NAMES = ("HELLO", "STATUS", "OTADESC", "UPDATE", "ABORT", "RECOVER", "RESET", "ACK", "DATA")
#: ACK status codes (am_defines.py AM_SECBOOT_WIRED_ACK_STATUS_*)
ACK_STATUS = {
    0: "success", 1: "failure", 2: "invalid INFO0", 3: "CRC error", 4: "security error", 5: "message too big",
    6: "unknown message type", 7: "invalid address", 8: "invalid operation", 9: "invalid parameter",
    10: "sequence error", 11: "too much data",
}
STATUS_BYTES = 88
ACK_BYTES = 20
MAX_MESSAGE = 8192  # the SBL's UART buffer
DATA_CHUNK = MAX_MESSAGE - 12

APP_BASE = 0xC000  # where the SBL installs a non-secure image
SVL_BASE = 0x10000  # where the SVL puts applications: an image linked there cannot run from 0xC000
MAGIC_NONSECURE = 0xCB
OTA_HEADER_BYTES = 128
OTA_W2 = 0x10008080
WIRED_HEADER_BYTES = 96
WIRED_W0 = 0x08000800
IMAGETYPE_NONSECURE = 6
OPTION_OTA = 0x1
FLASH_KEY = 0x12344321
STAGING_BASE = 0x20000
SPLIT = 0x48000  # MAX_DOWNLOAD_SIZE: the most of the blob one wired block carries
OTA_DESCRIPTOR = 0xFE000
RESET_POI = 1
IMAGE_NAMES = ("firmware.bin",)
ELF_NAME = "firmware.elf"

_HINT = (
    "the board is not in bootloader mode. The Ambiq Secure Bootloader listens only ~250 ms after a reset with its "
    "BOOT pin high: check that the USB-serial adapter's DTR/RTS reach the Edge 2's auto-reset (SparkFun Serial "
    "Basic on its serial header), or reset the board into the bootloader by hand right before flashing; check the "
    "baud rate (the SBL's is 115200 unless INFO0 sets another; --baud); a board that runs the SparkFun Variable "
    "Loader is flashed with --method svl"
)


def crc32(data: bytes) -> int:
    """The CRC the SBL checks: the Ethernet polynomial, as zlib computes it."""
    return zlib.crc32(data) & 0xFFFFFFFF


def pad_words(data: bytes) -> bytes:
    """Pad to whole 32-bit words with n bytes of value n, as Ambiq's pad_to_block_size(.., 4, 0) does."""
    n = -len(data) % 4
    return data + bytes([n]) * n


def ota_blob(app: bytes, install_at: int = APP_BASE, version: int = 0) -> bytes:
    """The non-secure OTA image the SBL validates (CRC) and installs at *install_at*."""
    body = pad_words(app)
    hdr = bytearray(OTA_HEADER_BYTES)
    struct.pack_into("<I", hdr, 0, (MAGIC_NONSECURE << 24) | (OTA_HEADER_BYTES + len(body)))
    struct.pack_into("<I", hdr, 8, OTA_W2)
    struct.pack_into("<4I", hdr, 112, install_at, version & 0x7FFF, 0xFFFFFFFF, 0xFFFFFFFF)
    struct.pack_into("<I", hdr, 4, crc32(bytes(hdr[8:]) + body))
    return bytes(hdr) + body


def wired_blocks(blob: bytes, staging: int = STAGING_BASE, split: int = SPLIT) -> list[bytes]:
    """The wired-update blocks that stage *blob* in flash at *staging* (each with its 96-byte header)."""
    blob = pad_words(blob)
    out = []
    for n, start in enumerate(range(0, len(blob), split)):
        part = blob[start : start + split]
        hdr = bytearray(WIRED_HEADER_BYTES)
        struct.pack_into("<I", hdr, 0, WIRED_W0)
        hdr[80] = IMAGETYPE_NONSECURE
        hdr[81] = OPTION_OTA if n == 0 else 0
        struct.pack_into("<3I", hdr, 84, FLASH_KEY, staging + n * split, len(part))
        out.append(bytes(hdr) + part)
    return out


def message(msg_type: int, words: tuple[int, ...] = (), payload: bytes = b"") -> bytes:
    """One framed message: CRC32 | length << 16 | type | words | payload (length counts the CRC too)."""
    body = struct.pack(f"<{1 + len(words)}I", ((8 + 4 * len(words) + len(payload)) << 16) | msg_type, *words)
    body += payload
    return struct.pack("<I", crc32(body)) + body


@dataclass(frozen=True)
class Reply:
    msg_type: int
    words: tuple[int, ...]
    crc_ok: bool

    @property
    def name(self) -> str:
        return MSG_NAMES[self.msg_type] if self.msg_type < len(MSG_NAMES) else f"type 0x{self.msg_type:X}"


def parse_reply(raw: bytes) -> Reply:
    crc, head = struct.unpack_from("<II", raw)
    words = struct.unpack_from(f"<{(len(raw) - 8) // 4}I", raw, 8)
    return Reply(head & 0xFFFF, words, crc == crc32(raw[4:]))


# --- the link address of the image ---------------------------------------------------------------------------


def _elf_origin(elf: Path) -> tuple[int, int] | None:
    """(entry, lowest load address of the loaded bytes) of a little-endian ELF32, or None when it is not one."""
    try:
        raw = elf.read_bytes()
        if raw[:4] != b"\x7fELF" or raw[4] != 1 or raw[5] != 1:
            return None
        entry, phoff = struct.unpack_from("<II", raw, 24)
        phentsize, phnum = struct.unpack_from("<HH", raw, 42)
        loads = []
        for i in range(phnum):
            p_type, _, _, paddr, filesz = struct.unpack_from("<5I", raw, phoff + i * phentsize)
            if p_type == 1 and filesz:
                loads.append(paddr)
        return (entry, min(loads)) if loads else None
    except (OSError, struct.error, IndexError):
        return None


def _elf_beside(firmware: Path, image: Path) -> Path | None:
    for candidate in (firmware / ELF_NAME if firmware.is_dir() else None, image.with_name(ELF_NAME)):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def check_origin(firmware: Path, image: Path, data: bytes) -> str:
    """Refuse (ConfigError) an image not linked for 0xC000; return how that was established.

    The vector table's handlers must point into the image as installed at 0xC000. When an image is long enough
    that they would also fit at 0x10000 (every handler beyond its first 16 KB), the ELF beside it decides.
    """
    if data[:4] == b"\x7fELF":
        raise ConfigError(f"ASB: {image} is an ELF file; the Ambiq Secure Bootloader takes the raw image "
                          "(firmware.bin from the build directory)")
    if len(data) < 64:
        raise ConfigError(f"ASB: {image} ({len(data)} bytes) is too short to hold a Cortex-M vector table")
    vectors = struct.unpack_from("<16I", data)
    reset = vectors[1]
    handlers = [v & ~1 for v in vectors[1:] if v not in (0, 0xFFFFFFFF)]
    fits = [o for o in (APP_BASE, SVL_BASE) if all(o <= h < o + len(data) for h in handlers)]
    elf = _elf_beside(Path(firmware), image)
    facts = _elf_origin(elf) if elf else None
    if facts is not None and (facts[0] | 1) == (reset | 1):
        origin, how = facts[1], f"load address in {elf}"
    elif len(fits) == 1:
        origin, how = fits[0], "vector table"
    elif not fits:
        raise ConfigError(
            f"ASB: {image} is not an application for 0x{APP_BASE:X}: its vector table (reset 0x{reset:08X}) points "
            f"outside the image as installed there; link it at 0x{APP_BASE:X} (memory.flash_origin)"
        )
    else:
        raise ConfigError(
            f"ASB: cannot tell from {image} alone whether it was linked at 0x{APP_BASE:X} or for the SVL at "
            f"0x{SVL_BASE:X} (reset 0x{reset:08X} fits both); pass the build directory that holds {ELF_NAME}"
        )
    if origin == SVL_BASE:
        raise ConfigError(
            f"ASB: {image} was linked for the SparkFun Variable Loader at 0x{SVL_BASE:X} (reset vector "
            f"0x{reset:08X}, from the {how}), but the Ambiq Secure Bootloader installs applications at "
            f"0x{APP_BASE:X}: flash it with --method svl (the default), or rebuild it for the ASB with "
            f"memory.flash_origin: 0x0000C000 in config/boards/sparkfun_edge.yaml"
        )
    if origin != APP_BASE:
        raise ConfigError(
            f"ASB: {image} was linked at 0x{origin:X} (from the {how}); the Ambiq Secure Bootloader installs "
            f"applications at 0x{APP_BASE:X}"
        )
    return how


# --- the session ----------------------------------------------------------------------------------------------


@dataclass
class Session:
    """One conversation with the SBL on an open port; counts resends and replies whose CRC did not check."""

    ser: serial.Serial
    timeout: float
    ack_timeout: float
    retries: int
    resends: int = 0
    reply_crc_errors: int = 0
    status: dict[str, int] = field(default_factory=dict)

    def _reply(self, size: int, timeout: float, what: str) -> Reply:
        reply = parse_reply(read_exact(self.ser, size, timeout, what))
        # Neither Ambiq's nor SparkFun's host checks the reply CRC: counted, not fatal (the image CRC is the SBL's).
        self.reply_crc_errors += not reply.crc_ok
        return reply

    def hello(self, attempts: int) -> dict[str, int]:
        last: DeviceError | None = None
        for _ in range(attempts):
            enter_bootloader(self.ser)
            self.ser.write(message(MSG_HELLO))
            self.ser.flush()
            try:
                reply = self._reply(STATUS_BYTES, self.timeout, "ASB: STATUS reply to HELLO")
            except DeviceError as exc:
                last = exc
                continue
            if reply.msg_type != MSG_STATUS:
                raise DeviceError(f"ASB: HELLO answered with {reply.name}, not STATUS, on {self.ser.port}: {_HINT}")
            version, storage, status, state = reply.words[:4]
            self.status = {"version": version, "max_storage": storage, "status": status, "state": state}
            return self.status
        raise DeviceError(
            f"ASB: no reply to HELLO within {self.timeout:g} s on {self.ser.port} after {attempts} resets "
            f"({last}): {_HINT}"
        ) from last

    def acked(self, msg: bytes, what: str) -> None:
        """Send *msg* until the SBL ACKs it with success, resending a NAK'd one up to *retries* times."""
        codes = []
        for attempt in range(self.retries + 1):
            if attempt:
                self.resends += 1
            self.ser.write(msg)
            self.ser.flush()
            reply = self._reply(ACK_BYTES, self.ack_timeout, f"ASB: ACK for {what}")
            if reply.msg_type != MSG_ACK:
                raise DeviceError(f"ASB: {what} answered with {reply.name}, not ACK, on {self.ser.port}")
            status = reply.words[1]
            if status == 0:
                return
            codes.append(f"{status} ({ACK_STATUS.get(status, 'unknown')})")
        raise DeviceError(
            f"ASB: {what} refused {len(codes)} times on {self.ser.port} (NAK status {', '.join(codes)}): "
            "line noise? try a lower --baud"
        )


def enter_bootloader(ser: serial.Serial) -> None:
    """Reset into the SBL as SparkFun's uploader does: RESET low (DTR asserted), then DTR/RTS released, which
    raises BOOT while the board comes out of reset; the SBL samples BOOT and waits ~250 ms for HELLO."""
    try:
        ser.dtr = True
        ser.rts = True
        time.sleep(0.005)
        ser.dtr = False
        ser.rts = False
    except (OSError, serial.SerialException):
        pass  # a port without modem lines (a pty, some adapters): the user resets by hand
    time.sleep(0.1)
    ser.reset_input_buffer()


def data_what(block: int, blocks: int, seq: int, size: int) -> str:
    """Names a DATA packet by its place in the block and, where it carries application bytes, their offset."""
    start = block * SPLIT + seq - WIRED_HEADER_BYTES - OTA_HEADER_BYTES  # into the application
    where = (
        f"firmware offset 0x{start:X}, flash 0x{APP_BASE + start:08X}"
        if start >= 0
        else f"firmware offset 0x0 (the packet starts in the headers, {-start} bytes before it)"
    )
    return f"DATA packet at offset 0x{seq:X} of block {block + 1}/{blocks} ({size} bytes; {where})"


def upload(session: Session, blocks: list[bytes], staging: int = STAGING_BASE, reset: int = RESET_POI) -> int:
    """OTA descriptor, every block (last first, so the first's install flag comes last), then RESET."""
    session.acked(message(MSG_OTADESC, (OTA_DESCRIPTOR,)), f"OTADESC 0x{OTA_DESCRIPTOR:X}")
    packets = 0
    for n in reversed(range(len(blocks))):
        block = blocks[n]
        session.acked(message(MSG_UPDATE, (len(block), crc32(block), 0)),
                      f"UPDATE of block {n + 1}/{len(blocks)} ({len(block)} bytes for 0x{staging + n * SPLIT:X})")
        for seq in range(0, len(block), DATA_CHUNK):
            chunk = block[seq : seq + DATA_CHUNK]
            session.acked(message(MSG_DATA, (seq,), chunk), data_what(n, len(blocks), seq, len(chunk)))
            packets += 1
    if reset:
        session.acked(message(MSG_RESET, (reset,)), "RESET")
    return packets


def flash_image(target: FlashTarget, baud: int | None = None, timeout: float = 1.0, ack_timeout: float = 12.0,
                attempts: int = 3, retries: int = 3, **_: Any) -> FlashResult:
    """Install firmware.bin at 0xC000 through the SBL. *timeout* bounds the STATUS reply to each HELLO,
    *ack_timeout* each ACK (Ambiq's host allows 12 s: the SBL may write flash before it answers)."""
    image, data = target.application_image(IMAGE_NAMES, "ASB")
    origin_from = check_origin(target.firmware, image, data)
    blob = ota_blob(data)
    blocks = wired_blocks(blob)
    baud = baud or 115200  # the SBL's default; SparkFun: "Artemis boards are 115200"
    with target.open_port(baud, timeout, "ASB") as ser:
        start = time.monotonic()
        session = Session(ser, timeout, ack_timeout, retries)
        status = session.hello(attempts)
        packets = upload(session, blocks)
        facts: dict[str, Any] = {
            "loader": status,
            "baud": baud,
            "blocks": len(blocks),
            "data_packets": packets,
            "resends": session.resends,
            "reply_crc_errors": session.reply_crc_errors,
            "ota_blob_bytes": len(blob),
            "ota_blob_crc32": f"0x{crc32(blob[8:]):08X}",
            "staged_at": f"0x{STAGING_BASE:08X}",
            "origin_checked_by": origin_from,
            "transfer_s": seconds_since(start),
            # The SBL checks every message's CRC and, before installing, the image's; there is no read-back.
            "verify": "message-crc+image-crc",
        }
    return FlashResult(
        method="asb",
        tool="tinyperf.flash.asb",
        tool_version=__version__,
        image=image,
        bytes_written=len(pad_words(data)),
        address=APP_BASE,
        verified=False,
        details=facts,
    )
