// tessera perf MODEL.gguf --prompt-tokens P --gen-tokens G --batch 1,4,8,16 --threads T [--json]
//   [--probe-bandwidth] [--probe-compute]
// Prefill: the B prompts of P tokens in chunks of --chunk tokens. Decode: G steps of one token for
// each of the B sequences; decode_tok_s counts all B·G tokens.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "backend/cpu/bandwidth_probe.h"
#include "backend/cpu/compute_probe.h"
#include "backend/cpu/cpu_backend.h"
#include "cli/command.h"
#include "cli/encode_cli.h"
#include "models/architecture.h"
#include "models/llama_model.h"

namespace tessera::cli {
namespace {

struct PerfOptions {
  std::string model;
  int64_t prompt_tokens = 128;
  int64_t gen_tokens = 32;
  std::vector<int64_t> batches = {1};
  int threads = 0;
  int64_t chunk = 512;
  bool json = false;
  bool probe_bandwidth = false;
  bool probe_compute = false;
  int64_t probe_mib = 1024;
  EncodePerfFlags encode;  // --embed: BERT-family throughput (encode_cli.h)
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Bytes of weights one decode step reads: every matrix once (the embedding only one row).
uint64_t weight_bytes_per_token(const gguf::File& file) {
  uint64_t total = 0;
  for (const auto& t : file.tensors()) {
    if (t.name == "token_embd.weight" && file.find_tensor("output.weight") != nullptr) continue;
    total += t.size_bytes;
  }
  return total;
}

int run_perf(const PerfOptions& o) {
  CpuBackend backend(o.threads);
  ThreadPool& pool = backend.pool();  // the probes measure the cores the forward passes use
  Arena arena("perf", UINT64_MAX);    // a benchmark has no slice quota
  int64_t widest_batch = std::max<int64_t>(o.chunk, 1);
  for (int64_t b : o.batches) widest_batch = std::max(widest_batch, b);
  Result<std::unique_ptr<LlamaModel>> loaded =
      LlamaModel::load(o.model, backend, arena, DecoderLimits{.max_batch_tokens = widest_batch});
  if (!loaded.ok()) return report_error("perf", loaded.status());
  LlamaModel& model = **loaded;
  const LlamaConfig& c = model.config();
  if (o.prompt_tokens < 1 || o.gen_tokens < 1 || o.prompt_tokens + o.gen_tokens > c.context) {
    return report_error("perf", invalid_argument("--prompt-tokens + --gen-tokens must be in 2.." +
                                                 std::to_string(c.context) + " (the context)"));
  }
  const uint64_t bytes_per_token = weight_bytes_per_token(model.file());
  nlohmann::ordered_json probe;
  if (o.probe_bandwidth) {
    const double gb_s = measure_read_bandwidth_gb_s(pool, o.probe_mib << 20, 5);
    probe = {{"probe", "bandwidth"},
             {"threads", pool.size()},
             {"read_gb_s", gb_s},
             {"weight_bytes_per_token", bytes_per_token},
             {"decode_limit_tok_s", gb_s * 1e9 / static_cast<double>(bytes_per_token)}};
    std::printf("%s\n", o.json ? probe.dump().c_str() : probe.dump(2).c_str());
  }
  // Compute-bound phases (prefill, batched decode) against what the cores allow.
  double prefill_limit = 0.0, batch_decode_limit = 0.0;
  if (o.probe_compute) {
    Result<ComputePeaks> peaks = measure_compute_peaks(pool, 3);
    if (!peaks.ok()) return report_error("perf", peaks.status());
    prefill_limit = 1.0 / compute_seconds_per_token(model.file(), *peaks, false);
    batch_decode_limit = 1.0 / compute_seconds_per_token(model.file(), *peaks, true);
    const nlohmann::ordered_json row = {
        {"probe", "compute"},
        {"threads", pool.size()},
        {"isa", peaks->isa},
        {"int16_gmac_s", peaks->int16_gmac_s},
        {"f32_gmac_s", peaks->f32_gmac_s},
        {"weight_macs_per_token", weight_macs_per_token(model.file())},
        {"output_macs_per_token", output_macs_per_token(model.file())},
        {"prefill_limit_tok_s", prefill_limit},
        {"decode_compute_limit_tok_s", batch_decode_limit}};
    std::printf("%s\n", o.json ? row.dump().c_str() : row.dump(2).c_str());
  }
  {
    // One untimed token first, as llama-bench does: the first pass pays for cold caches, the
    // pool threads' first wake-up and the scratch buffers' first allocation.
    Result<KvCache> cache = model.make_cache();
    if (!cache.ok()) return report_error("perf", cache.status());
    std::vector<float> logits;
    const BatchToken warm_up{0, 0, 0, true};
    if (Status s = model.forward({&warm_up, 1}, *cache, logits); !s.ok()) {
      return report_error("perf", s);
    }
  }
  uint64_t state = 0x1234;
  for (int64_t b : o.batches) {
    if (b < 1) return report_error("perf", invalid_argument("--batch sizes must be positive"));
    Result<KvCache> made = model.make_cache(b);
    if (!made.ok()) return report_error("perf", made.status());
    KvCache& cache = *made;
    std::vector<float> logits;
    std::vector<BatchToken> all;
    for (int64_t s = 0; s < b; ++s) {
      for (int64_t p = 0; p < o.prompt_tokens; ++p) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        const auto id = static_cast<int32_t>((state >> 33) % static_cast<uint64_t>(c.vocab));
        all.push_back({id, static_cast<int32_t>(s), p, p == o.prompt_tokens - 1});
      }
    }
    double start = now_seconds();
    for (size_t begin = 0; begin < all.size(); begin += static_cast<size_t>(o.chunk)) {
      const size_t n = std::min(all.size() - begin, static_cast<size_t>(o.chunk));
      if (Status s = model.forward({all.data() + begin, n}, cache, logits); !s.ok()) {
        return report_error("perf", s);
      }
    }
    const double prefill_s = now_seconds() - start;
    start = now_seconds();
    for (int64_t g = 0; g < o.gen_tokens; ++g) {
      std::vector<BatchToken> step;
      for (int64_t s = 0; s < b; ++s) {
        step.push_back({static_cast<int32_t>((g * 7 + s) % c.vocab), static_cast<int32_t>(s),
                        o.prompt_tokens + g, true});
      }
      logits.clear();
      if (Status s = model.forward(step, cache, logits); !s.ok()) return report_error("perf", s);
    }
    const double decode_s = now_seconds() - start;
    nlohmann::ordered_json row = {
        {"batch", b},
        {"prefill_tok_s", static_cast<double>(b * o.prompt_tokens) / prefill_s},
        {"decode_tok_s", static_cast<double>(b * o.gen_tokens) / decode_s},
        {"prompt_tokens", o.prompt_tokens},
        {"gen_tokens", o.gen_tokens},
        {"threads", pool.size()}};
    if (b == 1 && o.probe_bandwidth) {
      row["bandwidth_fraction"] =
          row["decode_tok_s"].get<double>() / probe["decode_limit_tok_s"].get<double>();
    }
    if (o.probe_compute) {
      row["prefill_compute_fraction"] = row["prefill_tok_s"].get<double>() / prefill_limit;
      // Batch-1 decode is bound by memory (bandwidth_fraction), not by arithmetic.
      if (b > 1)
        row["decode_compute_fraction"] = row["decode_tok_s"].get<double>() / batch_decode_limit;
    }
    std::printf("%s\n", o.json ? row.dump().c_str() : row.dump(2).c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Action register_perf(CLI::App& root) {
  auto o = std::make_shared<PerfOptions>();
  CLI::App* cmd =
      root.add_subcommand("perf", "Measure prefill and decode speed of a decoder (" +
                                      architecture_names(ModelFamily::kDecoder) + ") model");
  cmd->add_option("model", o->model, "GGUF model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "Prompt tokens per sequence")
      ->capture_default_str();
  cmd->add_option("--gen-tokens", o->gen_tokens, "Generated tokens per sequence")
      ->capture_default_str();
  cmd->add_option("--batch", o->batches, "Batch sizes (concurrent sequences), e.g. 1,4,8,16")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Compute threads (default: cores)");
  cmd->add_option("--chunk", o->chunk, "Prefill chunk in tokens")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "One JSON object per line");
  cmd->add_flag("--probe-bandwidth", o->probe_bandwidth,
                "First measure memory read bandwidth and the decode limit it implies");
  cmd->add_flag("--probe-compute", o->probe_compute,
                "First measure the cores' multiply-accumulate peak and the prefill and batched "
                "decode limits it implies");
  cmd->add_option("--probe-mib", o->probe_mib, "Probe buffer size in MiB")->capture_default_str();
  add_encode_perf_flags(*cmd, o->encode);
  return [o] {
    if (o->encode.embed) {
      EncodePerfFlags flags = o->encode;
      flags.probe_compute = o->probe_compute;
      return run_encode_perf(o->model, o->threads, o->json, flags);
    }
    return run_perf(*o);
  };
}

}  // namespace tessera::cli
