"""`tinyperf submission build RUN_DIR... -o DIR` and `tinyperf submission check DIR`."""

from __future__ import annotations

import argparse
from typing import Any

from tinyperf.report.cli import add_run_args, config_hash_arg, resolve_runs


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("submission", help="MLPerf Tiny submission tree: build and check",
                                   description=__doc__)
    sub = parser.add_subparsers(dest="action", metavar="<action>", required=True)

    b = sub.add_parser("build", help="build the submission tree of runs (closed for model=reference, else open)")
    add_run_args(b)
    b.add_argument("-o", "--output", required=True, help="submission folder to write (replaced)")
    b.add_argument("--submitter", default="tinyperf", help="organization name (default: tinyperf)")
    b.add_argument("--strict", action="store_true", help="exit 1 when the checker finds errors in the tree")
    b.set_defaults(func=_build)

    c = sub.add_parser("check", help="check a submission tree as the MLCommons submission checker does")
    c.add_argument("dir", help="submission root (holding closed/ and/or open/)")
    c.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    c.set_defaults(func=_check)


def _build(args: argparse.Namespace) -> int:
    from tinyperf.submission import build, check

    issues = build.build(resolve_runs(args), args.output, submitter=args.submitter,
                         config_hash=config_hash_arg(args))
    errors = check.errors(issues)
    print(f"{args.output}: submission tree written; {len(errors)} error(s), {len(issues) - len(errors)} warning(s)")
    return 1 if errors and args.strict else 0


def _check(args: argparse.Namespace) -> int:
    from tinyperf.submission import check

    issues, results = check.check(args.dir)
    for issue in issues:
        if issue.severity == "error" or not args.quiet:
            print(issue)
    if not args.quiet:
        for r in results:
            acc = f", accuracy {r.accuracy}" if r.accuracy is not None else ""
            print(f"ok: {r.division}/{r.submitter}/{r.system}/{r.model}: {r.throughput:g} inf./sec.{acc}")
    errors = check.errors(issues)
    print(f"{args.dir}: {len(results)} benchmark(s) pass, {len(errors)} error(s), "
          f"{len(issues) - len(errors)} warning(s): " + ("submission has errors" if errors else "looks OK"))
    return 1 if errors else 0
