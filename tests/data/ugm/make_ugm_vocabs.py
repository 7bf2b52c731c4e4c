#!/usr/bin/python3
"""Writes the SentencePiece unigram ("t5"/UGM) test vocabularies for tests/tokenize/vocab_vectors_test.cc.

Two vocab-only GGUFs (general.architecture "bert", no tensors) over one made-up piece list:
  ggml-vocab-ugm-xlmr.gguf  XLM-RoBERTa layout (<s> <pad> </s> <unk> first, <s> text </s>), add_space_prefix
                            and remove_extra_whitespaces on, and a precompiled charsmap built here: full-width
                            letters and digits, ligatures, half-width katakana (with two-character keys for the
                            voiced marks), tab/newline/CR-LF/U+3000/U+00A0 to a space, U+200B deleted, and
                            "e" + combining acute composed.
  ggml-vocab-ugm-t5.gguf    T5 layout (<pad> </s> <unk> first, no id keys but the padding one, so llama.cpp's
                            T5 defaults apply), add_space_prefix on, remove_extra_whitespaces off, the same
                            charsmap, and user-defined pieces <extra_id_N> and "ﬁx" (see t5_vocab).
and, for each, FILE.inp with the texts of TEXTS (each followed by a line "__ggml_vocab_test__").

With --llama-tokenize PATH it also writes FILE.out: one line per text with the ids llama.cpp's llama-tokenize
gives (add_special and parse_special off), the oracle the C++ test compares against. Run from anywhere:
    /usr/bin/python3 tests/data/ugm/make_ugm_vocabs.py --llama-tokenize /path/to/bin/llama-tokenize

The charsmap layout (see src/tokenize/charsmap.h) is built independently of the C++ code: a byte trie laid out
breadth first into a double array, each node's children at the lowest free base.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import struct
import subprocess
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SEPARATOR = "\n__ggml_vocab_test__\n"
SP = "\u2581"

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED = 1, 2, 3, 4, 5

# GGUF metadata value types.
U8, U32, I32, F32, BOOL, STRING, ARRAY = 0, 4, 5, 6, 7, 8, 9

WORDS = """the a hello world is this test of and to in it you how are quick brown fox jumps over lazy dog find
flow fine file full width zero cafe café int main return new line text one two three ok no yes name say
""".split()
CAPITALIZED = "Hello The It How I World Test".split()
SUBWORDS = """he ll llo lo wor ld ing ed er th re es st ne le ow un able ion 's ve ly fi fl ff ffi ul id
ca fe ro ze xt ex in at on an or en is it al ar""".split()
DIGITS = "12 123 100 20 24 2024 00 99".split()
PUNCT = list(".,!?'\"-:;()[]{}/@#$%&*+=<>_~|\\`^")
CJK = "你 好 世 界 你好 世界 日 本 語 日本 日本語 の テ キ ス ト テキスト カ ガ ギ".split()


def pieces() -> list[tuple[str, float, int]]:
    """(text, score, type) of the shared pieces, most frequent first (higher score)."""
    out: list[tuple[str, float, int]] = [(SP, -2.0, NORMAL)]
    for i, w in enumerate(WORDS + CAPITALIZED):
        out.append((SP + w, -(4.0 + 0.125 * i), NORMAL))
    for i, w in enumerate(SUBWORDS):
        out.append((w, -(5.0 + 0.0625 * i), NORMAL))
    for i, d in enumerate(DIGITS):
        out.append((d, -(6.0 + 0.25 * i), NORMAL))
    out.append((SP + "1", -6.5, NORMAL))
    out.append((SP + "(", -6.75, NORMAL))
    for i, c in enumerate("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
        out.append((c, -(8.0 + 0.03125 * i), NORMAL))
    for i, c in enumerate(PUNCT):
        out.append((c, -(9.0 + 0.03125 * i), NORMAL))
    for i, c in enumerate(CJK):
        out.append((c, -(7.0 + 0.125 * i), NORMAL))
    out.append((SP + "你好", -6.0, NORMAL))
    out.append(("é", -7.5, NORMAL))
    out.append(("\u0301", -11.0, NORMAL))  # a lone combining acute
    out.append(("[PAD5]", -10000.0, UNUSED))
    out.append(("\u2603", -10000.0, UNUSED))  # ☃: unused, yet it covers the character
    return out


def charsmap_mappings() -> list[tuple[str, str]]:
    m: list[tuple[str, str]] = []
    for i in range(26):
        m.append((chr(0xFF41 + i), chr(ord("a") + i)))  # ａ..ｚ
        m.append((chr(0xFF21 + i), chr(ord("A") + i)))  # Ａ..Ｚ
    for i in range(10):
        m.append((chr(0xFF10 + i), chr(ord("0") + i)))  # ０..９
    m += [("\uff01", "!"), ("\uff1f", "?"), ("\uff0c", ","), ("\uff0d", "-")]
    m += [("\ufb01", "fi"), ("\ufb02", "fl"), ("\ufb00", "ff"), ("\ufb03", "ffi")]
    m += [("\t", " "), ("\n", " "), ("\r\n", " "), ("\u3000", " "), ("\u00a0", " "), ("\u2002", " ")]
    m += [("\u200b", "")]
    m += [("\uff76", "カ"), ("\uff77", "キ"), ("\uff76\uff9e", "ガ"), ("\uff77\uff9e", "ギ"),
          ("\uff83", "テ"), ("\uff7d", "ス"), ("\uff84", "ト")]
    m += [("\u2460", "1"), ("\u2026", "..."), ("\u00a8", " \u0308"), ("e\u0301", "é")]
    return m


def build_charsmap(mappings: list[tuple[str, str]]) -> bytes:
    strings = bytearray()
    root: dict = {}
    for key, replacement in mappings:
        assert "\0" not in key  # the value takes the children's label-0 slot, as in Darts
        node = root
        for b in key.encode("utf-8"):
            node = node.setdefault(b, {})
        node[None] = len(strings)  # the value: where the replacement starts
        strings += replacement.encode("utf-8") + b"\0"

    units = [0]
    used = {0}
    bases: set[int] = set()

    def node_unit(label: int, leaf: bool, offset: int) -> int:
        assert offset < (1 << 21)
        return label | (int(leaf) << 8) | (offset << 10)

    queue = [(root, 0)]
    for node, at in queue:
        labels = sorted(k for k in node if k is not None)
        has_value = None in node
        if not labels and not has_value:
            continue
        base = 1
        while (base in bases or (has_value and base in used)
               or any((base ^ c) in used for c in labels)):
            base += 1
        bases.add(base)
        needed = max([base] + [base ^ c for c in labels]) + 1
        units += [0] * max(0, needed - len(units))
        label = 0 if at == 0 else units[at] & 0xFF
        units[at] = node_unit(label, has_value, at ^ base)
        if has_value:
            units[base] = (1 << 31) | node[None]
            used.add(base)
        for c in labels:
            units[base ^ c] = node_unit(c, False, 0)
            used.add(base ^ c)
            queue.append((node[c], base ^ c))
    trie = b"".join(struct.pack("<I", u) for u in units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def gguf_bytes(kv: list[tuple[str, int, object]]) -> bytes:
    """A GGUF v3 file with metadata only. Array values are (element_type, items)."""

    def string(s: str | bytes) -> bytes:
        b = s.encode("utf-8") if isinstance(s, str) else s
        return struct.pack("<Q", len(b)) + b

    scalar = {U8: "<B", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?"}

    def value(t: int, v: object) -> bytes:
        if t == STRING:
            return string(v)  # type: ignore[arg-type]
        if t == ARRAY:
            et, items = v  # type: ignore[misc]
            body = b"".join(value(et, x) for x in items)
            return struct.pack("<IQ", et, len(items)) + body
        return struct.pack(scalar[t], v)

    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv)))
    for key, t, v in kv:
        out += string(key) + struct.pack("<I", t) + value(t, v)
    return bytes(out)


def bert_header(name: str) -> list[tuple[str, int, object]]:
    # What llama.cpp reads for a "bert" model before its vocabulary (a vocab-only load).
    return [
        ("general.architecture", STRING, "bert"),
        ("general.name", STRING, name),
        ("bert.block_count", U32, 1),
        ("bert.context_length", U32, 512),
        ("bert.embedding_length", U32, 16),
        ("bert.feed_forward_length", U32, 32),
        ("bert.attention.head_count", U32, 2),
        ("bert.attention.layer_norm_epsilon", F32, 1e-5),
        ("bert.attention.causal", BOOL, False),
        ("tokenizer.ggml.token_type_count", U32, 1),
    ]


def vocab_kv(tokens: list[tuple[str, float, int]]) -> list[tuple[str, int, object]]:
    return [
        ("tokenizer.ggml.model", STRING, "t5"),
        ("tokenizer.ggml.pre", STRING, "default"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, [t for t, _, _ in tokens])),
        ("tokenizer.ggml.scores", ARRAY, (F32, [s for _, s, _ in tokens])),
        ("tokenizer.ggml.token_type", ARRAY, (I32, [k for _, _, k in tokens])),
    ]


def xlmr_vocab() -> bytes:
    tokens = [("<s>", 0.0, CONTROL), ("<pad>", 0.0, CONTROL), ("</s>", 0.0, CONTROL),
              ("<unk>", 0.0, UNKNOWN)] + pieces() + [("<ud>", -1000.0, USER_DEFINED),
                                                     ("<mask>", 0.0, CONTROL)]
    kv = bert_header("ugm-xlmr") + vocab_kv(tokens) + [
        ("tokenizer.ggml.add_space_prefix", BOOL, True),
        ("tokenizer.ggml.remove_extra_whitespaces", BOOL, True),
        ("tokenizer.ggml.precompiled_charsmap", ARRAY, (U8, list(build_charsmap(charsmap_mappings())))),
        ("tokenizer.ggml.bos_token_id", U32, 0),
        ("tokenizer.ggml.eos_token_id", U32, 2),
        ("tokenizer.ggml.unknown_token_id", U32, 3),
        ("tokenizer.ggml.padding_token_id", U32, 1),
        ("tokenizer.ggml.seperator_token_id", U32, 2),
        ("tokenizer.ggml.cls_token_id", U32, 0),
        ("tokenizer.ggml.mask_token_id", U32, len(tokens) - 1),
        ("tokenizer.ggml.add_bos_token", BOOL, True),
        ("tokenizer.ggml.add_eos_token", BOOL, True),
    ]
    return gguf_bytes(kv)


def t5_vocab() -> bytes:
    tokens = [("<pad>", 0.0, CONTROL), ("</s>", 0.0, CONTROL), ("<unk>", 0.0, UNKNOWN)] + pieces()
    # "ﬁx": llama.cpp copies any input bytes that begin a user-defined piece unnormalized, so here
    # every character whose UTF-8 starts with EF (full-width forms, ligatures, half-width kana)
    # takes that path; the ids show the C++ side follows it.
    tokens += [("<extra_id_0>", -1000.0, USER_DEFINED), ("<extra_id_1>", -1000.0, USER_DEFINED),
               ("\ufb01x", -1000.0, USER_DEFINED)]
    kv = bert_header("ugm-t5") + vocab_kv(tokens) + [
        ("tokenizer.ggml.add_space_prefix", BOOL, True),
        ("tokenizer.ggml.remove_extra_whitespaces", BOOL, False),
        ("tokenizer.ggml.precompiled_charsmap", ARRAY, (U8, list(build_charsmap(charsmap_mappings())))),
        ("tokenizer.ggml.padding_token_id", U32, 0),
    ]
    return gguf_bytes(kv)


TEXTS: list[str | bytes] = [
    "",
    "hello world",
    "Hello world",
    " Hello world",
    "Hello world ",
    "   Hello   world   ",
    "Hello\nworld",
    "Hello\n\nworld\n",
    "\n",
    "\tHello\tworld\t",
    "a\r\nb",
    "a\rb",
    "   ",
    "Hello, world! How are you?",
    "It's 2024-12-07: 100% (test).",
    "1234567890",
    "int main() { return 0; }",
    "The quick brown fox jumps over the lazy dog.",
    "Supercalifragilistic",
    "你好世界",
    "你好 世界",
    "日本語のテキスト",
    "\U0001F600",
    "\U0001F600\U0001F600 x \U0001F600",
    "a\U0001F600b",
    "\uff46\uff55\uff4c\uff4c\uff0d\uff57\uff49\uff44\uff54\uff48 \uff21\uff22\uff23 \uff11\uff12\uff13",
    "\ufb01nd the \ufb02ow",
    "\ufb01ne",
    "\ufb03 \ufb00",
    "\uff76\uff9e\uff77\uff9e \uff83\uff77\uff7d\uff84",
    "a\u3000b\u00a0c\u2002d",
    "zero\u200bwidth",
    "caf\u00e9 cafe\u0301",
    "\u2460\u2026\u00a8",
    "x<ud>y",
    "</s> and <s>",
    "<extra_id_0> x",
    "\u2603",
    "[PAD5]",
    "e",
    "a\u2581b \u2581",
    " \n Hello \t",
    "hello " * 40,
    # Ill-formed UTF-8 (written as raw bytes): each byte that starts no well-formed sequence becomes
    # U+FFFD; llama.cpp checks only the shape, so an overlong form passes.
    b"\xff",
    b"a\x80b",
    b"\xc3( ok",
    b"\xe2\x96",
    b"\xc0\x80 ok",
    b"abc\xf0\x9f\x98",
    b"\xf8\x88\x80\x80\x80",
]


def raw(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def write_inp(path: pathlib.Path) -> None:
    with open(path, "wb") as f:
        for text in TEXTS:
            f.write(raw(text) + SEPARATOR.encode("utf-8"))


def llama_ids(binary: str, model: pathlib.Path, text: str | bytes) -> list[int]:
    with tempfile.NamedTemporaryFile("wb", delete=False) as f:
        f.write(raw(text))
        prompt = f.name
    try:
        # add_special and parse_special off, the input bytes verbatim.
        command = [binary, "-m", str(model), "-f", prompt, "--no-escape", "--no-bos", "--no-parse-special",
                   "--ids", "--log-disable"]
        run = subprocess.run(command, check=True, capture_output=True, text=True)
    finally:
        os.unlink(prompt)
    line = run.stdout.strip().splitlines()[-1]
    assert line.startswith("[") and line.endswith("]"), run.stdout
    return [int(x) for x in line[1:-1].split(",") if x.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-tokenize", help="llama.cpp's llama-tokenize, to write the .out files")
    args = parser.parse_args()
    for name, data in (("ggml-vocab-ugm-xlmr.gguf", xlmr_vocab()), ("ggml-vocab-ugm-t5.gguf", t5_vocab())):
        path = HERE / name
        path.write_bytes(data)
        write_inp(HERE / (name + ".inp"))
        if args.llama_tokenize:
            lines = [" ".join(str(i) for i in llama_ids(args.llama_tokenize, path, t)) for t in TEXTS]
            (HERE / (name + ".out")).write_text("".join(line + "\n" for line in lines))
        print(f"wrote {path} ({len(data)} bytes, {len(TEXTS)} texts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
