"""The workflow configuration: validation with messages that name the key, defaults, and derived values."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

from tinyperf import profiles
from tinyperf.engines import sources as engine_sources
from tinyperf.errors import ConfigError

SCHEMA = "config.schema.yaml"
#: model sources that are not a path: from scratch, the official int8 files, the official fp32 weights + our PTQ
MODEL_SOURCES = ("train", "reference", "reference-ptq")
#: the data key (results/<data>/...) of a run on the official evaluation files given as eval_data
OFFICIAL_DATA = "official"


def _fill_defaults(data: dict[str, Any], schema: dict[str, Any]) -> None:
    for key, sub in schema.get("properties", {}).items():
        if key not in data and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
        if isinstance(data.get(key), dict) and sub.get("type") == "object":
            _fill_defaults(data[key], sub)


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Validate and complete a configuration; raise ConfigError naming the key and the allowed values."""
    import jsonschema

    schema = profiles.load_yaml(profiles.SCHEMA_DIR / SCHEMA)
    # the board enums come from config/boards/: a new board is a profile, not a schema edit
    schema["$defs"]["board"] = {"enum": list(profiles.BOARDS)}
    schema["properties"]["estimate"]["items"] = {"enum": profiles.estimable_boards()}
    schema["$defs"]["engine"] = {"enum": list(engine_sources.engines())}
    cfg = copy.deepcopy(dict(config))
    for key, value in cfg.items():
        # `snakemake --config scenario=null` passes the word, not YAML's null
        if isinstance(value, str) and value.lower() in ("null", "none", "~") and _nullable(schema, key):
            cfg[key] = None
    _fill_defaults(cfg, schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(cfg))
    if errors:
        raise ConfigError("invalid configuration: " + "; ".join(_describe(e) for e in errors))
    model = cfg["model"]
    if model not in MODEL_SOURCES:
        path = Path(model).expanduser()
        if path.suffix != ".tflite":
            raise ConfigError(
                f"key 'model': {model!r} is neither one of {', '.join(MODEL_SOURCES)} nor the path of a .tflite file"
            )
        if not path.is_file():
            raise ConfigError(f"key 'model': no such file {model!r}")
        cfg["model"] = str(path)
    for key in ("eval_data", "reference_models", "engine_sources"):
        if cfg[key] is not None:
            folder = Path(cfg[key]).expanduser()
            if not folder.is_dir():
                raise ConfigError(f"key '{key}': no such folder {cfg[key]!r}")
            cfg[key] = str(folder.resolve())
    _check_firmware(cfg)
    if model == "reference-ptq":
        # ic2's official fp32 weights exist only as a .tflite (its .h5 is not in the repository): no PTQ path
        fp32 = profiles.REPO_ROOT / "datasets" / "reference_fp32"
        missing = [t for t in tasks(cfg) if not (fp32 / f"{t}.yaml").is_file()]
        if missing:
            raise ConfigError(f"key 'model': reference-ptq needs the official fp32 Keras weights, which MLCommons "
                              f"does not publish for {', '.join(missing)}; use model=reference (the official int8 "
                              f"model) for {', '.join(missing)}, or list the tasks without it")
    if cfg["eval_data"] is not None:
        if model in ("train", "reference-ptq"):
            raise ConfigError(
                f"key 'eval_data' holds evaluation files only, and model={model} needs the training data "
                f"({'to train' if model == 'train' else 'for its calibration set'}): use model=reference (the "
                "official int8 models: the closed division) or the path of your own int8 .tflite")
        if cfg["eval_limit"] is not None:
            raise ConfigError("key 'eval_limit' caps prepared evaluation sets; with eval_data the official set is "
                              "used whole (unset eval_limit)")
    return cfg


def _check_firmware(cfg: dict[str, Any]) -> None:
    """firmware=PATH: one prebuilt image, for one board and one task, whose engine is firmware_engine."""
    if cfg["firmware"] is None:
        return
    path = Path(cfg["firmware"]).expanduser()
    if not path.is_file():
        raise ConfigError(f"key 'firmware': no such file {cfg['firmware']!r}")
    cfg["firmware"] = str(path.resolve())
    if len(boards(cfg)) != 1 or len(tasks(cfg)) != 1:
        raise ConfigError("key 'firmware': a prebuilt image is one board's firmware for one task: set board and "
                          f"task to one each (board is {cfg['board']!r}, task {cfg['task']!r})")
    if cfg["firmware_engine"] in engine_sources.engines():
        raise ConfigError(f"key 'firmware_engine': {cfg['firmware_engine']!r} is an engine tinyperf builds itself; "
                          "name the prebuilt image's engine otherwise (e.g. x-cube-ai, or tflm-vendor)")
    if cfg["scenario"]:
        raise ConfigError("key 'firmware': a prebuilt image runs one model; scenarios are built by tinyperf")


def _nullable(schema: dict[str, Any], key: str) -> bool:
    sub = schema.get("properties", {}).get(key, {})
    types = sub.get("type", [])
    return "null" in (types if isinstance(types, list) else [types]) or any(
        alt.get("type") == "null" for alt in sub.get("oneOf", []))


def _describe(err: Any) -> str:
    # oneOf failures (task, board, epochs) report the best sub-error: the enum with its allowed values.
    if err.validator == "oneOf" and err.context:
        key = ".".join(str(p) for p in err.absolute_path)
        enums = [c for c in err.context if c.validator == "enum"]
        allowed: list[str] = []
        for c in enums:
            allowed += [str(v) for v in c.validator_value if str(v) not in allowed]
        if enums:
            # In a list, name the offending item rather than the whole list.
            bad = next((c.instance for c in enums if c.relative_path), err.instance)
            return f"key '{key}': {bad!r} is not allowed; allowed values: {', '.join(allowed)}"
    return profiles.describe_schema_error(err)


def tasks(cfg: dict[str, Any]) -> list[str]:
    value = cfg["task"]
    if value == "all":
        return list(profiles.TASKS)
    return [value] if isinstance(value, str) else list(value)


def boards(cfg: dict[str, Any]) -> list[str]:
    value = cfg["board"]
    return [value] if isinstance(value, str) else list(value)


def scenarios(cfg: dict[str, Any]) -> list[str]:
    """config `scenario`: null (none), a name, or a list of names."""
    value = cfg.get("scenario")
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def engines(cfg: dict[str, Any]) -> list[str]:
    """The engines whose runs the workflow makes: the prebuilt firmware's, or config `engine` (one or a list)."""
    if cfg.get("firmware"):
        return [str(cfg["firmware_engine"])]
    value = cfg.get("engine", engine_sources.DEFAULT_ENGINE)
    return [value] if isinstance(value, str) else list(value)


def estimates(cfg: dict[str, Any]) -> list[str]:
    return list(cfg["estimate"])


def needs_hardware(cfg: dict[str, Any], board: str) -> bool:
    """A board whose measurements need a device on a serial port, and none is configured."""
    return profiles.board(board)["serial"]["transport"] == "serial" and not cfg["port"]


def epochs(cfg: dict[str, Any], task: str) -> int:
    value = cfg["epochs"]
    if isinstance(value, int):
        return value
    if isinstance(value, dict) and task in value:  # per-task mapping
        return int(value[task])
    return int(profiles.task(task)["training"]["epochs"])


def eval_limit(cfg: dict[str, Any], task: str) -> int | None:
    value = cfg["eval_limit"]
    if isinstance(value, dict):
        return value.get(task)
    return value


def data_key(cfg: dict[str, Any]) -> str:
    """The path component naming the data: real, synth, or official (the eval_data folder's checked files)."""
    return OFFICIAL_DATA if cfg.get("eval_data") else str(cfg["data"])


def model_key(cfg: dict[str, Any]) -> str:
    """The path component naming the model source: train, reference, reference-ptq, or byom-<sha256 prefix>."""
    model = cfg["model"]
    if model in MODEL_SOURCES:
        return model
    digest = hashlib.sha256(Path(model).read_bytes()).hexdigest()[:12]
    return f"byom-{digest}"


def codegen_target(cfg: dict[str, Any], board: str) -> str:
    target = cfg["codegen"]["target"]
    if target != "auto":
        return target
    arch = profiles.board(board)["arch"]
    return arch if arch in ("cortex-m4", "arc-em") else "portable"
