#!/usr/bin/python3
"""Compares the C++ GGUF code with the independent NumPy oracle (gguf_oracle.py).

Run by ctest as `reference_oracle`:
  test_oracle.py --tessera BIN --dequant-dump BIN --vocab-dir DIR --work-dir DIR

  (a) files written by the oracle's writer (every tensor type, every metadata type, nested arrays,
      alignment 64, version 2) are read back by the C++ reader: `dequant_dump` must equal the NumPy
      dequantization (bit-exact for f32/f16/bf16, zero difference for q8_0/q4_0, <= 1e-6 * max|x| for
      q4_k/q6_k);
  (b) `tessera inspect FILE --json --full` agrees with the oracle on every key and tensor;
  (c) synthetic models from `tessera pack` (llama, qwen2, bert x f32 f16 q8_0 q4_0 q4_k, plus llama bf16,
      bert q6_k, llama --tied-output, bert --rerank) have the right tensors, shapes, types and
      hyperparameters, the vocabulary file's tokenizer metadata, dequantize identically, are
      deterministic in the seed; `tessera quantize ... q8_0` keeps norms/biases (and BERT's token-type
      and position tables, as llama.cpp does) f32 and stays within Q8_0 error.
Cases of (b) and (c) print "SKIP: ..." only while the subcommand they need does not exist yet.
Exits non-zero, listing every mismatch, if anything disagrees.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_oracle as go  # noqa: E402

# Tolerance for the K-quants, relative to the largest magnitude in the tensor: the C++ code may group the
# float32 products differently from ggml's order; everything else must match exactly.
K_QUANT_REL_TOL = 1e-6
EXACT_TYPES = ("f32", "f16", "bf16", "q8_0", "q4_0")
BITWISE_TYPES = ("f32", "f16", "bf16")  # plain conversions: equal bits, NaN stays NaN
COMMAND_TIMEOUT_S = 60


@dataclass
class Report:
    failures: List[str] = field(default_factory=list)
    skips: List[str] = field(default_factory=list)
    n_checks: int = 0
    max_diff: Dict[str, float] = field(default_factory=dict)  # per dtype, over all dequant comparisons
    max_rel_diff: Dict[str, float] = field(default_factory=dict)
    n_elements: Dict[str, int] = field(default_factory=dict)

    def check(self, ok: bool, message: str) -> bool:
        self.n_checks += 1
        if not ok:
            self.failures.append(message)
            print(f"FAIL: {message}", flush=True)
        return ok

    def fail(self, message: str) -> None:
        self.check(False, message)

    def skip(self, message: str) -> None:
        self.skips.append(message)
        print(f"SKIP: {message}", flush=True)

    def record_diff(self, type_name: str, diff: float, rel: float, n: int) -> None:
        self.max_diff[type_name] = max(self.max_diff.get(type_name, 0.0), diff)
        self.max_rel_diff[type_name] = max(self.max_rel_diff.get(type_name, 0.0), rel)
        self.n_elements[type_name] = self.n_elements.get(type_name, 0) + n


def run(cmd: List[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
                              errors="replace")
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, 124, "", f"timed out after {COMMAND_TIMEOUT_S} s")


def describe(proc: subprocess.CompletedProcess) -> str:
    tail = (proc.stderr or proc.stdout or "").strip()[-800:]
    return f"`{' '.join(proc.args)}` exited {proc.returncode}: {tail}"


def subcommand_missing(proc: subprocess.CompletedProcess, sub: str) -> bool:
    """Whether `tessera SUB` failed because SUB does not exist (yet), as opposed to failing at its job."""
    if proc.returncode == 0:
        return False
    text = (proc.stdout or "") + (proc.stderr or "")
    patterns = (r"unknown (sub)?command", r"not (yet )?implemented",
                r"argument was not expected: " + re.escape(sub), r"invalid choice")
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)


# ---------------------------------------------------------------------------------------------------------
# Comparing dequant_dump output with the oracle.


def compare_dump(rep: Report, label: str, path: str, ref: go.GGUFFile, dequant_dump: str,
                 out_dir: str) -> None:
    shutil.rmtree(out_dir, ignore_errors=True)
    proc = run([dequant_dump, path, out_dir])
    if not rep.check(proc.returncode == 0, f"{label}: dequant_dump failed: {describe(proc)}"):
        return
    with open(os.path.join(out_dir, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    if not rep.check(len(index) == len(ref.tensors),
                     f"{label}: dequant_dump lists {len(index)} tensors, oracle {len(ref.tensors)}"):
        return
    for i, (entry, t) in enumerate(zip(index, ref.tensors)):
        where = f"{label}: tensor {i} {t.name!r}"
        rep.check(entry.get("index") == i, f"{where}: index.json index {entry.get('index')}")
        rep.check(entry.get("name") == t.name, f"{where}: C++ name {entry.get('name')!r}")
        rep.check(entry.get("type") == t.type_name, f"{where}: C++ type {entry.get('type')!r}, "
                  f"oracle {t.type_name!r}")
        rep.check(entry.get("dims") == t.dims, f"{where}: C++ dims {entry.get('dims')}, oracle {t.dims}")
        got = np.fromfile(os.path.join(out_dir, f"{i}.f32"), dtype="<f4")
        want = t.dequantize().reshape(-1)
        if not rep.check(got.size == want.size,
                         f"{where}: C++ wrote {got.size} values, expected {want.size}"):
            continue
        compare_values(rep, where, t.type_name, got, want)


def compare_values(rep: Report, where: str, type_name: str, got: np.ndarray, want: np.ndarray) -> None:
    nan_got, nan_want = np.isnan(got), np.isnan(want)
    if not rep.check(np.array_equal(nan_got, nan_want),
                     f"{where}: NaN positions differ (C++ {int(nan_got.sum())}, oracle "
                     f"{int(nan_want.sum())}; first at {int(np.argmax(nan_got != nan_want))})"):
        return
    g, w = got[~nan_want], want[~nan_want]
    inf_ok = np.array_equal(np.isinf(g), np.isinf(w)) and np.array_equal(g[np.isinf(w)], w[np.isinf(w)])
    if not rep.check(inf_ok, f"{where}: infinities differ"):
        return
    finite = np.isfinite(w)
    g, w = g[finite].astype(np.float64), w[finite].astype(np.float64)
    diff = float(np.max(np.abs(g - w))) if w.size else 0.0
    scale = float(np.max(np.abs(w))) if w.size else 0.0
    rel = diff / scale if scale > 0 else diff
    rep.record_diff(type_name, diff, rel, int(got.size))
    worst = int(np.argmax(np.abs(g - w))) if w.size else 0
    detail = (f"max abs diff {diff:.9g} (max|x| {scale:.6g}) at finite element {worst}: "
              f"C++ {g[worst] if w.size else 0!r} oracle {w[worst] if w.size else 0!r}")
    if type_name in BITWISE_TYPES:
        same_bits = np.array_equal(got[~nan_want].view(np.uint32), want[~nan_want].view(np.uint32))
        rep.check(same_bits, f"{where}: {type_name} values not bit-identical; {detail}")
    elif type_name in EXACT_TYPES:
        rep.check(diff == 0.0, f"{where}: {type_name} must dequantize exactly; {detail}")
    else:
        rep.check(diff <= K_QUANT_REL_TOL * scale,
                  f"{where}: {type_name} differs by more than {K_QUANT_REL_TOL} * max|x|; {detail}")


# ---------------------------------------------------------------------------------------------------------
# Comparing `tessera inspect --json` with the oracle.


def scalar_mismatch(vtype: int, want, got) -> Optional[str]:
    if vtype == go.BOOL:
        return None if got is want or (isinstance(got, bool) and got == want) else f"{got!r} != {want!r}"
    if vtype == go.STRING:
        return None if got == want else f"{got!r} != {want!r}"
    if vtype in go.INTEGER_TYPES:
        ok = isinstance(got, int) and not isinstance(got, bool) and got == int(want)
        return None if ok else f"{got!r} != {int(want)!r}"
    if vtype in go.FLOAT_TYPES:
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            return f"{got!r} is not a number (want {want!r})"
        if float(got) == float(want):
            return None
        # An f32 printed with float (not double) shortest round-trip digits still names the same f32.
        if vtype == go.F32 and np.float32(got) == np.float32(want):
            return None
        return f"{got!r} != {float(want)!r}"
    return f"unexpected scalar type {vtype}"


def json_value_mismatch(v: go.Value, j, full: bool) -> Optional[str]:
    if not isinstance(j, dict) or "type" not in j:
        return f"not an object with a type: {str(j)[:80]}"
    want_type = go.VALUE_TYPE_NAMES[v.type]
    if j["type"] != want_type:
        return f"type {j['type']!r}, expected {want_type!r}"
    if v.type != go.ARRAY:
        if "value" not in j:
            return "no value"
        return scalar_mismatch(v.type, v.value, j["value"])
    return json_array_mismatch(v, j, full)


def json_array_mismatch(v: go.Value, j: dict, full: bool) -> Optional[str]:
    want_et = go.VALUE_TYPE_NAMES[v.element_type]
    if j.get("element_type") != want_et:
        return f"element_type {j.get('element_type')!r}, expected {want_et!r}"
    if j.get("count") != len(v.value):
        return f"count {j.get('count')!r}, expected {len(v.value)}"
    elided = j.get("elided")
    if not isinstance(elided, bool):
        return f"elided is {elided!r}, expected a bool"
    items = j.get("value")
    if not isinstance(items, list):
        return f"array value is {type(items).__name__}, expected a list"
    if full and elided:
        return "elided although --full was given"
    if not elided and len(items) != len(v.value):
        return f"{len(items)} items listed, not elided, count {len(v.value)}"
    if elided and len(items) >= len(v.value):
        return f"elided but lists {len(items)} of {len(v.value)} items"
    return list_mismatch(v, items, full)


def list_mismatch(v: go.Value, items: list, full: bool) -> Optional[str]:
    """Compares the (possibly elided) prefix `items` with the array Value v."""
    et = v.element_type
    if et == go.ARRAY:
        for i, item in enumerate(items):
            sub = v.value[i]
            # A nested array may be rendered as a full value object or as a bare list.
            if isinstance(item, dict):
                m = json_value_mismatch(sub, item, full)
            elif isinstance(item, list):
                m = list_mismatch(sub, item, full) if len(item) == len(sub.value) else (
                    f"{len(item)} items, expected {len(sub.value)}")
            else:
                m = f"nested item is {item!r}"
            if m:
                return f"[{i}]: {m}"
        return None
    want = v.value
    if et in (go.STRING, go.BOOL) or et in go.INTEGER_TYPES:
        py = list(want[:len(items)]) if et == go.STRING else np.asarray(want[:len(items)]).tolist()
        if et in go.INTEGER_TYPES and any(isinstance(x, bool) or not isinstance(x, int) for x in items):
            return "non-integer item in an integer array"
        if et == go.BOOL and any(not isinstance(x, bool) for x in items):
            return "non-bool item in a bool array"
        if items != py:
            k = next(i for i, (a, b) in enumerate(zip(items, py)) if a != b)
            return f"[{k}]: {items[k]!r} != {py[k]!r}"
        return None
    for i, item in enumerate(items):  # floats, with scalar_mismatch's f32 leniency
        m = scalar_mismatch(et, want[i], item)
        if m:
            return f"[{i}]: {m}"
    return None


def compare_inspect(rep: Report, label: str, path: str, ref: go.GGUFFile, tessera: str,
                    full: bool = True) -> bool:
    """Returns False where inspect is not implemented yet (skipped)."""
    cmd = [tessera, "inspect", path, "--json"] + (["--full"] if full else [])
    proc = run(cmd)
    if subcommand_missing(proc, "inspect"):
        rep.skip(f"{label}: `tessera inspect` not implemented yet ({describe(proc)})")
        return False
    if not rep.check(proc.returncode == 0, f"{label}: inspect failed: {describe(proc)}"):
        return True
    try:
        j = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        rep.fail(f"{label}: inspect --json printed invalid JSON: {e}: {proc.stdout[:200]!r}")
        return True
    where = f"{label}: inspect{' --full' if full else ''}"
    rep.check(isinstance(j.get("file"), str) and os.path.basename(j["file"]) == os.path.basename(path),
              f"{where}: file {j.get('file')!r}")
    rep.check(j.get("version") == ref.version, f"{where}: version {j.get('version')} != {ref.version}")
    rep.check(j.get("alignment") == ref.alignment,
              f"{where}: alignment {j.get('alignment')} != {ref.alignment}")
    arch = ref.architecture
    rep.check(j.get("architecture") == arch or (arch is None and j.get("architecture") in (None, "")),
              f"{where}: architecture {j.get('architecture')!r} != {arch!r}")
    rep.check(j.get("parameter_count") == ref.parameter_count,
              f"{where}: parameter_count {j.get('parameter_count')} != {ref.parameter_count}")
    rep.check(j.get("tensor_data_bytes") == ref.tensor_data_bytes,
              f"{where}: tensor_data_bytes {j.get('tensor_data_bytes')} != {ref.tensor_data_bytes} "
              f"(sum of tensor sizes)")
    rep.check(j.get("file_size") == ref.file_size,
              f"{where}: file_size {j.get('file_size')} != {ref.file_size}")
    meta = j.get("metadata")
    if rep.check(isinstance(meta, dict), f"{where}: metadata is not an object"):
        missing = [k for k in ref.metadata if k not in meta]
        extra = [k for k in meta if k not in ref.metadata]
        rep.check(not missing and not extra, f"{where}: metadata keys differ: missing {missing[:5]}, "
                  f"extra {extra[:5]}")
        for key, v in ref.metadata.items():
            if key in meta:
                m = json_value_mismatch(v, meta[key], full)
                rep.check(m is None, f"{where}: metadata {key!r}: {m}")
    tensors = j.get("tensors")
    if rep.check(isinstance(tensors, list) and len(tensors) == len(ref.tensors),
                 f"{where}: {len(tensors) if isinstance(tensors, list) else tensors!r} tensors, "
                 f"oracle {len(ref.tensors)}"):
        for jt, t in zip(tensors, ref.tensors):
            want = {"name": t.name, "type": t.type_name, "dims": t.dims, "offset": t.offset,
                    "bytes": t.nbytes}
            got = {k: jt.get(k) for k in want}
            hint = ""
            if got["offset"] == t.offset + ref.data_offset:
                hint = " (inspect's offset is absolute; the spec's is relative to the data section)"
            rep.check(got == want, f"{where}: tensor {t.name!r}: inspect {got}, oracle {want}{hint}")
    return True


# ---------------------------------------------------------------------------------------------------------
# (a) Files written by the oracle.


def finite_f16_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random binary16 bit patterns that are finite (zero, subnormal and normal, both signs)."""
    bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint32).astype(np.uint16)
    exp_all_ones = (bits & 0x7C00) == 0x7C00
    bits[exp_all_ones] &= 0xBFFF  # exponent 11111 -> 01111: finite
    return bits


def moderate_f16_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """Scales like real models have (1e-4 .. 1, either sign), with a few zeros and subnormals."""
    v = rng.uniform(1e-4, 1.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    v[rng.random(n) < 0.05] = 0.0
    v[rng.random(n) < 0.05] = 3e-6  # subnormal in binary16
    return v.astype(np.float16).view(np.uint16)


def random_tensor_bytes(rng: np.random.Generator, type_id: int, n_elements: int) -> bytes:
    t = go.GGML_TYPES[type_id]
    if type_id == go.GGML_F32:
        x = rng.standard_normal(n_elements).astype(np.float32)
        specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -3e-39, 3.4e38], np.float32)
        k = min(len(specials), n_elements)
        x[rng.choice(n_elements, size=k, replace=False)] = specials[:k]
        return x.tobytes()
    if type_id in (go.GGML_F16, go.GGML_BF16):
        # Every bit pattern, NaNs, infinities and subnormals included.
        return rng.integers(0, 1 << 16, size=n_elements, dtype=np.uint32).astype("<u2").tobytes()
    n_blocks = n_elements // t.block_elements
    blocks = rng.integers(0, 256, size=(n_blocks, t.block_bytes), dtype=np.uint16).astype(np.uint8)

    def put_f16(offset: int, bits: np.ndarray) -> None:
        blocks[:, offset:offset + 2] = bits.astype("<u2").view(np.uint8).reshape(n_blocks, 2)

    if type_id in (go.GGML_Q8_0, go.GGML_Q4_0):
        put_f16(0, finite_f16_bits(rng, n_blocks))
    elif type_id == go.GGML_Q4_K:
        put_f16(0, moderate_f16_bits(rng, n_blocks))
        put_f16(2, moderate_f16_bits(rng, n_blocks))
    elif type_id == go.GGML_Q6_K:
        put_f16(208, moderate_f16_bits(rng, n_blocks))
    return blocks.tobytes()


# (name, ggml type, dims) of the tensors in every oracle-written file: every type, 1 to 4 dims.
TEST_TENSORS = [
    ("f32.matrix", go.GGML_F32, [7, 3]),
    ("f32.4d", go.GGML_F32, [2, 3, 4, 5]),
    ("f32.one", go.GGML_F32, [1]),
    ("f16.matrix", go.GGML_F16, [33, 2]),
    ("bf16.3d", go.GGML_BF16, [5, 4, 3]),
    ("q8_0.matrix", go.GGML_Q8_0, [64, 3]),
    ("q4_0.matrix", go.GGML_Q4_0, [32, 5]),
    ("q4_k.matrix", go.GGML_Q4_K, [256, 3]),
    ("q6_k.matrix", go.GGML_Q6_K, [512, 2]),
    ("q8_0.3d", go.GGML_Q8_0, [32, 2, 2]),
    ("blk.0.ünïcødé ✓", go.GGML_F16, [8]),
]


def add_all_metadata(w: go.GGUFWriter, with_arch: bool) -> None:
    if with_arch:
        w.add("general.architecture", go.STRING, "oracle-test")
    w.add("test.u8", go.U8, 255)
    w.add("test.i8", go.I8, -128)
    w.add("test.u16", go.U16, 65535)
    w.add("test.i16", go.I16, -32768)
    w.add("test.u32", go.U32, 4294967295)
    w.add("test.i32", go.I32, -2147483648)
    w.add("test.f32", go.F32, float(np.float32(3.1415927)))
    w.add("test.f32.tiny", go.F32, float(np.float32(1e-40)))  # subnormal
    w.add("test.bool.true", go.BOOL, True)
    w.add("test.bool.false", go.BOOL, False)
    w.add("test.string", go.STRING, "héllo wörld ✓ \"quoted\" \\ tab\t")
    w.add("test.string.empty", go.STRING, "")
    w.add("test.u64", go.U64, 2**64 - 1)
    w.add("test.i64", go.I64, -(2**63))
    w.add("test.f64", go.F64, math.pi)
    w.add("test.f64.small", go.F64, -1e-300)
    w.add("test.array.u8", go.ARRAY, [0, 1, 255], go.U8)
    w.add("test.array.i8", go.ARRAY, [-128, 0, 127], go.I8)
    w.add("test.array.u16", go.ARRAY, [0, 65535], go.U16)
    w.add("test.array.i16", go.ARRAY, [-32768, 32767], go.I16)
    w.add("test.array.u32", go.ARRAY, [0, 4294967295], go.U32)
    w.add("test.array.i32", go.ARRAY, [-2147483648, 2147483647], go.I32)
    w.add("test.array.f32", go.ARRAY, [0.5, -2.25, float(np.float32(0.1))], go.F32)
    w.add("test.array.bool", go.ARRAY, [True, False, True], go.BOOL)
    w.add("test.array.string", go.ARRAY, ["a", "", "ünï ✓", "x" * 300], go.STRING)
    w.add("test.array.u64", go.ARRAY, [0, 2**64 - 1], go.U64)
    w.add("test.array.i64", go.ARRAY, [-(2**63), 2**63 - 1], go.I64)
    w.add("test.array.f64", go.ARRAY, [math.e, -0.0, 1e300], go.F64)
    w.add("test.array.empty", go.ARRAY, [], go.U32)
    w.add("test.array.long", go.ARRAY, list(range(-500, 500)), go.I32)
    w.add("test.array.nested", go.ARRAY, [
        go.make_array(go.I32, [1, 2]), go.make_array(go.I32, [3]), go.make_array(go.I32, [])], go.ARRAY)
    w.add("test.array.nested.mixed", go.ARRAY, [
        go.make_array(go.STRING, ["p", "q"]), go.make_array(go.F64, [1.5]),
        go.make_array(go.BOOL, [False])], go.ARRAY)
    w.add("test.array.nested.deep", go.ARRAY, [
        go.make_array(go.ARRAY, [go.make_array(go.U8, [1, 2, 3]), go.make_array(go.U8, [])]),
        go.make_array(go.ARRAY, [])], go.ARRAY)


def write_test_file(path: str, seed: int, version: int, alignment: Optional[int],
                    with_arch: bool = True) -> go.GGUFWriter:
    rng = np.random.default_rng(seed)
    w = go.GGUFWriter(version=version, alignment=alignment)
    add_all_metadata(w, with_arch)
    for name, type_id, dims in TEST_TENSORS:
        n = int(np.prod(dims))
        w.add_tensor(name, dims, type_id, random_tensor_bytes(rng, type_id, n))
    w.write(path)
    return w


def check_writer_roundtrip(rep: Report, label: str, path: str, w: go.GGUFWriter) -> go.GGUFFile:
    """The oracle reads back what the oracle wrote: metadata, tensor bytes, alignment of every offset."""
    f = go.GGUFFile(path)
    rep.check(f.version == w.version, f"{label}: oracle reads version {f.version}, wrote {w.version}")
    rep.check(f.alignment == w.alignment, f"{label}: alignment {f.alignment} != {w.alignment}")
    rep.check(f.data_offset % w.alignment == 0 and f.file_size % w.alignment == 0,
              f"{label}: data offset {f.data_offset} / size {f.file_size} not aligned")
    rep.check(list(f.metadata) == list(w.metadata), f"{label}: metadata keys differ on read-back")
    for key, v in w.metadata.items():
        rep.check(key in f.metadata and go.values_equal(f.metadata[key], v),
                  f"{label}: metadata {key!r} reads back as {f.metadata.get(key)}")
    for (name, dims, type_id, raw), t in zip(w.tensors, f.tensors):
        rep.check((t.name, t.dims, t.type) == (name, dims, type_id) and t.data.tobytes() == raw
                  and t.offset % w.alignment == 0, f"{label}: tensor {name!r} reads back differently")
    return f


def check_known_dequant(rep: Report) -> None:
    """Hand-computed blocks: pins the oracle's own reading of the layouts, independent of C++."""
    # Q8_0: d = 0.5, q = -16..15
    q = np.arange(-16, 16, dtype=np.int8)
    blk = np.float16(0.5).tobytes() + q.tobytes()
    rep.check(np.array_equal(go.dequantize(go.GGML_Q8_0, blk, 32), q.astype(np.float32) * 0.5),
              "oracle self-check: q8_0 hand block")
    # Q4_0: d = 2, qs[j] = j | (15-j) << 4 -> element j = (j-8)*2, element j+16 = (7-j)*2
    qs = np.array([j | ((15 - j) << 4) for j in range(16)], dtype=np.uint8)
    want = np.array([(j - 8) * 2 for j in range(16)] + [(7 - j) * 2 for j in range(16)], np.float32)
    rep.check(np.array_equal(go.dequantize(go.GGML_Q4_0, np.float16(2).tobytes() + qs.tobytes(), 32),
                             want), "oracle self-check: q4_0 hand block")
    # Q4_K: scales bytes chosen so sub-block j has scale j+1 and min 2j (values < 16 use only low bits,
    # sub-blocks 4..7 exercise the split high bits: scale 40+j, min 50+j).
    sc = [1, 2, 3, 4, 44, 45, 46, 47]
    mn = [0, 2, 4, 6, 54, 55, 56, 57]
    s = np.zeros(12, np.uint8)
    for j in range(4):
        s[j] = sc[j] | ((sc[j + 4] >> 4) << 6)
        s[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6)
        s[j + 8] = (sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4)
    qs = (np.arange(128) % 16).astype(np.uint8) | (((np.arange(128) + 3) % 16).astype(np.uint8) << 4)
    blk = np.float16(0.25).tobytes() + np.float16(0.125).tobytes() + s.tobytes() + qs.tobytes()
    want = np.empty(256, np.float32)
    for e in range(256):
        chunk, pos = divmod(e, 64)
        hi, l = divmod(pos, 32)
        byte = int(qs[chunk * 32 + l])
        qv = (byte >> 4) if hi else (byte & 0xF)
        sub = chunk * 2 + hi
        want[e] = np.float32(0.25) * np.float32(sc[sub]) * np.float32(qv) - np.float32(0.125) * np.float32(
            mn[sub])
    rep.check(np.array_equal(go.dequantize(go.GGML_Q4_K, blk, 256), want),
              "oracle self-check: q4_k hand block (scalar loop vs vectorized)")
    # Q6_K: a scalar transcription of the element formulas against the vectorized version.
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 256, size=210, dtype=np.uint16).astype(np.uint8)
    raw[208:210] = np.frombuffer(np.float16(0.01).tobytes(), np.uint8)
    ql, qh, scales = raw[0:128], raw[128:192], raw[192:208].view(np.int8)
    want = np.empty(256, np.float32)
    for half in range(2):
        for l in range(32):
            a, b, h = int(ql[64 * half + l]), int(ql[64 * half + l + 32]), int(qh[32 * half + l])
            vals = [(a & 0xF) | ((h & 3) << 4), (b & 0xF) | (((h >> 2) & 3) << 4),
                    (a >> 4) | (((h >> 4) & 3) << 4), (b >> 4) | (((h >> 6) & 3) << 4)]
            for k, qv in enumerate(vals):
                e = 128 * half + l + 32 * k
                want[e] = np.float32(np.float16(0.01)) * np.float32(scales[e // 16]) * np.float32(qv - 32)
    rep.check(np.array_equal(go.dequantize(go.GGML_Q6_K, raw, 256), want),
              "oracle self-check: q6_k scalar transcription vs vectorized")
    bf = np.array([0x3F80, 0xC000, 0x7F80], np.uint16).tobytes()
    rep.check(np.array_equal(go.dequantize(go.GGML_BF16, bf, 3), np.array([1, -2, np.inf], np.float32)),
              "oracle self-check: bf16")


def part_a(rep: Report, args, work: str) -> list:
    print("== (a) oracle-written files through the C++ reader (dequant_dump)", flush=True)
    check_known_dequant(rep)
    files = [("types_v3", 1, 3, None, True), ("align64_v3", 2, 3, 64, True),
             ("types_v2", 3, 2, None, False)]
    written = []
    for label, seed, version, alignment, with_arch in files:
        path = os.path.join(work, label + ".gguf")
        w = write_test_file(path, seed, version, alignment, with_arch)
        f = check_writer_roundtrip(rep, label, path, w)
        compare_dump(rep, label, path, f, args.dequant_dump, os.path.join(work, label + ".dump"))
        written.append((label, path, f))
        print(f"  {label}: version {version}, alignment {f.alignment}, {len(f.metadata)} keys, "
              f"{len(f.tensors)} tensors ({', '.join(sorted({t.type_name for t in f.tensors}))})")
    for name in sorted(os.listdir(args.vocab_dir)):
        if name.endswith(".gguf"):
            path = os.path.join(args.vocab_dir, name)
            f = go.GGUFFile(path)
            compare_dump(rep, name, path, f, args.dequant_dump, os.path.join(work, name + ".dump"))
            written.append((name, path, f))
            print(f"  {name}: {len(f.metadata)} keys, 0 tensors (C++ reader accepts the real file)")
    return written


# ---------------------------------------------------------------------------------------------------------
# (c) Models from the C++ packer.

ARCH_VOCABS = {"llama": "ggml-vocab-llama-spm.gguf", "qwen2": "ggml-vocab-gpt-2.gguf",
               "bert": "ggml-vocab-bert-bge.gguf"}
# (type, dim, ffn): q4_k needs rows that are multiples of 256.
PACK_TYPES = [("f32", 64, 128), ("f16", 64, 128), ("q8_0", 64, 128), ("q4_0", 64, 128), ("q4_k", 256, 512)]
N_LAYERS, N_HEADS, N_KV_HEADS, CONTEXT = 2, 4, 2, 256
# llama.cpp's llama_ftype numbers that general.file_type should carry for each requested type.
LLAMA_FTYPE = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 7, "q4_k": 15, "q6_k": 18, "bf16": 32}
# Encoder lookup tables that llama.cpp's quantizer (and Tessera's weight policy) leave in f32.
UNQUANTIZED_MATRICES = ("token_types.weight", "position_embd.weight")


@dataclass
class PackCase:
    arch: str
    type_name: str
    dim: int
    ffn: int
    flags: List[str] = field(default_factory=list)  # --tied-output, --rerank
    repeat: bool = False  # pack again with the same seed: byte-identical?
    other_seed: bool = False  # pack with seed 8: every matrix different?
    inspect: bool = False
    quantize: bool = False  # tessera quantize OUT q8_0

    @property
    def label(self) -> str:
        return " ".join(["pack", self.arch, self.type_name] + self.flags)

    @property
    def stem(self) -> str:
        return "-".join([self.arch, self.type_name] + [f.strip("-") for f in self.flags])


def pack_cases() -> List[PackCase]:
    cases = []
    for arch in ARCH_VOCABS:
        for type_name, dim, ffn in PACK_TYPES:
            cases.append(PackCase(
                arch, type_name, dim, ffn,
                # q4_k packing is slow (seconds): check its determinism on the smallest vocabulary only.
                repeat=type_name != "q4_k" or arch == "bert",
                other_seed=type_name in ("f32", "q8_0"),
                inspect=type_name in ("f32", "q4_k"),
                quantize=type_name == "f32"))
    # Beyond the matrix above: the other two types pack offers, tied output, the reranker head.
    cases.append(PackCase("llama", "bf16", 64, 128, repeat=True))
    cases.append(PackCase("bert", "q6_k", 256, 512, repeat=True))
    cases.append(PackCase("llama", "q8_0", 64, 128, flags=["--tied-output"], inspect=True))
    cases.append(PackCase("bert", "q8_0", 64, 128, flags=["--rerank"], inspect=True))
    return cases


def pack_command(args, case: PackCase, seed: int, out: str) -> List[str]:
    cmd = [args.tessera, "pack", "--synthetic", case.arch, "--layers", str(N_LAYERS), "--dim",
           str(case.dim), "--ffn", str(case.ffn), "--heads", str(N_HEADS)]
    if case.arch != "bert":  # BERT has no grouped-query attention (pack rejects --kv-heads for it)
        cmd += ["--kv-heads", str(N_KV_HEADS)]
    cmd += ["--context", str(CONTEXT), "--vocab-from", os.path.join(args.vocab_dir, ARCH_VOCABS[case.arch]),
            "--type", case.type_name, "--seed", str(seed), "-o", out] + case.flags
    return cmd


def expected_shapes(case: PackCase, n_vocab: int, n_token_types: int):
    """({name: dims} required, {name: dims or None for 'any [dim, ...]'} optional) for a synthetic model."""
    dim, ffn = case.dim, case.ffn
    req: Dict[str, List[int]] = {"token_embd.weight": [dim, n_vocab]}
    opt: Dict[str, Optional[List[int]]] = {}
    if case.arch in ("llama", "qwen2"):
        kv_dim = dim // N_HEADS * N_KV_HEADS
        req["output_norm.weight"] = [dim]
        if "--tied-output" not in case.flags:
            req["output.weight"] = [dim, n_vocab]
        for n in range(N_LAYERS):
            b = f"blk.{n}."
            req.update({
                b + "attn_norm.weight": [dim], b + "attn_q.weight": [dim, dim],
                b + "attn_k.weight": [dim, kv_dim], b + "attn_v.weight": [dim, kv_dim],
                b + "attn_output.weight": [dim, dim], b + "ffn_norm.weight": [dim],
                b + "ffn_gate.weight": [dim, ffn], b + "ffn_up.weight": [dim, ffn],
                b + "ffn_down.weight": [ffn, dim]})
            if case.arch == "qwen2":
                req.update({b + "attn_q.bias": [dim], b + "attn_k.bias": [kv_dim],
                            b + "attn_v.bias": [kv_dim]})
    else:
        req.update({"token_types.weight": [dim, n_token_types], "position_embd.weight": [dim, CONTEXT],
                    "token_embd_norm.weight": [dim], "token_embd_norm.bias": [dim]})
        for n in range(N_LAYERS):
            b = f"blk.{n}."
            for m in ("attn_q", "attn_k", "attn_v", "attn_output"):
                req[b + m + ".weight"] = [dim, dim]
                req[b + m + ".bias"] = [dim]
            for m in ("attn_output_norm", "layer_output_norm"):
                req[b + m + ".weight"] = [dim]
                req[b + m + ".bias"] = [dim]
            req.update({b + "ffn_up.weight": [dim, ffn], b + "ffn_up.bias": [ffn],
                        b + "ffn_down.weight": [ffn, dim], b + "ffn_down.bias": [dim]})
        if "--rerank" in case.flags:  # classification head: dense + tanh, then n_labels outputs
            req.update({"cls.weight": [dim, dim], "cls.bias": [dim]})
            opt.update({"cls.output.weight": None, "cls.output.bias": None})
    return req, opt


def check_pack_model(rep: Report, case: PackCase, f: go.GGUFFile, vocab: go.GGUFFile) -> None:
    label, arch = case.label, case.arch
    rep.check(f.architecture == arch, f"{label}: general.architecture {f.architecture!r}")
    rep.check(f.get("general.file_type") == LLAMA_FTYPE[case.type_name],
              f"{label}: general.file_type {f.get('general.file_type')!r}, llama.cpp's ftype for "
              f"{case.type_name} is {LLAMA_FTYPE[case.type_name]}")
    hp = {"embedding_length": case.dim, "block_count": N_LAYERS, "feed_forward_length": case.ffn,
          "attention.head_count": N_HEADS, "context_length": CONTEXT}
    if arch == "bert":
        hp["attention.causal"] = False
        pooling = f.get("bert.pooling_type")
        want = {4} if "--rerank" in case.flags else {1, 2}  # rank / mean or cls
        rep.check(pooling in want, f"{label}: bert.pooling_type {pooling!r}, expected one of {want}")
        rep.check(f.metadata.get("bert.attention.layer_norm_epsilon", go.Value(go.U8, 0)).type == go.F32,
                  f"{label}: bert.attention.layer_norm_epsilon missing or not f32")
        kv = f.get("bert.attention.head_count_kv")
        rep.check(kv in (None, N_HEADS), f"{label}: bert.attention.head_count_kv = {kv!r}")
    else:
        hp["attention.head_count_kv"] = N_KV_HEADS
        hp["rope.dimension_count"] = case.dim // N_HEADS
        for key in ("attention.layer_norm_rms_epsilon", "rope.freq_base"):
            v = f.metadata.get(f"{arch}.{key}")
            rep.check(v is not None and v.type == go.F32 and v.value > 0, f"{label}: {arch}.{key} is {v}")
    for key, want in hp.items():
        got = f.get(f"{arch}.{key}")
        rep.check(got == want, f"{label}: {arch}.{key} = {got!r}, expected {want!r}")

    # Tokenizer metadata: exactly the vocabulary file's tokenizer.* keys, types and values.
    vt = {k: v for k, v in vocab.metadata.items() if k.startswith("tokenizer.")}
    ft = {k: v for k, v in f.metadata.items() if k.startswith("tokenizer.")}
    rep.check(set(vt) == set(ft), f"{label}: tokenizer keys differ from the vocab file: missing "
              f"{sorted(set(vt) - set(ft))}, extra {sorted(set(ft) - set(vt))}")
    for k in sorted(set(vt) & set(ft)):
        rep.check(go.values_equal(vt[k], ft[k]), f"{label}: {k} differs from the vocab file "
                  f"({ft[k].display()} vs {vt[k].display()})")

    n_vocab = len(vocab.metadata["tokenizer.ggml.tokens"].value)
    n_types = vocab.get("tokenizer.ggml.token_type_count", 2)
    req, opt = expected_shapes(case, n_vocab, n_types)
    names = f.tensor_names()
    missing = [n for n in req if n not in names]
    unexpected = [n for n in names if n not in req and n not in opt]
    rep.check(not missing, f"{label}: missing tensors {missing}")
    rep.check(not unexpected, f"{label}: unexpected tensors {unexpected}")
    for t in f.tensors:
        want = req.get(t.name, opt.get(t.name))
        if want is not None:
            rep.check(t.dims == want, f"{label}: {t.name} dims {t.dims}, expected {want}")
        elif t.name in opt:
            rep.check(t.dims[0] == case.dim or len(t.dims) == 1, f"{label}: {t.name} dims {t.dims}")
        # Type policy: vectors stay f32; weight matrices take the requested type (a q4_k file may use
        # q6_k for some, as llama.cpp's mixes do); encoder lookup tables may stay f32.
        if len(t.dims) == 1:
            rep.check(t.type_name == "f32", f"{label}: vector {t.name} is {t.type_name}, expected f32")
        elif t.name not in UNQUANTIZED_MATRICES:
            allowed = (case.type_name, "q6_k") if case.type_name == "q4_k" else (case.type_name,)
            rep.check(t.type_name in allowed,
                      f"{label}: {t.name} is {t.type_name}, expected {case.type_name}")
        x = t.dequantize()
        rep.check(bool(np.all(np.isfinite(x))), f"{label}: {t.name} has non-finite values")
        if len(t.dims) == 2 and x.size > 1:
            rep.check(float(np.std(x)) > 0, f"{label}: {t.name} is constant (synthetic weights should vary)")


def check_q8_0_quantize(rep: Report, label: str, src: go.GGUFFile, dst: go.GGUFFile) -> tuple:
    """Returns (worst error / Q8_0 bound, quants that differ from ggml's reference rounding, total)."""
    rep.check([(t.name, t.dims) for t in src.tensors] == [(t.name, t.dims) for t in dst.tensors],
              f"{label}: quantize changed the tensor list or shapes")
    rep.check(dst.get("general.file_type") == LLAMA_FTYPE["q8_0"],
              f"{label}: general.file_type {dst.get('general.file_type')!r}, expected 7 (MOSTLY_Q8_0)")
    for key, v in src.metadata.items():
        if key in ("general.file_type", "general.quantization_version"):
            continue
        rep.check(key in dst.metadata and go.values_equal(dst.metadata[key], v),
                  f"{label}: quantize changed metadata {key!r}")
    worst, off_ref, total = 0.0, 0, 0
    by_name = {t.name: t for t in dst.tensors}
    for s in src.tensors:
        d = by_name.get(s.name)
        if d is None:
            continue
        if len(s.dims) == 1 or s.name in UNQUANTIZED_MATRICES:
            rep.check(d.type_name == "f32" and d.data.tobytes() == s.data.tobytes(),
                      f"{label}: {s.name} should stay f32 unchanged, is {d.type_name}")
            continue
        if not rep.check(d.type_name == "q8_0", f"{label}: matrix {s.name} is {d.type_name}, not q8_0"):
            continue
        x = s.dequantize().reshape(-1, 32).astype(np.float32)
        y = d.dequantize().reshape(-1, 32).astype(np.float64)
        # ggml's Q8_0: d = amax/127, q = round(x/d), d stored as f16, so |x - d16*q| <= d/2 + 127|d - d16|.
        amax = np.max(np.abs(x), axis=1)
        scale = amax / np.float32(127)
        scale16 = scale.astype(np.float16)
        allowed = (0.5 * scale.astype(np.float64) + 127 * np.abs(scale - scale16.astype(np.float64)))
        allowed = allowed * (1 + 1e-5) + 1e-30
        err = np.max(np.abs(x.astype(np.float64) - y), axis=1)
        ratio = float(np.max(err / allowed))
        worst = max(worst, ratio)
        rep.check(ratio <= 1.0, f"{label}: {s.name}: q8_0 error {float(np.max(err)):.3g} exceeds the "
                  f"Q8_0 bound (ratio {ratio:.3f})")
        # Information only: how far the quants are from ggml's reference rounding (roundf of x * 1/d).
        inv = np.divide(np.float32(1), scale, out=np.zeros_like(scale), where=scale > 0)
        v = x * inv[:, None]
        q_ref = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))
        q_got = np.ascontiguousarray(d.data.reshape(-1, 34)[:, 2:]).view(np.int8)
        off_ref += int(np.count_nonzero(q_ref != q_got))
        total += q_got.size
    return worst, off_ref, total


def part_c(rep: Report, args, work: str, inspect_ok: List[bool]) -> None:
    print("== (c) models from `tessera pack` / `tessera quantize`", flush=True)
    vocabs = {arch: go.GGUFFile(os.path.join(args.vocab_dir, name)) for arch, name in ARCH_VOCABS.items()}
    for case in pack_cases():
        label = case.label
        out = os.path.join(work, case.stem + ".gguf")
        t0 = time.monotonic()
        proc = run(pack_command(args, case, 7, out))
        if subcommand_missing(proc, "pack"):
            rep.skip(f"{label}: `tessera pack` not implemented yet ({describe(proc)})")
            continue
        if not rep.check(proc.returncode == 0, f"{label}: {describe(proc)}"):
            continue
        try:
            f = go.GGUFFile(out)
        except go.GGUFError as e:
            rep.fail(f"{label}: oracle cannot read the packed file: {e}")
            continue
        check_pack_model(rep, case, f, vocabs[case.arch])
        compare_dump(rep, label, out, f, args.dequant_dump, out + ".dump")
        shutil.rmtree(out + ".dump", ignore_errors=True)
        notes = []
        if case.repeat:
            again = out + ".again"
            proc = run(pack_command(args, case, 7, again))
            if rep.check(proc.returncode == 0, f"{label} (repeat): {describe(proc)}"):
                with open(out, "rb") as a, open(again, "rb") as b:
                    rep.check(a.read() == b.read(), f"{label}: the same seed gave different bytes")
                os.remove(again)
                notes.append("same seed identical")
        if case.other_seed:
            other = out + ".seed8"
            proc = run(pack_command(args, case, 8, other))
            if rep.check(proc.returncode == 0, f"{label} (seed 8): {describe(proc)}"):
                g = go.GGUFFile(other)
                same = [t.name for t in f.tensors if len(t.dims) == 2 and t.name in g.tensor_names()
                        and g.tensor(t.name).data.tobytes() == t.data.tobytes()]
                rep.check(not same, f"{label}: seeds 7 and 8 gave identical matrices {same}")
                del g
                os.remove(other)
                notes.append("seed 8 differs")
        if case.inspect and inspect_ok[0]:
            inspect_ok[0] = compare_inspect(rep, label, out, f, args.tessera)
            notes.append("inspect")
        if case.quantize:
            qout = os.path.join(work, f"{case.arch}-f32-to-q8_0.gguf")
            qlabel = f"quantize {case.arch} f32->q8_0"
            proc = run([args.tessera, "quantize", out, qout, "q8_0"])
            if subcommand_missing(proc, "quantize"):
                rep.skip(f"{qlabel}: `tessera quantize` not implemented yet ({describe(proc)})")
            elif rep.check(proc.returncode == 0, f"{qlabel}: {describe(proc)}"):
                q = go.GGUFFile(qout)
                ratio, off_ref, total = check_q8_0_quantize(rep, qlabel, f, q)
                compare_dump(rep, qlabel, qout, q, args.dequant_dump, qout + ".dump")
                shutil.rmtree(qout + ".dump", ignore_errors=True)
                print(f"  {qlabel}: worst error / Q8_0 bound = {ratio:.6f}; {off_ref} of {total} quants "
                      f"differ from ggml's reference rounding")
                del q
        print(f"  {label}: {len(f.tensors)} tensors, {f.file_size} bytes, "
              f"{', '.join(['dequant'] + notes)} ({time.monotonic() - t0:.1f} s)", flush=True)
        del f


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tessera", required=True)
    p.add_argument("--dequant-dump", required=True)
    p.add_argument("--vocab-dir", required=True)
    p.add_argument("--work-dir", required=True)
    p.add_argument("--skip-pack", action="store_true", help="only (a) and (b)")
    args = p.parse_args()
    t0 = time.monotonic()
    work = args.work_dir
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rep = Report()

    written = part_a(rep, args, work)
    print("== (b) `tessera inspect --json` against the oracle", flush=True)
    inspect_ok = [True]
    for label, path, f in written:
        if not inspect_ok[0]:
            break
        n_failures = len(rep.failures)
        inspect_ok[0] = compare_inspect(rep, label, path, f, args.tessera, full=True)
        if inspect_ok[0] and label == "types_v3":
            compare_inspect(rep, label, path, f, args.tessera, full=False)
        if inspect_ok[0]:
            verdict = "agrees" if len(rep.failures) == n_failures else "DISAGREES"
            print(f"  {label}: inspect {verdict} ({len(f.metadata)} keys, {len(f.tensors)} tensors)")
    if not args.skip_pack:
        part_c(rep, args, work, inspect_ok)

    print("== summary", flush=True)
    for type_name in ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q6_k"):
        if type_name in rep.max_diff:
            d = rep.max_diff[type_name]
            exact = " (exactly 0)" if d == 0 else ""
            print(f"  {type_name:5s}: {rep.n_elements[type_name]:>10d} elements compared, max abs diff "
                  f"{d:.9g}{exact}, max diff / max|x| {rep.max_rel_diff[type_name]:.3g}")
    print(f"  {rep.n_checks} checks, {len(rep.failures)} failures, {len(rep.skips)} skipped, "
          f"{time.monotonic() - t0:.1f} s")
    if rep.failures:
        print(f"reference_oracle: FAILED ({len(rep.failures)} mismatches; first: {rep.failures[0]})")
        return 1
    print("reference_oracle: OK" + (" (with skips)" if rep.skips else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
