#include "runtime/generate_engine.h"

#include <algorithm>

#include "runtime/sampler.h"
#include "runtime/stop_matcher.h"
#include "tokenize/detokenizer.h"

namespace tessera {
namespace {

// With nothing running, a request whose KV cache does not fit waits this long for other models of
// the slice to free memory before the engine looks at its queue again.
constexpr std::chrono::milliseconds kAdmitWait{50};

double seconds_between(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / kNsPerSecond;
}

}  // namespace

struct GenerateEngine::Sequence {
  Sequence(int32_t id_, GenerateRequest request_, GenerationCallbacks callbacks_,
           const Tokenizer& tokenizer, int64_t limit_, int64_t submit_ns_)
      : id(id_),
        request(std::move(request_)),
        callbacks(std::move(callbacks_)),
        sampler(request.sampling),
        detokenizer(tokenizer, DecodeOptions{.special = false, .text_start = false}),
        stops(request.stop),
        history(request.prompt),
        limit(limit_),
        submit_ns(submit_ns_) {}

  int32_t id;
  GenerateRequest request;
  GenerationCallbacks callbacks;
  std::shared_ptr<GenerationTicket> ticket = std::make_shared<GenerationTicket>();
  Sampler sampler;
  Detokenizer detokenizer;
  StopMatcher stops;
  std::vector<int32_t> history;  // prompt, then generated tokens
  int64_t limit;                 // tokens to generate at most
  int64_t prefilled = 0;         // prompt tokens already in the KV cache
  int32_t pending = 0;           // the last sampled token, fed in the next step
  GenerateResult result;
  int64_t submit_ns, admit_ns = 0, first_token_ns = 0, last_token_ns = 0;
  bool finished = false;

  bool decoding() const { return prefilled == static_cast<int64_t>(request.prompt.size()); }
  void emit(const std::string& text) {
    if (text.empty()) return;
    result.text += text;
    if (callbacks.on_text) callbacks.on_text(text);
  }
};

GenerateEngine::GenerateEngine(SliceModel& model, const Tokenizer& tokenizer, StepRunner& runner,
                               GenerateEngineOptions options, EngineObserver* observer)
    : model_(model),
      tokenizer_(tokenizer),
      runner_(runner),
      options_([&] {
        // Every running sequence decodes one token per step, so they must all fit one batch.
        options.max_sequences = std::clamp<int64_t>(options.max_sequences, 1, model.batch_tokens());
        options.prefill_chunk_tokens = std::max<int64_t>(options.prefill_chunk_tokens, 1);
        return options;
      }()),
      observer_(observer),
      thread_([this] { loop(); }) {}

GenerateEngine::~GenerateEngine() { drain(); }

int64_t GenerateEngine::context() const { return model_.kv().context(); }

size_t GenerateEngine::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

size_t GenerateEngine::running() const { return running_count_.load(); }

Result<std::shared_ptr<GenerationTicket>> GenerateEngine::submit(GenerateRequest request,
                                                                 GenerationCallbacks callbacks) {
  const auto n_prompt = static_cast<int64_t>(request.prompt.size());
  if (n_prompt == 0) return invalid_argument("prompt: it is empty (no tokens)");
  if (n_prompt >= context()) {
    return invalid_argument("prompt: " + std::to_string(n_prompt) +
                            " tokens leave no room in the model's context of " +
                            std::to_string(context()) + " tokens");
  }
  const int64_t vocab = model_.model().config().vocab;
  for (int32_t id : request.prompt) {
    if (id < 0 || id >= vocab) {
      return invalid_argument("prompt: token id " + std::to_string(id) +
                              " is outside the vocabulary");
    }
  }
  if (request.max_tokens < 0) return invalid_argument("max_tokens: must not be negative");
  if (request.prompt_logits != nullptr) {
    return unimplemented("prompt logits are not available from the batching engine");
  }
  TESSERA_RETURN_IF_ERROR(request.sampling.validate());
  const int64_t limit = std::min<int64_t>(request.max_tokens, context() - n_prompt);

  std::lock_guard<std::mutex> lock(mutex_);
  if (draining_) return unavailable("the model is shutting down");
  if (waiting_.size() >= options_.max_queued) {
    return resource_exhausted("the model's queue is full (" + std::to_string(options_.max_queued) +
                              " requests waiting)");
  }
  auto seq = std::make_unique<Sequence>(next_id_++, std::move(request), std::move(callbacks),
                                        tokenizer_, limit, clock_.now_ns());
  std::shared_ptr<GenerationTicket> ticket = seq->ticket;
  waiting_.push_back(std::move(seq));
  wake_.notify_one();
  return ticket;
}

void GenerateEngine::drain() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draining_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GenerateEngine::loop() {
  for (;;) {
    std::vector<std::unique_ptr<Sequence>> cancelled;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return draining_ || !waiting_.empty() || !running_.empty(); });
      if (draining_ && waiting_.empty() && running_.empty()) return;
      // Requests cancelled while queued leave at once, wherever they are in the queue.
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if ((*it)->ticket->cancelled()) {
          cancelled.push_back(std::move(*it));
          it = waiting_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& seq : cancelled) {
      seq->result.finish_reason = "cancelled";
      finish(*seq);
    }
    admit_waiting();
    for (auto& seq : running_) {
      if (seq->ticket->cancelled()) {
        seq->result.finish_reason = "cancelled";
        finish(*seq);
      }
    }
    std::erase_if(running_, [](const auto& seq) { return seq->finished; });
    if (!running_.empty()) run_step();
    std::erase_if(running_, [](const auto& seq) { return seq->finished; });
    running_count_.store(running_.size());
  }
}

void GenerateEngine::admit_waiting() {
  while (static_cast<int64_t>(running_.size()) < options_.max_sequences) {
    std::unique_ptr<Sequence> seq;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (waiting_.empty()) return;
      seq = std::move(waiting_.front());
      waiting_.pop_front();
    }
    // The KV blocks it can reach: its prompt and every token it may generate.
    const int64_t tokens = static_cast<int64_t>(seq->request.prompt.size()) + seq->limit;
    Status admitted = running_.empty() ? model_.kv().admit_wait(seq->id, kAdmitWait, tokens)
                                       : model_.kv().admit(seq->id, tokens);
    if (!admitted.ok()) {
      // Its KV cache does not fit the slice now; it keeps its place until a sequence finishes.
      std::lock_guard<std::mutex> lock(mutex_);
      waiting_.push_front(std::move(seq));
      return;
    }
    seq->admit_ns = clock_.now_ns();
    if (observer_) observer_->on_admitted(seconds_between(seq->submit_ns, seq->admit_ns));
    if (seq->limit == 0) {
      seq->result.finish_reason = "length";
      finish(*seq);
      continue;
    }
    running_.push_back(std::move(seq));
  }
}

void GenerateEngine::finish(Sequence& seq, const Status& error) {
  model_.kv().drop(seq.id);
  seq.finished = true;
  if (!error.ok()) {
    if (seq.callbacks.on_done) seq.callbacks.on_done(error);
    return;
  }
  GenerateResult& result = seq.result;
  if (result.finish_reason != "cancelled" && !seq.stops.stopped()) {
    seq.emit(seq.stops.push(seq.detokenizer.finish()));
    seq.emit(seq.stops.finish());
  }
  if (seq.first_token_ns != 0) {
    result.prefill_seconds = seconds_between(seq.admit_ns, seq.first_token_ns);
    result.decode_seconds = seconds_between(seq.first_token_ns, seq.last_token_ns);
  }
  if (seq.callbacks.on_done) seq.callbacks.on_done(std::move(result));
}

void GenerateEngine::run_step() {
  std::vector<BatchToken> batch;
  std::vector<Sequence*> wants_logits;  // in batch order, one per token with want_logits
  std::vector<Sequence*> in_step;
  for (auto& seq : running_) {
    if (!seq->decoding()) continue;
    batch.push_back({seq->pending, seq->id, static_cast<int64_t>(seq->history.size()) - 1, true});
    wants_logits.push_back(seq.get());
    in_step.push_back(seq.get());
  }
  // Prefill takes what the decodes leave of the batch, oldest request first.
  for (auto& seq : running_) {
    const auto budget = model_.batch_tokens() - static_cast<int64_t>(batch.size());
    if (budget <= 0) break;
    if (seq->decoding()) continue;
    const auto n_prompt = static_cast<int64_t>(seq->request.prompt.size());
    const int64_t n = std::min({budget, options_.prefill_chunk_tokens, n_prompt - seq->prefilled});
    for (int64_t p = seq->prefilled; p < seq->prefilled + n; ++p) {
      const bool last = p == n_prompt - 1;
      batch.push_back({seq->request.prompt[static_cast<size_t>(p)], seq->id, p, last});
      if (last) wants_logits.push_back(seq.get());
    }
    seq->prefilled += n;
    in_step.push_back(seq.get());
  }

  logits_.clear();
  Status forward_status;
  Result<StepTiming> timing = runner_.run([&](Backend& backend) {
    forward_status = &backend == &model_.backend()
                         ? model_.forward(batch, logits_)
                         : internal_error("decode step ran on " + backend.name() +
                                          ", but the model lives on " + model_.backend().name());
  });
  if (!timing.ok()) forward_status = timing.status();
  if (!forward_status.ok()) {
    for (Sequence* seq : in_step) finish(*seq, forward_status);
    return;
  }
  if (observer_) {
    observer_->on_step(static_cast<int64_t>(in_step.size()), static_cast<int64_t>(batch.size()),
                       seconds_between(timing->start_ns, timing->end_ns));
  }
  const int64_t vocab = model_.model().config().vocab;
  for (size_t i = 0; i < wants_logits.size(); ++i) {
    Sequence& seq = *wants_logits[i];
    std::span<float> row(logits_.data() + static_cast<int64_t>(i) * vocab,
                         static_cast<size_t>(vocab));
    if (advance(seq, row)) finish(seq);
  }
}

bool GenerateEngine::advance(Sequence& seq, std::span<float> logits) {
  const int32_t id = seq.sampler.sample(logits, seq.history);
  const int64_t now = clock_.now_ns();
  if (seq.result.tokens.empty()) {
    seq.first_token_ns = now;
    if (observer_) observer_->on_first_token(seconds_between(seq.submit_ns, now));
  } else if (observer_) {
    observer_->on_token_gap(seconds_between(seq.last_token_ns, now));
  }
  seq.last_token_ns = now;
  seq.result.tokens.push_back(id);
  seq.history.push_back(id);
  seq.result.finish_reason = "stop";
  if (!seq.request.ignore_eos && is_end_of_generation(tokenizer_, id)) return true;
  seq.emit(seq.stops.push(seq.detokenizer.push(id)));
  if (seq.stops.stopped()) return true;
  seq.result.finish_reason = "length";
  if (static_cast<int64_t>(seq.result.tokens.size()) >= seq.limit) return true;
  seq.pending = id;
  return false;
}

}  // namespace tessera
