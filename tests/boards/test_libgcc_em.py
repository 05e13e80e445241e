"""firmware/boards/himax/libgcc_em.c, built natively, against the host's hardware IEEE doubles and Python's
integers: every result bit-identical (the ad score on the board must round exactly like the host's)."""

from __future__ import annotations

import ctypes
import itertools
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
    for name in ("tp___udivdi3", "tp___umoddi3", "tp___muldi3"):
        getattr(dll, name).argtypes = [ctypes.c_uint64, ctypes.c_uint64]
        getattr(dll, name).restype = ctypes.c_uint64
    for name in ("tp___divdi3", "tp___moddi3"):
        getattr(dll, name).argtypes = [ctypes.c_int64, ctypes.c_int64]
        getattr(dll, name).restype = ctypes.c_int64
    for name, kind in (("tp___ashldi3", ctypes.c_int64), ("tp___ashrdi3", ctypes.c_int64),
                       ("tp___lshrdi3", ctypes.c_uint64)):
        getattr(dll, name).argtypes = [kind, ctypes.c_int]
        getattr(dll, name).restype = kind
    for name in CMP:
        getattr(dll, name).argtypes = [ctypes.c_double, ctypes.c_double]
        getattr(dll, name).restype = ctypes.c_int
    for name, arg, res in (("tp___fixdfsi", ctypes.c_double, ctypes.c_int32),
                           ("tp___fixdfdi", ctypes.c_double, ctypes.c_int64),
                           ("tp___fixsfdi", ctypes.c_float, ctypes.c_int64),
                           ("tp___floatdidf", ctypes.c_int64, ctypes.c_double),
                           ("tp___floatsidf", ctypes.c_int32, ctypes.c_double),
                           ("tp___floatunsidf", ctypes.c_uint32, ctypes.c_double),
                           ("tp___truncdfsf2", ctypes.c_double, ctypes.c_float)):
        getattr(dll, name).argtypes = [arg]
        getattr(dll, name).restype = res
    return dll


#: libgcc's comparison contract: what the result says of a and b (an unordered pair makes each false)
CMP = {
    "tp___eqdf2": (lambda r: r == 0, operator.eq), "tp___nedf2": (lambda r: r == 0, operator.eq),
    "tp___ltdf2": (lambda r: r < 0, operator.lt), "tp___ledf2": (lambda r: r <= 0, operator.le),
    "tp___gtdf2": (lambda r: r > 0, operator.gt), "tp___gedf2": (lambda r: r >= 0, operator.ge),
    "tp___unorddf2": (lambda r: r != 0, lambda a, b: a != a or b != b),
}


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


@pytest.mark.parametrize("name", list(CMP))
def test_double_comparisons_keep_libgccs_contract(lib: ctypes.CDLL, name: str) -> None:
    says, truth = CMP[name]
    xs = operands(400)
    pairs = [(a, b) for a in xs[:40] for b in xs[:40]] + [(a, a) for a in xs] + list(itertools.pairwise(xs))
    pairs += [(0.0, -0.0), (-0.0, 0.0), (5e-324, -5e-324)]
    bad = [(a, b) for a, b in pairs if says(getattr(lib, name)(a, b)) != truth(a, b)]
    assert not bad, bad[:5]


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # numpy's float32 of a huge double is inf
def test_conversions_are_exact_or_correctly_rounded(lib: ctypes.CDLL) -> None:
    import numpy as np

    rng = random.Random(5)
    for a in operands(4000):
        if a == a and abs(a) < 2.0**31:
            assert lib.tp___fixdfsi(a) == math.trunc(a), a
        if a == a and abs(a) < 2.0**63:
            assert lib.tp___fixdfdi(a) == math.trunc(a), a
        assert same(lib.tp___truncdfsf2(a), float(np.float32(a)) if a == a else a), a
    assert lib.tp___fixdfsi(-2.0**31) == -(2**31) and lib.tp___fixdfsi(3e9) == 2**31 - 1
    assert lib.tp___fixdfdi(-(2.0**63)) == -(2**63) and lib.tp___fixdfdi(-1e300) == -(2**63)
    # float32 rounding at the edges: halfway cases, the largest float, subnormal floats, their underflow
    for a in (1 + 2.0**-24, 1 + 3 * 2.0**-24, 3.4028235677973366e38, 3.4028235e38 * (1 + 2.0**-25), 1.4e-45,
              7.006e-46, 7.0e-46, 1.1754942e-38, 2.0**-149 * 1.5, 2.0**-150):
        for v in (a, -a):
            assert same(lib.tp___truncdfsf2(v), float(np.float32(v))), v
    for _ in range(20000):
        f = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        if f == f and abs(f) < 2.0**63:
            assert lib.tp___fixsfdi(f) == math.trunc(f), f
        n = rng.getrandbits(64) - 2**63
        assert same(lib.tp___floatdidf(n), float(n)), n  # Python rounds int -> float to nearest even
        m = rng.getrandbits(32)
        assert lib.tp___floatunsidf(m) == float(m) and lib.tp___floatsidf(m - 2**31) == float(m - 2**31)
    assert same(lib.tp___floatdidf(-(2**63)), -(2.0**63)) and same(lib.tp___floatdidf(0), 0.0)


def test_64bit_integer_helpers(lib: ctypes.CDLL) -> None:
    rng = random.Random(13)
    mask = 2**64 - 1

    def signed(v: int) -> int:
        v &= mask
        return v - 2**64 if v >> 63 else v

    for _ in range(20000):
        a, b = rng.getrandbits(64), rng.getrandbits(rng.choice([8, 31, 32, 33, 64])) or 1
        sa, sb = signed(a), signed(b) or 1
        s = rng.randrange(64)
        assert lib.tp___muldi3(a, b) == (a * b) & mask
        assert lib.tp___ashldi3(sa, s) == signed(a << s)
        assert lib.tp___ashrdi3(sa, s) == sa >> s
        assert lib.tp___lshrdi3(a, s) == a >> s
        if not (sa == -(2**63) and sb == -1):
            q = abs(sa) // abs(sb) * (1 if (sa < 0) == (sb < 0) else -1)  # C: toward zero
            assert lib.tp___divdi3(sa, sb) == signed(q) and lib.tp___moddi3(sa, sb) == sa - q * sb
