"""The cycle model against Cortex-M4 timings worked out by hand (trm_sequences.py), on real qemu-system-arm.

All sequences are assembled into one bare-metal program. Each begins word-aligned at its own label, which the
cycle plugin marks, so each is a phase of its own, and ends with a branch to the next one: 1 + P, P = 1 (an
immediate branch to a word-aligned target), added to every expected count here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cycles.trm_sequences import SEQUENCES
from tinyperf.cycles import run

pytestmark = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                reason="needs gcc-arm-none-eabi and qemu-system-arm (tools/install.sh)")

CLOSING_BRANCH = 2
PROLOGUE = """\
    .syntax unified
    .thumb
    .text
    .word 0x20010000
    .word reset + 1
    .global reset
    .thumb_func
reset:
    ldr r0, =0xE000ED88      @ CPACR: enable the FPU (CP10, CP11)
    ldr r1, [r0]
    orr r1, r1, #(0xF << 20)
    str r1, [r0]
    dsb
    isb
    ldr r8, =0x20000000
    add r9, r8, #0x100
    movs r2, #3
    b seq_00
    .ltorg
    .balign 4
    .thumb_func
helper_bx:
    bx lr
    .balign 4
    .thumb_func
helper_pop:
    push {lr}
    pop {pc}
"""
EPILOGUE = """\
    .balign 4
    .thumb_func
seq_end:
    movs r0, #0x18
    ldr r1, =0x20026
    bkpt 0xab
    .ltorg
"""


def program() -> str:
    parts = [PROLOGUE]
    for i, (_name, asm, _cycles, _why) in enumerate(SEQUENCES):
        nxt = f"seq_{i + 1:02d}" if i + 1 < len(SEQUENCES) else "seq_end"
        parts.append(f"    .balign 4\n    .thumb_func\n    .global seq_{i:02d}\nseq_{i:02d}:\n    {asm}\n"
                     f"    b {nxt}\n    .ltorg\n")
    parts.append(EPILOGUE)
    return "".join(parts)


@pytest.fixture(scope="module")
def elf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("trm")
    (d / "seq.s").write_text(program())
    out = d / "seq.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard",
                    "-nostdlib", "-Wl,-Ttext=0x0", "-Wl,-e,reset", "-o", str(out), str(d / "seq.s")], check=True)
    return out


def marks() -> list[str]:
    return [f"seq_{i:02d}" for i in range(len(SEQUENCES))] + ["seq_end"]


def phase_cycles(elf: Path) -> dict[int, int]:
    _, phases = run.run_elf(elf, marks(), timeout=60)
    addrs = run.symbols(elf, marks())
    by_addr = {p.mark: p.cycles for p in phases if p.mark is not None}
    return {i: by_addr[addrs[f"seq_{i:02d}"]] for i in range(len(SEQUENCES))}


def test_there_are_at_least_30_sequences() -> None:
    assert len(SEQUENCES) >= 30
    assert len({s[0] for s in SEQUENCES}) == len(SEQUENCES)


def test_each_sequence_matches_its_hand_count(elf: Path) -> None:
    got = phase_cycles(elf)
    wrong = [f"{name}: model {got[i] - CLOSING_BRANCH}, by hand {cycles} ({why})"
             for i, (name, _asm, cycles, why) in enumerate(SEQUENCES) if got[i] - CLOSING_BRANCH != cycles]
    assert not wrong, "\n".join(wrong)


def test_counts_repeat_run_to_run(elf: Path) -> None:
    assert phase_cycles(elf) == phase_cycles(elf)
