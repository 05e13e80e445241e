"""Cortex-M4 kernel variants are bit-exact with the portable kernels on randomized cases, natively (DSP
instructions emulated in C) and on qemu_m4 (the real instructions)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tinyperf import REPO_ROOT

RUNTIME = REPO_ROOT / "firmware" / "runtime"
HERE = Path(__file__).resolve().parent
PORTABLE = ["tp_conv_2d.c", "tp_depthwise_conv_2d.c", "tp_fully_connected.c", "tp_add.c"]
VARIANTS = {
    "tp_conv_2d_cm4.c": "tp_conv_2d_s8",
    "tp_depthwise_conv_2d_cm4.c": "tp_depthwise_conv_2d_s8",
    "tp_fully_connected_cm4.c": "tp_fully_connected_s8",
    "tp_add_cm4.c": "tp_add_s8",
}
STRICT = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]
ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
CASES = int(os.environ.get("TINYPERF_KERNEL_CASES", "600"))


def _objects(cc: list[str], work: Path, extra: list[str]) -> list[str]:
    objs = []
    for src in PORTABLE:
        obj = work / (Path(src).stem + ".o")
        subprocess.run([*cc, *STRICT, *extra, "-I", str(RUNTIME), "-c", str(RUNTIME / src), "-o", str(obj)],
                       check=True)
        objs.append(str(obj))
    for src, fn in VARIANTS.items():
        obj = work / (Path(src).stem + ".o")
        subprocess.run([*cc, *STRICT, *extra, f"-D{fn}={fn}_cm4", "-I", str(RUNTIME), "-c", str(RUNTIME / src),
                        "-o", str(obj)], check=True)
        objs.append(str(obj))
    return objs


@pytest.mark.parametrize("seed", [1, 2])
def test_variants_bit_exact_host(tmp_path: Path, seed: int) -> None:
    objs = _objects(["gcc"], tmp_path, [])
    exe = tmp_path / "check"
    subprocess.run(["gcc", *STRICT, "-I", str(RUNTIME), str(HERE / "kernel_check.c"), str(HERE / "check_host.c"),
                    *objs, "-o", str(exe)], check=True)
    out = subprocess.run([str(exe), str(seed), str(CASES)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip() == f"ok {CASES}"


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="needs arm-none-eabi-gcc and qemu-system-arm")
def test_variants_bit_exact_qemu_m4(tmp_path: Path) -> None:
    from tinyperf.bench.app import LDFLAGS, LINK_LD, QEMU, STARTUP
    from tinyperf.firmware.toolchain import freestanding_cflags

    extra = ["-ffunction-sections", "-fdata-sections", *freestanding_cflags(ARM[0])]
    objs = _objects(ARM, tmp_path, extra)
    cases = CASES // 2
    for src, defs in (("kernel_check.c", []), ("check_qemu.c", ["-DCHECK_SEED=3u", f"-DCHECK_CASES={cases}"]),
                      (str(STARTUP), [])):
        obj = tmp_path / (Path(src).stem + "_app.o")
        subprocess.run([*ARM, *STRICT, *extra, *defs, "-I", str(RUNTIME), "-I", str(HERE), "-c", str(HERE / src),
                        "-o", str(obj)], check=True)
        objs.append(str(obj))
    elf = tmp_path / "check.elf"
    subprocess.run([*ARM, *LDFLAGS, "-T", str(LINK_LD), *objs, "-lgcc", "-o", str(elf)], check=True)
    out = subprocess.run([*QEMU, "-kernel", str(elf)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"ok {cases}"
