"""firmware/boards/himax/libgcc_em.c, built natively, against the host's hardware IEEE doubles and Python's
integers: every result bit-identical (the ad score on the board must round exactly like the host's)."""

from __future__ import annotations

import ctypes
import math
import operator
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SOURCE = REPO_ROOT / "firmware" / "boards" / "himax" / "libgcc_em.c"


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    if shutil.which("gcc") is None:
        pytest.skip("no host gcc")
    so = tmp_path_factory.mktemp("softfp") / "libgcc_em.so"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
                    "-DTP_SOFTFP_PREFIX", str(SOURCE), "-o", str(so)], check=True)
    dll = ctypes.CDLL(str(so))
    for name in ("tp___adddf3", "tp___subdf3", "tp___muldf3", "tp___divdf3"):
        getattr(dll, name).argtypes = [ctypes.c_double, ctypes.c_double]
        getattr(dll, name).restype = ctypes.c_double
    dll.tp___extendsfdf2.argtypes = [ctypes.c_float]
    dll.tp___extendsfdf2.restype = ctypes.c_double
    for name in ("tp___udivdi3", "tp___umoddi3"):
        getattr(dll, name).argtypes = [ctypes.c_uint64, ctypes.c_uint64]
        getattr(dll, name).restype = ctypes.c_uint64
    return dll


def bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(u: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", u))[0]


def same(a: float, b: float) -> bool:
    """Bit-identical, except that any NaN matches any NaN (payloads are not specified)."""
    return (a != a and b != b) or bits(a) == bits(b)


def operands(n: int) -> list[float]:
    rng = random.Random(20261124)
    special = [0.0, -0.0, 1.0, -1.0, float("inf"), -float("inf"), float("nan"), 5e-324, -5e-324,
               2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, 0.1, 1 / 3, 1e-300]
    out = special[:]
    while len(out) < n:
        kind = rng.random()
        if kind < 0.5:  # arbitrary bit patterns: every exponent, subnormals, NaNs
            out.append(from_bits(rng.getrandbits(64)))
        elif kind < 0.8:  # ordinary magnitudes, where cancellation and ties happen
            out.append(rng.uniform(-4, 4) * 2.0 ** rng.randint(-30, 30))
        else:  # float32 values and their squares' scale, as in the ad MSE
            out.append(struct.unpack("<f", struct.pack("<f", rng.uniform(-10, 10)))[0])
    return out


@pytest.mark.parametrize("name", ["tp___adddf3", "tp___subdf3", "tp___muldf3", "tp___divdf3"])
def test_double_arithmetic_matches_ieee(lib: ctypes.CDLL, name: str) -> None:
    op = {"tp___adddf3": operator.add, "tp___subdf3": operator.sub, "tp___muldf3": operator.mul,
          "tp___divdf3": ieee_div}[name]
    fn = getattr(lib, name)
    xs = operands(3000)
    rng = random.Random(7)
    pairs = [(a, b) for a in xs[:15] for b in xs[:15]] + [(rng.choice(xs), rng.choice(xs)) for _ in range(20000)]
    # near-equal pairs for subtraction's cancellation
    pairs += [(a, from_bits(bits(a) ^ rng.getrandbits(8))) for a in xs[15:1000]]
    # exact halfway cases, where round-to-nearest-even decides: x + ulp/2 and (1 + k ulp) * 1.5
    for k in range(1, 200):
        x = from_bits(bits(1.0) + k)
        pairs += [(x, 2.0**-53), (x * 2.0**k, 2.0 ** (k - 53)), (x, 1.5), (x, 0.75), (-x, 1.5), (x * 3, 2.0**-52)]
    bad = []
    for a, b in pairs:
        expected = op(a, b)
        got = fn(a, b)
        if not same(got, expected):
            bad.append((a, b, got, expected))
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


def ieee_div(a: float, b: float) -> float:
    """a / b as IEEE 754 defines it where Python raises: x / 0 is a signed infinity, 0 / 0 and NaN / 0 NaN."""
    if b == 0.0:
        if a == 0.0 or a != a:
            return float("nan")
        return math.copysign(float("inf"), a) * math.copysign(1.0, b)
    return a / b


def test_extendsfdf2_is_exact(lib: ctypes.CDLL) -> None:
    rng = random.Random(3)
    patterns = [0, 0x80000000, 1, 0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000]
    patterns += [rng.getrandbits(32) for _ in range(20000)]
    for p in patterns:
        f = struct.unpack("<f", struct.pack("<I", p))[0]  # Python widens exactly
        assert same(lib.tp___extendsfdf2(f), f), hex(p)


def test_64bit_division(lib: ctypes.CDLL) -> None:
    rng = random.Random(11)
    cases = [(0, 1), (1, 1), (2**64 - 1, 1), (2**64 - 1, 2**64 - 1), (2**64 - 1, 1000), (12345678901234, 1000),
             (2**32, 2**32 + 1), (2**63, 3)]
    for _ in range(5000):
        n = rng.getrandbits(rng.choice([16, 32, 48, 64]))
        d = rng.getrandbits(rng.choice([8, 16, 32, 33, 64])) or 1
        cases.append((n, d))
    for n, d in cases:
        assert lib.tp___udivdi3(n, d) == n // d, (n, d)
        assert lib.tp___umoddi3(n, d) == n % d, (n, d)


def test_source_builds_for_the_board_without_libgcc() -> None:
    """The same file compiles for ARC EM with the profile's flags and itself calls nothing external."""
    if shutil.which("arc-linux-gnu-gcc") is None:
        pytest.skip("arc-linux-gnu-gcc not installed")
    from tinyperf import profiles
    from tinyperf.firmware.toolchain import freestanding_cflags

    flags = profiles.board("himax")["toolchain"]["cflags"]
    obj = Path(subprocess.run(["mktemp", "--suffix=.o"], capture_output=True, text=True, check=True).stdout.strip())
    try:
        subprocess.run(["arc-linux-gnu-gcc", *flags, "-std=c99", *freestanding_cflags("arc-linux-gnu-gcc"),
                        "-Wall", "-Wextra", "-Werror",
                        "-c", str(SOURCE), "-o", str(obj)], check=True)
        undefined = subprocess.run(["arc-linux-gnu-nm", "-u", str(obj)], capture_output=True, text=True,
                                   check=True).stdout.split()
        assert [u for u in undefined if u != "U"] == []
    finally:
        obj.unlink(missing_ok=True)
