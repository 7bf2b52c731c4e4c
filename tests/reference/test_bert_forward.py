#!/usr/bin/python3
"""Compares `tessera run --embed / --rerank` on synthetic BERT models with the NumPy oracle (bert_oracle).

Acceptance (issue "Encoder models: embeddings and reranking"): per-text cosine >= 0.9999 for F32 and >= 0.999
for F16 / Q8_0 (the oracle dequantizes the same weights), for mean / cls / last / none pooling and for
rerank scores (cosine of the score vector, plus the order the CLI prints). The oracle tokenizes on its
own, and is first checked against llama.cpp's WordPiece vectors (ggml-vocab-bert-bge.gguf.inp/.out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert_oracle  # noqa: E402
import gguf_oracle  # noqa: E402

CONTEXT = 64  # small, so the long texts below exercise truncation
TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Äpfel und Birnen: Café au lait, naïve résumé.",
    "",
    "What is the capital of France? Paris is the capital and most populous city of France.",
    "我想在apple工作 1314151天",
    " ".join(["tokenization", "of", "a", "rather", "long", "text", "that", "does", "not", "fit"] * 12),
    "short",
]
QUERY = "what is a panda?"
DOCS = [
    "hi",
    "The giant panda (Ailuropoda melanoleuca), sometimes called a panda bear, is a bear species "
    "endemic to China.",
    "it's a bear",
    " ".join(["pandas", "eat", "bamboo", "all", "day", "long"] * 15),
    "Paris is in France.",
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.ravel(a), np.ravel(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def check_tokenizer(vocab_dir: str) -> bool:
    path = os.path.join(vocab_dir, "ggml-vocab-bert-bge.gguf")
    tok = bert_oracle.WordPiece(gguf_oracle.GGUFFile(path))
    with open(path + ".inp", encoding="utf-8") as f:
        texts = f.read().split("\n__ggml_vocab_test__\n")[:-1]
    with open(path + ".out", encoding="utf-8") as f:
        expected = [[int(t) for t in line.split()] for line in f.read().split("\n")[: len(texts)]]
    matched = sum(tok.encode(t) == e for t, e in zip(texts, expected))
    ok = matched == len(texts)
    print(f"{'ok  ' if ok else 'FAIL'} oracle WordPiece vs llama.cpp vectors: {matched}/{len(texts)}")
    return ok


def run_cli(tessera: str, model: str, args: list[str], lines: list[str], work: str) -> list[str]:
    path = os.path.join(work, "input.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    proc = subprocess.run([tessera, "run", model, *args, "-f", path, "-t", "2"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"tessera run {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.splitlines()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--vocab-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    vocab = os.path.join(args.vocab_dir, "ggml-vocab-bert-bge.gguf")

    failures = 0 if check_tokenizer(args.vocab_dir) else 1
    for t in ("f32", "f16", "q8_0"):
        min_cos = 0.9999 if t == "f32" else 0.999
        for variant in ("mean", "cls", "last", "rerank"):
            model = os.path.join(args.work_dir, f"bert-{variant}-{t}.gguf")
            pack = ["--rerank"] if variant == "rerank" else ["--pooling", variant]
            subprocess.run([args.tessera, "pack", "--synthetic", "bert", "--layers", "2", "--dim", "64", "--ffn",
                            "128", "--heads", "4", "--context", str(CONTEXT), "--vocab-from", vocab, "--type", t,
                            "--seed", "7", *pack, "-o", model], check=True)
            oracle = bert_oracle.Bert(model)
            if variant == "rerank":
                lines = run_cli(args.tessera, model, ["--rerank", QUERY], DOCS, args.work_dir)
                rows = [json.loads(line) for line in lines]
                got = np.zeros(len(DOCS))
                for r in rows:
                    got[r["index"]] = r["score"]
                printed = [r["score"] for r in rows]
                want = oracle.rerank(QUERY, DOCS)
                cos = cosine(got, want)
                err = float(np.max(np.abs(got - want)))
                ordered = printed == sorted(printed, reverse=True) and len(rows) == len(DOCS)
                ok = cos >= min_cos and ordered
                print(f"{'ok  ' if ok else 'FAIL'} rerank {t:5s} cos={cos:.8f} (1-cos {1 - cos:.1e}) "
                      f"max_abs_err={err:.2e} sorted={ordered}")
                failures += 0 if ok else 1
                continue
            # Small steps force several packed forward steps; the default packs all texts into one.
            for extra in ([], ["--batch-tokens", "40"]):
                lines = run_cli(args.tessera, model, ["--embed", *extra], TEXTS, args.work_dir)
                got = [np.array(json.loads(line)) for line in lines]
                want = oracle.embed(TEXTS)
                cos = min(cosine(g, w) for g, w in zip(got, want)) if len(got) == len(want) else 0.0
                ok = len(got) == len(TEXTS) and cos >= min_cos
                print(f"{'ok  ' if ok else 'FAIL'} embed  {t:5s} {variant:5s} {' '.join(extra) or 'one step':17s} "
                      f"min_cos={cos:.8f} (1-cos {1 - cos:.1e})")
                failures += 0 if ok else 1
            if variant == "mean":
                lines = run_cli(args.tessera, model, ["--embed", "--pooling", "none"], TEXTS[:3], args.work_dir)
                got = [np.array(json.loads(line)) for line in lines]
                want = oracle.embed(TEXTS[:3], pooling="none")
                shapes = [g.shape == w.shape for g, w in zip(got, want)]
                cos = min(min(cosine(gr, wr) for gr, wr in zip(g, w)) for g, w in zip(got, want)) if all(shapes) else 0
                ok = len(got) == 3 and all(shapes) and cos >= min_cos
                print(f"{'ok  ' if ok else 'FAIL'} embed  {t:5s} none  per token         "
                      f"min_cos={cos:.8f} (1-cos {1 - cos:.1e})")
                failures += 0 if ok else 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
