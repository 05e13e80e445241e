"""Build and run the libFuzzer harnesses (harness/*.c) with clang, ASan and UBSan.

Harnesses: `dut` (the command parser, bytes as they arrive on the serial line) and `codec-<task>` (a task's input
and output codec with the hand-written test model of that task's sizes). Each run starts from the seed corpus in
corpus/<harness>/ (read only) and writes what it finds to a scratch corpus; a crash leaves its input as crash-*
in the artifact directory, to be kept under corpus/<harness>/ as a regression once fixed.

    python -m tests.fuzz.fuzzing [SECONDS]     every harness for SECONDS each, a line of figures per harness
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.device.helpers import make_model
from tinyperf.firmware.build import task_defines
from tinyperf.profiles import FIRMWARE_DIR

HERE = Path(__file__).resolve().parent
DUT = FIRMWARE_DIR / "dut"
CODEC_TASKS = ("kws", "vww", "ic", "ad")
HARNESSES = ("dut", *(f"codec-{t}" for t in CODEC_TASKS))
FLAGS = ["-std=c99", "-O1", "-g", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=all",
         "-Wall", "-Wextra", "-Werror"]


@dataclass
class FuzzRun:
    harness: str
    seconds: float
    execs: int
    crashed: bool
    corpus_units: int
    artifacts: list[Path]
    output: str

    def line(self) -> str:
        return (f"{self.harness:12s} {self.seconds:6.0f} s {self.execs:12,d} execs "
                f"{self.execs / max(self.seconds, 1e-9):10,.0f}/s  corpus {self.corpus_units:5d}  "
                f"crashes {len(self.artifacts) if self.crashed else 0}")


def clang() -> str | None:
    return shutil.which("clang")


def build(harness: str, out_dir: Path) -> Path:
    """The harness binary (a fresh build: the firmware sources are small)."""
    cc = clang()
    if cc is None:
        raise FileNotFoundError("clang not found: apt-get install clang libclang-rt-14-dev")
    out_dir.mkdir(parents=True, exist_ok=True)
    exe = out_dir / f"fuzz-{harness}"
    board = HERE / "harness" / "fuzz_board.c"
    if harness == "dut":
        task = "kws"
        sources = [HERE / "harness" / "fuzz_dut.c", DUT / "dut.c", DUT / "token.c", DUT / "fmt.c", board]
        includes = [f"-I{DUT}"]
    else:
        task = harness.removeprefix("codec-")
        model_dir = make_model(task, identity=task == "kws").write(out_dir / f"model-{task}")
        sources = [HERE / "harness" / "fuzz_codec.c", DUT / "task_io.c", DUT / "fmt.c", model_dir / "model.c", board]
        includes = [f"-I{DUT}", f"-I{model_dir}"]
    cmd = [cc, *FLAGS, *task_defines(task), *includes, *map(str, sources), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building the {harness} harness failed:\n{' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return exe


def seed_corpus(harness: str) -> Path:
    return HERE / "corpus" / harness


def run(harness: str, seconds: float, work: Path) -> FuzzRun:
    exe = build(harness, work / "bin")
    scratch = work / f"corpus-{harness}"
    artifacts = work / f"artifacts-{harness}"
    scratch.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    args = [str(exe), str(scratch), str(seed_corpus(harness)), f"-max_total_time={int(seconds)}", "-timeout=20",
            "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={artifacts}/", "-max_len=32768"]
    if harness == "dut":
        args.append(f"-dict={HERE / 'harness' / 'dut.dict'}")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 120)
    out = proc.stdout + proc.stderr
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    execs = int(m.group(1)) if m else 0
    found = sorted(artifacts.iterdir())
    return FuzzRun(harness, seconds, execs, proc.returncode != 0, len(list(scratch.iterdir())), found, out)


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tp-fuzz-") as tmp:
        for h in HARNESSES:
            r = run(h, seconds, Path(tmp))
            print(r.line(), flush=True)
            if r.crashed:
                failed += 1
                print(r.output[-4000:])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
