#!/usr/bin/python3
"""Writes the malformed-GGUF corpus next to this script, and expected.json.

Each file is a small GGUF image broken in exactly one way. expected.json maps every file name to a
substring the reader's error must contain (tests/gguf/malformed_test.cc checks it, and checks that
every file has an expectation and every expectation a file). Offsets in the expectations are
computed here from the bytes written, so they say where the reader must point.
The files double as the seed corpus of fuzz/gguf_reader_fuzzer.cc.

Standard library only. Usage: /usr/bin/python3 make_corpus.py  (rewrites the corpus in place)
"""

import json
import os
import struct
import sys

MAGIC = b"GGUF"
VERSION = 3

# Value type ids (GGUF spec).
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
# ggml tensor type ids.
T_F32, T_F16, T_Q4_0, T_Q8_0, T_Q5_K = 0, 1, 2, 8, 13

SCALAR_FORMATS = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
                  BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}


class Image:
    """A byte buffer with GGUF encoders; `here` is the offset the next write lands at."""

    def __init__(self):
        self.data = bytearray()

    @property
    def here(self):
        return len(self.data)

    def raw(self, b):
        self.data += b
        return self

    def u32(self, v):
        return self.raw(struct.pack("<I", v))

    def u64(self, v):
        return self.raw(struct.pack("<Q", v))

    def string(self, s):
        b = s.encode() if isinstance(s, str) else s
        return self.u64(len(b)).raw(b)

    def header(self, n_tensors, n_kv, version=VERSION, magic=MAGIC):
        return self.raw(magic).u32(version).u64(n_tensors).u64(n_kv)

    def kv(self, key, vtype, value):
        self.string(key).u32(vtype)
        if vtype == STRING:
            return self.string(value)
        return self.raw(struct.pack(SCALAR_FORMATS[vtype], value))

    def kv_array(self, key, etype, values):
        self.string(key).u32(ARRAY).u32(etype).u64(len(values))
        for v in values:
            if etype == STRING:
                self.string(v)
            else:
                self.raw(struct.pack(SCALAR_FORMATS[etype], v))
        return self

    def tensor(self, name, dims, ttype, offset):
        self.string(name).u32(len(dims))
        for d in dims:
            self.u64(d)
        return self.u32(ttype).u64(offset)

    def pad(self, alignment=32):
        while len(self.data) % alignment:
            self.data.append(0)
        return self

    def zeros(self, n):
        return self.raw(bytes(n))


CASES = {}  # file name -> (bytes, expected substring)


def case(name, data, expected):
    assert name not in CASES, name
    CASES[name] = (bytes(data), expected)


def valid_f32_file(n_elements=64):
    """One F32 tensor 'w' of n_elements and one string key; returns (image, offset of tensor info)."""
    img = Image().header(1, 1)
    img.kv("general.architecture", STRING, "llama")
    info_at = img.here
    img.tensor("w", [n_elements], T_F32, 0)
    img.pad()
    img.zeros(4 * n_elements)
    return img, info_at


def build():
    # --- header --------------------------------------------------------------------------------
    case("empty.gguf", b"", "offset 0: empty file")
    case("truncated_magic.gguf", b"GG", "offset 0: truncated: expected magic")
    case("bad_magic.gguf", Image().header(0, 0, magic=b"GGML").data, "offset 0: bad magic \"GGML\"")
    case("version_big_endian.gguf", Image().raw(MAGIC).raw(struct.pack(">I", 3)).u64(0).u64(0).data,
         "offset 4: unsupported version 50331648, expected 2 or 3 (looks byte-swapped")
    case("version_odd.gguf", Image().header(0, 0, version=7).data, "offset 4: unsupported version 7")
    case("version_1.gguf", Image().raw(MAGIC).u32(1).u32(0).u32(0).data,
         "offset 4: unsupported version 1, expected 2 or 3 (version 1 used 32-bit counts")
    case("truncated_header.gguf", Image().raw(MAGIC).u32(VERSION).u64(0).raw(b"\0\0\0").data,
         "offset 16: truncated: expected metadata key-value count (8 bytes)")
    case("tensor_count_absurd.gguf", Image().header(1 << 60, 0).zeros(64).data,
         "offset 8: tensor count 1152921504606846976 cannot fit")
    case("kv_count_absurd.gguf", Image().header(0, 1 << 60).zeros(64).data,
         "offset 16: metadata count 1152921504606846976 cannot fit")

    # --- metadata ------------------------------------------------------------------------------
    img = Image().header(0, 1)
    at = img.here
    img.u64(20).raw(b"genera")  # 14 bytes follow the header, enough to pass the count check
    case("truncated_in_key.gguf", img.data,
         f"offset {at}: metadata key length 20 runs past the end of the file (6 bytes left)")

    img = Image().header(0, 1)
    img.string("general.name").u32(STRING)
    at = img.here
    img.u64(100).raw(b"hello")
    case("truncated_in_string_value.gguf", img.data,
         f"offset {at}: string value length 100 runs past the end of the file (5 bytes left)")

    img = Image().header(0, 1)
    img.string("tokenizer.ggml.tokens").u32(ARRAY).u32(STRING).u64(3)
    img.string("ab").string("cd")
    at = img.here
    img.u64(5).raw(b"x")
    case("truncated_in_array.gguf", img.data,
         f"offset {at}: string value length 5 runs past the end of the file (1 bytes left)")

    img = Image().header(0, 1)
    img.string("a").u32(ARRAY).u32(U32)
    at = img.here
    img.u64(10).u32(1).u32(2).u32(3)
    case("array_count_past_eof.gguf", img.data,
         f"offset {at}: array of 10 u32 elements needs at least 4 bytes each, only 12 bytes left")

    img = Image().header(0, 1)
    img.string("general.name").u32(STRING)
    at = img.here
    img.u64(1 << 63).raw(b"abcdefgh")
    case("string_length_2e63.gguf", img.data,
         f"offset {at}: string value length 9223372036854775808 runs past the end")

    img = Image().header(0, 1)
    img.string("a").u32(ARRAY).u32(U8)
    at = img.here
    img.u64(1 << 62).raw(b"abcdefgh")
    case("array_count_2e62.gguf", img.data, f"offset {at}: array of 4611686018427387904 u8")

    img = Image().header(0, 1)
    img.string("deep").u32(ARRAY)
    for _ in range(999):
        img.u32(ARRAY).u64(1)
    img.u32(U8).u64(0)
    # The ninth nested array's element type sits 12 bytes per level after the first array's.
    first = Image().header(0, 1).string("deep").u32(ARRAY).here
    case("nested_arrays_1000.gguf", img.data,
         f"offset {first + 8 * 12}: arrays nested deeper than 8")

    img = Image().header(0, 1)
    img.string("a")
    at = img.here
    img.u32(13).u32(0)
    case("unknown_value_type.gguf", img.data, f"offset {at}: key 'a': unknown value type 13")

    img = Image().header(0, 1)
    img.string("a").u32(ARRAY)
    at = img.here
    img.u32(42).u64(1).u32(0)
    case("unknown_array_element_type.gguf", img.data,
         f"offset {at}: unknown array element type 42")

    img = Image().header(0, 1)
    img.string("tokenizer.ggml.add_bos_token").u32(BOOL)
    at = img.here
    img.raw(b"\x07")
    case("bool_value_7.gguf", img.data, f"offset {at}: bool value 7 is neither 0 nor 1")

    img = Image().header(0, 1)
    at = img.here
    img.u64(0).u32(U8).raw(b"\x01").zeros(4)
    case("empty_key.gguf", img.data, f"offset {at}: metadata key 0 is empty")

    img = Image().header(0, 2)
    img.kv("general.name", STRING, "a")
    at = img.here
    img.kv("general.name", STRING, "b")
    case("duplicate_keys.gguf", img.data, f"offset {at}: duplicate metadata key 'general.name'")

    # --- alignment -----------------------------------------------------------------------------
    for name, vtype, value, expected in [
        ("alignment_wrong_type.gguf", U64, 32, "general.alignment has type u64, expected u32"),
        ("alignment_zero.gguf", U32, 0, "general.alignment = 0 is not a power of two"),
        ("alignment_three.gguf", U32, 3, "general.alignment = 3 is not a power of two"),
        ("alignment_too_large.gguf", U32, 1 << 17,
         "general.alignment = 131072 is not a power of two up to 65536"),
    ]:
        img = Image().header(1, 2)
        img.kv("general.architecture", STRING, "llama")
        at = img.here
        img.kv("general.alignment", vtype, value)
        img.tensor("w", [32], T_F32, 0).pad().zeros(128)
        case(name, img.data, f"offset {at}: {expected}")

    # --- tensor infos --------------------------------------------------------------------------
    img = Image().header(1, 0)
    img.string("weight.long.name.xyz").u32(2).u64(64)
    at = img.here
    img.raw(b"\x40\0\0\0")
    case("truncated_in_tensor_infos.gguf", img.data,
         f"offset {at}: truncated: expected tensor dimension (8 bytes)")

    def one_tensor(name, dims, ttype, data_bytes=256, n_dims=None, offset=0):
        """A file with one tensor info; returns (bytes, offset of n_dims, offset of type)."""
        img = Image().header(1, 0)
        img.string(name)
        dims_at = img.here
        img.u32(len(dims) if n_dims is None else n_dims)
        for d in dims:
            img.u64(d)
        type_at = img.here
        img.u32(ttype).u64(offset).pad().zeros(data_bytes)
        return img.data, dims_at, type_at

    data, _, type_at = one_tensor("w", [32], 99)
    case("tensor_type_unknown_99.gguf", data,
         f"offset {type_at}: tensor 'w': unknown ggml tensor type id 99")
    data, _, type_at = one_tensor("w", [256], T_Q5_K)
    case("tensor_type_q5_k.gguf", data,
         f"offset {type_at}: tensor 'w': ggml tensor type id 13 (q5_k) is not supported")
    data, dims_at, _ = one_tensor("w", [], T_F32, n_dims=0)
    case("n_dims_0.gguf", data, f"offset {dims_at}: tensor 'w': dimension count 0 (expected 1..4)")
    data, dims_at, _ = one_tensor("w", [1, 1, 1, 1, 1], T_F32)
    case("n_dims_5.gguf", data, f"offset {dims_at}: tensor 'w': dimension count 5 (expected 1..4)")
    data, dims_at, _ = one_tensor("w", [32, 0], T_F32)
    case("zero_dimension.gguf", data,
         f"offset {dims_at + 12}: tensor 'w': dimension 1 = 0 is zero")
    data, dims_at, _ = one_tensor("w", [1 << 32, 1 << 32], T_F32)
    case("dims_product_overflow.gguf", data,
         f"offset {dims_at + 12}: tensor 'w': dimension 1 = 4294967296 is zero or makes the "
         "element count overflow")
    data, dims_at, _ = one_tensor("w", [1 << 63], T_F32)
    case("dim_over_int64.gguf", data,
         f"offset {dims_at + 4}: tensor 'w': dimension 0 = 9223372036854775808")
    data, dims_at, _ = one_tensor("w", [1 << 62], T_F32)
    case("tensor_bytes_overflow.gguf", data, f"offset {dims_at}: tensor 'w': byte size overflows")
    data, dims_at, _ = one_tensor("w", [33, 2], T_Q8_0)
    case("q8_0_row_33.gguf", data,
         f"offset {dims_at}: tensor 'w': row length 33 is not a multiple of the q8_0 block size 32")

    img = Image().header(1, 0)
    at = img.here
    img.tensor("x" * 64, [32], T_F32, 0).pad().zeros(128)
    case("tensor_name_too_long.gguf", img.data,
         f"offset {at}: tensor name length 64 exceeds the limit of 63")

    img = Image().header(2, 0)
    img.tensor("w", [32], T_F32, 0)
    at = img.here
    img.tensor("w", [32], T_F32, 128).pad().zeros(256)
    case("duplicate_tensor_names.gguf", img.data, f"offset {at}: duplicate tensor name 'w'")

    # --- tensor data ---------------------------------------------------------------------------
    img, info_at = valid_f32_file()
    data = img.data[:len(img.data) - 100]
    case("truncated_in_tensor_data.gguf", data,
         f"offset {info_at}: tensor 'w': data [0, 0 + 256) runs past the end of the data section")

    img = Image().header(1, 0)
    at = img.here
    img.tensor("w", [64], T_F32, 1024).pad().zeros(256)
    case("tensor_data_past_eof.gguf", img.data,
         f"offset {at}: tensor 'w': data [1024, 1024 + 256) runs past the end of the data section")

    img = Image().header(1, 0)
    at = img.here
    img.tensor("w", [64], T_F32, 4).pad().zeros(512)
    case("tensor_offset_unaligned.gguf", img.data,
         f"offset {at}: tensor 'w': data offset 4 is not a multiple of the alignment 32")

    img = Image().header(2, 0)
    img.tensor("a", [64], T_F32, 0)
    at = img.here
    img.tensor("b", [64], T_F32, 128).pad().zeros(512)
    case("overlapping_tensors.gguf", img.data,
         f"offset {at}: tensor 'b' at data offset 128 overlaps tensor 'a' [0, 256)")

    img = Image().header(1, 0)
    at = img.here
    img.tensor("w", [8], T_F32, 0)
    end = img.here
    case("data_section_past_eof.gguf", img.data,
         f"offset {end}: data section would start at {(end + 31) // 32 * 32}, past the end")


def main():
    out_dir = os.path.dirname(os.path.abspath(__file__))
    build()
    for old in os.listdir(out_dir):
        if old.endswith(".gguf") and old not in CASES:
            os.remove(os.path.join(out_dir, old))
    for name, (data, _) in sorted(CASES.items()):
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    expected = {name: exp for name, (_, exp) in sorted(CASES.items())}
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(CASES)} files to {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
