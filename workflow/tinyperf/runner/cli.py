"""`tinyperf run --board BOARD --firmware PATH --mode performance|accuracy --data EVAL_DIR -o OUT`."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tinyperf.errors import ConfigError, TinyperfError
from tinyperf.fsutil import atomic_dir, sha256_file, write_json
from tinyperf.profiles import BOARDS

if TYPE_CHECKING:
    from tinyperf.cycles.dut import InferenceCycles

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("run", help="measure latency or accuracy on a DUT over the MLPerf Tiny protocol")
    p.add_argument("--board", required=True, choices=BOARDS)
    p.add_argument("--firmware", type=Path, help="firmware.elf from `tinyperf build` (host, qemu_m4)")
    p.add_argument("--mode", required=True, choices=["performance", "accuracy"])
    p.add_argument("--data", required=True, type=Path, help="evaluation directory (y_labels.csv + *.bin)")
    p.add_argument("-o", "--out", required=True, type=Path, help="output directory (log.txt, results.txt/.json)")
    p.add_argument("--port", help="serial port of a physical board (or any pyserial URL)")
    p.add_argument("--baud", type=int, help="baud rate for --port (default: the board's, else 115200)")
    p.add_argument("--min-window-s", type=float, default=10.0, help="minimum window length (MLPerf: 10)")
    p.add_argument("--windows", type=int, default=5, help="performance windows (MLPerf: 5)")
    p.add_argument("--iterations", type=int, help="inferences per window (default: chosen by a probe)")
    p.add_argument("--warmup", type=int, help="warmup inferences per window (default: the task profile's)")
    p.add_argument("--max-files", type=int, help="accuracy on the first N files only (not compliant)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a reply line")
    p.add_argument("--estimate-for", choices=BOARDS, default=None, metavar="BOARD",
                   help="performance on qemu_m4 of a Cortex-M4 board that is not attached: report the latency its "
                        "instruction count implies at BOARD's clock, labelled as an estimate")
    p.add_argument("--no-cycles", dest="cycles", action="store_false",
                   help="with --estimate-for: only the 1-IPC lower bound, no modelled Cortex-M4 cycles")
    p.add_argument("--full-log", action="store_true", help="log every db chunk (large for accuracy runs)")
    p.set_defaults(func=run)


@contextlib.contextmanager
def _terminate_as_exit() -> Iterator[None]:
    """SIGTERM (Snakemake, a user's kill) unwinds like an exception, so spawned DUTs are killed."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One measurement into *out* at a time: a second is refused, naming the first. The lock is the kernel's
    (flock), so a run killed with SIGKILL releases it; its leftover work directory is removed by the next run."""
    import fcntl
    import os

    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f".{out.name}.lock"
    with open(lock_path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise ConfigError(f"another tinyperf run (pid {holder}) is measuring into {out}: wait for it, or give "
                              "this one another -o") from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        for stale in out.parent.glob(f".{out.name}.run.*"):
            log.warning("removing %s, left by a run that was killed", stale)
            shutil.rmtree(stale, ignore_errors=True)
        try:
            yield
        finally:
            lock.seek(0)
            lock.truncate()


def _stamp() -> str:
    return datetime.datetime.now().strftime("%m%d.%H%M%S")


def _count_cycles(args: argparse.Namespace, task: str) -> InferenceCycles:
    """The modelled cycles of one inference of the same firmware on the first window's input, with the fetch
    model of the board estimated for."""
    from tinyperf.cycles.dut import count_inference
    from tinyperf.cycles.model import FetchModel
    from tinyperf.runner.performance import window_input

    _, data = window_input(task, args.data, 0)
    counted = count_inference(args.firmware, data, FetchModel.estimating(args.estimate_for))
    log.info("modelled cycles per inference: %d (%d core + %d fetch)", counted.cycles, counted.core_cycles,
             counted.fetch_cycles)
    return counted


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if args.estimate_for and (args.board != "qemu_m4" or args.mode != "performance"):
        raise ConfigError("--estimate-for needs --board qemu_m4 --mode performance: the estimate is the instruction "
                          "count of the same code on the emulated Cortex-M4")
    with _exclusive(out):
        return _measure(args, out)


def _measure(args: argparse.Namespace, out: Path) -> int:
    from tinyperf.runner.accuracy import accuracy_lines, run_accuracy
    from tinyperf.runner.client import TrafficLog
    from tinyperf.runner.performance import PerformanceOptions, as_estimate, performance_lines, run_performance
    from tinyperf.runner.session import open_dut

    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.run.", dir=out.parent))
    log_path = work / "log.txt"
    try:
        with _terminate_as_exit(), open(log_path, "w") as log_stream:
            traffic = TrafficLog(log_stream, full_db=args.full_log or args.mode == "performance")
            with open_dut(args.board, args.firmware, traffic, port=args.port, baud=args.baud,
                          stderr_path=work / "dut-stderr.txt", timeout=args.timeout) as dut:
                log.info("DUT %s runs %s (%s)", dut.name, dut.model_version, dut.task)
                if args.mode == "performance":
                    opts = PerformanceOptions(args.min_window_s, args.windows, args.iterations, args.warmup)
                    result = run_performance(dut.client, dut.task, args.data, args.board, opts)
                    if args.estimate_for:
                        result = as_estimate(result, args.estimate_for,
                                             _count_cycles(args, dut.task) if args.cycles else None)
                    lines = performance_lines(result)
                else:
                    result = run_accuracy(dut.client, dut.task, args.data, args.max_files)
                    lines = accuracy_lines(result)
                unexpected = dut.client.unexpected
        header: dict[str, Any] = {
            "board": args.estimate_for or args.board, "task": dut.task, "model_version": dut.model_version,
            "dut_name": dut.name,
            "firmware": str(args.firmware) if args.firmware else None,
            "firmware_sha256": sha256_file(args.firmware) if args.firmware else None,
            "port": args.port, "data": str(args.data),
        }
        result = {**header, **result, "unexpected_lines": unexpected}
        stamp = _stamp()
        text = "".join(f"{stamp} ulp-mlperf: {line}\n" for line in lines)
        with atomic_dir(out) as tmp:
            shutil.copy(log_path, tmp / "log.txt")
            (tmp / "results.txt").write_text(text)
            write_json(tmp / "results.json", result)
        print(text, end="")
        return 0
    except (TinyperfError, SystemExit, KeyboardInterrupt) as exc:
        if log_path.exists():
            kept = out.parent / f"{out.name}.failed-log.txt"
            shutil.copy(log_path, kept)
            if isinstance(exc, TinyperfError):
                exc.args = (f"{exc} (traffic log kept in {kept})",)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
