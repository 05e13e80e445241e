"""TFLM + CMSIS-NN figures on qemu_m4 (mps2-an386, -icount shift=0) from shared/reference/tflm_baseline.md.

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
        Baseline("kws", "kws/kws_ref_model.tflite", 2_660_000, 7_699_892, 43_042_471, 22_812, 139_412 + 104),
        Baseline("vww", "vww/vww_96_int8.tflite", 7_490_000, 24_101_962, 100_250_553, 100_700, 418_796 + 104),
        Baseline("ic", "ic/pretrainedResnet_quant.tflite", 12_500_000, 29_863_352, 107_404_887, 54_988,
                 178_832 + 104),
        Baseline("ic2", "ic/pretrainedResnet_large_int8.tflite", 76_470_000, 145_515_698, 519_595_241, 133_612,
                 592_392 + 104),
        Baseline("ad", "ad/ad01_int8.tflite", 260_000, 582_944, 1_952_292, 2_568, 310_116),
        Baseline("sww", "sww/str_ww_ref_model.tflite", 830_000, 2_227_099, 8_284_980, 16_584, 156_916 + 104),
    )
}

#: file name -> task name, so `tinyperf bench path/to/kws_ref_model.tflite` finds its baseline.
BY_FILE = {b.file.rsplit("/", 1)[1]: b.model for b in BASELINES.values()}


def for_model(path_name: str) -> Baseline | None:
    return BASELINES.get(BY_FILE.get(path_name, ""))
