"""`tinyperf dataset {synth,download,extract,prepare}`."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("dataset", help="dataset sources: synthesize, download, extract, prepare",
                              description=__doc__)
    sub = p.add_subparsers(dest="dataset_command", metavar="<command>", required=True)

    s = sub.add_parser("synth", help="write small archives in a real source's format + a file:// manifest")
    s.add_argument("task")
    s.add_argument("-o", "--out", required=True, help="output directory")
    s.add_argument("--seed", type=int, default=1234)
    s.set_defaults(func=_synth)

    d = sub.add_parser("download", help="download and verify a manifest's archives (resumable)")
    d.add_argument("--manifest", required=True)
    d.add_argument("-o", "--out", required=True, help="download directory")
    d.add_argument("--record", help="write a JSON record of the verified archives here")
    d.add_argument("--trust-unverified", action="store_true",
                   help="accept archives whose manifest has no sha256 (size and md5 are still checked)")
    d.add_argument("--retries", type=int, default=4)
    d.add_argument("--mirror", help="a local folder holding the same files: fetched from there over file://, "
                   "with the manifest's checksums")
    d.set_defaults(func=_download)

    e = sub.add_parser("extract", help="safely extract a manifest's downloaded archives")
    e.add_argument("--manifest", required=True)
    e.add_argument("--downloads", required=True, help="directory holding the downloaded archives")
    e.add_argument("-o", "--out", required=True, help="raw data directory (created atomically)")
    e.set_defaults(func=_extract)

    o = sub.add_parser("official", help="check the official evaluation files (EEMBC runner layout) and take them in")
    o.add_argument("task")
    o.add_argument("--eval-data", required=True, help="folder of <kws01|vww01|ic01|ad01>/y_labels.csv + *.bin")
    o.add_argument("-o", "--out", required=True, help="data directory (eval/ + meta.json, created atomically)")
    o.set_defaults(func=_official)

    r = sub.add_parser("prepare", help="reference features, splits, calibration set and MLPerf evaluation files")
    r.add_argument("task")
    r.add_argument("--raw", required=True, help="extracted raw data directory")
    r.add_argument("-o", "--out", required=True, help="prepared data directory (created atomically)")
    r.add_argument("--eval-limit", type=int, default=None,
                   help="cap the number of evaluation files, keeping the selection rule")
    r.add_argument("--seed", type=int, default=1234)
    r.set_defaults(func=_prepare)


def _synth(args: argparse.Namespace) -> int:
    from tinyperf.datasets import synth

    t0 = time.monotonic()
    path = synth.write(args.task, args.out, args.seed)
    print(f"{path} ({time.monotonic() - t0:.1f} s)")
    return 0


def _download(args: argparse.Namespace) -> int:
    from tinyperf.datasets import download

    records = download.fetch_all(args.manifest, args.out, trust_unverified=args.trust_unverified,
                                 record=args.record, retries=args.retries, mirror=args.mirror)
    for r in records:
        print(f"{r['name']}: {r['size']} bytes, sha256 {r['sha256']} ({', '.join(r['checked']) or 'unchecked'})")
    return 0


def _official(args: argparse.Namespace) -> int:
    from tinyperf.datasets import official

    meta = official.take(args.task, args.eval_data, args.out)
    print(f"{args.out}: {meta['counts']['eval']} official {meta['evaluation_set']} files from {meta['eval_data']}")
    return 0


def _extract(args: argparse.Namespace) -> int:
    from tinyperf.datasets import extract

    record = extract.extract_all(args.manifest, args.downloads, args.out)
    for a in record["archives"]:
        print(f"{a['name']}: {a['members']} members")
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from tinyperf.datasets import prepare

    t0 = time.monotonic()
    meta = prepare.prepare(args.task, args.raw, args.out, eval_limit=args.eval_limit, seed=args.seed)
    counts = ", ".join(f"{k} {v}" for k, v in meta["counts"].items())
    print(f"{args.out}: {counts} ({time.monotonic() - t0:.1f} s)")
    return 0
