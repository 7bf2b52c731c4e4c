#include "plan/sizing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "plan/format.h"
#include "plan/tensor_parallel.h"

namespace tessera::plan {
namespace {

using Precision = std::optional<NumberFormat>;

std::string gib(uint64_t bytes) { return format_bytes(bytes); }

uint64_t usable(uint64_t bytes, double utilization) {
  return static_cast<uint64_t>(std::floor(static_cast<double>(bytes) * utilization));
}

std::string precision_label(const Precision& p, const GpuSpec& gpu) {
  if (!p) return "weights as stored";
  if (p->name == "fp8") return "fp8 weights (" + gpu.name + " has FP8 tensor cores)";
  if (p->name == "q8_0") {
    return "int8 (q8_0) weights" + std::string(gpu.fp8 ? "" : " (" + gpu.name + " has no FP8)");
  }
  if (p->name == "q4_k") return "int4 (q4_k) weights";
  return p->name + " weights";
}

// "weights 14.96 GiB + KV 8.00 GiB + activations 356 MiB + overhead 513 MiB = 23.82 GiB"
std::string sum_line(const Footprint& f) {
  return "weights " + gib(f.weights_bytes) + " + KV " + gib(f.kv_cache_bytes) + " + activations " +
         gib(f.activation_bytes) + " + overhead " + gib(f.overhead_bytes) + " = " +
         gib(f.total_bytes());
}

std::string verdict(const Footprint& f, uint64_t room, const std::string& where) {
  const bool fits = f.total_bytes() <= room;
  return sum_line(f) + (fits ? " <= " : " > ") + gib(room) +
         " usable: " + (fits ? "fits " + where : "does not fit " + where);
}

double profile_share(const CatalogProfile& p) {
  constexpr double kMigComputeSlices = 7;
  return p.mig() ? p.mig_compute_slices / kMigComputeSlices : 1.0 / p.max_equal;
}

// All-reduce traffic per generated token: two per layer (attention output, FFN down) of the
// hidden state in F16, which every decode step waits for.
uint64_t allreduce_bytes_per_token(const ModelShape& s) {
  constexpr uint64_t kF16Bytes = 2;
  return 2 * static_cast<uint64_t>(s.layers * s.dim) * kF16Bytes;
}

struct Found {
  Precision weights;
  Footprint footprint;
};

// The first precision of `ladder` whose footprint (sharded over `tp`) fits `room`.
std::optional<Found> first_fit(const ModelRequest& r, const std::vector<Precision>& ladder, int tp,
                               uint64_t room, const PlanOptions& o) {
  for (const Precision& p : ladder) {
    Footprint f = plan_footprint(r, p, tp, o);
    if (f.total_bytes() <= room) return Found{p, f};
  }
  return std::nullopt;
}

std::vector<Precision> ladder_for(const ModelRequest& r, const GpuSpec& gpu) {
  if (r.weights_as_stored) return {std::nullopt};
  if (r.weights) return {*r.weights};
  std::vector<Precision> out;
  for (const NumberFormat& f : precision_ladder(gpu)) out.push_back(f);
  return out;
}

std::string step_up(const ModelRequest& r, const GpuSpec& gpu, const Catalog& catalog,
                    const PlanOptions& o, double utilization) {
  std::vector<const GpuSpec*> larger;
  const bool needs_fp8 = r.weights && r.weights->name == "fp8";
  for (const GpuSpec& g : catalog.gpus) {
    if (g.memory_bytes > gpu.memory_bytes && (g.fp8 || !needs_fp8)) larger.push_back(&g);
  }
  std::stable_sort(larger.begin(), larger.end(), [](const GpuSpec* a, const GpuSpec* b) {
    // Cheapest first among equals; a GPU without a catalog price after those with one.
    const auto price = [](const GpuSpec* g) { return g->price_usd > 0 ? g->price_usd : 1e300; };
    return a->memory_bytes != b->memory_bytes ? a->memory_bytes < b->memory_bytes
                                              : price(a) < price(b);
  });
  for (const GpuSpec* g : larger) {
    const uint64_t room = usable(g->memory_bytes, utilization);
    if (std::optional<Found> f = first_fit(r, ladder_for(r, *g), 1, room, o)) {
      return g->name + " (" + gib(g->memory_bytes) + ") holds it alone at " +
             f->footprint.weights_format + ": " + gib(f->footprint.total_bytes()) + " of " +
             gib(room) + " usable";
    }
  }
  return "";
}

}  // namespace

Footprint plan_footprint(const ModelRequest& request, const Precision& weights, int tensor_parallel,
                         const PlanOptions& options) {
  FootprintRequest r;
  r.weights = weights;
  r.kv = request.kv;
  r.context = request.context();
  r.sequences = request.workload.sequences;
  r.batch_tokens = request.workload.batch_tokens;
  r.threads = options.threads;
  r.runtime_overhead_bytes = options.runtime_overhead_bytes;
  return compute_footprint(tensor_parallel_shard(request.shape, tensor_parallel), r);
}

std::vector<NumberFormat> precision_ladder(const GpuSpec& gpu) {
  return {*number_format("f16"), *number_format(gpu.fp8 ? "fp8" : "q8_0"), *number_format("q4_k")};
}

Sizing size_model(const ModelRequest& r, const GpuSpec& gpu, const Catalog& catalog,
                  const PlanOptions& o, const PerfParams& perf) {
  Sizing s;
  s.model = r.name;
  s.gpu = &gpu;
  s.kv = r.kv;
  const double utilization = catalog.factor("memory_utilization");
  const uint64_t gpu_room = usable(gpu.memory_bytes, utilization);
  auto& t = s.trace;
  const bool decoder = r.shape.kind == ModelKind::kGenerate;
  t.push_back(r.name + " (" + model_kind_name(r.shape.kind) + ", " +
              fixed(static_cast<double>(r.shape.params()) / 1e9, 2) + " B parameters) on " +
              gpu.name + ": " + gib(gpu.memory_bytes) + ", " + gib(gpu_room) + " usable at " +
              pct(utilization) + " memory utilisation");
  if (decoder) {
    t.push_back("  workload: context " + std::to_string(r.context()) + " × " +
                std::to_string(r.workload.sequences) + " sequences, KV cache in " + r.kv.name +
                " (" + gib(plan_footprint(r, std::nullopt, 1, o).kv_bytes_per_token) +
                " per token), prefill batch " + std::to_string(r.workload.batch_tokens) +
                " tokens");
  } else {
    t.push_back("  workload: encoder, batches of " + std::to_string(r.workload.batch_tokens) +
                " tokens, " + std::to_string(r.context()) + " tokens per input at most");
  }

  const std::vector<Precision> ladder = ladder_for(r, gpu);
  if (r.weights || r.weights_as_stored) {
    t.push_back("  weights fixed by the request: " + precision_label(ladder.front(), gpu));
  }
  int step = 1;
  std::optional<Found> chosen;
  for (const Precision& p : ladder) {
    const Footprint f = plan_footprint(r, p, 1, o);
    t.push_back("  " + std::to_string(step++) + ". " + precision_label(p, gpu) + ": " +
                verdict(f, gpu_room, "one " + gpu.name));
    if (f.total_bytes() <= gpu_room) {
      chosen = Found{p, f};
      break;
    }
  }
  if (!chosen && !gpu.fp8 && !r.weights && !r.weights_as_stored) {
    t.push_back("     (fp8 is not tried: " + gpu.name + " has no FP8 support)");
  }

  if (!chosen) {
    t.push_back("  " + std::to_string(step++) + ". no precision fits one " + gpu.name +
                "; tensor-parallel over the GPUs of one host (" +
                std::to_string(gpu.gpus_per_host) + " per host):");
    if (!decoder) {
      t.push_back("     encoders are not split here");
    }
    for (int n = 2; decoder && n <= gpu.gpus_per_host; n *= 2) {
      if (!splits_over(r.shape, n)) {
        t.push_back("     TP=" + std::to_string(n) + ": " + std::to_string(r.shape.n_heads) +
                    " heads / " + std::to_string(r.shape.n_kv_heads) +
                    " KV heads do not split evenly");
        continue;
      }
      if (std::optional<Found> f = first_fit(r, ladder, n, gpu_room, o)) {
        t.push_back("     TP=" + std::to_string(n) + " at " + precision_label(f->weights, gpu) +
                    ", per GPU: " + verdict(f->footprint, gpu_room, "each " + gpu.name));
        chosen = f;
        s.tensor_parallel = n;
        break;
      }
      const Footprint last = plan_footprint(r, ladder.back(), n, o);
      t.push_back("     TP=" + std::to_string(n) + " even at " + last.weights_format +
                  ", per GPU: " + verdict(last, gpu_room, "each " + gpu.name));
    }
    if (chosen) {
      t.push_back("     caveat: every decode step waits for 2 all-reduces per layer (" +
                  gib(allreduce_bytes_per_token(r.shape)) + " per token) over " +
                  (gpu.nvlink() ? std::string("NVLink") : "PCIe (" + gpu.name + " has no NVLink)") +
                  "; latency grows with it, and the group must sit in one host");
    }
    s.step_up = step_up(r, gpu, catalog, o, utilization);
    t.push_back("  " + std::to_string(step++) + ". step up: " +
                (s.step_up.empty() ? "no larger GPU in the catalog holds it alone" : s.step_up));
  }
  if (!chosen) {
    t.push_back("  => does not fit " + gpu.name + " at any precision" +
                (decoder
                     ? ", nor split over one host's " + std::to_string(gpu.gpus_per_host) + " GPUs"
                     : std::string()));
    return s;
  }
  s.fits = true;
  s.weights = chosen->weights;
  s.footprint = chosen->footprint;

  // The frame buffer: the smallest profile that holds the footprint, or the whole GPU.
  const std::vector<const CatalogProfile*> profiles = o.sharing == Sharing::kNone
                                                          ? std::vector<const CatalogProfile*>{}
                                                          : gpu.profiles_of_kind(o.mig);
  const uint64_t need = s.footprint.total_bytes();
  size_t pick = profiles.size();
  for (size_t i = 0; i < profiles.size(); ++i) {
    if (usable(profiles[i]->framebuffer_bytes, utilization) >= need) {
      pick = i;
      break;
    }
  }
  if (s.tensor_parallel > 1 && !profiles.empty()) pick = profiles.size() - 1;  // whole GPUs
  const auto apply = [&](size_t i) {
    s.profile = i < profiles.size() ? profiles[i] : nullptr;
    s.slot_bytes = s.profile ? s.profile->framebuffer_bytes : gpu.memory_bytes;
    s.usable_bytes = usable(s.slot_bytes, utilization);
    s.perf = estimate_performance(r.shape, s.weights, s.kv, r, gpu, s.tensor_parallel,
                                  s.profile ? profile_share(*s.profile) : 1.0, perf);
  };
  apply(pick);
  if (s.profile) {
    std::string smaller;
    if (pick > 0) {
      smaller = "; " + std::string(profiles[pick - 1]->name) + " (" +
                gib(usable(profiles[pick - 1]->framebuffer_bytes, utilization)) +
                " usable) is too small";
    }
    t.push_back("  " + std::to_string(step++) + ". profile: " + s.profile->name + " (" +
                gib(s.slot_bytes) + ", " + gib(s.usable_bytes) + " usable) holds " + gib(need) +
                smaller + "; up to " + std::to_string(s.profile->max_equal) + " per " + gpu.name +
                " in equal-size mode, " + std::to_string(s.profile->max_mixed) +
                " in mixed-size mode; compute share " + pct(s.perf.share));
  } else {
    t.push_back("  " + std::to_string(step++) + ". " +
                (s.tensor_parallel > 1 ? std::to_string(s.tensor_parallel) + " whole GPUs"
                                       : std::string("the whole GPU")) +
                (o.sharing == Sharing::kNone ? " (sharing: none)"
                 : gpu.profiles.empty() ? " (no vGPU profiles for " + gpu.name + " in the catalog)"
                                        : std::string()));
  }
  if (r.workload.p99_ms > 0) {
    while (s.perf.latency_ms > r.workload.p99_ms && s.profile && pick + 1 < profiles.size() &&
           s.tensor_parallel == 1) {
      const std::string before = s.profile->name;
      const double before_ms = s.perf.latency_ms;
      apply(++pick);
      t.push_back("     latency " + fixed(before_ms, 0) + " ms at " + before + " misses p99 " +
                  fixed(r.workload.p99_ms, 0) + " ms: " + s.profile->name + " (share " +
                  pct(s.perf.share) + ") instead");
    }
  }
  const Estimate& e = s.perf;
  if (decoder) {
    t.push_back("  " + std::to_string(step++) + ". estimate: decode " + fixed(e.decode_tok_s, 0) +
                " tok/s for " + std::to_string(r.workload.sequences) + " sequences (" +
                e.decode_bound + " bound, step " + fixed(e.step_ms, 1) + " ms), prefill " +
                fixed(e.prefill_tok_s, 0) + " tok/s, unloaded latency " + fixed(e.latency_ms, 0) +
                " ms (" + std::to_string(r.workload.tokens_in) + " in, " +
                std::to_string(r.workload.tokens_out) + " out), " + fixed(e.requests_per_s, 2) +
                " req/s, " + fixed(e.tokens_per_watt, 2) + " tok/J");
  } else {
    t.push_back("  " + std::to_string(step++) + ". estimate: " + fixed(e.prefill_tok_s, 0) +
                " tok/s encoded, " + fixed(e.requests_per_s, 1) + " req/s of " +
                std::to_string(r.workload.tokens_in) + " tokens, " + fixed(e.tokens_per_watt, 1) +
                " tok/J");
  }
  if (r.workload.p99_ms > 0) {
    t.push_back(std::string("     p99 target ") + fixed(r.workload.p99_ms, 0) + " ms: " +
                (e.latency_ms <= r.workload.p99_ms
                     ? "met unloaded (queueing not modelled)"
                     : "MISSED even unloaded; needs a faster GPU or shorter outputs"));
  }
  const double per_request_tokens =
      static_cast<double>(decoder ? r.workload.tokens_out : r.workload.tokens_in);
  s.demand_rps = std::max(r.workload.target_requests_per_s,
                          r.workload.target_tokens_per_s / std::max(1.0, per_request_tokens));
  if (s.demand_rps > 0) {
    s.replicas = std::max(1, static_cast<int>(std::ceil(s.demand_rps / e.requests_per_s - 1e-9)));
    t.push_back("     target " + fixed(s.demand_rps, 2) + " req/s: " + std::to_string(s.replicas) +
                " instance" + (s.replicas == 1 ? "" : "s") + " of " + fixed(e.requests_per_s, 2) +
                " req/s each");
  }
  return s;
}

}  // namespace tessera::plan
