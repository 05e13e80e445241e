# Validation, derived values and input functions. No rules here.
import glob
import os
import sys
from pathlib import Path

# This checkout's own library, whatever else is installed: a workflow run never runs code, or reads config and
# firmware, from another checkout. The jobs get the same (_use_this_environment below).
CHECKOUT = Path(workflow.basedir).resolve()
sys.path.insert(0, str(CHECKOUT / "workflow"))

import tinyperf
from tinyperf import config as tpconfig
from tinyperf import layout
from tinyperf import profiles
from tinyperf import sources
from tinyperf.datasets import manifest as manifests
from tinyperf.engines import sources as engine_sources
from tinyperf.engines.library import board_of_key, toolchain_key

if sources.PACKAGE_DIR != (CHECKOUT / "workflow" / "tinyperf").resolve():
    # only when tinyperf was imported before this Snakefile ran (snakemake's API called from another checkout)
    raise WorkflowError(
        f"this workflow is the checkout {CHECKOUT}, but the tinyperf library already loaded is the one of "
        f"{tinyperf.REPO_ROOT}: run snakemake from an environment made for this checkout (make install here "
        f"creates {CHECKOUT / '.venv'})"
    )

# Reject a bad configuration before any job runs, with a message naming the key and the allowed values.
try:
    CFG = tpconfig.validate(config)
except Exception as exc:  # ConfigError; re-raised as a WorkflowError so Snakemake prints only the message
    raise WorkflowError(str(exc)) from None

TASKS = tpconfig.tasks(CFG)
BOARDS = tpconfig.boards(CFG)
# Boards that can be estimated on qemu_m4 (estimate_from in their profile)
ESTIMABLE = profiles.estimable_boards()
# Boards estimated on qemu_m4: those asked for, and any Cortex-M4 board in BOARDS with no port configured.
ESTIMATES = list(dict.fromkeys(
    tpconfig.estimates(CFG)
    + [b for b in BOARDS if tpconfig.needs_hardware(CFG, b) and b in ESTIMABLE]
))
SCENARIOS = tpconfig.scenarios(CFG)
# Engines side by side on every board; PREBUILT: the engine of a user's firmware image (config firmware=PATH)
ENGINES = tpconfig.engines(CFG)
PREBUILT = CFG["firmware_engine"] if CFG["firmware"] else None
TFLM_ENGINES = [e for e in engine_sources.engines() if engine_sources.is_tflm(e)]
DATA = tpconfig.data_key(CFG)
MODEL = tpconfig.model_key(CFG)
# Tasks with a dataset of their own (ic2 reads ic's: data_dir)
DATA_TASKS = "|".join(t for t in profiles.TASKS if profiles.data_task(t) == t)


def _use_this_environment():
    """The jobs' `tinyperf` is the one of the environment running Snakemake, on this checkout's library: its
    folder first on PATH, this checkout's workflow/ first on PYTHONPATH (under --sdm conda, the activated
    environment's own folder comes first again)."""
    bindir = Path(sys.executable).parent
    if not (bindir / "tinyperf").exists():
        raise WorkflowError(f"tinyperf is not installed in the environment running snakemake ({sys.executable}): "
                            f"run `make install` in {CHECKOUT} and use its .venv/bin/python -m snakemake")
    for name, first in (("PATH", bindir), ("PYTHONPATH", CHECKOUT / "workflow")):
        os.environ[name] = os.pathsep.join(filter(None, [str(first), os.environ.get(name)]))


_use_this_environment()


def code(*modules):
    """The library files a job runs, as inputs: each named module (relative to tinyperf, e.g. "training.cli")
    and every tinyperf module it imports. Editing one reruns the jobs whose stage imports it, and only those."""
    return sources.stage_files(*(f"tinyperf.{m}" for m in modules))


def task_profile(wildcards):
    return f"config/tasks/{wildcards.task}.yaml"


def board_profile(wildcards):
    """The board's profile, and its calibration overlay where `tinyperf calibrate` wrote one."""
    calibrated = f"config/calibration/{wildcards.board}.yaml"
    return [f"config/boards/{wildcards.board}.yaml", *([calibrated] if os.path.exists(calibrated) else [])]


def manifest(wildcards):
    """Real sources: the tracked manifest. Synthetic: the one `tinyperf dataset synth` writes (file:// URLs)."""
    if wildcards.data == "real":
        return f"datasets/{wildcards.task}.yaml"
    return f"resources/synth/{wildcards.task}/manifest.yaml"


def epochs(wildcards):
    return tpconfig.epochs(CFG, wildcards.task)


def data_dir(wildcards):
    """A task's prepared data (or checked official evaluation files): ic2 reads ic's, as the official runner does."""
    return layout.data_dir(wildcards.data, wildcards.task)


def float_model(wildcards):
    return layout.fill(layout.FLOAT, **dict(wildcards.items()))


def float_model_if_any(wildcards):
    """Host evaluation compares float and int8, except for an int8 model given as such (the official one, or a
    user's own), which has no float."""
    if wildcards.model.startswith("byom-") or wildcards.model == "reference":
        return []
    return float_model(wildcards)


def reference_int8_file(task):
    """Where the official int8 model of *task* lands beside its download record (datasets/reference_int8/)."""
    (archive,) = manifests.load(f"datasets/reference_int8/{task}.yaml").archives
    return f"resources/reference_int8/{task}/{archive.name}"


def model_to_import(wildcards):
    """import_model's input: the user's own .tflite, or the official model's download record."""
    if wildcards.model == "reference":
        return f"resources/reference_int8/{wildcards.task}/verified.json"
    return CFG["model"]


def official_inputs(wildcards):
    """The files of eval_data that official_eval checks (editing one reruns it)."""
    if CFG["eval_data"] is None:
        raise WorkflowError("results/official/... are made from the config key eval_data, which is not set")
    folder = Path(CFG["eval_data"]) / profiles.task(wildcards.task)["evaluation"]["set"]
    return sorted(glob.glob(f"{folder}/y_labels.csv") + glob.glob(f"{folder}/*.bin"))


def codegen_dir(wildcards):
    """The model directory a run's firmware is built from: tinyperf's C for the board's target, or the TFLM
    engine's model array and resolver (codegen/<engine>)."""
    if wildcards.engine == engine_sources.DEFAULT_ENGINE:
        target = tpconfig.codegen_target(CFG, wildcards.board)
    else:
        target = wildcards.engine
    return layout.fill(layout.CODEGEN, target=target, **dict(wildcards.items()))


def engine_library(wildcards):
    """A TFLM engine's library for the board whose flags the firmware is compiled with; none for tinyperf."""
    if wildcards.engine == engine_sources.DEFAULT_ENGINE:
        return []
    return layout.fill(layout.ENGINE_LIBRARY, engine=wildcards.engine, toolchain=toolchain_key(wildcards.board))


def engine_firmware_files(wildcards):
    """What a TFLM engine's firmware build also compiles: its libc subset, no-libm stand-ins, the arena probes
    (native, and the qemu_m4 bench app's)."""
    if wildcards.engine == engine_sources.DEFAULT_ENGINE:
        return []
    return sorted(glob.glob("firmware/engines/tflm/**/*.c", recursive=True) + glob.glob("workflow/tinyperf/bench/c/*"))


def library_option(wildcards, input):
    return f"--library {input.library}" if input.library else ""


def engine_source_records(wildcards):
    """The verified sources an engine's library is compiled from."""
    return [layout.fill(layout.ENGINE_SOURCE, source=s) for s in engine_sources.engine(wildcards.engine)["sources"]]


# One job at a time per physical board: each flash/measure job takes one unit of its board's resource, of which
# there is one per board unless the command line says otherwise (--resources board_<name>=N).
BOARD_LOCKS = {f"board_{b}": (lambda wc, b=b: int(wc.board == b)) for b in profiles.BOARDS}
for _lock in BOARD_LOCKS:
    if _lock not in workflow.global_resources:
        workflow.register_resource(_lock, 1)


def run_dir(task, board, engine):
    return layout.run_dir(DATA, task, MODEL, board, engine)


def estimate_before_flash(wildcards):
    """A board with no port gets its estimate before the run stops at flashing, which needs the board."""
    if wildcards.board in ESTIMATES and tpconfig.needs_hardware(CFG, wildcards.board):
        return f"{layout.fill(layout.RUN, **dict(wildcards.items()))}/estimate"
    return []


# Cortex-M4 boards run (measured or estimated): `tinyperf bench` counts their code on qemu_m4.
BENCH_BOARDS = [b for b in dict.fromkeys(BOARDS + ESTIMATES) if profiles.board(b)["arch"] == "cortex-m4"]


# The TFLM engines' qemu_m4 libraries, for `tinyperf bench` to count TFLM live beside tinyperf.
BENCH_LIBRARIES = {
    e: layout.fill(layout.ENGINE_LIBRARY, engine=e, toolchain=toolchain_key("qemu_m4"))
    for e in ENGINES
    if e in TFLM_ENGINES and BENCH_BOARDS
}


def bench_files(wildcards):
    """`tinyperf bench` figures for every Cortex-M4 board's run (qemu_m4 counts the code those boards run)."""
    targets = sorted({tpconfig.codegen_target(CFG, b) for b in BENCH_BOARDS})
    return [layout.fill(layout.BENCH, data=wildcards.data, task=t, model=wildcards.model, target=g)
            for t in TASKS for g in targets]


def all_targets():
    targets = []
    for task in TASKS:
        targets.append(layout.fill(layout.HOST_ACCURACY, data=DATA, task=task, model=MODEL))
        for engine in ENGINES:
            for board in BOARDS:
                run = run_dir(task, board, engine)
                targets += [f"{run}/performance", f"{run}/accuracy"]
            for board in ESTIMATES:
                run = run_dir(task, board, engine)
                targets += [f"{run}/firmware", f"{run}/estimate"]
    return targets
