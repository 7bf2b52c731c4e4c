#include "plan/performance.h"

#include <algorithm>

#include "models/weight_policy.h"

namespace tessera::plan {
namespace {

constexpr double kGB = 1e9;
constexpr double kTera = 1e12;
constexpr double kMsPerS = 1e3;
constexpr double kFlopsPerMac = 2;

// Weight bytes one forward pass reads: every matrix once, except an input embedding that has a
// separate output matrix (a lookup reads a row per token).
double weight_bytes_per_pass(const ModelShape& shape, const std::optional<NumberFormat>& weights) {
  bool has_output = false;
  for (const TensorShape& t : shape.tensors) has_output = has_output || t.name == "output.weight";
  ModelShape matrices = shape;
  std::erase_if(matrices.tensors, [&](const TensorShape& t) {
    return !is_weight_matrix(t.name, t.dims) || (has_output && t.name == "token_embd.weight");
  });
  FootprintRequest r;
  r.weights = weights;
  r.sequences = 0;
  return static_cast<double>(compute_footprint(matrices, r).weights_bytes);
}

// Multiply-accumulates of the matrices per token (embedding lookups cost none).
double matrix_macs_per_token(const ModelShape& shape) {
  double macs = 0;
  for (const TensorShape& t : shape.tensors) {
    if (is_weight_matrix(t.name, t.dims) && t.name != "token_embd.weight") {
      macs += static_cast<double>(t.elements());
    }
  }
  return macs;
}

}  // namespace

Estimate estimate_performance(const ModelShape& shape, const std::optional<NumberFormat>& weights,
                              const NumberFormat& kv, const ModelRequest& request,
                              const GpuSpec& gpu, int tensor_parallel, double share,
                              const PerfParams& params) {
  const Workload& w = request.workload;
  Estimate e;
  e.share = share;
  const double gpus = std::max(1, tensor_parallel) * share;
  const double bandwidth = gpu.bandwidth_gb_s * kGB * params.decode_efficiency * gpus;
  // FP8 weights run on FP8 tensor cores; other formats are dequantized to FP16 math.
  const double tflops =
      weights && weights->name == "fp8" && gpu.fp8 ? gpu.tflops_fp8 : gpu.tflops_fp16;
  const double flops = tflops * kTera * params.prefill_efficiency * gpus;
  const double weight_bytes = weight_bytes_per_pass(shape, weights);
  const double macs = matrix_macs_per_token(shape);
  const double q_dim = static_cast<double>(shape.n_heads * shape.head_dim);
  const double layers = static_cast<double>(shape.layers);
  const double context = static_cast<double>(request.context());

  // Prefill (and encoders): a pass over batch_tokens reads the weights once; attention over on
  // average half the prompt per token (QKᵀ and AV).
  const double prompt = std::min<double>(static_cast<double>(w.tokens_in), context);
  const double batch = static_cast<double>(std::max<int64_t>(1, w.batch_tokens));
  const double prefill_flops_per_token = kFlopsPerMac * (macs + 2 * layers * q_dim * prompt / 2);
  const double prefill_pass_s =
      std::max(weight_bytes / bandwidth, batch * prefill_flops_per_token / flops);
  e.prefill_tok_s = batch / prefill_pass_s;
  e.ttft_ms = prompt / e.prefill_tok_s * kMsPerS;
  const double watts = gpu.power_w * gpus;

  if (shape.kind != ModelKind::kGenerate) {
    e.latency_ms = e.ttft_ms;
    e.requests_per_s = e.prefill_tok_s / std::max(1.0, prompt);
    e.tokens_per_watt = e.prefill_tok_s / watts;
    e.decode_bound = "";
    return e;
  }
  // Decode: each step reads the weights once for the whole batch plus each sequence's KV cache
  // up to its mean position (prompt plus half the output).
  const double sequences = static_cast<double>(std::max<int64_t>(1, w.sequences));
  const double mean_position = std::min(context, prompt + static_cast<double>(w.tokens_out) / 2);
  const double kv_per_token = 2 * layers * static_cast<double>(kv.bytes(shape.kv_dim()));
  const double step_bytes = weight_bytes + sequences * mean_position * kv_per_token;
  const double step_flops = sequences * kFlopsPerMac * (macs + 2 * layers * q_dim * mean_position);
  const double memory_s = step_bytes / bandwidth;
  const double compute_s = step_flops / flops;
  const double step_s = std::max(memory_s, compute_s);
  e.decode_bound = compute_s > memory_s ? "compute" : "memory bandwidth";
  e.step_ms = step_s * kMsPerS;
  e.decode_tok_s = sequences / step_s;
  e.latency_ms = e.ttft_ms + static_cast<double>(w.tokens_out) * e.step_ms;
  // Continuous batching: a request costs its prompt's prefill time and its share of the steps.
  const double seconds_per_request =
      prompt / e.prefill_tok_s + static_cast<double>(w.tokens_out) / e.decode_tok_s;
  e.requests_per_s = 1 / seconds_per_request;
  e.tokens_per_watt = e.decode_tok_s / watts;
  return e;
}

}  // namespace tessera::plan
