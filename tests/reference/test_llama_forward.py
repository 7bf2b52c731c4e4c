#!/usr/bin/python3
"""Compares the C++ decoder's logits (logits_dump) with the NumPy oracle (llama_oracle.forward).

Acceptance (issue "CPU generation engine"): F32 max relative error < 1e-4; for quantized weights the
oracle dequantizes the same weights, and top-1 agrees at >= 99% of positions with cosine >= 0.999.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_oracle  # noqa: E402

# Token ids: a fixed pseudo-random prompt long enough to exercise attention over many positions.
PROMPT_LENGTH = 48


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--logits-dump", required=True)
    ap.add_argument("--vocab-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)

    failures = 0
    cases = []
    # (label, --synthetic arch, vocabulary, extra pack flags): qwen3 with a head size other than
    # dim / heads (its q is wider than the model), llama with Llama 3.1's rope_freqs factors;
    # gemma with windows shorter than the prompt, attention scores soft-capped small enough to
    # bend them (the logits keep caps of 30: tied embeddings make them large, and a small cap
    # would saturate many to one float),
    # gemma3's global layers with linear RoPE scaling; phi3 with LongRoPE's long factors.
    variants = (("llama", "llama", "ggml-vocab-llama-spm.gguf", []),
                ("qwen2", "qwen2", "ggml-vocab-gpt-2.gguf", []),
                ("qwen3", "qwen3", "ggml-vocab-gpt-2.gguf", ["--head-dim", "HEAD"]),
                ("llama3", "llama", "ggml-vocab-gpt-2.gguf", ["--llama3-rope"]),
                ("gemma2", "gemma2", "ggml-vocab-llama-spm.gguf",
                 ["--head-dim", "HEAD", "--sliding-window", "16", "--attn-softcap", "2"]),
                ("gemma3", "gemma3", "ggml-vocab-llama-spm.gguf",
                 ["--head-dim", "HEAD", "--layers", "6", "--sliding-window", "16", "--final-softcap", "30",
                  "--rope-scale", "4"]),
                ("phi3", "phi3", "ggml-vocab-phi-3.gguf", ["--long-rope"]))
    for label, arch, vocab, extra in variants:
        for t in ("f32", "f16", "q8_0", "q4_k"):
            dims = ["--dim", "256", "--ffn", "512"] if t == "q4_k" else ["--dim", "64", "--ffn", "160"]
            # q4_k rows are 256 wide: qwen3's 4 heads of 128 give a 512-wide q; else 4 of 32.
            head = "128" if t == "q4_k" else "32"
            cases.append((label, arch, vocab, t, dims + [head if e == "HEAD" else e for e in extra]))
    for label, arch, vocab, t, dims in cases:
        model = os.path.join(args.work_dir, f"{label}-{t}.gguf")
        layers = [] if "--layers" in dims else ["--layers", "2"]
        subprocess.run([args.tessera, "pack", "--synthetic", arch, *layers, *dims, "--heads", "4",
                        "--kv-heads", "2", "--context", "128", "--vocab-from",
                        os.path.join(args.vocab_dir, vocab), "--type", t, "--seed", "5", "-o", model],
                       check=True)
        rng = np.random.default_rng(1234)
        n_vocab = llama_oracle.gguf_oracle.GGUFFile(model).tensor("token_embd.weight").dims[1]
        ids = [int(i) for i in rng.integers(0, n_vocab, PROMPT_LENGTH)]
        out = os.path.join(args.work_dir, f"{label}-{t}.logits")
        subprocess.run([args.logits_dump, model, out, *map(str, ids)], check=True)
        got = np.fromfile(out, dtype=np.float32).reshape(PROMPT_LENGTH, -1).astype(np.float64)
        want = llama_oracle.forward(model, ids)
        rel = np.max(np.abs(got - want)) / np.max(np.abs(want))
        cos = np.sum(got * want, axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(want, axis=1))
        top1 = np.mean(np.argmax(got, axis=1) == np.argmax(want, axis=1))
        if t == "f32":
            ok = rel < 1e-4
        else:
            ok = top1 >= 0.99 and np.min(cos) >= 0.999
        print(f"{'ok  ' if ok else 'FAIL'} {label:6s} {t:5s} max_rel_err={rel:.2e} min_cos={np.min(cos):.6f} "
              f"top1={top1 * 100:.1f}%")
        failures += 0 if ok else 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
