"""Mutation runs of the model compiler on the MLPerf Tiny reference models (../shared/models).

Each mutant (a byte flip, a truncation, or a corrupted 32-bit field, as flatbuffer offsets, lengths and indices
are) goes through `compile_model` in a forked child under a time limit. An outcome is either a clean refusal (a
TinyperfError naming the problem) or generated C that compiles (host gcc, -O0) and runs one inference on a zero
input without a crash. Anything else (a traceback, a hang, a crash, C that does not compile or does not run) is a
defect, and its mutant is kept under the work directory to be turned into a test.

    python -m tests.fuzz.mutate_models [MUTANTS_PER_MODEL] [WORK_DIR]
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REFERENCE_MODELS, SHARED_MODELS

KINDS = ("flip", "truncate", "field")
CODEGEN_TIMEOUT_S = 60.0
BUILD_TIMEOUT_S = 300.0
RUN_TIMEOUT_S = 120.0
DEFECTS = ("traceback", "hang", "crash", "c_error", "run_crash", "run_hang")

MAIN_C = """#include "model.h"
static int8_t in[MODEL_INPUT_SIZE], out[MODEL_OUTPUT_SIZE];
int main(void) { return model_invoke(in, out) != 0 ? 3 : 0; }
"""


@dataclass
class Outcome:
    model: str
    kind: str
    where: str
    status: str            # refused | ran | one of DEFECTS
    message: str = ""

    @property
    def defect(self) -> bool:
        return self.status in DEFECTS


def mutants(data: bytes, n: int, rng: random.Random) -> Iterator[tuple[str, str, bytes]]:
    """n mutants of *data*, the kinds in turn."""
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        buf = bytearray(data)
        if kind == "flip":
            pos = rng.randrange(len(buf))
            bit = 1 << rng.randrange(8)
            buf[pos] ^= bit
            yield kind, f"byte {pos} ^= {bit:#x}", bytes(buf)
        elif kind == "truncate":
            keep = rng.randrange(len(buf))
            yield kind, f"first {keep} bytes", bytes(buf[:keep])
        else:
            # a 32-bit little-endian field set to a value that breaks offsets, lengths or indices; the tables of
            # a flatbuffer sit mostly at its two ends, so half the positions are drawn there
            span = min(4096, len(buf) // 2)
            region = rng.choice(("head", "tail", "any"))
            lo, hi = {"head": (0, span), "tail": (len(buf) - span, len(buf)), "any": (0, len(buf))}[region]
            pos = rng.randrange(lo // 4, max(lo // 4 + 1, (hi - 4) // 4)) * 4
            value = rng.choice((0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, len(buf), len(buf) + 4,
                                rng.randrange(1 << 32)))
            buf[pos:pos + 4] = value.to_bytes(4, "little")
            yield kind, f"u32 at {pos} = {value:#x}", bytes(buf)


def _codegen_child(model_file: Path, out_dir: Path, report: int) -> None:
    """In the forked child: compile, and say how it went on the pipe."""
    from tinyperf.codegen import compile_model
    from tinyperf.errors import TinyperfError

    try:
        compile_model(model_file, out_dir)
        msg = {"status": "compiled"}
    except TinyperfError as exc:
        msg = {"status": "refused", "message": str(exc)}
    except BaseException as exc:  # what this run looks for: anything but a refusal
        import traceback

        msg = {"status": "traceback", "message": f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}"}
    os.write(report, json.dumps(msg).encode())
    os._exit(0)


def codegen(model_file: Path, out_dir: Path) -> dict[str, str]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _codegen_child(model_file, out_dir, w)
    os.close(w)
    deadline = time.monotonic() + CODEGEN_TIMEOUT_S
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)
        return {"status": "hang", "message": f"codegen ran over {CODEGEN_TIMEOUT_S:.0f} s"}
    chunks = []
    while chunk := os.read(r, 65536):
        chunks.append(chunk)
    os.close(r)
    if os.WIFSIGNALED(status):
        return {"status": "crash", "message": f"codegen killed by signal {os.WTERMSIG(status)}"}
    if not chunks:
        return {"status": "crash", "message": f"codegen exited with {os.WEXITSTATUS(status)} and no report"}
    return json.loads(b"".join(chunks))


def build_and_run(cg: Path) -> tuple[str, str]:
    (cg / "tp_mutant_main.c").write_text(MAIN_C)
    exe = cg / "mutant"
    try:
        b = subprocess.run(["gcc", "-std=c99", "-O0", "-w", f"-I{cg}", *map(str, sorted(cg.glob("*.c"))), "-o",
                            str(exe)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "c_error", f"gcc ran over {BUILD_TIMEOUT_S:.0f} s"
    if b.returncode != 0:
        return "c_error", b.stderr[-1500:]
    try:
        p = subprocess.run([str(exe)], capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "run_hang", f"one inference ran over {RUN_TIMEOUT_S:.0f} s"
    if p.returncode != 0:
        return "run_crash", f"exit {p.returncode}: {p.stderr[-800:]}"
    return "ran", ""


def run_model(name: str, n: int, work: Path, seed: int = 1, build_limit: int | None = None) -> list[Outcome]:
    """*n* mutants of reference model *name*; the first *build_limit* compiled ones are built and run (all when
    None)."""
    data = (SHARED_MODELS / REFERENCE_MODELS[name]).read_bytes()
    rng = random.Random(f"{name}-{seed}")
    out: list[Outcome] = []
    built = 0
    for i, (kind, where, blob) in enumerate(mutants(data, n, rng)):
        case = work / f"{name}-{i:05d}"
        case.mkdir(parents=True, exist_ok=True)
        model_file = case / "mutant.tflite"
        model_file.write_bytes(blob)
        res = codegen(model_file, case / "cg")
        status, message = res["status"], res.get("message", "")
        if status == "compiled":
            if build_limit is None or built < build_limit:
                built += 1
                status, message = build_and_run(case / "cg")
            else:
                status = "compiled"
        o = Outcome(name, kind, where, status, message)
        out.append(o)
        if o.defect:
            (case / "outcome.json").write_text(json.dumps(o.__dict__, indent=1))
        else:
            shutil.rmtree(case, ignore_errors=True)
    return out


def refusal_class(message: str) -> str:
    """A refusal's message with its numbers and names blanked, to count the kinds of refusal."""
    first = message.splitlines()[0] if message else "(empty)"
    first = re.sub(r"/\S+", "<path>", first)
    return re.sub(r"\d+", "N", first)[:110]


def summary(outcomes: list[Outcome]) -> list[str]:
    lines = []
    by_model = collections.defaultdict(collections.Counter)
    for o in outcomes:
        by_model[o.model][o.status] += 1
    for model, counts in by_model.items():
        lines.append(f"{model:5s} " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    kinds = collections.Counter((o.kind, o.status) for o in outcomes)
    lines.append("by kind: " + "  ".join(f"{k}/{s} {v}" for (k, s), v in sorted(kinds.items())))
    classes = collections.Counter(refusal_class(o.message) for o in outcomes if o.status == "refused")
    lines.append(f"{len(classes)} kinds of refusal, the commonest:")
    lines += [f"  {v:5d}  {c}" for c, v in classes.most_common(12)]
    return lines


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 340
    work = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="tp-mutants-"))
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for name in REFERENCE_MODELS:
        if (SHARED_MODELS / REFERENCE_MODELS[name]).exists():
            got = run_model(name, n, work)
            outcomes += got
            print(f"{name}: {len(got)} mutants, {time.monotonic() - started:.0f} s", flush=True)
    print("\n".join(summary(outcomes)))
    defects = [o for o in outcomes if o.defect]
    print(f"{len(outcomes)} mutants in {time.monotonic() - started:.0f} s, {len(defects)} defects (kept in {work})")
    for o in defects[:20]:
        print(f"  {o.model} {o.kind} {o.where}: {o.status}: {o.message[:300]}")
    return 1 if defects else 0


if __name__ == "__main__":
    raise SystemExit(main())
