// Continuous batching for one decoder model instance in a slice. Requests wait in a bounded queue;
// at every step boundary the engine admits waiting requests (each reserves its KV cache in the
// slice's arena first) up to max_sequences, then builds one batch: a decode token for every
// sequence that is generating, and prefill chunks of at most prefill_chunk_tokens for those still
// reading their prompt, within the model's batch_tokens. So a long prompt is spread over several
// steps and never stalls the others' decodes. Sampling, stop strings and detokenization are the
// same pieces generate() uses, per sequence, so greedy output does not depend on what else runs.
//
// Threads: submit() and cancel are thread-safe; one engine thread builds batches and hands each
// to the StepRunner (the device's scheduler runs it with the compute pool). Callbacks run on the
// engine thread and must not block (the server posts them to its I/O threads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "runtime/engine_observer.h"
#include "runtime/generate.h"
#include "runtime/slice_model.h"
#include "runtime/step_runner.h"
#include "tokenize/tokenizer.h"

namespace tessera {

struct GenerateEngineOptions {
  int64_t max_sequences = 8;          // sequences generating at once (each holds its KV cache)
  size_t max_queued = 64;             // requests waiting for a slot; more are refused
  int64_t prefill_chunk_tokens = 32;  // prompt tokens one sequence may add to a step
};

// Cancels one request: the engine drops it at the next step boundary and frees its KV cache.
class GenerationTicket {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct GenerationCallbacks {
  std::function<void(std::string_view text)> on_text;  // each released piece, in order
  // Exactly once: the result (finish_reason stop | length | cancelled) or why it failed.
  std::function<void(Result<GenerateResult>)> on_done;
};

class GenerateEngine {
 public:
  // `model`, `tokenizer`, `runner` and `observer` (optional) must outlive the engine.
  GenerateEngine(SliceModel& model, const Tokenizer& tokenizer, StepRunner& runner,
                 GenerateEngineOptions options, EngineObserver* observer = nullptr);
  ~GenerateEngine();  // drain()
  GenerateEngine(const GenerateEngine&) = delete;
  GenerateEngine& operator=(const GenerateEngine&) = delete;

  // Checks the request (InvalidArgument naming the field), then queues it: ResourceExhausted when
  // the queue is full, Unavailable once draining.
  Result<std::shared_ptr<GenerationTicket>> submit(GenerateRequest request,
                                                   GenerationCallbacks callbacks);

  // Refuses new requests, finishes every queued and running one, and stops the engine thread.
  void drain();

  size_t queued() const;
  size_t running() const;
  int64_t context() const;

 private:
  struct Sequence;

  void loop();
  void admit_waiting();
  // Frees the KV cache of `seq` and reports its result (releasing held-back text unless it was
  // cancelled or stopped by a stop string), or `error`.
  void finish(Sequence& seq, const Status& error = {});
  void run_step();
  // Samples the next token of `seq` from `logits` and emits its text; true when it is done.
  bool advance(Sequence& seq, std::span<float> logits);

  SliceModel& model_;
  const Tokenizer& tokenizer_;
  StepRunner& runner_;
  const GenerateEngineOptions options_;
  EngineObserver* observer_;
  SteadyClock clock_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Sequence>> waiting_;
  bool draining_ = false;
  int32_t next_id_ = 0;
  std::atomic<size_t> running_count_{0};

  std::vector<std::unique_ptr<Sequence>> running_;  // engine thread only
  std::vector<float> logits_;
  std::thread thread_;
};

}  // namespace tessera
