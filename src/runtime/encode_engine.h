// Dynamic batching for one embed or rerank model instance, as Triton's dynamic batcher does it.
// Requests wait in a bounded queue; the engine thread takes the oldest and waits up to
// max_queue_delay for more to arrive — or until max_batch texts are waiting, or exactly one of the
// preferred batch sizes (or more than the largest) — then runs a batch in one step: at most the
// largest preferred size that the queue can fill when sizes are preferred, else max_batch texts.
// A request has a queue timeout (its own, else the model's default; 0: none): waiting for company
// ends early rather than let it pass, and a request whose timeout passed while earlier steps ran
// fails with DeadlineExceeded instead of running late. A step: the texts of every embed request
// go through one Encoder::embed call (which packs them into forward passes of at most
// max_batch_tokens tokens); rerank requests, each with its own query, run one after another in
// the same step. A request that fails alone (a text too long without truncation) does not fail
// the others: the step falls back to running each request by itself.
//
// Threads: submit() is thread-safe; callbacks run on the engine thread and must not block.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "runtime/encode.h"
#include "runtime/engine_observer.h"
#include "runtime/step_runner.h"

namespace tessera {

struct EncodeEngineOptions {
  int64_t max_batch = 32;                      // texts (or documents) per step
  int64_t max_queue_delay_us = 2000;           // how long the oldest request waits for company
  size_t max_queue_size = 64;                  // requests waiting; more are refused
  std::vector<int64_t> preferred_batch_sizes;  // texts; empty: batches fill up to max_batch
  int64_t default_timeout_us = 0;              // queue timeout of requests that set none; 0: none
  EncodeOptions encode;
};

struct EncodeRequest {
  bool rerank = false;
  std::string query;               // rerank only
  std::vector<std::string> texts;  // texts to embed, or documents to score
  int64_t timeout_us = 0;          // longest wait in the queue; 0: the model's default
};

struct EncodeOutcome {
  std::vector<std::vector<float>> embeddings;  // embed: one per text
  std::vector<float> scores;                   // rerank: one per document
  int64_t dim = 0;
  int64_t tokens = 0;
};

using EncodeDone = std::function<void(Result<EncodeOutcome>)>;

class EncodeEngine {
 public:
  // `rerank`: the model scores pairs (else it embeds). Everything passed must outlive the engine.
  EncodeEngine(Encoder& encoder, bool rerank, StepRunner& runner, EncodeEngineOptions options,
               EngineObserver* observer = nullptr);
  ~EncodeEngine();  // drain()
  EncodeEngine(const EncodeEngine&) = delete;
  EncodeEngine& operator=(const EncodeEngine&) = delete;

  // InvalidArgument for an empty request or the wrong kind, ResourceExhausted when the queue is
  // full, Unavailable once draining. Otherwise `done` is called exactly once.
  Status submit(EncodeRequest request, EncodeDone done);
  void drain();  // refuses new requests, finishes the queued ones, stops the thread
  size_t queued() const;

 private:
  struct Job {
    EncodeRequest request;
    EncodeDone done;
    int64_t enqueue_ns = 0;
    int64_t expires_ns = 0;  // 0: never
  };

  void loop();
  // Takes the jobs of the next step from the queue (lock held), after waiting for company; moves
  // the jobs whose timeout passed into `expired`.
  std::vector<Job> take_batch(std::unique_lock<std::mutex>& lock, std::vector<Job>& expired);
  bool batch_ready() const;            // lock held
  int64_t batch_target_texts() const;  // lock held
  void run_batch(std::vector<Job>& jobs);
  // Runs on `backend`, the step's, which must be the one the encoder was loaded on.
  Result<EncodeOutcome> run_one(const EncodeRequest& request, Backend& backend);

  Encoder& encoder_;
  const bool rerank_;
  StepRunner& runner_;
  const EncodeEngineOptions options_;
  EngineObserver* observer_;
  SteadyClock clock_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  int64_t queued_texts_ = 0;
  bool draining_ = false;
  std::thread thread_;
};

}  // namespace tessera
