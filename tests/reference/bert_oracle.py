#!/usr/bin/python3
"""Plain NumPy BERT-family encoder (embeddings and cross-encoder scores) and WordPiece tokenizer over a GGUF file.

Independent of the C++ engine: weights come through gguf_oracle (its own GGUF reader and dequantizers),
the tokenizer is written from Hugging Face's BasicTokenizer + WordpieceTokenizer description using
Python's unicodedata, and the forward pass follows the published definitions in float64.
BERT (general.architecture "bert"; XLM-RoBERTa files are the same with one token type):
  x = LayerNorm(token_embd[ids] + token_types[types] + position_embd[0..T-1])
  per layer (post-LN): a = softmax(q k^T / sqrt(head_dim)) v per head, with q,k,v = x W^T + b
                       x = LayerNorm(x + (a Wo^T + bo));  x = LayerNorm(x + gelu_erf(x Wup^T + bup) Wdown^T + bdown)
nomic-bert (Nomic's NomicBertModel: modeling_hf_nomic_bert.py), where it differs:
  x = LayerNorm(token_embd[ids] + token_types[types]), no position table
  q, k, v = the rows of x Wqkv^T; q and k rotated by rotary embeddings, non-interleaved (rotate_half: element
  i pairs with i + rot/2, angle pos * base^(-2i/rot), base = nomic-bert.rope.freq_base)
  x = LayerNorm(x + a Wo^T);  x = LayerNorm(x + (fc11(x) * silu(fc12(x))) Wdown^T), fc11 = ffn_up, fc12 = ffn_gate
  (no biases anywhere except the LayerNorms)
pooling: mean over all tokens ([CLS] and [SEP] included), cls = x[0], last = x[-1], none = every x[t];
embeddings are L2-normalized; rank: score = cls.output(tanh(cls x[0] + b)) + b_out, first output.
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np

import gguf_oracle

WORD_PREFIX = "\u2581"  # BERT GGUFs mark word-initial pieces with it; "##" continuation marks are removed
MAX_WORD_CHARS = 100
POOLING = {0: "none", 1: "mean", 2: "cls", 3: "last", 4: "rank"}

_WHITESPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F,
               0x3000} | set(range(0x2000, 0x200B))
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK)


def basic_words(text: str) -> list[str]:
    """Clean, lowercase, strip accents (NFD minus Mn), split on white space, punctuation and CJK ideographs."""
    words: list[str] = []
    in_word = False
    for ch in text:
        if ord(ch) in _WHITESPACE:
            in_word = False
            continue
        for c in unicodedata.normalize("NFD", ch.lower()):
            cp = ord(c)
            cat = unicodedata.category(c)
            if cp in _WHITESPACE:
                in_word = False
                continue
            if cp in (0, 0xFFFD) or cat in ("Cc", "Cf", "Cs", "Co", "Mn"):
                continue
            if cat.startswith("P") or (cp < 0x80 and cat.startswith("S")) or _is_cjk(cp):
                words.append(c)
                in_word = False
            elif in_word:
                words[-1] += c
            else:
                words.append(c)
                in_word = True
    return words


class WordPiece:
    def __init__(self, f: gguf_oracle.GGUFFile):
        tokens = f.get("tokenizer.ggml.tokens")
        self.ids = {}
        for i, t in enumerate(tokens):
            self.ids[t] = i  # duplicates: the last id wins, as llama.cpp
        self.unk = f.get("tokenizer.ggml.unknown_token_id", self.ids.get("[UNK]"))
        self.cls = f.get("tokenizer.ggml.cls_token_id", self.ids.get("[CLS]"))
        self.sep = f.get("tokenizer.ggml.seperator_token_id", self.ids.get("[SEP]"))
        self.max_len = max(len(t) for t in tokens)

    def word(self, w: str) -> list[int]:
        if len(w) > MAX_WORD_CHARS:
            return [self.unk]
        s = WORD_PREFIX + w
        out, start = [], 0
        while start < len(s):
            for end in range(min(len(s), start + self.max_len), start, -1):
                if s[start:end] in self.ids:
                    out.append(self.ids[s[start:end]])
                    start = end
                    break
            else:
                return [self.unk]
        return out

    def encode(self, text: str) -> list[int]:
        return [i for w in basic_words(text) for i in self.word(w)]


def frame_text(tok: WordPiece, text: str, context: int) -> tuple[list[int], list[int]]:
    ids = tok.encode(text)[: context - 2]
    seq = [tok.cls] + ids + [tok.sep]
    return seq, [0] * len(seq)


def frame_pair(tok: WordPiece, query: str, doc: str, context: int, n_types: int) -> tuple[list[int], list[int]]:
    q, d = tok.encode(query), tok.encode(doc)
    budget = context - 3
    if len(q) + len(d) > budget:  # Hugging Face's "longest_first" for pairs, ties count the query shorter
        short, long_ = sorted((len(q), len(d)))
        if 2 * short <= budget:
            long_ = budget - short
        else:
            short, long_ = budget // 2, budget // 2 + budget % 2
        nq, nd = (short, long_) if len(q) <= len(d) else (long_, short)
        q, d = q[:nq], d[:nd]
    seq = [tok.cls] + q + [tok.sep] + d + [tok.sep]
    b = 1 if n_types >= 2 else 0
    return seq, [0] * (len(q) + 2) + [b] * (len(d) + 1)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


_erf = np.vectorize(math.erf)


def _rotate(x: np.ndarray, positions: np.ndarray, n_head: int, rot: int, base: float) -> np.ndarray:
    """Rotary embedding over [T, n_head * hd], non-interleaved: x[i] pairs with x[i + rot/2] in each head."""
    T, width = x.shape
    hd = width // n_head
    half = rot // 2
    inv_freq = base ** (-np.arange(0, rot, 2, dtype=np.float64) / rot)
    angles = positions[:, None].astype(np.float64) * inv_freq[None, :]  # [T, half]
    cos, sin = np.cos(angles)[:, None, :], np.sin(angles)[:, None, :]
    h = x.reshape(T, n_head, hd).copy()
    a, b = h[:, :, :half].copy(), h[:, :, half:rot].copy()
    h[:, :, :half] = a * cos - b * sin
    h[:, :, half:rot] = b * cos + a * sin
    return h.reshape(T, width)


class Bert:
    def __init__(self, path: str):
        self.f = gguf_oracle.GGUFFile(path)
        f = self.f
        self.arch = f.architecture
        if self.arch not in ("bert", "nomic-bert"):
            raise ValueError(f"{path}: architecture {self.arch!r} is not bert or nomic-bert")
        a = self.arch
        self.n_layers = f.get(f"{a}.block_count")
        self.n_head = f.get(f"{a}.attention.head_count")
        self.dim = f.get(f"{a}.embedding_length")
        self.context = f.get(f"{a}.context_length")
        self.eps = f.get(f"{a}.attention.layer_norm_epsilon", 1e-12)
        self.pooling = POOLING.get(f.get(f"{a}.pooling_type"))
        self.rope_base = f.get(f"{a}.rope.freq_base", 10000.0)
        self.rope_dims = f.get(f"{a}.rope.dimension_count", self.dim // self.n_head)
        # Only WordPiece vocabularies are tokenized here; others run from ids (states, pooled).
        self.tok = WordPiece(f) if f.get("tokenizer.ggml.model") == "bert" else None
        self.names = set(f.tensor_names())
        self._cache: dict = {}
        self.n_types = self.w("token_types.weight").shape[0] if "token_types.weight" in self.names else 0

    def w(self, name: str) -> np.ndarray:
        """A tensor dequantized to float64 (once: texts share the weights)."""
        if name not in self._cache:
            self._cache[name] = self.f.tensor(name).dequantize().astype(np.float64)
        return self._cache[name]

    def lin(self, name: str, h: np.ndarray) -> np.ndarray:
        """h W^T, plus the bias where the file has one."""
        out = h @ self.w(name + ".weight").T
        return out + self.w(name + ".bias") if name + ".bias" in self.names else out

    def states(self, ids: list[int], types: list[int] | None = None) -> np.ndarray:
        """Final hidden states [T, dim] of one sequence."""
        T, hd, D = len(ids), self.dim // self.n_head, self.dim
        types = types if types is not None else [0] * T
        rotary = "position_embd.weight" not in self.names
        x = self.w("token_embd.weight")[ids]
        if not rotary:
            x = x + self.w("position_embd.weight")[:T]
        if self.n_types:
            x = x + self.w("token_types.weight")[types]
        x = _layer_norm(x, self.w("token_embd_norm.weight"), self.w("token_embd_norm.bias"), self.eps)
        for l in range(self.n_layers):
            p = f"blk.{l}."
            if p + "attn_qkv.weight" in self.names:
                qkv = self.lin(p + "attn_qkv", x)
                q, k, v = qkv[:, :D], qkv[:, D:2 * D], qkv[:, 2 * D:]
            else:
                q, k, v = self.lin(p + "attn_q", x), self.lin(p + "attn_k", x), self.lin(p + "attn_v", x)
            if rotary:
                pos = np.arange(T)
                q = _rotate(q, pos, self.n_head, self.rope_dims, self.rope_base)
                k = _rotate(k, pos, self.n_head, self.rope_dims, self.rope_base)
            q, k, v = (t.reshape(T, self.n_head, hd) for t in (q, k, v))
            att = np.empty((T, self.n_head, hd))
            for h in range(self.n_head):
                s = q[:, h, :] @ k[:, h, :].T / math.sqrt(hd)
                s = np.exp(s - s.max(axis=-1, keepdims=True))
                s /= s.sum(axis=-1, keepdims=True)
                att[:, h, :] = s @ v[:, h, :]
            x = _layer_norm(x + self.lin(p + "attn_output", att.reshape(T, D)),
                            self.w(p + "attn_output_norm.weight"), self.w(p + "attn_output_norm.bias"), self.eps)
            if p + "ffn_gate.weight" in self.names:
                gate = self.lin(p + "ffn_gate", x)
                hidden = self.lin(p + "ffn_up", x) * (gate / (1.0 + np.exp(-gate)))
            else:
                up = self.lin(p + "ffn_up", x)
                hidden = 0.5 * up * (1.0 + _erf(up / math.sqrt(2.0)))
            x = _layer_norm(x + self.lin(p + "ffn_down", hidden),
                            self.w(p + "layer_output_norm.weight"), self.w(p + "layer_output_norm.bias"), self.eps)
        return x

    def pool(self, x: np.ndarray, pooling: str) -> np.ndarray:
        return {"mean": lambda: x.mean(axis=0), "cls": lambda: x[0], "last": lambda: x[-1], "none": lambda: x}[pooling]()

    def score(self, h_cls: np.ndarray) -> np.ndarray:
        """The reranker head's outputs for a [CLS] state."""
        if "cls.weight" in self.names:
            h_cls = np.tanh(self.w("cls.weight") @ h_cls + self.w("cls.bias"))
        return self.w("cls.output.weight") @ h_cls + self.w("cls.output.bias")

    def pooled(self, sequences: list[list[int]], pooling: str) -> list[np.ndarray]:
        """Unnormalized rows per id sequence (all token type 0): pooled vectors, token rows for none, head
        outputs for rank."""
        out = []
        for ids in sequences:
            x = self.states(ids)
            out.append(self.score(x[0]) if pooling == "rank" else self.pool(x, pooling))
        return out

    def embed(self, texts: list[str], pooling: str | None = None, normalize: bool = True) -> list[np.ndarray]:
        """One vector per text ([tokens, dim] for pooling none)."""
        pooling = pooling or self.pooling
        out = []
        for text in texts:
            ids, types = frame_text(self.tok, text, self.context)
            v = self.pool(self.states(ids, types), pooling)
            if normalize:
                v = v / np.linalg.norm(v, axis=-1, keepdims=True)
            out.append(v)
        return out

    def rerank(self, query: str, docs: list[str]) -> np.ndarray:
        scores = []
        for doc in docs:
            ids, types = frame_pair(self.tok, query, doc, self.context, self.n_types)
            scores.append(self.score(self.states(ids, types)[0])[0])
        return np.array(scores)
