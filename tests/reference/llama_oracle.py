#!/usr/bin/python3
"""Plain NumPy forward pass of llama-family decoders (llama, qwen2, qwen3) over a GGUF file, in float64.

Independent of the C++ engine: it reads weights through gguf_oracle (its own GGUF reader and
dequantizers) and follows the published model definitions:
  x = token_embd[ids]
  per layer: h = rmsnorm(x) * attn_norm; q,k,v = Wq h (+bq), Wk h (+bk), Wv h (+bv)
             rope(q, k) at each position: llama rotates adjacent pairs (x[2i], x[2i+1]) (the GGUF
             converter permuted Q/K into that order), qwen2 rotates NEOX pairs (x[i], x[i+n_rot/2]);
             theta_i = pos * freq_scale * base^(-2i/n_rot) / rope_freqs[i] (llama 3.1's factors,
             when the file has rope_freqs.weight)
             qwen3: before RoPE each query and key head is RMS-normalised over head_dim
             (attn_q_norm / attn_k_norm); its head size is attention.key_length, not dim / heads
             causal softmax(q k^T / sqrt(head_dim)) v, query head h reads KV head h // (n_head/n_kv)
             x += Wo attn; x += Wdown(silu(Wgate rmsnorm(x)*ffn_norm) * Wup rmsnorm(x)*ffn_norm)
  logits = Woutput (rmsnorm(x) * output_norm), output tied to token_embd when absent.
"""

from __future__ import annotations

import numpy as np

import gguf_oracle


def _rmsnorm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def _rope(x: np.ndarray, positions: np.ndarray, n_rot: int, base: float, scale: float,
          neox: bool, factors: np.ndarray | None = None) -> np.ndarray:
    """x: [T, heads, head_dim]."""
    half = n_rot // 2
    inv = base ** (-2.0 * np.arange(half) / n_rot)
    if factors is not None:
        inv = inv / factors
    theta = (positions[:, None] * scale) * inv[None, :]  # [T, half]
    cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
    out = x.copy()
    if neox:
        a, b = x[..., :half], x[..., half:2 * half]
        out[..., :half] = a * cos - b * sin
        out[..., half:2 * half] = a * sin + b * cos
    else:
        a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
        out[..., 0:n_rot:2] = a * cos - b * sin
        out[..., 1:n_rot:2] = a * sin + b * cos
    return out


def forward(path: str, ids: list[int]) -> np.ndarray:
    """Logits [len(ids), vocab] for one sequence starting at position 0."""
    f = gguf_oracle.GGUFFile(path)
    arch = f.architecture
    if arch not in ("llama", "qwen2", "qwen3"):
        raise ValueError(f"{path}: architecture {arch!r} is not llama, qwen2 or qwen3")

    def w(name: str) -> np.ndarray:
        return f.tensor(name).dequantize().astype(np.float64)

    n_layers = f.get(f"{arch}.block_count")
    n_head = f.get(f"{arch}.attention.head_count")
    n_kv = f.get(f"{arch}.attention.head_count_kv", n_head)
    dim = f.get(f"{arch}.embedding_length")
    head_dim = f.get(f"{arch}.attention.key_length", dim // n_head)
    eps = f.get(f"{arch}.attention.layer_norm_rms_epsilon", 1e-5)
    base = f.get(f"{arch}.rope.freq_base", 10000.0)
    n_rot = f.get(f"{arch}.rope.dimension_count", head_dim)
    scale = 1.0
    if f.get(f"{arch}.rope.scaling.type") == "linear":
        scale = 1.0 / f.get(f"{arch}.rope.scaling.factor")
    neox = arch in ("qwen2", "qwen3")
    factors = w("rope_freqs.weight") if "rope_freqs.weight" in f.tensor_names() else None

    T = len(ids)
    pos = np.arange(T, dtype=np.float64)
    x = w("token_embd.weight")[ids]  # [T, dim]
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    for l in range(n_layers):
        p = f"blk.{l}."
        h = _rmsnorm(x, w(p + "attn_norm.weight"), eps)
        q, k, v = h @ w(p + "attn_q.weight").T, h @ w(p + "attn_k.weight").T, h @ w(p + "attn_v.weight").T
        if arch == "qwen2":
            q, k, v = q + w(p + "attn_q.bias"), k + w(p + "attn_k.bias"), v + w(p + "attn_v.bias")
        q, k = q.reshape(T, n_head, head_dim), k.reshape(T, n_kv, head_dim)
        if arch == "qwen3":
            q = _rmsnorm(q, w(p + "attn_q_norm.weight"), eps)
            k = _rmsnorm(k, w(p + "attn_k_norm.weight"), eps)
        q = _rope(q, pos, n_rot, base, scale, neox, factors)
        k = _rope(k, pos, n_rot, base, scale, neox, factors)
        v = v.reshape(T, n_kv, head_dim)
        group = n_head // n_kv
        att = np.empty((T, n_head, head_dim))
        for hh in range(n_head):
            s = q[:, hh, :] @ k[:, hh // group, :].T / np.sqrt(head_dim) + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            att[:, hh, :] = s @ v[:, hh // group, :]
        x = x + att.reshape(T, n_head * head_dim) @ w(p + "attn_output.weight").T
        h = _rmsnorm(x, w(p + "ffn_norm.weight"), eps)
        gate = h @ w(p + "ffn_gate.weight").T
        up = h @ w(p + "ffn_up.weight").T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w(p + "ffn_down.weight").T
    x = _rmsnorm(x, w("output_norm.weight"), eps)
    out = w("output.weight") if "output.weight" in f.tensor_names() else w("token_embd.weight")
    return x @ out.T
