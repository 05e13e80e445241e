"""`tinyperf engine fetch [SOURCE...] [--mirror DIR]` and `tinyperf engine library --engine E --board B -o DIR`."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf.profiles import BOARDS


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("engine", help="fetch and build the inference engines benchmarked beside tinyperf")
    sub = p.add_subparsers(dest="engine_command", metavar="<command>", required=True)
    f = sub.add_parser("fetch", help="download and verify the engines' pinned sources (config/engines.yaml)")
    f.add_argument("sources", nargs="*", help="sources to fetch (default: every source of config/engines.yaml)")
    f.add_argument("--mirror", default=None, help="a local folder holding the archives (offline: file://)")
    f.add_argument("--root", default=None, help="where the verified trees go (default: resources/engines)")
    f.set_defaults(func=_fetch)
    b = sub.add_parser("library", help="compile a TFLM engine into libtflm.a for a board")
    b.add_argument("--engine", required=True)
    b.add_argument("--board", required=True, choices=BOARDS)
    b.add_argument("--root", default=None, help="the verified sources (default: resources/engines)")
    b.add_argument("-j", "--jobs", type=int, default=0, help="parallel compiles (default: every CPU)")
    b.add_argument("-o", "--out", required=True)
    b.set_defaults(func=_library)


def _fetch(args: argparse.Namespace) -> int:
    from tinyperf.engines import sources

    names = args.sources or list(sources.all_sources())
    for name in names:
        rec = sources.fetch(name, args.root or sources.RESOURCES, mirror=args.mirror)
        print(f"{name}: {rec['repo']}@{rec['commit'][:12]} tree {rec['tree']} verified")
    return 0


def _library(args: argparse.Namespace) -> int:
    from tinyperf.engines import sources
    from tinyperf.engines.library import build_library

    rec = build_library(args.engine, args.board, args.out, args.root or sources.RESOURCES, jobs=args.jobs)
    print(f"{args.out}/libtflm.a: {sum(rec['objects'].values())} objects for {args.board} in "
          f"{rec['build_seconds']} s")
    return 0
