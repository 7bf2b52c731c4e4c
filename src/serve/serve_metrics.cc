#include "serve/serve_metrics.h"

#include <chrono>

#include "base/clock.h"

namespace tessera::serve {
namespace {

uint64_t to_ns(double seconds) { return static_cast<uint64_t>(seconds * kNsPerSecond); }

}  // namespace

void declare_serve_metrics(Metrics& m) {
  const auto latency = latency_buckets_seconds();
  m.declare(kRequestsTotal, MetricType::kCounter, "Requests by model and outcome.");
  m.declare(kRequestDuration, MetricType::kHistogram,
            "Time from a request's arrival to its last byte, by model.", latency);
  m.declare(kQueueDuration, MetricType::kHistogram,
            "Time requests waited in the model's queue before computing.", latency);
  m.declare(kStepDuration, MetricType::kHistogram,
            "Compute time of one engine step (a batch) on the device.", step_buckets_seconds());
  m.declare(kComputeSeconds, MetricType::kCounter, "Device compute time of the model's steps.");
  m.declare(kTimeToFirstToken, MetricType::kHistogram,
            "Time from a generate request's arrival to its first token.", latency);
  m.declare(kInterTokenLatency, MetricType::kHistogram,
            "Time between consecutive tokens of one generate request.", step_buckets_seconds());
  m.declare(kPromptTokens, MetricType::kCounter,
            "Input tokens (prompts, texts, documents) of finished requests.");
  m.declare(kGeneratedTokens, MetricType::kCounter, "Tokens generated.");
  m.declare(kBatchSequences, MetricType::kHistogram,
            "Requests (generate) or texts (embed, rerank) in one step.", size_buckets());
  m.declare(kBatchTokens, MetricType::kHistogram, "Tokens in one step.", size_buckets());
  m.declare(kModelQueued, MetricType::kGauge, "Requests waiting in the model's queue.");
  m.declare(kSliceMemoryUsed, MetricType::kGauge, "Bytes charged to the slice's arena.");
  m.declare(kSliceMemoryQuota, MetricType::kGauge, "The slice's memory quota.");
  m.declare(kSliceComputeSeconds, MetricType::kCounter,
            "Device compute time of the slice's steps, from the scheduler.");
  m.declare(kSliceQueuedSteps, MetricType::kGauge, "Steps waiting in the slice's scheduler queue.");
}

ModelObserver::ModelObserver(Metrics& metrics, std::string model)
    : metrics_(metrics), labels_{{"model", std::move(model)}} {}

void ModelObserver::on_step(int64_t sequences, int64_t tokens, double compute_seconds) {
  metrics_.observe(kBatchSequences, labels_, static_cast<double>(sequences));
  metrics_.observe(kBatchTokens, labels_, static_cast<double>(tokens));
  metrics_.observe(kStepDuration, labels_, compute_seconds);
  metrics_.add(kComputeSeconds, labels_, compute_seconds);
  stats_.execution_count += 1;
  stats_.inference_count += static_cast<uint64_t>(sequences);
  stats_.compute_count += 1;
  stats_.compute_ns += to_ns(compute_seconds);
  stats_.last_inference_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
}

void ModelObserver::on_admitted(double queue_seconds) {
  metrics_.observe(kQueueDuration, labels_, queue_seconds);
  stats_.queue_count += 1;
  stats_.queue_ns += to_ns(queue_seconds);
}

void ModelObserver::on_first_token(double seconds) {
  metrics_.observe(kTimeToFirstToken, labels_, seconds);
}

void ModelObserver::on_token_gap(double seconds) {
  metrics_.observe(kInterTokenLatency, labels_, seconds);
}

void ModelObserver::on_request(const std::string& outcome, double seconds, int64_t prompt_tokens,
                               int64_t generated_tokens) {
  Labels labels = labels_;
  labels.emplace_back("outcome", outcome);
  metrics_.add(kRequestsTotal, labels);
  metrics_.observe(kRequestDuration, labels_, seconds);
  if (prompt_tokens > 0) metrics_.add(kPromptTokens, labels_, static_cast<double>(prompt_tokens));
  if (generated_tokens > 0) {
    metrics_.add(kGeneratedTokens, labels_, static_cast<double>(generated_tokens));
  }
  if (outcome == "success") {
    stats_.success_count += 1;
    stats_.success_ns += to_ns(seconds);
  } else {
    stats_.fail_count += 1;
    stats_.fail_ns += to_ns(seconds);
  }
}

}  // namespace tessera::serve
