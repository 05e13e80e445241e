"""Path helpers for workflow/rules/scenario.smk (no Snakemake import: testable alone)."""

from __future__ import annotations

from tinyperf.scenario import spec


def base(data: str, model: str, scenario: str, board: str) -> str:
    return f"results/{data}/{model}/scenario/{scenario}/{board}"


def model_files(scenario: str, data: str, model: str) -> dict[str, str]:
    """Each model's .tflite: its own path, else its task's model of this model source."""
    sc = spec.load(scenario)
    return {m.id: m.tflite or f"results/{data}/{m.task}/{model}/int8.tflite" for m in sc.models}


def eval_dirs(scenario: str, data: str) -> dict[str, str]:
    return {t: f"results/{data}/{t}/data" for t in spec.load(scenario).tasks}


def targets(data: str, model: str, scenarios: list[str], boards: list[str]) -> list[str]:
    """What `rule all` asks for: every scenario's run on every board."""
    return [f"{base(data, model, s, b)}/run" for s in scenarios for b in boards]
