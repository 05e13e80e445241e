"""Where every artifact lives: one path layout for the rules, the report, the scenario code and the CLIs.

Each template names its wildcards, so a rule uses it as it is (Snakemake fills them) and Python code fills
them with fill(). Paths are keyed by what matters and nothing more: the data does not depend on the model, the
model not on the board, the generated C on the codegen target (and so on the board's architecture), the
firmware on the board.
"""

from __future__ import annotations

import string
from typing import Any

RESULTS = "results"
#: prepared features, calibration set and MLPerf evaluation files (eval/), or the checked official files
DATA = RESULTS + "/{data}/{task}/data"
#: everything of one model source for one task: float model, int8.tflite, host accuracy
MODEL = RESULTS + "/{data}/{task}/{model}"
INT8 = MODEL + "/int8.tflite"
QUANTIZE = MODEL + "/quantize.json"
HOST_ACCURACY = MODEL + "/accuracy_host.json"
FLOAT = MODEL + "/float.keras"
#: a model trained here: its history and summary; the official fp32 weights: what was fetched
HISTORY = MODEL + "/history.json"
TRAIN_SUMMARY = MODEL + "/train.json"
REFERENCE_SUMMARY = MODEL + "/reference.json"
#: generated C for one kernel target; a TFLM engine's model directory (model array, resolver) under its name
CODEGEN = MODEL + "/codegen/{target}"
#: `tinyperf bench` figures of that C on qemu_m4
BENCH = MODEL + "/bench/{target}.json"
#: one engine on one board: firmware/, flash.json, performance/, accuracy/ (or estimate_firmware/, estimate/)
RUN = MODEL + "/{engine}/{board}"
#: a TFLM engine compiled with one board toolchain's compiler and flags (libtflm.a, library.json): shared by every
#: task and model, and by every board with the same toolchain (engines.library.toolchain_key: <arch>-<hash>)
ENGINE_LIBRARY = RESULTS + "/engines/{engine}/{toolchain}"
#: one engine source, fetched and verified (resources/engines/<source>/tree beside it)
ENGINE_SOURCE = "resources/engines/{source}/verified.json"
#: the tables, figures and submission tree of one data and model source
REPORT = RESULTS + "/{data}/{model}"
SCENARIO = REPORT + "/scenario/{scenario}/{board}"


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """*template* with the given wildcards filled and the others left as wildcards."""
    return string.Formatter().vformat(template, (), _Keep(values))


def run_dir(data: str, task: str, model: str, board: str, engine: str = "tinyperf") -> str:
    return fill(RUN, data=data, task=task, model=model, board=board, engine=engine)


def model_dir(data: str, task: str, model: str) -> str:
    return fill(MODEL, data=data, task=task, model=model)


def data_dir(data: str, task: str) -> str:
    """The data *task* reads (ic2 reads ic's: its profile's data_task)."""
    from tinyperf import profiles

    return fill(DATA, data=data, task=profiles.data_task(task))
