#!/usr/bin/python3
"""Plain NumPy forward pass of decoders (llama, qwen2, qwen3, gemma2, gemma3, phi3) over a GGUF file, in float64.

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

Gemma 2 / 3 (Google's reference, gemma_pytorch): x = token_embd[ids] * sqrt(dim); NEOX rotation;
  queries scaled by 1/sqrt(head_dim) (the 27B models: 1/sqrt(dim/heads), recognised by their depth,
  46 / 62 layers); attention output and FFN output each RMS-normalised (post_attention_norm,
  post_ffw_norm) before the residual add; FFN = down(gelu_tanh(gate) * up); layer l is local
  (attends to the last attention.sliding_window positions) when l % period < period - 1, period 2
  (gemma2) or 6 (gemma3); gemma2 soft-caps scores, cap * tanh(s / cap), cap attn_logit_softcapping
  (50), and both soft-cap the logits with final_logit_softcapping (gemma2 default 30); gemma3 adds
  qwen3's QK-norm, and its local layers rotate with rope.freq_base_swa (10000) and no scaling.
  The GGUF norm weights already hold Gemma's (1 + w).
Phi-3 (Microsoft's reference): attn_qkv holds the Q, K, V rows; ffn_up holds the gate rows then the
  up rows; LongRoPE divides theta_i by rope_factors_long[i] when the context (the model's) exceeds
  rope.scaling.original_context_length, else by rope_factors_short[i], and multiplies cos and sin
  by rope.scaling.attn_factor.
"""

from __future__ import annotations

import numpy as np

import gguf_oracle


def _rmsnorm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def _rope(x: np.ndarray, positions: np.ndarray, n_rot: int, base: float, scale: float,
          neox: bool, factors: np.ndarray | None = None, attn_factor: float = 1.0) -> np.ndarray:
    """x: [T, heads, head_dim]."""
    half = n_rot // 2
    inv = base ** (-2.0 * np.arange(half) / n_rot)
    if factors is not None:
        inv = inv / factors
    theta = (positions[:, None] * scale) * inv[None, :]  # [T, half]
    cos, sin = np.cos(theta)[:, None, :] * attn_factor, np.sin(theta)[:, None, :] * attn_factor
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
    if arch not in ("llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3"):
        raise ValueError(f"{path}: architecture {arch!r} is not a supported decoder")
    gemma = arch in ("gemma2", "gemma3")

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
    neox = arch != "llama"
    names = f.tensor_names()
    factors = w("rope_freqs.weight") if "rope_freqs.weight" in names else None
    if arch == "phi3" and "rope_factors_long.weight" in names:
        original = f.get(f"{arch}.rope.scaling.original_context_length", f.get(f"{arch}.context_length"))
        long = f.get(f"{arch}.context_length") > original
        factors = w("rope_factors_long.weight" if long else "rope_factors_short.weight")
    attn_factor = f.get(f"{arch}.rope.scaling.attn_factor", 1.0)
    q_scale = 1.0 / np.sqrt(head_dim)
    if (arch, n_layers) in (("gemma2", 46), ("gemma3", 62)):
        q_scale = 1.0 / np.sqrt(dim // n_head)
    attn_cap = f.get(f"{arch}.attn_logit_softcapping", 50.0) if arch == "gemma2" else 0.0
    final_cap = f.get(f"{arch}.final_logit_softcapping", 30.0 if arch == "gemma2" else 0.0) if gemma else 0.0
    window = f.get(f"{arch}.attention.sliding_window", 4096 if arch == "gemma2" else 0) if gemma else 0
    period = f.get(f"{arch}.attention.sliding_window_pattern", 2 if arch == "gemma2" else 6)
    local_base = f.get(f"{arch}.rope.freq_base_swa", 10000.0)

    T = len(ids)
    pos = np.arange(T, dtype=np.float64)
    x = w("token_embd.weight")[ids]  # [T, dim]
    if gemma:
        x = x * np.sqrt(dim)
    causal = np.triu(np.full((T, T), -np.inf), k=1)
    # Sliding window: query at p sees keys p - window + 1 .. p.
    far = np.tril(np.full((T, T), -np.inf), k=-window) if window > 0 else np.zeros((T, T))
    q_dim, kv_dim = n_head * head_dim, n_kv * head_dim
    for l in range(n_layers):
        p = f"blk.{l}."
        local = window > 0 and (period == 0 or l % period < period - 1)
        h = _rmsnorm(x, w(p + "attn_norm.weight"), eps)
        if arch == "phi3":
            qkv = h @ w(p + "attn_qkv.weight").T
            q, k, v = qkv[:, :q_dim], qkv[:, q_dim:q_dim + kv_dim], qkv[:, q_dim + kv_dim:]
        else:
            q, k, v = h @ w(p + "attn_q.weight").T, h @ w(p + "attn_k.weight").T, h @ w(p + "attn_v.weight").T
        if arch == "qwen2":
            q, k, v = q + w(p + "attn_q.bias"), k + w(p + "attn_k.bias"), v + w(p + "attn_v.bias")
        q, k = q.reshape(T, n_head, head_dim), k.reshape(T, n_kv, head_dim)
        if arch in ("qwen3", "gemma3"):
            q = _rmsnorm(q, w(p + "attn_q_norm.weight"), eps)
            k = _rmsnorm(k, w(p + "attn_k_norm.weight"), eps)
        if arch == "gemma3" and local:
            layer_base, layer_scale = local_base, 1.0
        else:
            layer_base, layer_scale = base, scale
        q = _rope(q, pos, n_rot, layer_base, layer_scale, neox, factors, attn_factor)
        k = _rope(k, pos, n_rot, layer_base, layer_scale, neox, factors, attn_factor)
        v = v.reshape(T, n_kv, head_dim)
        group = n_head // n_kv
        mask = causal + far if local else causal
        att = np.empty((T, n_head, head_dim))
        for hh in range(n_head):
            s = q[:, hh, :] @ k[:, hh // group, :].T * q_scale
            if attn_cap > 0:
                s = attn_cap * np.tanh(s / attn_cap)
            s = s + mask
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            att[:, hh, :] = s @ v[:, hh // group, :]
        o = att.reshape(T, q_dim) @ w(p + "attn_output.weight").T
        if gemma:
            o = _rmsnorm(o, w(p + "post_attention_norm.weight"), eps)
        x = x + o
        h = _rmsnorm(x, w(p + "ffn_norm.weight"), eps)
        if arch == "phi3":
            gate_up = h @ w(p + "ffn_up.weight").T
            ffn = gate_up.shape[1] // 2
            gate, up = gate_up[:, :ffn], gate_up[:, ffn:]
        else:
            gate = h @ w(p + "ffn_gate.weight").T
            up = h @ w(p + "ffn_up.weight").T
        if gemma:
            act = 0.5 * gate * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (gate + 0.044715 * gate ** 3)))
        else:
            act = gate / (1.0 + np.exp(-gate))
        o = (act * up) @ w(p + "ffn_down.weight").T
        if gemma:
            o = _rmsnorm(o, w(p + "post_ffw_norm.weight"), eps)
        x = x + o
    x = _rmsnorm(x, w("output_norm.weight"), eps)
    out = w("output.weight") if "output.weight" in names else w("token_embd.weight")
    logits = x @ out.T
    if final_cap > 0:
        logits = final_cap * np.tanh(logits / final_cap)
    return logits
