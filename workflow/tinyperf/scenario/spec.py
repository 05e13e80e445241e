"""config/scenarios/<name>.yaml: loading, schema validation, and the checks a schema cannot express."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf import REPO_ROOT, profiles
from tinyperf.errors import ConfigError

SCHEMA = "scenario.schema.yaml"
SCENARIO_DIR = REPO_ROOT / "config" / "scenarios"
#: model ids are C prefixes in one firmware: these begin the DUT's, board layer's and kernels' own symbols
RESERVED_PREFIXES = ("tp_", "board", "dut", "fmt", "task", "scenario", "th_", "ee_")


@dataclass(frozen=True)
class Condition:
    model: str
    classes: tuple[int, ...]
    negate: bool  # argmax_not_in

    def holds(self, argmax: int) -> bool:
        return (argmax in self.classes) != self.negate


@dataclass(frozen=True)
class ModelSpec:
    id: str
    task: str
    tflite: str | None
    every: int
    offset: int
    when: Condition | None

    @property
    def n_classes(self) -> int:
        return len(profiles.task(self.task)["classes"])


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # pipelined | concurrent
    schedule: str  # fixed | round_robin
    deadline_ms: float | None
    periods: int
    models: tuple[ModelSpec, ...]
    description: str = ""

    def model(self, model_id: str) -> ModelSpec:
        return next(m for m in self.models if m.id == model_id)

    def index(self, model_id: str) -> int:
        return [m.id for m in self.models].index(model_id)

    @property
    def tasks(self) -> list[str]:
        return sorted({m.task for m in self.models})

    def order(self, period: int) -> list[int]:
        """Model indices in the order they run in *period* (the firmware computes the same)."""
        n = len(self.models)
        shift = period % n if self.schedule == "round_robin" else 0
        return [(k + shift) % n for k in range(n)]


def path_of(name_or_path: str | Path) -> Path:
    """A scenario name (config/scenarios/<name>.yaml) or a path to a scenario file."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return SCENARIO_DIR / f"{name_or_path}.yaml"


def names() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def _fill_defaults(data: dict[str, Any], schema: dict[str, Any]) -> None:
    props = schema.get("properties", {})
    for key, sub in props.items():
        if key not in data and "default" in sub:
            data[key] = copy.deepcopy(sub["default"])
    item_schema = props.get("models", {}).get("items", {})
    for m in data.get("models") or []:
        if isinstance(m, dict):
            for key, sub in item_schema.get("properties", {}).items():
                if key not in m and "default" in sub:
                    m[key] = copy.deepcopy(sub["default"])


def parse(data: Any, what: str, base_dir: Path | None = None) -> Scenario:
    """Validate a scenario mapping; ConfigError names the file and the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{what}: a scenario is a mapping (name, kind, models, ...), got {type(data).__name__}")
    data = copy.deepcopy(data)
    schema = profiles.load_yaml(profiles.SCHEMA_DIR / SCHEMA)
    _fill_defaults(data, schema)
    profiles.validate(data, SCHEMA, what)

    def bad(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{what}: key '{key}': {msg}")

    ids = [m["id"] for m in data["models"]]
    for i, mid in enumerate(ids):
        if mid == "model" or mid.startswith(RESERVED_PREFIXES):
            raise bad(f"models.{i}.id", f"{mid!r} would clash with the firmware's own symbols; choose an id not "
                      f"'model' and not starting with {', '.join(RESERVED_PREFIXES)}")
    for i, mid in enumerate(ids):
        if ids.index(mid) != i:
            raise bad(f"models.{i}.id", f"{mid!r} is used twice; model ids must be distinct (they are C prefixes)")
    models: list[ModelSpec] = []
    kind = data["kind"]
    for i, m in enumerate(data["models"]):
        cond = None
        if "when" in m:
            w = m["when"]
            key = f"models.{i}.when"
            if kind != "pipelined":
                raise bad(key, "conditions gate pipeline stages; a concurrent scenario runs every model")
            if w["model"] not in ids[:i]:
                raise bad(f"{key}.model", f"{w['model']!r} is not a model listed before {m['id']!r} "
                          f"(earlier models: {', '.join(ids[:i]) or 'none'})")
            src = data["models"][ids.index(w["model"])]
            if src["task"] == "ad":
                raise bad(f"{key}.model", f"{w['model']!r} is an ad autoencoder: it has no class to test")
            op = "argmax_in" if "argmax_in" in w else "argmax_not_in"
            if op not in w:
                raise bad(key, "needs argmax_in or argmax_not_in")
            n = len(profiles.task(src["task"])["classes"])
            over = [c for c in w[op] if c >= n]
            if over:
                raise bad(f"{key}.{op}", f"classes {over} do not exist: {w['model']!r} ({src['task']}) has "
                          f"classes 0..{n - 1}")
            cond = Condition(w["model"], tuple(sorted(w[op])), op == "argmax_not_in")
        tflite = m.get("tflite")
        if tflite is not None:
            p = Path(tflite)
            if not p.is_absolute() and base_dir is not None and not p.exists():
                p = base_dir / p
            if p.suffix != ".tflite":
                raise bad(f"models.{i}.tflite", f"{tflite!r} is not a .tflite file")
            tflite = str(p)
        models.append(ModelSpec(m["id"], m["task"], tflite, int(m["every"]), int(m["offset"]), cond))
    if kind == "concurrent" and "deadline_ms" not in data:
        raise bad("deadline_ms", "a concurrent scenario needs a deadline per period")
    if kind == "pipelined" and data["schedule"] != "fixed":
        raise bad("schedule", "a pipeline runs its stages in order: only 'fixed' applies")
    return Scenario(
        name=data["name"], kind=kind, schedule=data["schedule"],
        deadline_ms=float(data["deadline_ms"]) if "deadline_ms" in data else None,
        periods=int(data["periods"]), models=tuple(models), description=data.get("description", ""),
    )


def load(name_or_path: str | Path) -> Scenario:
    path = path_of(name_or_path)
    if not path.is_file():
        known = ", ".join(names()) or "none"
        raise ConfigError(f"scenario {str(name_or_path)!r}: no such file {path} (shipped scenarios: {known})")
    data = profiles.load_yaml(path)
    sc = parse(data, str(path), base_dir=path.parent)
    if sc.name != path.stem:
        raise ConfigError(f"{path}: key 'name': {sc.name!r} differs from the file name {path.stem!r}")
    return sc
