"""Host->DUT throughput and round-trip rate of the qemu_m4 link, through the runner's own transport and client.

    python benchmarks/qemu_link.py FIRMWARE.elf [--loads 8] [--round-trips 300]

FIRMWARE.elf is any qemu_m4 DUT firmware from `tinyperf build --board qemu_m4`; its link (semihosting by default,
UART0 when built with -DTP_QEMU_LINK_UART) is read from the ELF. A load of 2560 bytes (ad's window) fits every
task. Prints payload bytes/s of `db` loads (31 bytes per command, pipelined, as the runner sends them), the
characters/s on the wire, and `name` round trips/s (one command at a time).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

from tinyperf.runner.client import CHUNK_BYTES, DutClient, TrafficLog
from tinyperf.runner.transport import QemuSocket, qemu_link_of


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("firmware", type=Path)
    ap.add_argument("--loads", type=int, default=8, help="db loads of --load-bytes each")
    ap.add_argument("--load-bytes", type=int, default=2560)
    ap.add_argument("--round-trips", type=int, default=300, help="`name` commands, one at a time")
    args = ap.parse_args(argv)

    data = os.urandom(args.load_bytes)
    wire = sum(len(f"db {data[i:i + CHUNK_BYTES].hex()}%") for i in range(0, len(data), CHUNK_BYTES))
    wire += len(f"db load {len(data)}%")
    with QemuSocket(args.firmware.resolve()) as link:
        client = DutClient(link, TrafficLog(io.StringIO(), full_db=False), timeout=60.0)
        t0 = time.monotonic()
        client.boot(20.0)
        boot_s = time.monotonic() - t0
        t0 = time.monotonic()
        for _ in range(args.loads):
            client.load(data)
        load_s = time.monotonic() - t0
        t0 = time.monotonic()
        for _ in range(args.round_trips):
            client.name()
        rt_s = time.monotonic() - t0
    payload = args.loads * len(data)
    print(f"link: {qemu_link_of(args.firmware)}")
    print(f"boot to m-ready: {boot_s:.2f} s")
    print(f"host->DUT payload: {payload / load_s:,.0f} bytes/s ({args.loads} loads of {len(data)} bytes "
          f"in {load_s:.2f} s; {args.loads * wire / load_s:,.0f} chars/s on the wire)")
    print(f"round trips (`name`): {args.round_trips / rt_s:,.0f} /s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
