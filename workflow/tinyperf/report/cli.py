"""`tinyperf report summary RUN_DIR... -o summary.csv` and `tinyperf report plots RUN_DIR... -o DIR`.

A run directory is ``results/<data>/<task>/<model>/<board>``; ``--scan results`` takes every run found there.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.errors import TinyperfError


def add_run_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="*", help="run directories results/<data>/<task>/<model>/<board>")
    parser.add_argument("--scan", metavar="RESULTS", help="use every run directory under RESULTS")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config-hash", help="hash of the effective configuration (the workflow passes it)")
    group.add_argument("--configfile", help="configuration file whose effective configuration is hashed")


def resolve_runs(args: argparse.Namespace) -> list[Path]:
    runs = [Path(r) for r in args.runs]
    if args.scan:
        root = Path(args.scan)
        runs += sorted(p for p in root.glob("*/*/*/*") if p.is_dir() and p.parts[-3] in profiles.TASKS
                       and p.name in profiles.BOARDS)
    if not runs:
        raise TinyperfError("no run directories: give results/<data>/<task>/<model>/<board> paths or --scan DIR")
    for run in runs:
        if not run.is_dir():
            raise TinyperfError(f"{run}: no such run directory")
    return runs


def config_hash_arg(args: argparse.Namespace) -> str:
    from tinyperf.report import provenance

    if args.config_hash:
        return str(args.config_hash)
    if args.configfile:
        return provenance.config_hash_of_file(args.configfile)
    return "unknown"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="summary table and plots of runs", description=__doc__)
    sub = parser.add_subparsers(dest="action", metavar="<action>", required=True)

    s = sub.add_parser("summary", help="summary.csv: a row per task x board x model source")
    add_run_args(s)
    s.add_argument("-o", "--output", required=True, help="CSV file to write")
    s.add_argument("--html", help="also write summary.html: a table per task for a person, figures inline")
    s.add_argument("--plots", nargs="*", default=[], metavar="PNG", help="figures to show in the --html page")
    s.add_argument("--strict", action="store_true", help="fail when a row lacks a required column")
    s.add_argument("--scenario", nargs="*", default=[], metavar="DIR",
                   help="multi-DNN scenario directories results/<data>/<model>/scenario/<name>/<board>")
    s.set_defaults(func=_summary)

    p = sub.add_parser("plots", help="latency, accuracy chain, memory, training, confusion and ROC figures")
    add_run_args(p)
    p.add_argument("-o", "--output", required=True, help="folder for the PNG files")
    p.set_defaults(func=_plots)


def _summary(args: argparse.Namespace) -> int:
    from tinyperf.report import summary

    df = summary.build(resolve_runs(args), config_hash=config_hash_arg(args), scenario_dirs=args.scenario)
    summary.write(df, args.output)
    if args.html:
        from tinyperf.report import page

        page.write(df, args.html, args.plots)
    missing = summary.missing_required(df)
    print(f"{args.output}: {len(df)} row(s)" + (f", {len(missing)} incomplete" if missing else ""))
    if args.strict and missing:
        for key, cols in missing.items():
            print(f"  {key}: no {', '.join(cols)}")
        return 1
    return 0


def _plots(args: argparse.Namespace) -> int:
    from tinyperf.report import plots, summary

    runs = resolve_runs(args)
    df = summary.build(runs, config_hash=config_hash_arg(args))
    written = plots.make_all(runs, args.output, df=df)
    print(f"{args.output}: {len(written)} figure(s)")
    return 0
