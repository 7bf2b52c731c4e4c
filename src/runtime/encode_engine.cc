#include "runtime/encode_engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>

namespace tessera {
namespace {

double seconds_between(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / kNsPerSecond;
}

int64_t text_count(const EncodeRequest& request) {
  return static_cast<int64_t>(request.texts.size());
}

}  // namespace

EncodeEngine::EncodeEngine(Encoder& encoder, bool rerank, StepRunner& runner,
                           EncodeEngineOptions options, EngineObserver* observer)
    : encoder_(encoder),
      rerank_(rerank),
      runner_(runner),
      options_([&] {
        options.max_batch = std::max<int64_t>(options.max_batch, 1);
        options.max_queue_delay_us = std::max<int64_t>(options.max_queue_delay_us, 0);
        options.default_timeout_us = std::max<int64_t>(options.default_timeout_us, 0);
        std::erase_if(options.preferred_batch_sizes,
                      [&](int64_t size) { return size < 1 || size > options.max_batch; });
        std::sort(options.preferred_batch_sizes.begin(), options.preferred_batch_sizes.end());
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
  if (request.timeout_us < 0) return invalid_argument("timeout: must be at least 0 microseconds");
  const int64_t now_ns = clock_.now_ns();
  const int64_t timeout_us =
      request.timeout_us > 0 ? request.timeout_us : options_.default_timeout_us;
  queued_texts_ += text_count(request);
  queue_.push_back(Job{std::move(request), std::move(done), now_ns,
                       timeout_us > 0 ? now_ns + timeout_us * 1000 : 0});
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
    std::vector<Job> jobs, expired;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return draining_ || !queue_.empty(); });
      if (queue_.empty()) return;  // draining and nothing left
      jobs = take_batch(lock, expired);
    }
    for (Job& job : expired) {
      const double waited_ms = static_cast<double>(clock_.now_ns() - job.enqueue_ns) / 1e6;
      const double limit_ms = static_cast<double>(job.expires_ns - job.enqueue_ns) / 1e6;
      char text[160];
      std::snprintf(text, sizeof(text),
                    "the request waited %.1f ms in the model's queue, past its timeout of %.1f ms",
                    waited_ms, limit_ms);
      job.done(deadline_exceeded(text));
    }
    if (!jobs.empty()) run_batch(jobs);
  }
}

bool EncodeEngine::batch_ready() const {
  if (draining_ || queued_texts_ >= options_.max_batch) return true;
  const std::vector<int64_t>& preferred = options_.preferred_batch_sizes;
  if (preferred.empty()) return false;
  return queued_texts_ > preferred.back() ||
         std::binary_search(preferred.begin(), preferred.end(), queued_texts_);
}

int64_t EncodeEngine::batch_target_texts() const {
  const std::vector<int64_t>& preferred = options_.preferred_batch_sizes;
  // The largest preferred size the queue fills; none filled: whatever is there, up to max_batch.
  auto fits = std::upper_bound(preferred.begin(), preferred.end(), queued_texts_);
  return fits == preferred.begin() ? options_.max_batch : *std::prev(fits);
}

std::vector<EncodeEngine::Job> EncodeEngine::take_batch(std::unique_lock<std::mutex>& lock,
                                                        std::vector<Job>& expired) {
  // Requests whose time ran out while earlier steps ran are answered, not run late.
  const int64_t now_ns = clock_.now_ns();
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->expires_ns != 0 && it->expires_ns <= now_ns) {
      queued_texts_ -= text_count(it->request);
      expired.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  if (queue_.empty()) return {};
  // Waiting for company never makes a request miss its timeout.
  int64_t due_ns = queue_.front().enqueue_ns + options_.max_queue_delay_us * 1000;
  for (const Job& job : queue_) {
    if (job.expires_ns != 0) due_ns = std::min(due_ns, job.expires_ns);
  }
  wake_.wait_until(lock,
                   std::chrono::steady_clock::now() + std::chrono::nanoseconds(due_ns - now_ns),
                   [&] { return batch_ready(); });
  const int64_t target = batch_target_texts();
  std::vector<Job> jobs;
  int64_t texts = 0;
  // The oldest request always goes, even when it alone is larger than the target.
  while (!queue_.empty() &&
         (jobs.empty() || texts + text_count(queue_.front().request) <= target)) {
    texts += text_count(queue_.front().request);
    queued_texts_ -= text_count(queue_.front().request);
    jobs.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return jobs;
}

Result<EncodeOutcome> EncodeEngine::run_one(const EncodeRequest& request, Backend& backend) {
  if (&backend != &encoder_.model().backend()) {
    return internal_error("encode step ran on " + backend.name() + ", but the model lives on " +
                          encoder_.model().backend().name());
  }
  EncodeOutcome outcome;
  if (request.rerank) {
    TESSERA_ASSIGN_OR_RETURN(RerankResult r,
                             encoder_.rerank(request.query, request.texts, options_.encode));
    outcome.scores = std::move(r.scores);
    outcome.tokens = r.tokens;
    return outcome;
  }
  TESSERA_ASSIGN_OR_RETURN(EmbedResult r, encoder_.embed(request.texts, options_.encode));
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
  Result<StepTiming> timing = runner_.run([&](Backend& backend) {
    if (rerank_ || jobs.size() == 1) {
      for (const Job& job : jobs) outcomes.push_back(run_one(job.request, backend));
    } else {
      // Every text of every request in one embed call, then split back per request.
      EncodeRequest all;
      for (const Job& job : jobs) {
        all.texts.insert(all.texts.end(), job.request.texts.begin(), job.request.texts.end());
      }
      Result<EncodeOutcome> together = run_one(all, backend);
      if (!together.ok()) {
        for (const Job& job : jobs) outcomes.push_back(run_one(job.request, backend));
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
