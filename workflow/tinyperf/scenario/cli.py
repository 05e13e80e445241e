"""`tinyperf scenario check|build|run`: multi-DNN scenarios (config/scenarios/<name>.yaml).

  tinyperf scenario check kws_then_ic                       validate (schema errors name the key)
  tinyperf scenario build kws_then_ic --board host --results results/synth --source train -o FW
  tinyperf scenario run kws_then_ic --board host --firmware FW --data kws=DIR --data ic=DIR -o OUT
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tinyperf.errors import ConfigError, TinyperfError
from tinyperf.profiles import BOARDS


def _pairs(values: list[str] | None, what: str) -> dict[str, Path]:
    out = {}
    for v in values or []:
        key, sep, path = v.partition("=")
        if not sep or not key or not path:
            raise ConfigError(f"--{what} {v!r}: expected KEY=PATH")
        out[key] = Path(path)
    return out


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("scenario", help="several models in one firmware: build, run, deadline, memory",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="<action>", required=True)

    c = sub.add_parser("check", help="validate scenario files")
    c.add_argument("scenarios", nargs="+", help="names (config/scenarios/<name>.yaml) or paths")
    c.set_defaults(func=_check)

    b = sub.add_parser("build", help="codegen every model (shared arena) and build the scenario firmware")
    b.add_argument("scenario", help="name or path of the scenario file")
    b.add_argument("--board", required=True, choices=BOARDS)
    b.add_argument("--tflite", action="append", metavar="ID=PATH", help="a model's .tflite (repeatable)")
    b.add_argument("--results", type=Path, help="results/<data>: models without a path use "
                   "RESULTS/<task>/<source>/int8.tflite")
    b.add_argument("--source", default="train", help="model source folder under RESULTS/<task>/ (default train)")
    b.add_argument("--target", default="auto", choices=["auto", "portable", "cortex-m4", "arc-em"])
    b.add_argument("-o", "--out", required=True, type=Path)
    b.set_defaults(func=_build)

    r = sub.add_parser("run", help="run the scenario on the DUT: per-model and end-to-end latency, deadline")
    r.add_argument("scenario", help="name or path of the scenario file")
    r.add_argument("--board", required=True, choices=BOARDS)
    r.add_argument("--firmware", required=True, type=Path, help="the folder `tinyperf scenario build` wrote")
    r.add_argument("--data", action="append", metavar="TASK=DIR", help="evaluation directory per task")
    r.add_argument("--periods", type=int, help="periods to run (default: the scenario's)")
    r.add_argument("--port", help="serial port of a physical board")
    r.add_argument("--baud", type=int)
    r.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply line")
    r.add_argument("-o", "--out", required=True, type=Path, help="folder: log.txt, results.txt, results.json")
    r.set_defaults(func=_run)


def _check(args: argparse.Namespace) -> int:
    from tinyperf.scenario import spec

    for name in args.scenarios:
        sc = spec.load(name)
        print(f"{sc.name}: {sc.kind}, {len(sc.models)} models ({', '.join(m.id for m in sc.models)}), "
              f"{sc.periods} periods" + (f", deadline {sc.deadline_ms:g} ms" if sc.deadline_ms else ""))
    return 0


def model_paths(sc: Any, explicit: dict[str, Path], results: Path | None, source: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for m in sc.models:
        if m.id in explicit:
            out[m.id] = explicit[m.id]
        elif m.tflite:
            out[m.id] = Path(m.tflite)
        elif results is not None:
            out[m.id] = results / m.task / source / "int8.tflite"
        else:
            raise ConfigError(f"scenario {sc.name}: no model for {m.id}: give --tflite {m.id}=PATH or --results")
    unknown = sorted(set(explicit) - {m.id for m in sc.models})
    if unknown:
        raise ConfigError(f"--tflite names unknown model(s) {', '.join(unknown)}")
    return out


def _build(args: argparse.Namespace) -> int:
    from tinyperf.scenario import spec
    from tinyperf.scenario.build import build_scenario

    sc = spec.load(args.scenario)
    paths = model_paths(sc, _pairs(args.tflite, "tflite"), args.results, args.source)
    info = build_scenario(sc, paths, args.board, args.out, args.target)
    a = info["arena"]
    print(f"{args.out}: {sc.name} on {args.board}: arena {a['shared_bytes']} B shared ({a['separate_sum_bytes']} B "
          f"separate), flash {info['flash']['used_bytes']} B, RAM {info['ram']['used_bytes']} B"
          + ("" if info["fits"] else " -- DOES NOT FIT: " + "; ".join(info["reasons"])))
    return 0


def _run(args: argparse.Namespace) -> int:
    from tinyperf.fsutil import atomic_dir, write_json
    from tinyperf.runner.cli import _terminate_as_exit
    from tinyperf.runner.client import TrafficLog
    from tinyperf.runner.session import open_dut
    from tinyperf.scenario import run as srun
    from tinyperf.scenario import spec

    sc = spec.load(args.scenario)
    build_info = json.loads((args.firmware / "scenario.json").read_text()) \
        if (args.firmware / "scenario.json").exists() else None
    if build_info is None and not args.port:
        raise ConfigError(f"{args.firmware}: no scenario.json; build it with `tinyperf scenario build`")
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    header: dict[str, Any] = {"scenario": sc.name, "kind": sc.kind, "schedule": sc.schedule, "board": args.board,
                              "deadline_ms": sc.deadline_ms, "build": build_info}
    stamp = datetime.datetime.now().strftime("%m%d.%H%M%S")
    if build_info is not None and not build_info["fits"]:
        # Not a crash: the result is that the pair does not fit, with the numbers.
        summary: dict[str, Any] = {"status": "does_not_fit", "periods": 0, "reasons": build_info["reasons"]}
        lines = srun.result_lines(sc, summary, build_info)
        with atomic_dir(out) as tmp:
            write_json(tmp / "results.json", {**header, **summary, "records": []})
            (tmp / "results.txt").write_text("".join(f"{stamp} ulp-mlperf: {x}\n" for x in lines))
        print("\n".join(lines))
        return 0
    data_dirs = _pairs(args.data, "data")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.run.", dir=out.parent))
    try:
        with _terminate_as_exit(), open(work / "log.txt", "w") as stream:
            traffic = TrafficLog(stream, full_db=False)
            with open_dut(args.board, args.firmware / "firmware.elf", traffic, port=args.port, baud=args.baud,
                          stderr_path=work / "dut-stderr.txt", timeout=args.timeout) as dut:
                records = srun.run_scenario(dut.client, sc, data_dirs, args.periods)
        summary = srun.summarize(sc, records, args.board)
        lines = srun.result_lines(sc, summary, build_info)
        with atomic_dir(out) as tmp:
            shutil.copy(work / "log.txt", tmp / "log.txt")
            write_json(tmp / "results.json", {**header, **summary, "records": records})
            (tmp / "results.txt").write_text("".join(f"{stamp} ulp-mlperf: {x}\n" for x in lines))
        print("\n".join(lines))
        return 0
    except (TinyperfError, SystemExit, KeyboardInterrupt) as exc:
        kept = out.parent / f"{out.name}.failed-log.txt"
        if (work / "log.txt").exists():
            shutil.copy(work / "log.txt", kept)
            if isinstance(exc, TinyperfError):
                exc.args = (f"{exc} (traffic log kept in {kept})",)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
