"""A small, bounds-checked reader of TFLite flatbuffers (no TensorFlow import).

Only the parts the compiler needs: subgraph 0's tensors, operators, buffers and builtin options. Every read is
checked against the file size, so a truncated or malformed file raises ModelError rather than IndexError.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinyperf.codegen.schema import BUILTIN_OPS, TENSOR_TYPES
from tinyperf.errors import ModelError

_NUMPY_TYPES = {
    "float32": np.float32,
    "int32": np.int32,
    "uint8": np.uint8,
    "int64": np.int64,
    "int16": np.int16,
    "int8": np.int8,
    "float64": np.float64,
    "bool": np.bool_,
}


class _Buf:
    """Checked little-endian access to the flatbuffer bytes."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.what = what

    def _need(self, pos: int, n: int) -> None:
        if pos < 0 or pos + n > len(self.data):
            raise ModelError(
                f"{self.what}: malformed or truncated TFLite file "
                f"(read of {n} bytes at offset {pos}, "
                f"{'before the start' if pos < 0 else 'past the end'}: the file is {len(self.data)} bytes)"
            )

    def unpack(self, fmt: str, pos: int) -> int | float:
        n = struct.calcsize(fmt)
        self._need(pos, n)
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def raw(self, pos: int, n: int) -> bytes:
        self._need(pos, n)
        return self.data[pos : pos + n]


class _Table:
    def __init__(self, buf: _Buf, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        vt = pos - int(buf.unpack("i", pos))
        self.vt = vt
        self.vt_len = int(buf.unpack("H", vt))
        if self.vt_len < 4 or self.vt_len % 2:
            raise ModelError(f"{buf.what}: malformed TFLite file (bad vtable at offset {vt})")

    def _field(self, idx: int) -> int:
        off = 4 + 2 * idx
        if off >= self.vt_len:
            return 0
        return int(self.buf.unpack("H", self.vt + off))

    def scalar(self, idx: int, fmt: str, default: int | float = 0) -> int | float:
        o = self._field(idx)
        return default if o == 0 else self.buf.unpack(fmt, self.pos + o)

    def _indirect(self, idx: int) -> int | None:
        o = self._field(idx)
        if o == 0:
            return None
        p = self.pos + o
        return p + int(self.buf.unpack("I", p))

    def table(self, idx: int) -> _Table | None:
        p = self._indirect(idx)
        return None if p is None else _Table(self.buf, p)

    def string(self, idx: int) -> str | None:
        p = self._indirect(idx)
        if p is None:
            return None
        n = int(self.buf.unpack("I", p))
        return self.buf.raw(p + 4, n).decode("utf-8", errors="replace")

    def vector(self, idx: int) -> tuple[int, int] | None:
        """(position of first element, length)."""
        p = self._indirect(idx)
        if p is None:
            return None
        return p + 4, int(self.buf.unpack("I", p))

    def scalars(self, idx: int, fmt: str) -> list:
        v = self.vector(idx)
        if v is None:
            return []
        start, n = v
        size = struct.calcsize(fmt)
        raw = self.buf.raw(start, n * size)
        return list(struct.unpack_from(f"<{n}{fmt}", raw, 0)) if n else []

    def tables(self, idx: int) -> list[_Table]:
        v = self.vector(idx)
        if v is None:
            return []
        start, n = v
        self.buf._need(start, 4 * n)
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(_Table(self.buf, p + int(self.buf.unpack("I", p))))
        return out

    def bytes_vector(self, idx: int) -> bytes | None:
        v = self.vector(idx)
        if v is None:
            return None
        start, n = v
        return self.buf.raw(start, n)


@dataclass
class Tensor:
    index: int
    name: str
    shape: list[int]
    dtype: str
    scales: list[float]
    zero_points: list[int]
    quantized_dimension: int
    data: np.ndarray | None  # constant contents, shaped; None for activations
    is_variable: bool = False

    @property
    def scale(self) -> float:
        return self.scales[0] if self.scales else 0.0

    @property
    def zero_point(self) -> int:
        return self.zero_points[0] if self.zero_points else 0

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(_NUMPY_TYPES.get(self.dtype, np.int8)).itemsize


@dataclass
class Operator:
    index: int
    op: str
    version: int
    inputs: list[int]
    outputs: list[int]
    options: _Table | None
    options_type: int
    custom: bool = False
    extra: dict = field(default_factory=dict)

    # Typed option accessors: field index, flatbuffer format, schema default.
    def opt(self, idx: int, fmt: str, default: int | float = 0) -> int | float:
        return default if self.options is None else self.options.scalar(idx, fmt, default)

    def opt_ints(self, idx: int) -> list[int]:
        return [] if self.options is None else [int(v) for v in self.options.scalars(idx, "i")]


@dataclass
class Model:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    description: str = ""


def load_model(path: str | os.PathLike[str]) -> tuple[bytes, Model]:
    """The bytes of a .tflite file and the model they hold; an unreadable file is a ModelError naming it."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    return data, read_model(data, str(path))


def read_model(data: bytes, what: str = "model") -> Model:
    if len(data) < 8:
        raise ModelError(f"{what}: not a TFLite file (only {len(data)} bytes)")
    if data[4:8] != b"TFL3":
        raise ModelError(f"{what}: not a TFLite file (file identifier {data[4:8]!r}, expected b'TFL3')")
    buf = _Buf(data, what)
    try:
        return _read(buf, data)
    except (struct.error, UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise ModelError(f"{what}: malformed TFLite file ({exc})") from exc


def _read(buf: _Buf, data: bytes) -> Model:
    root = _Table(buf, int(buf.unpack("I", 0)))
    version = int(root.scalar(0, "I"))
    if version != 3:
        raise ModelError(f"{buf.what}: unsupported TFLite schema version {version} (expected 3)")
    opcodes = []
    for oc in root.tables(1):
        dep = int(oc.scalar(0, "b"))
        code = int(oc.scalar(3, "i"))
        code = max(code, dep)
        opcodes.append((code, int(oc.scalar(2, "i", 1)), oc.string(1)))
    subgraphs = root.tables(2)
    if not subgraphs:
        raise ModelError(f"{buf.what}: the TFLite file has no subgraph")
    if len(subgraphs) > 1:
        raise ModelError(
            f"{buf.what}: {len(subgraphs)} subgraphs; only single-subgraph models can be compiled "
            "(control flow such as IF/WHILE is not supported)"
        )
    buffers = []
    for b in root.tables(4):
        d = b.bytes_vector(0)
        off = int(b.scalar(1, "Q"))
        size = int(b.scalar(2, "Q"))
        if d is None and off > 1:
            d = buf.raw(off, size)
        buffers.append(d)
    sg = subgraphs[0]
    tensors = []
    for i, t in enumerate(sg.tables(0)):
        shape = [int(v) for v in t.scalars(0, "i")]
        ttype = int(t.scalar(1, "b"))
        dtype = TENSOR_TYPES.get(ttype, f"type{ttype}")
        bidx = int(t.scalar(2, "I"))
        name = t.string(3) or f"tensor_{i}"
        q = t.table(4)
        scales: list[float] = []
        zps: list[int] = []
        qdim = 0
        if q is not None:
            scales = [float(v) for v in q.scalars(2, "f")]
            zps = [int(v) for v in q.scalars(3, "q")]
            qdim = int(q.scalar(6, "i"))
        bad_dims = [d for d in shape if d < 0]
        if bad_dims:
            raise ModelError(f"{buf.what}: tensor {i} '{name}' has the shape {shape}: a negative dimension (a dynamic "
                             "shape) cannot be compiled to static C")
        bad_scales = [v for v in scales if not (math.isfinite(v) and v > 0.0)]
        if bad_scales:
            raise ModelError(f"{buf.what}: tensor {i} '{name}' has the quantization scale {bad_scales[0]!r}: "
                             "scales are finite and positive")
        if scales and zps and len(zps) != len(scales):
            raise ModelError(f"{buf.what}: tensor {i} '{name}' has {len(scales)} scales and {len(zps)} zero points")
        if len(scales) > 1 and not 0 <= qdim < max(len(shape), 1):
            raise ModelError(f"{buf.what}: tensor {i} '{name}' is quantized per channel along dimension {qdim} of "
                             f"its shape {shape}")
        arr = None
        if bidx >= len(buffers) and bidx != 0:
            raise ModelError(f"{buf.what}: tensor {i} '{name}' refers to buffer {bidx}, the file has {len(buffers)}")
        raw = buffers[bidx] if bidx < len(buffers) else None
        if raw:
            npt = _NUMPY_TYPES.get(dtype)
            if npt is not None:
                n = math.prod(shape)  # Python ints: a corrupted shape cannot overflow
                need = n * np.dtype(npt).itemsize
                if len(raw) < need:
                    raise ModelError(
                        f"{buf.what}: tensor {i} '{name}' has {len(raw)} bytes of data, its shape {shape} needs {need}"
                    )
                arr = np.frombuffer(raw[:need], dtype=npt).reshape(shape if shape else ())
        tensors.append(
            Tensor(i, name, shape, dtype, scales, zps, qdim, arr, is_variable=bool(t.scalar(5, "B")))
        )
    operators = []
    for i, o in enumerate(sg.tables(3)):
        oi = int(o.scalar(0, "I"))
        if oi >= len(opcodes):
            raise ModelError(f"{buf.what}: operator {i} uses opcode {oi}, the file defines {len(opcodes)}")
        code, ver, custom = opcodes[oi]
        name = BUILTIN_OPS.get(code, f"BUILTIN_{code}")
        if code == 32:
            name = f"CUSTOM({custom})"
        ins = [int(v) for v in o.scalars(1, "i")]
        outs = [int(v) for v in o.scalars(2, "i")]
        for t_idx in ins + outs:
            if t_idx >= len(tensors):
                raise ModelError(
                    f"{buf.what}: operator {i} ({name}) refers to tensor {t_idx}, the subgraph has {len(tensors)}"
                )
        operators.append(
            Operator(i, name, ver, ins, outs, o.table(4), int(o.scalar(3, "B")), custom=code == 32)
        )
    ins = [int(v) for v in sg.scalars(1, "i")]
    outs = [int(v) for v in sg.scalars(2, "i")]
    for t_idx in ins + outs:
        if not 0 <= t_idx < len(tensors):
            raise ModelError(f"{buf.what}: subgraph input/output {t_idx} is not a tensor")
    return Model(tensors, operators, ins, outs, root.string(3) or "")
