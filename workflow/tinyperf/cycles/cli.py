"""`tinyperf calibrate --board BOARD RUN_DIR...`: fit the board's flash wait states from runs measured on it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tinyperf.profiles import BOARDS


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "calibrate", help="fit a Cortex-M4 board's flash wait states from performance runs measured on it",
        description="Each RUN_DIR holds performance/results.json measured on BOARD (tinyperf run --port) and "
                    "estimate_firmware/firmware.elf (the same code for qemu_m4), as the workflow lays them out. "
                    "Use runs of several tasks: their code differs in footprint and branches, which the fit needs.")
    p.add_argument("--board", required=True, choices=BOARDS)
    p.add_argument("runs", nargs="+", type=Path, metavar="RUN_DIR")
    p.add_argument("--data", type=Path, help="evaluation directory, where results.json's is not on this machine")
    p.add_argument("-o", "--out", type=Path, help="overlay to write (default config/calibration/BOARD.yaml)")
    p.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinyperf import profiles
    from tinyperf.cycles import calibrate
    from tinyperf.cycles.model import FetchModel
    from tinyperf.errors import ConfigError

    prof = profiles.board(args.board)
    if prof.get("estimate_from") != "qemu_m4":
        raise ConfigError(f"board {args.board} is not estimated on qemu_m4: it has no Cortex-M4 cycle model to fit")
    fetch = FetchModel.estimating(args.board)
    runs = [calibrate.timed_run(d, args.board, fetch, args.data) for d in args.runs]
    result = calibrate.fit(runs)
    print("\n".join(calibrate.describe(runs, result)))
    if not args.dry_run:
        path = calibrate.write_calibration(args.board, fetch, result, runs, args.out)
        print(f"wrote {path}: estimates for {args.board} now use these wait states")
    return 0
