#!/usr/bin/python3
"""Compares `tessera run --embed / --rerank` on synthetic BERT models with the NumPy oracle (bert_oracle).

Acceptance (issue "Encoder models: embeddings and reranking"): per-text cosine >= 0.9999 for F32 and >= 0.999
for F16 / Q8_0 (the oracle dequantizes the same weights), for mean / cls / last / none pooling and for
rerank scores (cosine of the score vector, plus the order the CLI prints). The oracle tokenizes on its
own, and is first checked against llama.cpp's WordPiece vectors (ggml-vocab-bert-bge.gguf.inp/.out).

Two more layouts (issue "nomic-bert and XLM-RoBERTa encoders"): nomic-bert (RoPE, fused QKV, SwiGLU) through
`run --embed` at F32 / F16 / Q8_0 / Q4_K, and bert files in XLM-RoBERTa's layout (one token type, a unigram
vocabulary this engine does not tokenize yet) run from token ids through embed_dump, embeddings and reranker
scores. Besides the cosines, F32 must agree within a relative error of 1e-4: max |got - want| / max |want|.
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
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)  # embed_dump's rows are float32
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(np.ravel(got) - np.ravel(want))) / np.max(np.abs(want)))


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


def pack(tessera: str, arch: str, out: str, t: str, extra: list[str]) -> None:
    # 256 wide so Q4_K's 256-element blocks fit every matrix row (ffn_down's 512 included).
    subprocess.run([tessera, "pack", "--synthetic", arch, "--layers", "2", "--dim", "256", "--ffn", "512",
                    "--heads", "4", "--context", str(CONTEXT), "--type", t, "--seed", "7", *extra, "-o", out],
                   check=True)


def check_nomic(args: argparse.Namespace, vocab: str) -> int:
    """nomic-bert through the CLI: tokenized, framed, packed, mean-pooled and normalized by tessera."""
    failures = 0
    for t in ("f32", "f16", "q8_0", "q4_k"):
        min_cos = 0.9999 if t == "f32" else 0.999
        model = os.path.join(args.work_dir, f"nomic-{t}.gguf")
        pack(args.tessera, "nomic-bert", model, t, ["--vocab-from", vocab])
        oracle = bert_oracle.Bert(model)
        want = oracle.embed(TEXTS)
        for extra in ([], ["--batch-tokens", "40"]):
            got = [np.array(json.loads(line)) for line in run_cli(args.tessera, model, ["--embed", *extra], TEXTS,
                                                                  args.work_dir)]
            cos = min(cosine(g, w) for g, w in zip(got, want)) if len(got) == len(want) else 0.0
            err = max(rel_err(g, w) for g, w in zip(got, want)) if len(got) == len(want) else 1.0
            ok = len(got) == len(TEXTS) and cos >= min_cos and (t != "f32" or err < 1e-4)
            print(f"{'ok  ' if ok else 'FAIL'} nomic-bert embed {t:5s} mean  {' '.join(extra) or 'one step':17s} "
                  f"min_cos={cos:.8f} (1-cos {1 - cos:.1e}) max_rel_err={err:.1e}")
            failures += 0 if ok else 1
        if t == "f32":
            got = [np.array(json.loads(line)) for line in run_cli(args.tessera, model, ["--embed", "--pooling", "none"],
                                                                  TEXTS[:3], args.work_dir)]
            want_none = oracle.embed(TEXTS[:3], pooling="none")
            shapes = all(g.shape == w.shape for g, w in zip(got, want_none)) and len(got) == 3
            cos = min(min(cosine(gr, wr) for gr, wr in zip(g, w)) for g, w in zip(got, want_none)) if shapes else 0
            ok = shapes and cos >= min_cos
            print(f"{'ok  ' if ok else 'FAIL'} nomic-bert embed {t:5s} none  per token         "
                  f"min_cos={cos:.8f} (1-cos {1 - cos:.1e})")
            failures += 0 if ok else 1
    return failures


def dump(embed_dump: str, model: str, pooling: str, sequences: list[list[int]], work: str) -> np.ndarray:
    out = os.path.join(work, "rows.f32")
    cmd = [embed_dump, model, out, pooling]
    for i, ids in enumerate(sequences):
        cmd += (["|"] if i else []) + [str(t) for t in ids]
    subprocess.run(cmd, check=True)
    return np.fromfile(out, dtype="<f4")


def check_xlm_roberta(args: argparse.Namespace) -> int:
    """bert files in XLM-RoBERTa's layout, from ids: <s> ... </s> texts and <s> q </s></s> d </s> pairs."""
    failures = 0
    bos, eos = 0, 2
    texts = [[bos, 5, 20, 7, eos], [bos] + [(i * 37) % 130 + 4 for i in range(CONTEXT - 2)] + [eos], [bos, eos],
             [bos, 60, 61, 62, 63, 64, 65, 66, 67, 68, eos]]
    pairs = [[bos, 24, 25, eos, eos] + d + [eos] for d in ([30], [40, 41, 42, 43, 44, 45], [50] * 20, [9, 8])]
    for t in ("f32", "f16", "q8_0", "q4_k"):
        min_cos = 0.9999 if t == "f32" else 0.999
        for variant in ("embed", "rerank"):
            model = os.path.join(args.work_dir, f"xlmr-{variant}-{t}.gguf")
            pack(args.tessera, "bert", model, t, ["--xlm-roberta", *(["--rerank"] if variant == "rerank" else
                                                                    ["--pooling", "cls"])])
            oracle = bert_oracle.Bert(model)
            if oracle.n_types != 1 or oracle.f.get("tokenizer.ggml.model") != "t5":
                print(f"FAIL xlm-r {variant} {t}: not the XLM-RoBERTa layout")
                failures += 1
                continue
            if variant == "rerank":
                got = dump(args.embed_dump, model, "rank", pairs, args.work_dir)
                want = np.array([s[0] for s in oracle.pooled(pairs, "rank")])
                cos, err = cosine(got, want), rel_err(got, want)
                ok = got.shape == want.shape and cos >= min_cos and (t != "f32" or err < 1e-4)
                print(f"{'ok  ' if ok else 'FAIL'} xlm-r rerank {t:5s}             cos={cos:.8f} (1-cos {1 - cos:.1e}) "
                      f"max_rel_err={err:.1e}")
                failures += 0 if ok else 1
                continue
            for pooling in ("cls", "mean"):
                want = oracle.pooled(texts, pooling)
                got = dump(args.embed_dump, model, pooling, texts, args.work_dir).reshape(len(texts), -1)
                cos = min(cosine(g, w) for g, w in zip(got, want))
                err = max(rel_err(g, w) for g, w in zip(got, want))
                ok = cos >= min_cos and (t != "f32" or err < 1e-4)
                print(f"{'ok  ' if ok else 'FAIL'} xlm-r embed  {t:5s} {pooling:5s}       min_cos={cos:.8f} "
                      f"(1-cos {1 - cos:.1e}) max_rel_err={err:.1e}")
                failures += 0 if ok else 1
    return failures


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tessera", required=True)
    ap.add_argument("--embed-dump", required=True)
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
    failures += check_nomic(args, vocab)
    failures += check_xlm_roberta(args)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
