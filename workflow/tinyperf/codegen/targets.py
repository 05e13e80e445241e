"""Per-(op, target) kernel descriptors: which C file implements an op on a target, the scratch it needs in the
arena, whether its output may overwrite its input, and the codegen-time operand layout it expects. Every variant
implements the portable kernel's function with the same signature, so the call form is the op's and the same on
every target. A target with no descriptor for an op runs the portable kernel.

Generic codegen (lower.py, compiler.py) asks only these; what a target's variants need is in that target's
module (cortex_m4.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tinyperf.codegen import cortex_m4
from tinyperf.codegen.lower import Lowered


def _none(_: dict) -> int:
    return 0


def _never(_: dict) -> bool:
    return False


def _as_is(low: Lowered) -> Lowered:
    return low


@dataclass(frozen=True)
class Kernel:
    """How one op runs on one target."""

    source: str  # the .c file of firmware/runtime/
    scratch: Callable[[dict], int] = _none  # arena bytes handed to it as params.scratch
    in_place: Callable[[dict], bool] = _never  # may its output overwrite its same-sized input?
    prepare: Callable[[Lowered], Lowered] = _as_is  # its operand layout (constants, params) from the portable one
    # a faster layout for the portable lowering that needs more scratch or flash, given the arena bytes free at its
    # layer and the flash bytes it may add (None: none fits); tried once the arena is planned (upgrade_layouts)
    upgrade: Callable[[Lowered, int, int], Lowered | None] | None = None


#: the kernel targets, and the extra headers their variant files include
TARGETS: dict[str, tuple[str, ...]] = {"portable": (), "cortex-m4": cortex_m4.HEADERS, "arc-em": ()}

PORTABLE: dict[str, Kernel] = {op: Kernel(f"tp_{op}.c") for op in (
    "conv_2d", "depthwise_conv_2d", "fully_connected", "average_pool_2d", "max_pool_2d", "add", "mul", "softmax",
    "logistic", "mean", "pad", "concatenation", "quantize", "dequantize")}

VARIANTS: dict[str, dict[str, Kernel]] = {
    "cortex-m4": {
        "conv_2d": Kernel("tp_conv_2d_cm4.c", cortex_m4.conv_scratch, cortex_m4.conv_in_place,
                          prepare=cortex_m4.pack_conv_2d, upgrade=cortex_m4.conv_upgrade),
        "depthwise_conv_2d": Kernel("tp_depthwise_conv_2d_cm4.c", cortex_m4.depthwise_scratch,
                                    cortex_m4.depthwise_in_place),
        "fully_connected": Kernel("tp_fully_connected_cm4.c", cortex_m4.fully_connected_scratch,
                                  prepare=cortex_m4.pack_fully_connected, upgrade=cortex_m4.fc_upgrade),
        "add": Kernel("tp_add_cm4.c", cortex_m4.add_scratch),
    },
}


def kernel(op: str, target: str) -> Kernel:
    """The descriptor of *op* (a lowering's kernel key) on *target*: its variant, else the portable kernel."""
    return VARIANTS.get(target, {}).get(op) or PORTABLE[op]


def headers(target: str) -> tuple[str, ...]:
    return TARGETS[target]
