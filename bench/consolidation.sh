#!/usr/bin/env bash
# The consolidation experiment: four small synthetic models (two generate, one embed, one rerank) on
# this machine's CPU cores, offered the same open-loop load in two setups:
#   (a) one `tessera serve` with four slices, once per scheduler policy;
#   (b) four separate `tessera serve` processes, one model each, sharing the same cores.
# Writes per-model p50/p99 and aggregate throughput as a markdown table (default docs/consolidation.md).
#
#   bench/consolidation.sh [--tessera build/tessera] [--duration 15] [--out docs/consolidation.md]
# Default run: 5 setups x (duration + startup) = about 2-3 minutes.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TESSERA="$ROOT/build/tessera"
DURATION=15
OUT="$ROOT/docs/consolidation.md"
POLICIES="best-effort equal-share fixed-share deadline"
# Offered load per model (requests/s, Poisson) and request sizes.
RATE_GEN=2
RATE_EMBED=10
RATE_RERANK=5
GEN_TOKENS=16
PROMPT_WORDS=16..32
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tessera) TESSERA="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --policies) POLICIES="$2"; shift 2 ;;
    *) echo "usage: $0 [--tessera BIN] [--duration S] [--out FILE] [--policies 'a b']" >&2; exit 2 ;;
  esac
done
VOCAB="$ROOT/../shared/testdata/vocab/ggml-vocab-bert-bge.gguf"
[[ -f "$VOCAB" ]] || VOCAB="$ROOT/tests/data/shared-testdata/vocab/ggml-vocab-bert-bge.gguf"
[[ -x "$TESSERA" ]] || { echo "no tessera binary at $TESSERA (build first)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/tessera-consolidation.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

MODELS="gen-a gen-b embed rerank"
echo "consolidation: packing models in $WORK" >&2
"$TESSERA" pack --synthetic llama --layers 4 --dim 256 --ffn 768 --heads 8 --kv-heads 4 \
  --context 1024 --type q8_0 --seed 11 -o "$WORK/gen-a.gguf" >/dev/null 2>&1
"$TESSERA" pack --synthetic llama --layers 4 --dim 256 --ffn 768 --heads 8 --kv-heads 4 \
  --context 1024 --type q8_0 --seed 12 -o "$WORK/gen-b.gguf" >/dev/null 2>&1
"$TESSERA" pack --synthetic bert --layers 2 --dim 128 --heads 4 --context 512 --type q8_0 \
  --seed 13 --vocab-from "$VOCAB" -o "$WORK/embed.gguf" >/dev/null 2>&1
"$TESSERA" pack --synthetic bert --layers 2 --dim 128 --heads 4 --context 512 --type q8_0 \
  --seed 14 --vocab-from "$VOCAB" --rerank -o "$WORK/rerank.gguf" >/dev/null 2>&1

model_yaml() {  # model_yaml NAME SLICE
  case "$1" in
    gen-*) printf 'kind: generate\nfile: %s\nslice: %s\ncontext: 1024\nmax_sequences: 16\nmax_batch_tokens: 64\nprefill_chunk: 32\nmax_queue: 256\n' "$WORK/$1.gguf" "$2" ;;
    embed) printf 'kind: embed\nfile: %s\nslice: %s\nmax_batch_tokens: 1024\nmax_batch: 32\nmax_queue_delay: 2ms\nmax_queue: 256\n' "$WORK/$1.gguf" "$2" ;;
    rerank) printf 'kind: rerank\nfile: %s\nslice: %s\nmax_batch_tokens: 1024\nmax_batch: 32\nmax_queue_delay: 2ms\nmax_queue: 256\n' "$WORK/$1.gguf" "$2" ;;
  esac
}

deadline_of() { case "$1" in gen-*) echo 200ms ;; embed) echo 20ms ;; rerank) echo 50ms ;; esac; }

# A repository with the given models, one 25%-share slice each.
make_repo() {  # make_repo DIR POLICY MODELS...
  local dir="$1" policy="$2"; shift 2
  mkdir -p "$dir"
  { printf 'device:\n  name: cpu\n  memory: 2GiB\nscheduler:\n  policy: %s\n  time_slice: 2ms\nslices:\n' "$policy"
    for m in "$@"; do
      printf '  - name: %s\n    memory: 384MiB\n    share: 25%%\n    deadline: %s\n' "$m" "$(deadline_of "$m")"
    done; } > "$dir/slices.yaml"
  for m in "$@"; do mkdir -p "$dir/$m"; model_yaml "$m" "$m" > "$dir/$m/model.yaml"; done
}

PORT_BASE=$((20000 + RANDOM % 20000))
start_server() {  # start_server REPO HTTP_PORT METRICS_PORT -> waits until ready
  "$TESSERA" serve --repository "$1" --http-port "$2" --metrics-port "$3" >"$WORK/serve-$2.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$2/v2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server on port $2 did not become ready:" >&2; cat "$WORK/serve-$2.log" >&2; exit 1
}
stop_servers() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

bench_model() {  # bench_model MODEL PORT OUTFILE (runs in the background)
  local args=(--url "http://127.0.0.1:$2" --model "$1" --duration "$DURATION" --seed 5 --json
              --prompt-words "$PROMPT_WORDS" --timeout 120)
  case "$1" in
    gen-*) args+=(--endpoint completions --rate "$RATE_GEN" --output-tokens "$GEN_TOKENS") ;;
    embed) args+=(--endpoint embeddings --rate "$RATE_EMBED") ;;
    rerank) args+=(--endpoint rerank --rate "$RATE_RERANK" --documents 4) ;;
  esac
  "$TESSERA" bench "${args[@]}" >"$3" 2>/dev/null &
}

run_setup() {  # run_setup NAME -> $WORK/result-NAME-MODEL.json; servers already started
  local name="$1"; shift
  local bench_pids=() i=0
  for m in $MODELS; do
    bench_model "$m" "${PORTS[$i]}" "$WORK/result-$name-$m.json"
    bench_pids+=($!)
    i=$((i + 1))
  done
  for pid in "${bench_pids[@]}"; do wait "$pid"; done
}

SETUPS=()
for policy in $POLICIES; do
  echo "consolidation: one server, 4 slices, policy $policy" >&2
  make_repo "$WORK/repo-$policy" "$policy" $MODELS
  P=$((PORT_BASE)); start_server "$WORK/repo-$policy" "$P" "$((P + 1))"
  PORTS=("$P" "$P" "$P" "$P")
  run_setup "$policy"
  stop_servers
  SETUPS+=("$policy")
done

echo "consolidation: 4 separate servers" >&2
PORTS=()
i=0
for m in $MODELS; do
  make_repo "$WORK/repo-sep-$m" best-effort "$m"
  P=$((PORT_BASE + 10 + 2 * i)); start_server "$WORK/repo-sep-$m" "$P" "$((P + 1))"
  PORTS+=("$P")
  i=$((i + 1))
done
run_setup separate
stop_servers
SETUPS+=(separate)

python3 - "$WORK" "$OUT" "$DURATION" "$RATE_GEN" "$RATE_EMBED" "$RATE_RERANK" "$GEN_TOKENS" \
  "$PROMPT_WORDS" "$(nproc)" "${SETUPS[@]}" <<'PY'
import json, sys, datetime
work, out, duration, rg, re_, rr, gt, pw, cores = sys.argv[1:10]
setups = sys.argv[10:]
models = ["gen-a", "gen-b", "embed", "rerank"]
lines = [
    "# Consolidation experiment",
    "",
    f"Generated by `bench/consolidation.sh` on {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, "
    f"{cores} CPU cores, {duration} s per setup.",
    "",
    f"Offered load (open loop, Poisson): gen-a and gen-b {rg} req/s each (`/v1/completions`, "
    f"{pw} prompt words, {gt} output tokens), embed {re_} req/s (`/v1/embeddings`), rerank {rr} req/s "
    "(`/v1/rerank`, 4 documents). Models: two synthetic llama decoders (4 layers, dim 256, Q8_0), a "
    "synthetic BERT embedder and reranker (2 layers, dim 128). Setups: one `tessera serve` with four "
    "25% slices under each scheduler policy, and `separate`: four `tessera serve` processes, one model "
    "each, sharing the same cores. Latency in ms from the intended send time (nearest-rank "
    "percentiles); throughput = successful requests/s summed over the four models; errors include "
    "dropped requests.",
    "",
    "| setup | " + " | ".join(f"{m} p50 | {m} p99" for m in models) + " | total req/s | errors |",
    "| --- | " + " | ".join("---: | ---:" for _ in models) + " | ---: | ---: |",
]
for s in setups:
    cells, total, errors = [], 0.0, 0
    for m in models:
        try:
            level = json.load(open(f"{work}/result-{s}-{m}.json"))["levels"][0]
            cells += [f"{level['latency_ms']['p50']:.1f}", f"{level['latency_ms']['p99']:.1f}"]
            total += level["throughput_rps"]
            errors += sum(level["errors"].values())
        except Exception as e:  # a bench that failed: show it, keep the table
            cells += ["n/a", "n/a"]
    lines.append(f"| {s} | " + " | ".join(cells) + f" | {total:.2f} | {errors} |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
