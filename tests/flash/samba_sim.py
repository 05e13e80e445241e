"""The Arduino nRF52 bootloader's SAM-BA subset, simulated from the protocol (see tinyperf.flash.samba).

It models the whole 1 MB flash: the bootloader occupies 0x0-0xFFFF and must never change, X/Y/Z offsets land
in the application region at 0x10000, programming non-erased flash is an error, and a malformed command is
rejected (recorded in ``errors``, never answered) as the real monitor ignores what it cannot parse.
"""

from __future__ import annotations

import binascii
import re

from tests.flash.peer import PtyPeer

FLASH_SIZE = 1 << 20
APP_BASE = 0x10000
PAGE = 4096
BUFFER_SIZE = PAGE
BOOTLOADER = bytes((i * 7 + 3) & 0xFF for i in range(APP_BASE))

HEX8 = "([0-9A-F]{8})"
GRAMMAR = {
    "N": re.compile(r"N"),
    "V": re.compile(r"V"),
    "I": re.compile(r"I"),
    "K": re.compile(r"K"),
    "X": re.compile(rf"X{HEX8}"),
    "S": re.compile(rf"S{HEX8},{HEX8}"),
    "R": re.compile(rf"R{HEX8},{HEX8}"),
    "Y": re.compile(rf"Y{HEX8},(0|[0-9A-F]{{8}})"),
    "Z": re.compile(rf"Z{HEX8},{HEX8}"),
}


class SambaSim(PtyPeer):
    def __init__(
        self,
        version: str = "Arduino Bootloader (SAM-BA extended) 2.0 [Arduino:IKXYZ]",
        chip: str = "nRF52840-QIAA",
        silent: bool = False,
        bad_write_at: int | None = None,
    ) -> None:
        super().__init__()
        self.version = version
        self.chip = chip
        self.silent = silent
        self.bad_write_at = bad_write_at  # app offset whose programmed byte comes out wrong (a worn cell)
        self.flash = bytearray(BOOTLOADER + bytes([0xFF]) * (FLASH_SIZE - APP_BASE))
        self.buffer = bytearray(BUFFER_SIZE)
        self.src: int | None = None
        self.commands: list[str] = []
        self.reset_requested = False

    def app(self, n: int) -> bytes:
        return bytes(self.flash[APP_BASE : APP_BASE + n])

    def reply(self, data: bytes) -> None:
        self.write(data)

    def serve(self) -> None:
        line = bytearray()
        while True:
            b = self.read(1)
            if not b:
                continue
            if self.silent:
                continue
            if b != b"#":
                line += b
                if len(line) > 64:
                    self.errors.append(f"command too long: {bytes(line[:64])!r}")
                    line.clear()
                continue
            self.handle(line.decode("ascii", "replace"))
            line.clear()

    def handle(self, cmd: str) -> None:
        self.commands.append(cmd)
        grammar = GRAMMAR.get(cmd[:1])
        match = grammar.fullmatch(cmd) if grammar else None
        if not match:
            self.errors.append(f"malformed command rejected: {cmd + '#'!r}")
            return
        args = [int(a, 16) for a in match.groups()]
        op = cmd[0]
        if op == "N":
            self.reply(b"\n\r")
        elif op == "V":
            self.reply(self.version.encode() + b"\n\r")
        elif op == "I":
            self.reply(self.chip.encode() + b"\n\r")
        elif op == "K":
            self.reset_requested = True
        elif op == "X":
            start = APP_BASE + args[0]
            self.flash[start:] = bytes([0xFF]) * (FLASH_SIZE - start)
            self.reply(b"X\n\r")
        elif op == "S":
            addr, size = args
            if addr + size > BUFFER_SIZE:
                self.errors.append(f"S{addr:08X},{size:08X}: outside the {BUFFER_SIZE}-byte RAM buffer")
                return
            self.buffer[addr : addr + size] = self.read_exact(size, timeout=5)
        elif op == "Y":
            self.program(cmd, *args)
        elif op == "Z":
            off, size = args
            crc = binascii.crc_hqx(bytes(self.flash[APP_BASE + off : APP_BASE + off + size]), 0)
            self.reply(f"Z{crc:08X}#\n\r".encode())
        elif op == "R":
            addr, size = args
            self.reply(bytes(self.flash[addr : addr + size]))

    def program(self, cmd: str, a: int, b: int) -> None:
        if b == 0:
            if a >= BUFFER_SIZE:
                self.errors.append(f"{cmd}: source outside the RAM buffer")
                return
            self.src = a
            self.reply(b"Y\n\r")
            return
        off, size = a, b
        dst = APP_BASE + off
        if self.src is None:
            self.errors.append(f"{cmd}: no Y<src>,0 before it")
        elif off % PAGE or size > BUFFER_SIZE - self.src or dst + size > FLASH_SIZE:
            self.errors.append(f"{cmd}: unaligned or out of range")
        elif any(x != 0xFF for x in self.flash[dst : dst + size]):
            self.errors.append(f"{cmd}: programming non-erased flash at 0x{dst:08X}")
        else:
            data = bytearray(self.buffer[self.src : self.src + size])
            if self.bad_write_at is not None and off <= self.bad_write_at < off + size:
                data[self.bad_write_at - off] ^= 0x10
            self.flash[dst : dst + size] = data
            self.reply(b"Y\n\r")
            return
        # A rejected command gets no answer: the client's deadline reports it.
