"""The MLPerf Tiny submission tree of a run (mlperf_tiny.md §6).

    <division>/<submitter>/systems/<system>.json
    <division>/<submitter>/code/README.md
    <division>/<submitter>/results/<system>/<benchmark>/{performance,accuracy}/{log.txt,results.txt,results.json}

The division is closed for the official models measured on the official evaluation set (model source
``reference``: the int8 files as MLCommons ships them; ``reference-ptq``: the official fp32 weights, PTQ with the
official calibration set), and open otherwise. Benchmarks are named as the v1.4 checker names them (ic2 too).
One system per board; its description comes from the board profile and
the toolchain. The runner's files are copied as they are: the tree says what the device said.
"""

from __future__ import annotations

import logging
import platform
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinyperf import __version__, fsutil, profiles
from tinyperf.errors import TinyperfError
from tinyperf.report import provenance
from tinyperf.report.collect import Run, dig, load_run
from tinyperf.report.summary import division as division_of
from tinyperf.submission import check as checker

log = logging.getLogger(__name__)

QUANTIZATION = {
    "ptq": "Post-training full-int8 quantization (TFLite converter, representative calibration set)",
    "qat": "Quantization-aware training (tensorflow-model-optimization), then full-int8 conversion",
    "imported": "Full-int8 model supplied by the user",
    "official": "None here: the official MLPerf Tiny int8 model as MLCommons ships it (mlcommons/tiny, pinned)",
}


def system_id(board: str, engine: str = "tinyperf") -> str:
    """One system per board and engine: the software stack is part of what an MLPerf system is."""
    return f"{board}_{engine}"


def _framework(run: Run) -> tuple[str, str]:
    """(Inference Framework, Software Libraries) of the run's engine."""
    hosted = run.board == "host"
    if run.engine == "tinyperf":
        return (f"tinyperf {__version__} generated C (int8 kernels, static arena, no interpreter)",
                "none (C99 runtime of tinyperf)" if not hosted else "libc")
    if run.prebuilt:
        return (f"{run.engine} (prebuilt firmware, as given to tinyperf)", "as built by its vendor")
    pins = dig(run.memory, "library.sources") or {}
    libs = ", ".join(f"{k} {str(v)[:12]}" for k, v in pins.items())
    kernels = "CMSIS-NN kernels" if "cmsis-nn" in pins else "reference kernels"
    return f"TensorFlow Lite Micro ({kernels}), engine {run.engine}", libs or "TFLM"


def soc_name(prof: dict[str, Any]) -> str:
    """The chip named in a board description ``Board (SoC, core clock)``, else the board itself."""
    m = re.search(r"\(([^,)]+)", prof.get("description", ""))
    if prof["name"] == "host":
        return platform.processor() or platform.machine() or "host CPU"
    return m.group(1).strip() if m else prof["name"]


def system_description(run: Run, submitter: str, division: str, git_commit: str) -> dict[str, Any]:
    prof = profiles.board(run.board)
    clock = prof.get("clock_hz")
    flash, ram = dig(prof, "memory.flash_bytes"), dig(prof, "memory.ram_bytes")
    compiler = provenance.compiler_version(run.board) or f"{prof['toolchain']['prefix']}gcc (not found here)"
    method = dig(run.quantize, "method") or "ptq"
    return {
        "Submitter": submitter,
        "Division": division,
        "Status": dig(prof, "submission.status") or "available",
        "Board Name": prof["description"],
        "SoC Name": soc_name(prof),
        "Processor(s) Name": prof["cpu"] if run.board != "host" else f"{platform.machine()} host CPU",
        "Processor(s) Frequencies": f"{clock / 1e6:g} MHz" if clock else "host clock",
        "Processor memory type and capacity": (f"{flash // 1024} KB flash, {ram // 1024} KB RAM"
                                               if flash and ram else "host memory"),
        "Accelerator": "None",
        "Accelerator(s) Frequencies": "N/A",
        "Accelerator memory type and capacity": "N/A",
        "Inference Framework": _framework(run)[0],
        "Software Libraries": _framework(run)[1],
        "Operating System": ("bare metal" if run.board != "host"
                             else f"{platform.system()} {platform.release()} (hosted process)"),
        "Quantization Method": QUANTIZATION.get(method, method),
        "General Compiler(s)": compiler,
        "Compiler Flags": " ".join(prof["toolchain"].get("cflags", [])),
        "Hardware Notes": " ".join(str(dig(prof, "submission.hardware_notes")
                                       or f"{prof['description']}; serial at the task's baud").split()),
        "Software Notes": f"tinyperf commit {git_commit}; model source {run.model}; data {run.data}",
    }


CODE_README = """# Code

The results in this tree were produced by tinyperf {version} at commit {commit}: the MLPerf Tiny benchmark
lifecycle as one Snakemake workflow (dataset, training, int8 quantization, C code generation, firmware,
flashing, measurement over serial with the MLPerf Tiny DUT protocol).

Reproduce with `snakemake --cores all --configfile <config>` in that commit (configuration hash
{config_hash}); the firmware and generated model sources are under results/ of that run.
"""


def build(run_dirs: Iterable[str | Path], out_dir: str | Path, submitter: str = "tinyperf",
          config_hash: str = "-", git_commit: str | None = None) -> list[checker.Issue]:
    """Write the tree into *out_dir* (replacing it) and check it; returns the checker's issues."""
    commit = git_commit or provenance.git_commit()
    runs = [load_run(d) for d in run_dirs]
    out_dir = Path(out_dir)
    written = 0
    with fsutil.atomic_dir(out_dir) as tmp:
        for run in runs:
            division = division_of(run.model, bool(dig(run.meta, "official_eval_set")))
            missing = [m for m in ("performance", "accuracy") if not (run.run_dir / m / "results.txt").is_file()]
            if missing:
                log.warning("%s: no %s run on the device; left out of the submission", run.run_dir,
                            " or ".join(missing))
                continue
            sub = tmp / division / submitter
            sid = system_id(run.board, run.engine)
            desc = sub / "systems" / f"{sid}.json"
            if not desc.exists():
                fsutil.write_json(desc, system_description(run, submitter, division, commit))
            for mode in ("performance", "accuracy"):
                dest = sub / "results" / sid / run.task / mode
                dest.mkdir(parents=True, exist_ok=True)
                for name in checker.MLC_FILES:
                    src = run.run_dir / mode / name
                    if src.is_file():
                        shutil.copyfile(src, dest / name)  # a copy, never a link: the checker refuses links
            readme = sub / "code" / "README.md"
            if not readme.exists():
                fsutil.write_text(readme, CODE_README.format(version=__version__, commit=commit,
                                                             config_hash=config_hash))
            written += 1
        if not written:
            raise TinyperfError("no run has both a performance and an accuracy result on a device: nothing "
                                "to submit (run the measure step first)")
        issues, _ = checker.check(tmp)
    for issue in issues:
        (log.error if issue.severity == "error" else log.warning)("%s", issue)
    return issues
