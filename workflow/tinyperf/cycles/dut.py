"""Cycles of one inference of a qemu_m4 DUT firmware: the same firmware the runner measures, driven over the same
MLPerf Tiny protocol (db load, infer N 0), on a QEMU with the cycle plugin.

Phases begin at task_infer (one inference) and at board_timestamp_us (the m-lap-us after the last), so each
task_infer phase is exactly one inference and the loop step that follows it, as in the DUT's timed window.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tinyperf.cycles import model, run
from tinyperf.errors import DeviceError

#: inferences counted: the first may pay cold-cache fetches, the others show the steady state
COUNTED_INFERENCES = 3
INFER_MARK = "task_infer"
END_MARK = "board_timestamp_us"


@dataclass
class InferenceCycles:
    """The median inference of a counted run (cycles at zero wait states plus the fetch model's stalls)."""
    cycles: int
    core_cycles: int
    fetch_cycles: int
    instructions: int
    per_inference: list[int]
    fetch: model.FetchModel
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def cycles_per_instruction(self) -> float:
        return self.cycles / max(self.instructions, 1)


def median_inference(phases: list[model.PhaseCycles], infer_addr: int, fetch: model.FetchModel) -> InferenceCycles:
    runs = [p for p in phases if p.mark == infer_addr]
    if not runs:
        raise DeviceError("the counted run never reached task_infer: the firmware did not infer")
    mid = sorted(runs, key=lambda p: p.cycles)[len(runs) // 2]
    return InferenceCycles(cycles=mid.cycles, core_cycles=mid.core_cycles, fetch_cycles=mid.fetch_cycles,
                           instructions=mid.instructions, per_inference=[p.cycles for p in runs], fetch=fetch,
                           by_kind={k: v for k, v in mid.by_kind.items() if v})


def count_inference(elf: Path, data: bytes, fetch: model.FetchModel | None = None,
                    inferences: int = COUNTED_INFERENCES, timeout: float = 600.0) -> InferenceCycles:
    """Boot *elf* on qemu_m4 with the cycle plugin, load *data*, run *inferences* inferences, count them."""
    from tinyperf.runner.client import DutClient, TrafficLog
    from tinyperf.runner.session import BOOT_TIMEOUT_S
    from tinyperf.runner.transport import QemuDut

    fetch = fetch or model.FetchModel()
    addrs = run.symbols(elf, [INFER_MARK, END_MARK])
    with tempfile.TemporaryDirectory(prefix="tp-dut-cycles-") as tmp:
        trace_file = Path(tmp) / "trace.txt"
        extra = run.plugin_args(trace_file, sorted(set(addrs.values())))
        with QemuDut(elf, stderr_path=Path(tmp) / "qemu-stderr.txt", extra_args=extra) as dut:
            client = DutClient(dut, TrafficLog(io.StringIO(), full_db=False), timeout=30.0)
            client.boot(BOOT_TIMEOUT_S)
            client.load(data)
            client.infer(inferences, 0, timeout=timeout)
        if not trace_file.exists():
            raise DeviceError(f"QEMU left no cycle trace for {elf.name}: it did not exit cleanly "
                              f"({(Path(tmp) / 'qemu-stderr.txt').read_text(errors='replace')[-400:]})")
        phases = run.count_trace(elf, trace_file, fetch)
    return median_inference(phases, addrs[INFER_MARK], fetch)

