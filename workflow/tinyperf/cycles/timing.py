"""Cortex-M4 instruction timings (Cortex-M4 TRM, r0p1, section 3.3 "Instruction set summary" and 7.2 "FPU
instruction set"), zero wait states, as rules the cycle model applies to each executed instruction.

The TRM gives most counts exactly and leaves a few to the implementation; the model's reading of those:

* P, the pipeline refill after a taken branch, "1 to 3 depending on the alignment and width of the target
  instruction, and whether the processor manages to speculate the address early": 1 for a branch with an
  immediate target (B, BL, B<c>, CBZ/CBNZ: the target is speculated at decode), 2 for a register target (BX, BLX,
  POP/LDM/LDR into PC, MOV/ADD PC, TBB/TBH), plus 1 when the target is a 32-bit instruction at an address that is
  not word-aligned (it needs two fetches).
* Load/store pipelining: "neighboring load and store single instructions can pipeline their address and data
  phases", "STR can only be pipelined when it follows an LDR, but nothing can be pipelined after the store":
  a single LDR*/STR* right after an executed single LDR* takes 1 cycle instead of 2, unless its address uses the
  register that load wrote. LDRD/STRD (3 cycles) and LDM/STM/PUSH/POP (1 + N) do not pipeline either way.
* SDIV/UDIV take 2 to 12 cycles by early termination on the operands' values, which a count of executed
  instructions does not see: the model charges DIVIDE_CYCLES and reports how many divides ran.
* An instruction whose IT condition fails takes 1 cycle. Memory instructions are told apart by QEMU's access
  counts; the others cost 1 either way, and a conditional branch is taken when the next block is not its
  fall-through.
* IT takes 1 cycle (the TRM's "can be folded" is not assumed); DMB/DSB 1 (B = 0 with zero wait states);
  ISB 1 + 1; WFI/WFE 1 (W is the time asleep, not modelled). Exception entry and exit are not modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tinyperf.cycles.disasm import Insn

DIVIDE_CYCLES = 12  # the TRM's upper bound; the report states how many divides it applied to

_REGS = {f"r{i}": i for i in range(16)} | {"sb": 9, "sl": 10, "fp": 11, "ip": 12, "sp": 13, "lr": 14, "pc": 15}
_REG = re.compile(r"\b(r1[0-5]|r[0-9]|sb|sl|fp|ip|sp|lr|pc)\b")
_SINGLE_LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt", "ldrht",
                 "ldrsbt", "ldrsht"}
_SINGLE_STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht"}
_LOAD_MULTI = {"ldm", "ldmia", "ldmfd", "ldmdb", "ldmea", "pop"}
_STORE_MULTI = {"stm", "stmia", "stmea", "stmdb", "stmfd", "push"}
_FP_MAC = {"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}
_FP_LONG = {"vdiv", "vsqrt"}
_FP_MULTI = {"vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb", "vpush", "vpop"}


@dataclass(frozen=True)
class Timing:
    """How one instruction is charged."""
    kind: str                    # alu, load, store, pair, multiple, branch, divide, fp, fp_mac, fp_long, fp_mem
    base: int                    # cycles when executed: no pipelining, no refill
    pipelines: bool = False      # a single load/store: 1 cycle less right after an executed single load
    load_writes: int | None = None  # a single load's destination register (what a pipelined successor may need)
    address_regs: frozenset[int] = frozenset()
    branch: str | None = None    # "imm" or "reg": how the target is known
    always_taken: bool = False   # unconditional control transfer
    accesses: int = 0            # memory accesses per execution (QEMU counts them)


def registers(text: str) -> list[int]:
    return [_REGS[r] for r in _REG.findall(text)]


def register_list_words(operands: str) -> int:
    """Words a {…} list moves: r4-r7 is 4, d8-d9 is 4 (two words a D register), s16 is 1."""
    m = re.search(r"\{([^}]*)\}", operands)
    if not m:
        return 0
    words = 0
    for part in (p.strip() for p in m.group(1).split(",") if p.strip()):
        width = 2 if part.startswith("d") else 1
        if "-" in part:
            lo, hi = part.split("-")
            words += width * (int(re.sub(r"\D", "", hi)) - int(re.sub(r"\D", "", lo)) + 1)
        else:
            words += width
    return words


def _address_regs(operands: str) -> frozenset[int]:
    m = re.search(r"\[([^\]]*)\]", operands)
    return frozenset(registers(m.group(1))) if m else frozenset()


def timing(insn: Insn) -> Timing:
    m, ops = insn.mnemonic, insn.operands
    first = registers(ops.split(",")[0]) if ops else []
    dest_pc = first[:1] == [15]
    if m in _SINGLE_LOADS:
        if dest_pc:
            return Timing("load", 2, branch="reg", always_taken=insn.cond is None, accesses=1)
        return Timing("load", 2, pipelines=True, load_writes=first[0] if first else None,
                      address_regs=_address_regs(ops), accesses=1)
    if m in _SINGLE_STORES:
        return Timing("store", 2, pipelines=True, address_regs=_address_regs(ops), accesses=1)
    if m in ("ldrd", "strd"):
        return Timing("pair", 3, accesses=2)
    if m in _LOAD_MULTI or m in _STORE_MULTI:
        n = register_list_words(ops)
        to_pc = m in _LOAD_MULTI and 15 in registers(ops[ops.find("{"):])
        return Timing("multiple", 1 + n, branch="reg" if to_pc else None,
                      always_taken=to_pc and insn.cond is None, accesses=n)
    if m in ("b", "bl", "cbz", "cbnz"):
        return Timing("branch", 1, branch="imm", always_taken=m == "bl" or (m == "b" and insn.cond is None))
    if m in ("bx", "blx"):
        return Timing("branch", 1, branch="reg" if registers(ops) else "imm", always_taken=insn.cond is None)
    if m in ("tbb", "tbh"):
        return Timing("branch", 2, branch="reg", always_taken=insn.cond is None, accesses=1)
    if m in ("mov", "add") and dest_pc:
        return Timing("branch", 1, branch="reg", always_taken=insn.cond is None)
    if m in ("sdiv", "udiv"):
        return Timing("divide", DIVIDE_CYCLES)
    if m == "isb":
        return Timing("alu", 2)
    if m.startswith("v"):
        return _fp_timing(m, ops)
    return Timing("alu", 1)


def _fp_timing(m: str, ops: str) -> Timing:
    if m in _FP_MAC:
        return Timing("fp_mac", 3)
    if m in _FP_LONG:
        return Timing("fp_long", 14)
    if m in ("vldr", "vstr"):
        double = ops.strip().startswith("d")
        return Timing("fp_mem", 3 if double else 2, accesses=1)
    if m in _FP_MULTI:
        n = register_list_words(ops)
        return Timing("fp_mem", 1 + n, accesses=n)
    if m == "vmov" and len(registers(ops)) == 2:  # two core registers to or from a D register / two S registers
        return Timing("fp", 2)
    return Timing("fp", 1)


def refill(kind: str | None, target: Insn | None) -> int:
    """P for a taken branch of *kind* ("imm"/"reg") to *target* (see the module docstring)."""
    p = 1 if kind == "imm" else 2
    if target is not None and target.size == 4 and target.addr % 4 == 2:
        p += 1
    return p


def pipelined(prev: Timing | None, cur: Timing) -> bool:
    """Whether *cur* overlaps the data phase of *prev*, an executed single load."""
    return (prev is not None and cur.pipelines and prev.load_writes is not None
            and prev.load_writes not in cur.address_regs)
