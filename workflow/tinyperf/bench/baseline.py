"""TFLM + CMSIS-NN figures on qemu_m4 (mps2-an386, -icount shift=0) from shared/reference/tflm_baseline.md.

Cycles are the cycle model's (tinyperf.cycles: Cortex-M4 TRM timings, zero wait states) count of the same
Invoke(), as `tinyperf bench --tflm tflm-cmsis-nn=LIB` counts it live (2026-12-03, TFLM and CMSIS-NN at the
pinned engine sources); deterministic, so a live run reproduces them while the model and sources are unchanged.

Instructions are one Invoke() after a warm-up; arena is arena_used_bytes; flash is text + data of the whole
benchmark ELF (interpreter, CMSIS-NN kernels, harness, newlib-nano and the model flatbuffer), the default
CMSIS-NN op registrations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    model: str
    file: str
    macs: int
    instructions: int  # TFLM + CMSIS-NN
    instructions_reference: int  # TFLM reference kernels
    arena_bytes: int  # TFLM + CMSIS-NN arena_used_bytes
    flash_bytes: int  # text + data of the CMSIS-NN benchmark ELF
    sha256: str = ""  # of the reference int8 file
    cycles: int = 0  # TFLM + CMSIS-NN cycles by tinyperf.cycles (0: not recorded)

    @property
    def target_cycles(self) -> int:
        return self.cycles // 2

    @property
    def target_instructions(self) -> int:
        return self.instructions // 2

    @property
    def target_arena(self) -> int:
        return int(self.arena_bytes * 0.7)


#: task name (as config/tasks) -> baseline. ic01 is the `ic` task, ic02 the `ic2` task.
BASELINES: dict[str, Baseline] = {
    b.model: b
    for b in (
        Baseline("kws", "kws/kws_ref_model.tflite", 2_660_000, 7_699_892, 43_042_471, 22_812, 139_412 + 104,
                 "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae", 9_222_150),
        Baseline("vww", "vww/vww_96_int8.tflite", 7_490_000, 24_101_962, 100_250_553, 100_700, 418_796 + 104,
                 "597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b", 29_185_407),
        Baseline("ic", "ic/pretrainedResnet_quant.tflite", 12_500_000, 29_863_352, 107_404_887, 54_988,
                 178_832 + 104, "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415", 36_211_119),
        Baseline("ic2", "ic/pretrainedResnet_large_int8.tflite", 76_470_000, 145_515_698, 519_595_241, 133_612,
                 592_392 + 104, "dc27dcd823f5665533352f7da516b0c9bc6f089914b8283782e55961b3423fcf", 171_658_749),
        Baseline("ad", "ad/ad01_int8.tflite", 260_000, 582_944, 1_952_292, 2_568, 310_116,
                 "87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24", 718_058),
        Baseline("sww", "sww/str_ww_ref_model.tflite", 830_000, 2_227_099, 8_284_980, 16_584, 156_916 + 104,
                 "3af8550895ba7d5c584277102b5075c52dcfa63ba9d2b2240f37c4e6abd5dd2b", 2_718_487),
    )
}

#: file name -> task name, so `tinyperf bench path/to/kws_ref_model.tflite` finds its baseline.
BY_FILE = {b.file.rsplit("/", 1)[1]: b.model for b in BASELINES.values()}


def for_model(path_name: str) -> Baseline | None:
    return BASELINES.get(BY_FILE.get(path_name, ""))


#: How a model was matched to a baseline: the reference file itself, or a model of the task's reference
#: architecture (same MACs within 2 %, the table's rounding: weights differ, the work does not, e.g. a
#: model trained here).
FILE, ARCHITECTURE = "reference file", "same architecture"


def match(sha256: str, task: str | None, macs: int) -> tuple[Baseline | None, str | None]:
    """The baseline a model is compared with and how it was matched, or (None, None)."""
    for b in BASELINES.values():
        if b.sha256 == sha256:
            return b, FILE
    b = BASELINES.get(task or "")
    if b and macs and abs(macs - b.macs) <= 0.02 * b.macs:
        return b, ARCHITECTURE
    return None, None
