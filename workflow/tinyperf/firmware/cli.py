"""`tinyperf build --board BOARD --model CODEGEN_DIR --task TASK -o OUT`."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf.profiles import BOARDS, TASKS


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("build", help="build the DUT firmware for a board, task and generated model")
    p.add_argument("--board", required=True, choices=BOARDS)
    p.add_argument("--model", default=None, help="directory written by `tinyperf codegen` (model.h, *.c)")
    p.add_argument("--task", required=True, choices=TASKS)
    p.add_argument("--cflags-of", choices=BOARDS, default=None,
                   help="compile with another board's architecture flags (an estimate run on qemu_m4)")
    p.add_argument("--library", default=None,
                   help="a TFLM model's engine library (the folder `tinyperf engine library` wrote)")
    p.add_argument("--prebuilt", default=None, metavar="IMAGE",
                   help="a firmware image built elsewhere that speaks the MLPerf protocol, used instead of a build")
    p.add_argument("--engine", default=None, help="with --prebuilt: the image's inference engine, as recorded")
    p.add_argument("--sanitize", action="store_true",
                   help="host board: build with AddressSanitizer and UndefinedBehaviorSanitizer (a finding kills it)")
    p.add_argument("-o", "--out", required=True, help="output directory (firmware.elf, memory.json, build.log)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf.errors import ConfigError
    from tinyperf.firmware.build import build_firmware

    if args.prebuilt is not None:
        from tinyperf.firmware.prebuilt import install_prebuilt

        if args.model is not None or not args.engine:
            raise ConfigError("--prebuilt IMAGE takes --engine NAME (what runs inside it) and no --model")
        memory = install_prebuilt(args.board, args.task, args.prebuilt, args.engine, args.out)
        print(f"{args.out}: prebuilt {args.engine} firmware, flash {memory['flash']['used_bytes']} B")
        return 0
    if args.model is None:
        raise ConfigError("give --model CODEGEN_DIR (or --prebuilt IMAGE --engine NAME)")
    result = build_firmware(args.board, args.model, args.task, args.out, cflags_of=args.cflags_of,
                            library=args.library, sanitize=args.sanitize)
    flash, ram = result.memory["flash"], result.memory["ram"]
    print(f"{result.firmware}: flash {flash['used_bytes']} B, RAM {ram['used_bytes']} B")
    return 0
