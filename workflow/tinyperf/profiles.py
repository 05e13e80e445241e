"""Board and task profiles (config/boards/*.yaml, config/tasks/*.yaml), loaded and validated by schema."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from tinyperf import REPO_ROOT
from tinyperf.errors import ConfigError

CONFIG_DIR = REPO_ROOT / "config"
SCHEMA_DIR = REPO_ROOT / "workflow" / "schemas"
FIRMWARE_DIR = REPO_ROOT / "firmware"

#: MLPerf Tiny benchmarks, as the submission checker names them. ic2 (ic02, v1.4) runs on ic's data and evaluation
#: files (its profile's data_task), as the official runner does.
TASKS = ("ad", "kws", "vww", "ic", "ic2")
#: every board with a profile: a new board is config/boards/<board>.yaml and firmware/boards/<board>/, nothing
#: else. The no-hardware boards first, then by name.
BOARDS = tuple(sorted((p.stem for p in (CONFIG_DIR / "boards").glob("*.yaml")),
                      key=lambda b: (b not in ("host", "qemu_m4"), b != "host", b)))


def load_yaml(path: str | Path) -> Any:
    try:
        with open(path) as f:
            return yaml.safe_load(f)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def validate(data: Any, schema_name: str, what: str) -> None:
    """Validate *data* against workflow/schemas/<schema_name>; the error names the key and allowed values."""
    import jsonschema

    schema = load_yaml(SCHEMA_DIR / schema_name)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError(f"{what}: " + "; ".join(describe_schema_error(e) for e in errors))


def describe_schema_error(err: Any) -> str:
    """A one-line message naming the offending key and, for enums, the allowed values."""
    key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    if err.validator == "enum":
        allowed = ", ".join(map(str, err.validator_value))
        return f"key '{key}': {err.instance!r} is not allowed; allowed values: {allowed}"
    if err.validator == "additionalProperties":
        known = ", ".join(sorted(err.schema.get("properties", {})))
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        where = f" under '{key}'" if err.absolute_path else ""
        return f"unknown key(s) {', '.join(map(repr, extra))}{where}; allowed keys: {known}"
    return f"key '{key}': {err.message}"


@functools.cache
def board(name: str) -> dict[str, Any]:
    if name not in BOARDS:
        raise ConfigError(f"unknown board {name!r}; allowed values: {', '.join(BOARDS)}")
    data = load_yaml(CONFIG_DIR / "boards" / f"{name}.yaml")
    validate(data, "board.schema.yaml", f"config/boards/{name}.yaml")
    calibrated = CONFIG_DIR / "calibration" / f"{name}.yaml"
    if calibrated.exists():
        # `tinyperf calibrate` fitted the cycle model on the board: it replaces the profile's assumed one
        overlay = load_yaml(calibrated)
        if not isinstance(overlay, dict) or set(overlay) != {"cycle_model"}:
            raise ConfigError(f"{calibrated}: a calibration overlay holds cycle_model only; rerun tinyperf calibrate")
        data = {**data, **overlay}
        validate(data, "board.schema.yaml", f"config/boards/{name}.yaml with {calibrated}")
    return data


def estimable_boards() -> list[str]:
    """The boards whose latency can be estimated on qemu_m4 (estimate_from in their profile)."""
    return [b for b in BOARDS if board(b)["estimate_from"] == "qemu_m4"]


def data_task(name: str) -> str:
    """The task whose dataset, features and evaluation files *name* uses (ic2: ic), and whose input/output
    handling its firmware and codec share."""
    return str(task(name).get("data_task", name))


@functools.cache
def task(name: str) -> dict[str, Any]:
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; allowed values: {', '.join(TASKS)}")
    data = load_yaml(CONFIG_DIR / "tasks" / f"{name}.yaml")
    validate(data, "task.schema.yaml", f"config/tasks/{name}.yaml")
    return data
