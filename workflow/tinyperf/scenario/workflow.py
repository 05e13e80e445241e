"""Path helpers for workflow/rules/scenario.smk (no Snakemake import: testable alone)."""

from __future__ import annotations

from tinyperf import layout as paths
from tinyperf.scenario import spec


def base(data: str, model: str, scenario: str, board: str) -> str:
    return paths.fill(paths.SCENARIO, data=data, model=model, scenario=scenario, board=board)


def model_files(scenario: str, data: str, model: str) -> dict[str, str]:
    """Each model's .tflite: its own path, else its task's model of this model source."""
    sc = spec.load(scenario)
    return {m.id: m.tflite or paths.fill(paths.INT8, data=data, task=m.task, model=model) for m in sc.models}


def eval_dirs(scenario: str, data: str) -> dict[str, str]:
    return {t: paths.data_dir(data, t) for t in spec.load(scenario).tasks}


def targets(data: str, model: str, scenarios: list[str], boards: list[str]) -> list[str]:
    """What `rule all` asks for: every scenario's run on every board."""
    return [f"{base(data, model, s, b)}/run" for s in scenarios for b in boards]
