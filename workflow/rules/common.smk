# Validation, derived values and input functions. No rules here.
import glob
import os
import shlex
import sys
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

# This checkout's own library, whatever else is installed: a workflow run never runs code, or reads config and
# firmware, from another checkout. The jobs' commands get the same path (TINYPERF below).
CHECKOUT = Path(workflow.basedir).resolve()
sys.path.insert(0, str(CHECKOUT / "workflow"))

import tinyperf
from tinyperf import config as tpconfig
from tinyperf import profiles
from tinyperf import sources

if Path(tinyperf.REPO_ROOT).resolve() != CHECKOUT:
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
ESTIMABLE = [b for b in profiles.BOARDS if profiles.board(b)["estimate_from"] == "qemu_m4"]
# Boards estimated on qemu_m4: those asked for, and any Cortex-M4 board in BOARDS with no port configured.
ESTIMATES = list(dict.fromkeys(
    tpconfig.estimates(CFG)
    + [b for b in BOARDS if tpconfig.needs_hardware(CFG, b) and profiles.board(b)["estimate_from"] == "qemu_m4"]
))
SCENARIOS = tpconfig.scenarios(CFG)
DATA = CFG["data"]
MODEL = tpconfig.model_key(CFG)


def _tinyperf_command():
    """What the jobs' shell commands run: this checkout's library with the interpreter running Snakemake (so the
    same virtual environment), or the conda environment's own `tinyperf` under --sdm conda."""
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        return "tinyperf"
    return f"PYTHONPATH={shlex.quote(str(CHECKOUT / 'workflow'))} {shlex.quote(sys.executable)} -m tinyperf"


TINYPERF = _tinyperf_command()


def code(*modules):
    """The library files a job runs, as inputs: each named module (relative to tinyperf, e.g. "training.cli")
    and every tinyperf module it imports. Editing one reruns the jobs whose stage imports it, and only those."""
    return sources.stage_files(*(f"tinyperf.{m}" for m in modules), relative_to=CHECKOUT)


def task_profile(wildcards):
    return f"config/tasks/{wildcards.task}.yaml"


def board_profile(wildcards):
    return f"config/boards/{wildcards.board}.yaml"


def manifest(wildcards):
    """Real sources: the tracked manifest. Synthetic: the one `tinyperf dataset synth` writes (file:// URLs)."""
    if wildcards.data == "real":
        return f"datasets/{wildcards.task}.yaml"
    return f"resources/synth/{wildcards.task}/manifest.yaml"


def epochs(wildcards):
    return tpconfig.epochs(CFG, wildcards.task)


def float_model(wildcards):
    return f"results/{wildcards.data}/{wildcards.task}/{wildcards.model}/float.keras"


def float_model_if_any(wildcards):
    """Host evaluation compares float and int8, except for a user's own int8 model, which has no float."""
    if wildcards.model.startswith("byom-"):
        return []
    return float_model(wildcards)


def codegen_dir(wildcards):
    target = tpconfig.codegen_target(CFG, wildcards.board)
    return f"results/{wildcards.data}/{wildcards.task}/{wildcards.model}/codegen/{target}"


# One job at a time per physical board: each flash/measure job takes one unit of its board's resource, and
# profiles/default/config.yaml limits every board resource to 1.
BOARD_LOCKS = {f"board_{b}": (lambda wc, b=b: int(wc.board == b)) for b in profiles.BOARDS}


def run_dir(task, board):
    return f"results/{DATA}/{task}/{MODEL}/{board}"


def estimate_before_flash(wildcards):
    """A board with no port gets its estimate before the run stops at flashing, which needs the board."""
    if wildcards.board in ESTIMATES and tpconfig.needs_hardware(CFG, wildcards.board):
        return f"results/{wildcards.data}/{wildcards.task}/{wildcards.model}/{wildcards.board}/estimate"
    return []


# Cortex-M4 boards run (measured or estimated): `tinyperf bench` counts their code on qemu_m4.
BENCH_BOARDS = [b for b in dict.fromkeys(BOARDS + ESTIMATES) if profiles.board(b)["arch"] == "cortex-m4"]


def bench_files(wildcards):
    """`tinyperf bench` figures for every Cortex-M4 board's run (qemu_m4 counts the code those boards run)."""
    targets = sorted({tpconfig.codegen_target(CFG, b) for b in BENCH_BOARDS})
    return [f"results/{wildcards.data}/{t}/{wildcards.model}/bench/{g}.json" for t in TASKS for g in targets]


def all_targets():
    targets = []
    for task in TASKS:
        targets.append(f"results/{DATA}/{task}/{MODEL}/accuracy_host.json")
        for board in BOARDS:
            targets += [f"{run_dir(task, board)}/performance", f"{run_dir(task, board)}/accuracy"]
        for board in ESTIMATES:
            targets += [f"{run_dir(task, board)}/firmware", f"{run_dir(task, board)}/estimate"]
    return targets
