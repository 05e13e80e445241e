"""Mutated reference models through the model compiler: a clean refusal naming the problem, or C that compiles
and runs, never a traceback, hang or crash. (The full run, ~2000 mutants: python -m tests.fuzz.mutate_models.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REFERENCE_MODELS, reference_model
from tests.fuzz import mutate_models


@pytest.mark.needs_models
@pytest.mark.parametrize("name", list(REFERENCE_MODELS))
def test_mutants_are_refused_cleanly_or_run(tmp_path: Path, name: str) -> None:
    reference_model(name)  # skips where absent
    outcomes = mutate_models.run_model(name, 24, tmp_path, seed=7, build_limit=3)
    defects = [o for o in outcomes if o.defect]
    assert not defects, "\n".join(f"{o.kind} {o.where}: {o.status}: {o.message[:600]}" for o in defects)
    statuses = {o.status for o in outcomes}
    assert "refused" in statuses and "ran" in statuses  # both paths were taken
    for o in outcomes:
        if o.status == "refused":
            assert "malformed" in o.message or name in o.message or "mutant.tflite" in o.message, o.message


@pytest.mark.parametrize("kind", mutate_models.KINDS)
def test_mutants_change_the_model_as_named(kind: str) -> None:
    import random

    data = bytes(range(256)) * 40
    for k, where, blob in mutate_models.mutants(data, 30, random.Random(1)):
        if k != kind:
            continue
        if kind == "truncate":
            assert len(blob) < len(data) and data.startswith(blob)
        else:
            assert len(blob) == len(data), where
            if kind == "flip":
                assert blob != data, where


#: mutants the runs found defects with, each fixed: (model, offset of a u32 field, value written, the refusal)
REGRESSIONS = [
    ("kws", 50384, 0x7FFFFFFF, "quantization scale nan"),  # a NaN scale reached int(): ValueError
]


@pytest.mark.needs_models
@pytest.mark.parametrize(("name", "offset", "value", "message"), REGRESSIONS)
def test_found_mutants_are_refused(tmp_path: Path, name: str, offset: int, value: int, message: str) -> None:
    from tinyperf.codegen import compile_model
    from tinyperf.errors import ModelError

    data = bytearray(reference_model(name).read_bytes())
    data[offset:offset + 4] = value.to_bytes(4, "little")
    mutant = tmp_path / "mutant.tflite"
    mutant.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=message):
        compile_model(mutant, tmp_path / "cg")
    assert not (tmp_path / "cg").exists()
