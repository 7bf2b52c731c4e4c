#!/usr/bin/python3
"""Independent NumPy reference for GGUF files: reader, dequantizers and a small writer.

Tests compare the C++ code against this module, so it deliberately shares nothing with it: no generated
tables, no code, its own reading of the GGUF specification (ggml docs/gguf.md) and of ggml's block layouts.
Keep it plain and obviously correct rather than fast; NumPy vectorization is only there so that test-sized
models dequantize in well under a second.

Layout facts used here (all little-endian):
  file    = "GGUF" u32 version(2|3) u64 n_tensors u64 n_kv, KV*, tensor_info*, pad to alignment, data
  string  = u64 byte length + UTF-8 bytes (no NUL)
  kv      = string key, u32 value type, value; array = u32 element type, u64 count, elements (may nest)
  tensor  = string name, u32 n_dims, u64 dims[n_dims] (dims[0] contiguous), u32 ggml type,
            u64 offset relative to the data section (a multiple of the alignment)
  alignment = `general.alignment` (u32) if present, else 32.
Versions 2 and 3 share this layout (version 1 used u32 counts and is not supported).

Room for later work (not written yet, on purpose):
  TODO(llama forward): a plain float32/float64 llama/qwen2 forward pass over `GGUFFile` weights (RMSNorm,
      RoPE with adjacent pairs for llama and NEOX pairs for qwen2, GQA attention, SiLU-gated FFN), used
      to check the C++ logits.
  TODO(bert forward): a plain BERT encoder (post-LN attention, GELU FFN, pooling, L2 normalize; rerank
      head) used to check the C++ embeddings and rerank scores.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
SUPPORTED_VERSIONS = (2, 3)

# ---------------------------------------------------------------------------------------------------------
# Metadata value types (GGUF spec numbering).

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)

VALUE_TYPE_NAMES = {
    U8: "u8", I8: "i8", U16: "u16", I16: "i16", U32: "u32", I32: "i32", F32: "f32", BOOL: "bool",
    STRING: "string", ARRAY: "array", U64: "u64", I64: "i64", F64: "f64",
}
# Fixed-size scalar types: struct code and the NumPy dtype used for arrays of them.
_SCALAR_FORMATS = {
    U8: ("<B", "<u1"), I8: ("<b", "<i1"), U16: ("<H", "<u2"), I16: ("<h", "<i2"),
    U32: ("<I", "<u4"), I32: ("<i", "<i4"), F32: ("<f", "<f4"), U64: ("<Q", "<u8"),
    I64: ("<q", "<i8"), F64: ("<d", "<f8"), BOOL: ("<B", "<u1"),
}
INTEGER_TYPES = (U8, I8, U16, I16, U32, I32, U64, I64)
FLOAT_TYPES = (F32, F64)


@dataclass
class Value:
    """One metadata value.

    Scalars hold a Python int / float / bool / str. Arrays hold `element_type` and `value` as:
    a NumPy array for numeric and bool elements, a list of str for strings, a list of Value for nested
    arrays (each with its own element_type).
    """

    type: int
    value: Any
    element_type: Optional[int] = None

    def __len__(self) -> int:
        assert self.type == ARRAY
        return len(self.value)

    def to_python(self) -> Any:
        """Plain Python data (lists, ints, floats, bools, strs); floats of f32 are exact f32 values."""
        if self.type != ARRAY:
            return self.value
        if self.element_type == ARRAY:
            return [v.to_python() for v in self.value]
        if self.element_type == STRING:
            return list(self.value)
        return np.asarray(self.value).tolist()

    def display(self, max_items: int = 8) -> str:
        if self.type == STRING:
            return repr(self.value)
        if self.type != ARRAY:
            return str(self.value)
        items = self.to_python()
        shown = ", ".join(repr(v) for v in items[:max_items])
        more = f", ... ({len(items)} total)" if len(items) > max_items else ""
        return f"[{shown}{more}]"


def values_equal(a: Value, b: Value) -> bool:
    """Type-exact equality (f32 compared bitwise-exactly as values; NaN equals NaN)."""
    if a.type != b.type:
        return False
    if a.type != ARRAY:
        if a.type in FLOAT_TYPES and isinstance(a.value, float) and isinstance(b.value, float):
            return a.value == b.value or (a.value != a.value and b.value != b.value)
        return type(a.value) is type(b.value) and a.value == b.value
    if a.element_type != b.element_type or len(a.value) != len(b.value):
        return False
    if a.element_type == ARRAY:
        return all(values_equal(x, y) for x, y in zip(a.value, b.value))
    if a.element_type == STRING:
        return list(a.value) == list(b.value)
    x, y = np.asarray(a.value), np.asarray(b.value)
    if x.dtype != y.dtype:
        return False
    if x.dtype.kind == "f":
        return bool(np.array_equal(x, y, equal_nan=True))
    return bool(np.array_equal(x, y))


# ---------------------------------------------------------------------------------------------------------
# Tensor element types (ggml numbering) and their dequantizers.

GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q8_0, GGML_Q4_K, GGML_Q6_K, GGML_BF16 = 0, 1, 2, 8, 12, 14, 30

# Names of ggml ids we do not decode, for error messages only.
_OTHER_GGML_NAMES = {3: "q4_1", 6: "q5_0", 7: "q5_1", 9: "q8_1", 10: "q2_k", 11: "q3_k", 13: "q5_k",
                     15: "q8_k"}


def _f16_field(blocks: np.ndarray, start: int) -> np.ndarray:
    """An f16 field at byte `start` of every block, as float32 column vector (n_blocks, 1)."""
    return np.ascontiguousarray(blocks[:, start:start + 2]).view("<f2").astype(np.float32)


def dequant_f32(raw: np.ndarray) -> np.ndarray:
    return raw.view("<f4").astype(np.float32)


def dequant_f16(raw: np.ndarray) -> np.ndarray:
    return raw.view("<f2").astype(np.float32)  # exact: every binary16 value is a binary32 value


def dequant_bf16(raw: np.ndarray) -> np.ndarray:
    bits = raw.view("<u2").astype(np.uint32) << np.uint32(16)
    return bits.view(np.float32)


def dequant_q8_0(raw: np.ndarray) -> np.ndarray:
    # block: f16 d; i8 qs[32]; y = d * q
    blocks = raw.reshape(-1, 34)
    d = _f16_field(blocks, 0)
    q = np.ascontiguousarray(blocks[:, 2:34]).view(np.int8).astype(np.float32)
    return (q * d).reshape(-1)


def dequant_q4_0(raw: np.ndarray) -> np.ndarray:
    # block: f16 d; u8 qs[16]; element j = low nibble of qs[j], element j+16 = high nibble; y = (q-8)*d
    blocks = raw.reshape(-1, 18)
    d = _f16_field(blocks, 0)
    qs = blocks[:, 2:18]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int32) - 8
    return (q.astype(np.float32) * d).reshape(-1)


def q4_k_scales_mins(scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 8 six-bit (scale, min) pairs of each Q4_K block from its 12 packed bytes -> (n, 8) each."""
    s = scales.astype(np.uint8)
    sc = np.empty((s.shape[0], 8), dtype=np.uint8)
    mn = np.empty((s.shape[0], 8), dtype=np.uint8)
    # sub-blocks 0..3: low 6 bits of bytes 0..3 (scale) and 4..7 (min)
    sc[:, 0:4] = s[:, 0:4] & 63
    mn[:, 0:4] = s[:, 4:8] & 63
    # sub-blocks 4..7: low/high nibble of bytes 8..11, top two bits from bytes 0..3 (scale) / 4..7 (min)
    sc[:, 4:8] = (s[:, 8:12] & 0x0F) | ((s[:, 0:4] >> 6) << 4)
    mn[:, 4:8] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return sc, mn


def dequant_q4_k(raw: np.ndarray) -> np.ndarray:
    # block (144 B): f16 d; f16 dmin; u8 scales[12]; u8 qs[128]; 8 sub-blocks of 32 elements.
    # 64-element chunk c uses qs[32c:32c+32]: low nibbles -> sub-block 2c, high nibbles -> sub-block 2c+1.
    blocks = raw.reshape(-1, 144)
    n = blocks.shape[0]
    d = _f16_field(blocks, 0)
    dmin = _f16_field(blocks, 2)
    sc, mn = q4_k_scales_mins(blocks[:, 4:16])
    qs = blocks[:, 16:144].reshape(n, 4, 32)
    q = np.stack([qs & 0x0F, qs >> 4], axis=2).reshape(n, 8, 32).astype(np.float32)
    scale = (d * sc.astype(np.float32))[:, :, None]  # float32 products, as ggml computes them
    offset = (dmin * mn.astype(np.float32))[:, :, None]
    return (scale * q - offset).astype(np.float32).reshape(-1)


def dequant_q6_k(raw: np.ndarray) -> np.ndarray:
    # block (210 B): u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d. Two halves of 128 elements; half h
    # uses ql[64h:64h+64], qh[32h:32h+32]. For l in 0..31 within a half:
    #   e[l]    = ql[l] low  | qh[l] bits 0-1 << 4     e[l+32] = ql[l+32] low  | qh[l] bits 2-3 << 4
    #   e[l+64] = ql[l] high | qh[l] bits 4-5 << 4     e[l+96] = ql[l+32] high | qh[l] bits 6-7 << 4
    # scale index = element index within the block / 16; y = (d * scale) * (q - 32).
    blocks = raw.reshape(-1, 210)
    n = blocks.shape[0]
    ql = blocks[:, 0:128].reshape(n, 2, 2, 32)  # [half][first or second 32 bytes][l]
    qh = blocks[:, 128:192].reshape(n, 2, 32)  # [half][l]
    scales = np.ascontiguousarray(blocks[:, 192:208]).view(np.int8).astype(np.float32)
    d = _f16_field(blocks, 208)
    q = np.empty((n, 2, 4, 32), dtype=np.int32)
    q[:, :, 0, :] = (ql[:, :, 0, :] & 0x0F) | (((qh >> 0) & 3) << 4)
    q[:, :, 1, :] = (ql[:, :, 1, :] & 0x0F) | (((qh >> 2) & 3) << 4)
    q[:, :, 2, :] = (ql[:, :, 0, :] >> 4) | (((qh >> 4) & 3) << 4)
    q[:, :, 3, :] = (ql[:, :, 1, :] >> 4) | (((qh >> 6) & 3) << 4)
    q = (q.reshape(n, 16, 16) - 32).astype(np.float32)  # 16 groups of 16 elements, one scale each
    scale = (d * scales)[:, :, None]
    return (scale * q).astype(np.float32).reshape(-1)


@dataclass(frozen=True)
class GGMLType:
    id: int
    name: str
    block_elements: int
    block_bytes: int
    dequantize: Callable[[np.ndarray], np.ndarray]

    @property
    def quantized(self) -> bool:
        return self.block_elements > 1

    def nbytes(self, n_elements: int) -> int:
        if n_elements % self.block_elements:
            raise ValueError(f"{self.name}: {n_elements} elements is not a multiple of the block size "
                             f"{self.block_elements}")
        return n_elements // self.block_elements * self.block_bytes


GGML_TYPES: Dict[int, GGMLType] = {
    t.id: t
    for t in (
        GGMLType(GGML_F32, "f32", 1, 4, dequant_f32),
        GGMLType(GGML_F16, "f16", 1, 2, dequant_f16),
        GGMLType(GGML_Q4_0, "q4_0", 32, 18, dequant_q4_0),
        GGMLType(GGML_Q8_0, "q8_0", 32, 34, dequant_q8_0),
        GGMLType(GGML_Q4_K, "q4_k", 256, 144, dequant_q4_k),
        GGMLType(GGML_Q6_K, "q6_k", 256, 210, dequant_q6_k),
        GGMLType(GGML_BF16, "bf16", 1, 2, dequant_bf16),
    )
}
GGML_TYPE_BY_NAME = {t.name: t for t in GGML_TYPES.values()}


def ggml_type_name(type_id: int) -> str:
    if type_id in GGML_TYPES:
        return GGML_TYPES[type_id].name
    return _OTHER_GGML_NAMES.get(type_id, f"type{type_id}")


def dequantize(type_id: int, raw: np.ndarray | bytes, n_elements: int) -> np.ndarray:
    """Decodes n_elements of ggml type `type_id` from raw on-disk bytes into a flat float32 array."""
    if type_id not in GGML_TYPES:
        raise ValueError(f"unsupported ggml type {type_id} ({ggml_type_name(type_id)})")
    t = GGML_TYPES[type_id]
    nbytes = t.nbytes(n_elements)
    raw = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw
    if raw.size < nbytes:
        raise ValueError(f"{t.name}: need {nbytes} bytes for {n_elements} elements, have {raw.size}")
    out = t.dequantize(np.ascontiguousarray(raw[:nbytes]))
    assert out.dtype == np.float32 and out.size == n_elements
    return out


# ---------------------------------------------------------------------------------------------------------
# Reader.


_U64 = struct.Struct("<Q")

class GGUFError(Exception):
    pass


@dataclass
class Tensor:
    name: str
    dims: List[int]  # dims[0] innermost, as in ggml
    type: int
    offset: int  # relative to the data section
    data: np.ndarray  # uint8 view of the on-disk bytes (memory-mapped)

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return GGML_TYPES[self.type].nbytes(self.n_elements)

    @property
    def type_name(self) -> str:
        return ggml_type_name(self.type)

    @property
    def shape(self) -> tuple:
        """NumPy (row-major) shape: the ggml dims reversed."""
        return tuple(reversed(self.dims))

    def dequantize(self) -> np.ndarray:
        return dequantize(self.type, self.data, self.n_elements).reshape(self.shape)


class GGUFFile:
    """A parsed GGUF file. Tensor data stays memory-mapped."""

    def __init__(self, path: str):
        self.path = path
        try:
            self._buf = np.memmap(path, dtype=np.uint8, mode="r")
        except ValueError:  # an empty file cannot be mapped
            self._buf = np.zeros(0, dtype=np.uint8)
        self._mv = memoryview(self._buf)
        self._pos = 0
        self.metadata: Dict[str, Value] = {}  # insertion order = file order
        self.tensors: List[Tensor] = []
        self._parse()

    # -- primitive reads, each naming the offset on failure
    def _need(self, n: int, what: str) -> None:
        if n < 0 or self._pos + n > len(self._buf):
            raise GGUFError(f"{self.path}: offset {self._pos}: truncated reading {what} "
                            f"(need {n} bytes, file has {len(self._buf)})")

    def _scalar(self, fmt: str, what: str) -> Any:
        size = struct.calcsize(fmt)
        self._need(size, what)
        (v,) = struct.unpack_from(fmt, self._mv, self._pos)
        self._pos += size
        return v

    def _string(self, what: str) -> str:
        n = self._scalar("<Q", what + " length")
        self._need(n, what)
        raw = bytes(self._mv[self._pos:self._pos + n])
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise GGUFError(f"{self.path}: offset {self._pos}: {what} is not UTF-8: {e}") from None
        self._pos += n
        return s

    def _string_array(self, count: int, what: str) -> List[str]:
        # _string's checks, inlined: vocabularies hold 32k-260k strings, and one call per string
        # made parsing a file the slowest part of the reference tests.
        mv, pos, end = self._mv, self._pos, len(self._buf)
        read_length = _U64.unpack_from
        out = []
        for i in range(count):
            if pos + 8 > end:
                self._pos = pos
                self._need(8, f"{what}[{i}] length")
            (n,) = read_length(mv, pos)
            pos += 8
            if pos + n > end:
                self._pos = pos
                self._need(n, f"{what}[{i}]")
            try:
                out.append(bytes(mv[pos:pos + n]).decode("utf-8"))
            except UnicodeDecodeError as e:
                raise GGUFError(f"{self.path}: offset {pos}: {what}[{i}] is not UTF-8: {e}") from None
            pos += n
        self._pos = pos
        return out

    def _value(self, vtype: int, what: str) -> Value:
        if vtype == STRING:
            return Value(STRING, self._string(what))
        if vtype == BOOL:
            b = self._scalar("<B", what)
            if b > 1:
                raise GGUFError(f"{self.path}: offset {self._pos - 1}: {what}: bool byte {b}")
            return Value(BOOL, bool(b))
        if vtype == ARRAY:
            etype = self._scalar("<I", what + " element type")
            count = self._scalar("<Q", what + " count")
            return Value(ARRAY, self._array(etype, count, what), element_type=etype)
        if vtype in _SCALAR_FORMATS:
            v = self._scalar(_SCALAR_FORMATS[vtype][0], what)
            if vtype == F32:
                v = float(np.float32(v))
            return Value(vtype, v)
        raise GGUFError(f"{self.path}: offset {self._pos - 4}: {what}: unknown value type {vtype}")

    def _array(self, etype: int, count: int, what: str) -> Any:
        if etype in _SCALAR_FORMATS:
            dt = np.dtype(_SCALAR_FORMATS[etype][1])
            self._need(count * dt.itemsize, what)
            arr = np.frombuffer(self._mv, dtype=dt, count=count, offset=self._pos).copy()
            self._pos += count * dt.itemsize
            if etype == BOOL:
                if np.any(arr > 1):
                    raise GGUFError(f"{self.path}: {what}: bool array holds a byte other than 0/1")
                arr = arr.astype(bool)
            return arr
        if etype == STRING:
            if count > len(self._buf):  # every string takes at least 8 bytes
                raise GGUFError(f"{self.path}: offset {self._pos}: {what}: absurd count {count}")
            return self._string_array(count, what)
        if etype == ARRAY:
            if count > len(self._buf):
                raise GGUFError(f"{self.path}: offset {self._pos}: {what}: absurd count {count}")
            out = []
            for i in range(count):
                sub = self._scalar("<I", f"{what}[{i}] element type")
                n = self._scalar("<Q", f"{what}[{i}] count")
                out.append(Value(ARRAY, self._array(sub, n, f"{what}[{i}]"), element_type=sub))
            return out
        raise GGUFError(f"{self.path}: offset {self._pos - 12}: {what}: unknown element type {etype}")

    def _parse(self) -> None:
        self._need(4, "magic")
        magic = bytes(self._mv[0:4])
        if magic != GGUF_MAGIC:
            raise GGUFError(f"{self.path}: offset 0: bad magic {magic!r}, expected b'GGUF'")
        self._pos = 4
        self.version = self._scalar("<I", "version")
        if self.version not in SUPPORTED_VERSIONS:
            raise GGUFError(f"{self.path}: offset 4: unsupported version {self.version}")
        n_tensors = self._scalar("<Q", "tensor count")
        n_kv = self._scalar("<Q", "metadata count")
        for i in range(n_kv):
            key = self._string(f"key {i}")
            vtype = self._scalar("<I", f"type of {key}")
            if key in self.metadata:
                raise GGUFError(f"{self.path}: duplicate key {key!r}")
            self.metadata[key] = self._value(vtype, key)

        self.alignment = DEFAULT_ALIGNMENT
        if "general.alignment" in self.metadata:
            a = self.metadata["general.alignment"]
            if a.type != U32 or a.value == 0 or (a.value & (a.value - 1)):
                raise GGUFError(f"{self.path}: general.alignment must be a power-of-two u32, got "
                                f"{VALUE_TYPE_NAMES.get(a.type)} {a.value}")
            self.alignment = a.value

        infos = []
        for i in range(n_tensors):
            name = self._string(f"tensor {i} name")
            n_dims = self._scalar("<I", f"tensor {name} n_dims")
            if not 1 <= n_dims <= 4:
                raise GGUFError(f"{self.path}: tensor {name}: n_dims {n_dims} not in 1..4")
            dims = [self._scalar("<Q", f"tensor {name} dim {d}") for d in range(n_dims)]
            ttype = self._scalar("<I", f"tensor {name} type")
            offset = self._scalar("<Q", f"tensor {name} offset")
            infos.append((name, dims, ttype, offset))

        self.header_end = self._pos
        self.data_offset = _align(self._pos, self.alignment)
        names = set()
        for name, dims, ttype, offset in infos:
            if name in names:
                raise GGUFError(f"{self.path}: duplicate tensor name {name!r}")
            names.add(name)
            if ttype not in GGML_TYPES:
                raise GGUFError(f"{self.path}: tensor {name}: unsupported type {ttype} "
                                f"({ggml_type_name(ttype)})")
            t = GGML_TYPES[ttype]
            if dims[0] % t.block_elements:
                raise GGUFError(f"{self.path}: tensor {name}: row of {dims[0]} is not a multiple of "
                                f"the {t.name} block size {t.block_elements}")
            if offset % self.alignment:
                raise GGUFError(f"{self.path}: tensor {name}: offset {offset} not aligned to "
                                f"{self.alignment}")
            n = 1
            for d in dims:
                n *= d
            nbytes = t.nbytes(n)
            start = self.data_offset + offset
            if start + nbytes > len(self._buf):
                raise GGUFError(f"{self.path}: tensor {name}: data [{start}, {start + nbytes}) past "
                                f"the end of the file ({len(self._buf)} bytes)")
            self.tensors.append(Tensor(name, dims, ttype, offset, self._buf[start:start + nbytes]))
        spans = sorted((t.offset, t.offset + t.nbytes, t.name) for t in self.tensors)
        for (a0, a1, an), (b0, _, bn) in zip(spans, spans[1:]):
            if b0 < a1:
                raise GGUFError(f"{self.path}: tensors {an} and {bn} overlap")

    # -- queries
    @property
    def file_size(self) -> int:
        return len(self._buf)

    @property
    def architecture(self) -> Optional[str]:
        v = self.metadata.get("general.architecture")
        return v.value if v is not None and v.type == STRING else None

    def get(self, key: str, default: Any = None) -> Any:
        v = self.metadata.get(key)
        return default if v is None else v.to_python()

    def tensor(self, name: str) -> Tensor:
        for t in self.tensors:
            if t.name == name:
                return t
        raise KeyError(f"{self.path}: no tensor {name!r}")

    def tensor_names(self) -> List[str]:
        return [t.name for t in self.tensors]

    @property
    def parameter_count(self) -> int:
        return sum(t.n_elements for t in self.tensors)

    @property
    def tensor_data_bytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)


def _align(n: int, alignment: int) -> int:
    return (n + alignment - 1) // alignment * alignment


# ---------------------------------------------------------------------------------------------------------
# Writer (for test inputs of the C++ reader, independent of the C++ writer).


def make_array(element_type: int, items: Sequence[Any]) -> Value:
    """An array Value. For element_type ARRAY, items are Values (see make_array) themselves."""
    if element_type == ARRAY:
        assert all(isinstance(v, Value) and v.type == ARRAY for v in items)
        return Value(ARRAY, list(items), element_type=ARRAY)
    if element_type == STRING:
        return Value(ARRAY, [str(s) for s in items], element_type=STRING)
    if element_type == BOOL:
        return Value(ARRAY, np.asarray(items, dtype=bool), element_type=BOOL)
    return Value(ARRAY, np.asarray(items, dtype=_SCALAR_FORMATS[element_type][1]),
                 element_type=element_type)


class GGUFWriter:
    """Builds a GGUF file in memory: add metadata and tensors (as raw block bytes), then write()."""

    def __init__(self, version: int = 3, alignment: Optional[int] = None):
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"version {version} not supported")
        self.version = version
        self.metadata: Dict[str, Value] = {}
        self.tensors: List[tuple] = []  # (name, dims, type, raw bytes)
        if alignment is not None:
            self.add("general.alignment", U32, alignment)

    def add(self, key: str, vtype: int, value: Any, element_type: Optional[int] = None) -> None:
        if key in self.metadata:
            raise ValueError(f"duplicate key {key}")
        if vtype == ARRAY:
            v = value if isinstance(value, Value) else make_array(element_type, value)
        else:
            v = Value(vtype, value)
        self.metadata[key] = v

    def add_value(self, key: str, value: Value) -> None:
        if key in self.metadata:
            raise ValueError(f"duplicate key {key}")
        self.metadata[key] = value

    def add_tensor(self, name: str, dims: Sequence[int], type_id: int, raw: bytes) -> None:
        t = GGML_TYPES[type_id]
        n = 1
        for d in dims:
            n *= d
        if dims[0] % t.block_elements:
            raise ValueError(f"{name}: row {dims[0]} not a multiple of {t.block_elements}")
        if len(raw) != t.nbytes(n):
            raise ValueError(f"{name}: {len(raw)} bytes given, {t.name} {list(dims)} needs {t.nbytes(n)}")
        self.tensors.append((name, list(dims), type_id, bytes(raw)))

    def add_tensor_f32(self, name: str, array: np.ndarray) -> None:
        """A float32 tensor from a NumPy array (shape reversed into ggml dims)."""
        a = np.ascontiguousarray(array, dtype="<f4")
        self.add_tensor(name, list(reversed(a.shape)), GGML_F32, a.tobytes())

    @property
    def alignment(self) -> int:
        """Padding unit: `general.alignment` where usable, else 32 (so malformed keys can be written)."""
        v = self.metadata.get("general.alignment")
        usable = v is not None and v.type in INTEGER_TYPES and int(v.value) > 0
        return int(v.value) if usable else DEFAULT_ALIGNMENT

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        out.write(GGUF_MAGIC)
        out.write(struct.pack("<IQQ", self.version, len(self.tensors), len(self.metadata)))
        for key, v in self.metadata.items():
            _write_string(out, key)
            out.write(struct.pack("<I", v.type))
            _write_value(out, v)
        alignment = self.alignment
        offset = 0
        offsets = []
        for name, dims, type_id, raw in self.tensors:
            offsets.append(offset)
            _write_string(out, name)
            out.write(struct.pack("<I", len(dims)))
            out.write(struct.pack(f"<{len(dims)}Q", *dims))
            out.write(struct.pack("<IQ", type_id, offset))
            offset = _align(offset + len(raw), alignment)
        out.write(b"\0" * (_align(out.tell(), alignment) - out.tell()))
        data_start = out.tell()
        for (_, _, _, raw), off in zip(self.tensors, offsets):
            assert out.tell() == data_start + off
            out.write(raw)
            out.write(b"\0" * (_align(len(raw), alignment) - len(raw)))
        return out.getvalue()

    def write(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(self.to_bytes())


def _write_string(out: io.BytesIO, s: str) -> None:
    b = s.encode("utf-8")
    out.write(struct.pack("<Q", len(b)))
    out.write(b)


def _write_value(out: io.BytesIO, v: Value) -> None:
    if v.type == STRING:
        _write_string(out, v.value)
    elif v.type == BOOL:
        out.write(struct.pack("<B", 1 if v.value else 0))
    elif v.type == ARRAY:
        out.write(struct.pack("<IQ", v.element_type, len(v.value)))
        _write_array_elements(out, v)
    elif v.type in _SCALAR_FORMATS:
        out.write(struct.pack(_SCALAR_FORMATS[v.type][0], v.value))
    else:
        raise ValueError(f"unknown value type {v.type}")


def _write_array_elements(out: io.BytesIO, v: Value) -> None:
    et = v.element_type
    if et == STRING:
        for s in v.value:
            _write_string(out, s)
    elif et == ARRAY:
        for sub in v.value:
            out.write(struct.pack("<IQ", sub.element_type, len(sub.value)))
            _write_array_elements(out, sub)
    elif et == BOOL:
        out.write(np.asarray(v.value, dtype=bool).astype(np.uint8).tobytes())
    elif et in _SCALAR_FORMATS:
        out.write(np.asarray(v.value).astype(_SCALAR_FORMATS[et][1]).tobytes())
    else:
        raise ValueError(f"unknown element type {et}")


# ---------------------------------------------------------------------------------------------------------
# CLI: a summary of a file, or of one tensor.


def _summary(f: GGUFFile, out=sys.stdout) -> None:
    print(f"file: {f.path}", file=out)
    print(f"version: {f.version}  alignment: {f.alignment}  data offset: {f.data_offset}  "
          f"file size: {f.file_size}", file=out)
    print(f"architecture: {f.architecture}  parameters: {f.parameter_count}  "
          f"tensor data bytes: {f.tensor_data_bytes}", file=out)
    print(f"metadata ({len(f.metadata)}):", file=out)
    for key, v in f.metadata.items():
        tname = VALUE_TYPE_NAMES.get(v.type, str(v.type))
        if v.type == ARRAY:
            tname = f"array<{VALUE_TYPE_NAMES.get(v.element_type, v.element_type)}>[{len(v)}]"
        print(f"  {key}: {tname} = {v.display()}", file=out)
    print(f"tensors ({len(f.tensors)}):", file=out)
    for t in f.tensors:
        print(f"  {t.name}: {t.type_name} {t.dims} offset {t.offset} bytes {t.nbytes}", file=out)


def _tensor_summary(f: GGUFFile, name: str, out=sys.stdout) -> None:
    t = f.tensor(name)
    x = t.dequantize()
    print(f"{t.name}: {t.type_name} dims {t.dims} (numpy shape {t.shape}) offset {t.offset} "
          f"bytes {t.nbytes}", file=out)
    finite = x[np.isfinite(x)]
    if finite.size:
        print(f"  min {finite.min():.6g} max {finite.max():.6g} mean {finite.mean(dtype=np.float64):.6g} "
              f"std {finite.std(dtype=np.float64):.6g} non-finite {x.size - finite.size}", file=out)
    print(f"  first values: {x.reshape(-1)[:8].tolist()}", file=out)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Summarize a GGUF file with the NumPy reference reader.")
    p.add_argument("file")
    p.add_argument("--tensor", help="dequantize this tensor and print statistics")
    args = p.parse_args(argv)
    try:
        f = GGUFFile(args.file)
        if args.tensor:
            _tensor_summary(f, args.tensor)
        else:
            _summary(f)
    except (GGUFError, KeyError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
