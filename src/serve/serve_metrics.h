// The server's metric families, in one place so names stay consistent, and the per-model
// observer that turns engine events into them and into the KServe statistics (/v2/models/m/stats).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "runtime/engine_observer.h"
#include "serve/metrics.h"

namespace tessera::serve {

inline constexpr const char* kRequestsTotal = "tessera_requests_total";
inline constexpr const char* kRequestDuration = "tessera_request_duration_seconds";
inline constexpr const char* kQueueDuration = "tessera_queue_duration_seconds";
inline constexpr const char* kStepDuration = "tessera_step_duration_seconds";
inline constexpr const char* kComputeSeconds = "tessera_compute_seconds_total";
inline constexpr const char* kTimeToFirstToken = "tessera_time_to_first_token_seconds";
inline constexpr const char* kInterTokenLatency = "tessera_inter_token_latency_seconds";
inline constexpr const char* kPromptTokens = "tessera_prompt_tokens_total";
inline constexpr const char* kGeneratedTokens = "tessera_generated_tokens_total";
inline constexpr const char* kBatchSequences = "tessera_batch_sequences";
inline constexpr const char* kBatchTokens = "tessera_batch_tokens";
inline constexpr const char* kModelQueued = "tessera_model_queued_requests";
inline constexpr const char* kSliceMemoryUsed = "tessera_slice_memory_used_bytes";
inline constexpr const char* kSliceMemoryQuota = "tessera_slice_memory_quota_bytes";
inline constexpr const char* kSliceComputeSeconds = "tessera_slice_compute_seconds_total";
inline constexpr const char* kSliceQueuedSteps = "tessera_slice_queued_steps";

void declare_serve_metrics(Metrics& metrics);

// Counters behind KServe's model statistics; nanoseconds as KServe reports them.
struct ModelStats {
  std::atomic<uint64_t> success_count{0}, success_ns{0};
  std::atomic<uint64_t> fail_count{0}, fail_ns{0};
  std::atomic<uint64_t> queue_count{0}, queue_ns{0};
  std::atomic<uint64_t> compute_count{0}, compute_ns{0};
  std::atomic<uint64_t> inference_count{0};  // requests (texts for encoders) computed
  std::atomic<uint64_t> execution_count{0};  // steps
  std::atomic<int64_t> last_inference_ms{0};
};

class ModelObserver final : public EngineObserver {
 public:
  ModelObserver(Metrics& metrics, std::string model);
  const ModelStats& stats() const { return stats_; }

  void on_step(int64_t sequences, int64_t tokens, double compute_seconds) override;
  void on_admitted(double queue_seconds) override;
  void on_first_token(double seconds) override;
  void on_token_gap(double seconds) override;

  // A request ended: `outcome` is success | client_error | rejected | unavailable | cancelled |
  // error; tokens are counted for successes and cancellations.
  void on_request(const std::string& outcome, double seconds, int64_t prompt_tokens = 0,
                  int64_t generated_tokens = 0);

 private:
  Metrics& metrics_;
  Labels labels_;
  ModelStats stats_;
};

}  // namespace tessera::serve
