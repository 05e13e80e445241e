"""The libFuzzer harnesses run for a bounded time (TINYPERF_FUZZ_SECONDS each, default 20): no ASan or UBSan
finding, no crash, no timeout, from the seed corpus (which holds every fixed crash's reproducer) onwards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz import fuzzing

SECONDS = float(os.environ.get("TINYPERF_FUZZ_SECONDS", "20"))

pytestmark = pytest.mark.skipif(fuzzing.clang() is None, reason="clang not found: apt-get install clang "
                                "libclang-rt-14-dev")


@pytest.mark.parametrize("harness", fuzzing.HARNESSES)
def test_harness_finds_nothing(tmp_path: Path, harness: str) -> None:
    r = fuzzing.run(harness, SECONDS, tmp_path)
    print(r.line())
    assert not r.crashed, f"{r.line()}\n{[str(a) for a in r.artifacts]}\n{r.output[-4000:]}"
    assert r.execs > 100, r.output[-2000:]  # it ran, from the seeds on
