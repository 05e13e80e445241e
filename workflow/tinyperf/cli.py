"""`tinyperf <stage> ...`: one subcommand per lifecycle stage, usable without Snakemake.

Each stage module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed namespace and returning an exit code. A stage module imports its heavy dependencies
(TensorFlow) only inside its commands, so listing every stage here costs nothing; a stage that fails to import
is a broken installation and stops every command with the reason, rather than silently vanishing from --help.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from tinyperf import __version__
from tinyperf.errors import HardwareMissing, TinyperfError

#: Exit status of a step that stopped for absent hardware or a vendor tool (not a failure of tinyperf's own).
EXIT_HARDWARE_MISSING = 3

#: (subcommand, module providing ``register``); order is the lifecycle order shown in ``--help``.
STAGES: list[tuple[str, str]] = [
    ("dataset", "tinyperf.datasets.cli"),
    ("train", "tinyperf.training.cli"),
    ("quantize", "tinyperf.quantize.cli"),
    ("evaluate", "tinyperf.evaluate.cli"),
    ("engine", "tinyperf.engines.cli"),
    ("codegen", "tinyperf.codegen.cli"),
    ("build", "tinyperf.firmware.cli"),
    ("flash", "tinyperf.flash.cli"),
    ("run", "tinyperf.runner.cli"),
    ("bench", "tinyperf.bench.cli"),
    ("calibrate", "tinyperf.cycles.cli"),
    ("scenario", "tinyperf.scenario.cli"),
    ("report", "tinyperf.report.cli"),
    ("submission", "tinyperf.submission.cli"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinyperf", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"tinyperf {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="<stage>")
    for name, module in STAGES:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            raise SystemExit(f"tinyperf: the {name} stage ({module}) cannot be imported: {exc}. The installation "
                             f"is broken: reinstall with `make install` (or pip install -e '.[test]')") from exc
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HardwareMissing as exc:
        print(f"tinyperf {args.command}: stopped: {exc}", file=sys.stderr)
        return EXIT_HARDWARE_MISSING
    except TinyperfError as exc:
        print(f"tinyperf {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
