"""Codegen's scratch sizes (codegen/cortex_m4.py, through the kernel descriptors) against the C layout itself: the
randomized kernel check reports, for every cortex-m4 variant call with scratch, the last scratch byte the C wrote
(a canary high-water mark); it must never pass the planned size, and the plan must not be larger than the C's
layout needs by more than its rounding."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.perf.test_kernels import HERE, RUNTIME, STRICT, _objects
from tinyperf.codegen import targets

#: plans are whole 4-byte words; a canary byte the kernel happened to write with the canary's value looks unwritten
SLACK = 8


def _params(kernel: str, v: list[int]) -> dict:
    if kernel == "fully_connected":
        return dict(zip(("packed", "chunk", "out_features", "in_features"), v, strict=True))
    if kernel == "add":
        return {}
    keys = ("in_c", "out_c", "k_h", "k_w", "k_c", "dil_h", "dil_w", "stride_w", "out_w", "depth_multiplier",
            "packed")
    keys = (*keys, "stride_h", "out_h") if kernel == "depthwise_conv_2d" else (*keys, "group", "chunk")
    return dict(zip(keys, v, strict=True))


def test_planned_scratch_covers_exactly_what_the_c_writes(tmp_path: Path) -> None:
    objs = _objects(["gcc"], tmp_path, [])
    exe = tmp_path / "check"
    subprocess.run(["gcc", *STRICT, "-I", str(RUNTIME), str(HERE / "kernel_check.c"), str(HERE / "check_host.c"),
                    *objs, "-o", str(exe)], check=True)
    out = subprocess.run([str(exe), "5", "1200", "scratch"], capture_output=True, text=True, check=True).stdout
    seen: dict[str, int] = {}
    for line in out.splitlines():
        if not line.startswith("S "):
            continue
        kernel, *numbers = line.split()[1:]
        *values, written = (int(x) for x in numbers)
        planned = targets.kernel(kernel, "cortex-m4").scratch(_params(kernel, values))
        assert written <= planned, f"{line}: the C wrote {written} bytes of scratch, codegen plans {planned}"
        if planned:
            assert planned - written <= SLACK, f"{line}: codegen plans {planned} bytes, the C uses {written}"
        seen[kernel] = seen.get(kernel, 0) + 1
    assert out.rstrip().endswith("ok 1200")
    assert set(seen) == {"conv_2d", "depthwise_conv_2d", "fully_connected", "add"}, seen
