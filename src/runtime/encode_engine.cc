#include "runtime/encode_engine.h"

#include <algorithm>
#include <chrono>

namespace tessera {
namespace {

double seconds_between(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / kNsPerSecond;
}

int64_t text_count(const EncodeRequest& request) {
  return static_cast<int64_t>(request.texts.size());
}

}  // namespace

EncodeEngine::EncodeEngine(const Encoder& encoder, bool rerank, StepRunner& runner,
                           EncodeEngineOptions options, EngineObserver* observer)
    : encoder_(encoder),
      rerank_(rerank),
      runner_(runner),
      options_([&] {
        options.max_batch = std::max<int64_t>(options.max_batch, 1);
        options.max_queue_delay_us = std::max<int64_t>(options.max_queue_delay_us, 0);
        return options;
      }()),
      observer_(observer),
      thread_([this] { loop(); }) {}

EncodeEngine::~EncodeEngine() { drain(); }

size_t EncodeEngine::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

Status EncodeEngine::submit(EncodeRequest request, EncodeDone done) {
  if (request.rerank != rerank_) {
    return invalid_argument(rerank_ ? "this model is a reranker: send a query and documents"
                                    : "this model embeds texts; it cannot rerank");
  }
  if (request.texts.empty()) {
    return invalid_argument(rerank_ ? "documents: the list is empty" : "input: the list is empty");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (draining_) return unavailable("the model is shutting down");
  if (queue_.size() >= options_.max_queue_size) {
    return resource_exhausted("the model's queue is full (" +
                              std::to_string(options_.max_queue_size) + " requests waiting)");
  }
  queued_texts_ += text_count(request);
  queue_.push_back(Job{std::move(request), std::move(done), clock_.now_ns()});
  wake_.notify_one();
  return {};
}

void EncodeEngine::drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EncodeEngine::loop() {
  for (;;) {
    std::vector<Job> jobs;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return draining_ || !queue_.empty(); });
      if (queue_.empty()) return;  // draining and nothing left
      jobs = take_batch(lock);
    }
    run_batch(jobs);
  }
}

std::vector<EncodeEngine::Job> EncodeEngine::take_batch(std::unique_lock<std::mutex>& lock) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::microseconds(options_.max_queue_delay_us) -
                        std::chrono::nanoseconds(clock_.now_ns() - queue_.front().enqueue_ns);
  wake_.wait_until(lock, deadline,
                   [&] { return draining_ || queued_texts_ >= options_.max_batch; });
  std::vector<Job> jobs;
  int64_t texts = 0;
  // The oldest request always goes, even when it alone is larger than max_batch.
  while (!queue_.empty() &&
         (jobs.empty() || texts + text_count(queue_.front().request) <= options_.max_batch)) {
    texts += text_count(queue_.front().request);
    queued_texts_ -= text_count(queue_.front().request);
    jobs.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return jobs;
}

Result<EncodeOutcome> EncodeEngine::run_one(const EncodeRequest& request, ThreadPool& pool) const {
  EncodeOutcome outcome;
  if (request.rerank) {
    TESSERA_ASSIGN_OR_RETURN(RerankResult r,
                             encoder_.rerank(request.query, request.texts, options_.encode, pool));
    outcome.scores = std::move(r.scores);
    outcome.tokens = r.tokens;
    return outcome;
  }
  TESSERA_ASSIGN_OR_RETURN(EmbedResult r, encoder_.embed(request.texts, options_.encode, pool));
  outcome.embeddings = std::move(r.embeddings);
  outcome.dim = r.dim;
  outcome.tokens = r.tokens;
  return outcome;
}

void EncodeEngine::run_batch(std::vector<Job>& jobs) {
  const int64_t start_ns = clock_.now_ns();
  if (observer_) {
    for (const Job& job : jobs) observer_->on_admitted(seconds_between(job.enqueue_ns, start_ns));
  }
  std::vector<Result<EncodeOutcome>> outcomes;
  int64_t tokens = 0, texts = 0;
  Result<StepTiming> timing = runner_.run([&](ThreadPool& pool) {
    if (rerank_ || jobs.size() == 1) {
      for (const Job& job : jobs) outcomes.push_back(run_one(job.request, pool));
    } else {
      // Every text of every request in one embed call, then split back per request.
      EncodeRequest all;
      for (const Job& job : jobs) {
        all.texts.insert(all.texts.end(), job.request.texts.begin(), job.request.texts.end());
      }
      Result<EncodeOutcome> together = run_one(all, pool);
      if (!together.ok()) {
        for (const Job& job : jobs) outcomes.push_back(run_one(job.request, pool));
        return;
      }
      size_t next = 0;
      for (const Job& job : jobs) {
        EncodeOutcome mine;
        mine.dim = together->dim;
        for (size_t i = 0; i < job.request.texts.size(); ++i) {
          mine.embeddings.push_back(std::move(together->embeddings[next++]));
          // Packing hides which request a token came from; framing again is cheap beside the
          // forward pass and gives each request its own usage count.
          Result<FramedInput> framed =
              encoder_.frame_text(job.request.texts[i], static_cast<int64_t>(i), options_.encode);
          if (framed.ok()) mine.tokens += static_cast<int64_t>(framed->tokens.size());
        }
        outcomes.push_back(std::move(mine));
      }
    }
  });
  if (!timing.ok()) {
    for (Job& job : jobs) job.done(timing.status());
    return;
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    texts += text_count(jobs[i].request);
    if (outcomes[i].ok() && outcomes[i]->tokens > 0) tokens += outcomes[i]->tokens;
  }
  if (observer_) {
    observer_->on_step(texts, tokens, seconds_between(timing->start_ns, timing->end_ns));
  }
  for (size_t i = 0; i < jobs.size(); ++i) jobs[i].done(std::move(outcomes[i]));
}

}  // namespace tessera
