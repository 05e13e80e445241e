"""`tinyperf flash --board B --firmware F [--port P] [--baud N] -o RECORD.json`"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tinyperf import profiles


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "flash",
        help="write a built firmware to a board with its loader; record image hash, tool and port",
        description="Flash a firmware directory (firmware.bin/.hex/.elf) or image file onto a board with the "
        "method of its profile (config/boards/<board>.yaml flash.method), and write a JSON record.",
    )
    p.add_argument("--board", required=True, choices=profiles.BOARDS)
    p.add_argument("--firmware", required=True, type=Path, help="build directory or image file")
    p.add_argument("--port", help="serial port of the loader (auto-detected for nano33ble and himax)")
    p.add_argument("--baud", type=int, help="loader baud rate (default: the method's)")
    p.add_argument("--method", help="the profile's flash.alternative instead of flash.method (e.g. pyocd, asb)")
    p.add_argument("--timeout", type=float, help="seconds to wait for each loader reply")
    p.add_argument("--no-verify", dest="verify", action="store_false", default=None, help="skip read-back checks")
    p.add_argument("--task", help="only used in messages: the task to name in the command that continues the run")
    p.add_argument("-o", "--out", required=True, type=Path, help="the flash record (JSON), written atomically")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf.flash import flash

    record = flash(
        args.board,
        args.firmware,
        args.port,
        args.out,
        method=args.method,
        baud=args.baud,
        timeout=args.timeout,
        verify=args.verify,
        task=args.task,
    )
    print(json.dumps({k: record[k] for k in ("board", "method", "port", "image_sha256", "bytes_written")}))
    return 0
