"""`python -m tinyperf.scenario ...`: the scenario stage alone (same as `tinyperf scenario ...`), so it works
whether or not tinyperf.cli.STAGES lists it."""

from __future__ import annotations

import argparse
import logging
import sys

from tinyperf.cli import EXIT_HARDWARE_MISSING
from tinyperf.errors import HardwareMissing, TinyperfError
from tinyperf.scenario.cli import register


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="tinyperf")
    parser.add_argument("-v", "--verbose", action="store_true")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["scenario", *argv])
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except HardwareMissing as exc:
        print(f"tinyperf scenario: stopped: {exc}", file=sys.stderr)
        return EXIT_HARDWARE_MISSING
    except TinyperfError as exc:
        print(f"tinyperf scenario: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
