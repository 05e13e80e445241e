"""Scenario files: the shipped ones load; malformed ones fail with a message naming the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tinyperf.errors import ConfigError
from tinyperf.scenario import arena, spec

GOOD: dict[str, Any] = {
    "name": "pair", "kind": "pipelined", "deadline_ms": 100,
    "models": [{"id": "kws", "task": "kws"}, {"id": "ic", "task": "ic", "when": {"model": "kws", "argmax_in": [1]}}],
}


def test_shipped_scenarios_load() -> None:
    assert {"kws_then_ic", "vww_ad"} <= set(spec.names())
    p = spec.load("kws_then_ic")
    assert p.kind == "pipelined" and [m.task for m in p.models] == ["kws", "ic"]
    assert p.models[1].when is not None and p.models[1].when.negate and p.models[1].when.classes == (10, 11)
    c = spec.load("vww_ad")
    assert c.kind == "concurrent" and c.deadline_ms == 500 and c.schedule == "round_robin"
    assert c.order(0) == [0, 1] and c.order(1) == [1, 0]


def _err(mutate: Any) -> str:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ConfigError) as exc:
        spec.parse(data, "x.yaml")
    return str(exc.value)


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda d: d.update(kind="parallel"), "key 'kind'"),
    (lambda d: d["models"][0].update(task="sww"), "key 'models.0.task'"),
    (lambda d: d.update(deadline_ms=-1), "key 'deadline_ms'"),
    (lambda d: d.update(periodz=3), "'periodz'"),
    (lambda d: d["models"][1]["when"].update(model="vww"), "key 'models.1.when.model'"),
    (lambda d: d["models"][1]["when"].update(argmax_in=[12]), "key 'models.1.when.argmax_in'"),
    (lambda d: d["models"][1].update(id="kws"), "key 'models.1.id'"),
    (lambda d: d["models"][0].update(id="board"), "key 'models.0.id'"),
    (lambda d: d["models"][1].update(id="Bad-Id"), "key 'models.1.id'"),
    (lambda d: d.update(kind="concurrent", deadline_ms=None) or d.pop("deadline_ms"), "key 'models.1.when'"),
    (lambda d: d.update(schedule="round_robin"), "key 'schedule'"),
    (lambda d: d["models"].pop(), "key 'models'"),
])
def test_malformed_scenario_names_the_key(mutate: Any, key: str) -> None:
    assert key in _err(mutate)


def test_concurrent_needs_a_deadline() -> None:
    def mutate(d: dict[str, Any]) -> None:
        d.update(kind="concurrent")
        d.pop("deadline_ms")
        d["models"][1].pop("when")

    assert "key 'deadline_ms'" in _err(mutate)


def test_file_name_must_match(tmp_path: Path) -> None:
    f = tmp_path / "other.yaml"
    f.write_text(yaml.safe_dump(GOOD))
    with pytest.raises(ConfigError, match="key 'name'"):
        spec.load(f)
    with pytest.raises(ConfigError, match="no such file"):
        spec.load("no_such_scenario")


def test_arena_plan_shares_what_lifetimes_allow() -> None:
    p = arena.plan({"a": 16000, "b": 49152, "c": 1000})
    assert p.shared_bytes == 49152 and all(o == 0 for o in p.offsets.values())
    assert p.separate_bytes == 16000 + 49152 + 1008 and p.saved_bytes == p.separate_bytes - 49152
    # models live at the same time (a preemptive schedule) get disjoint, aligned ranges
    q = arena.plan({"a": 100, "b": 200, "c": 50}, overlapping=[("a", "b"), ("b", "c")])
    ranges = {m: (q.offsets[m], q.offsets[m] + q.sizes[m]) for m in q.sizes}
    assert ranges["b"][1] <= ranges["a"][0] or ranges["a"][1] <= ranges["b"][0]
    assert ranges["b"][1] <= ranges["c"][0] or ranges["c"][1] <= ranges["b"][0]
    assert all(o % 16 == 0 for o in q.offsets.values())
    assert q.shared_bytes < q.separate_bytes  # a and c share
