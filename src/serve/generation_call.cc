#include "serve/generation_call.h"

#include <limits>
#include <mutex>

#include "base/clock.h"
#include "serve/api_errors.h"

namespace tessera::serve {
namespace {

// Shared by the disconnect callback and the submitter: a disconnect that comes before submit()
// returned its ticket must still cancel.
struct CancelState {
  std::mutex mutex;
  bool cancelled = false;
  std::shared_ptr<GenerationTicket> ticket;

  void cancel() {
    std::lock_guard<std::mutex> lock(mutex);
    cancelled = true;
    if (ticket) ticket->cancel();
  }
  void attach(std::shared_ptr<GenerationTicket> t) {
    std::lock_guard<std::mutex> lock(mutex);
    ticket = std::move(t);
    if (cancelled) ticket->cancel();
  }
};

double seconds_since(int64_t ns) {
  return static_cast<double>(SteadyClock().now_ns() - ns) / kNsPerSecond;
}

Result<float> number_field(const Json& object, const std::string& field, float fallback) {
  TESSERA_ASSIGN_OR_RETURN(std::optional<double> v, optional_number(object, field));
  return v ? static_cast<float>(*v) : fallback;
}

}  // namespace

Result<GenerateRequest> generate_request_from_json(const Json& object, int32_t default_max_tokens) {
  GenerateRequest r;
  SamplingParams& s = r.sampling;
  s.temperature = 1.0f;
  s.top_p = 1.0f;
  s.top_k = 0;
  s.min_p = 0.0f;
  constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> max_tokens,
                           optional_integer(object, "max_tokens", 0, kMaxInt32));
  r.max_tokens = max_tokens ? static_cast<int32_t>(*max_tokens) : default_max_tokens;
  TESSERA_ASSIGN_OR_RETURN(s.temperature, number_field(object, "temperature", s.temperature));
  TESSERA_ASSIGN_OR_RETURN(s.top_p, number_field(object, "top_p", s.top_p));
  TESSERA_ASSIGN_OR_RETURN(s.min_p, number_field(object, "min_p", s.min_p));
  TESSERA_ASSIGN_OR_RETURN(s.repeat_penalty,
                           number_field(object, "repeat_penalty", s.repeat_penalty));
  TESSERA_ASSIGN_OR_RETURN(s.presence_penalty,
                           number_field(object, "presence_penalty", s.presence_penalty));
  TESSERA_ASSIGN_OR_RETURN(s.frequency_penalty,
                           number_field(object, "frequency_penalty", s.frequency_penalty));
  TESSERA_ASSIGN_OR_RETURN(std::optional<int64_t> top_k,
                           optional_integer(object, "top_k", -1, kMaxInt32));
  if (top_k) s.top_k = static_cast<int32_t>(*top_k);
  TESSERA_ASSIGN_OR_RETURN(
      std::optional<int64_t> seed,
      optional_integer(object, "seed", 0, std::numeric_limits<int64_t>::max()));
  if (seed) s.seed = static_cast<uint64_t>(*seed);
  TESSERA_ASSIGN_OR_RETURN(r.stop, string_or_strings(object, "stop"));
  for (size_t i = 0; i < r.stop.size(); ++i) {
    if (r.stop[i].empty()) return invalid_argument("stop[" + std::to_string(i) + "]: is empty");
  }
  TESSERA_ASSIGN_OR_RETURN(std::optional<bool> ignore_eos, optional_bool(object, "ignore_eos"));
  r.ignore_eos = ignore_eos.value_or(false);
  TESSERA_RETURN_IF_ERROR(s.validate());
  return r;
}

std::vector<int32_t> tokenize_prompt(const ModelInstance& model, const std::string& text,
                                     bool chat) {
  const Tokenizer& tokenizer = *model.tokenizer();
  bool add_special = true;
  if (chat) {
    // Templates that write BOS themselves must not get a second one.
    const Vocabulary& vocab = tokenizer.vocab();
    const int32_t bos = vocab.special().bos;
    if (vocab.contains(bos) && text.rfind(vocab.text(bos), 0) == 0) add_special = false;
  }
  return tokenizer.encode(text, add_special, /*parse_special=*/chat);
}

CancelHook on_disconnect_of(const std::shared_ptr<Responder>& responder) {
  return [responder](std::function<void()> cancel) { responder->on_disconnect(std::move(cancel)); };
}

Status start_generation(ModelInstance& model, GenerateRequest request, const CancelHook& on_cancel,
                        int64_t received_ns, GenerationHandlers handlers) {
  GenerateEngine* engine = model.generator();
  ModelObserver* observer = &model.observer();
  const auto prompt_tokens = static_cast<int64_t>(request.prompt.size());
  if (engine == nullptr) {
    return invalid_argument("model: '" + model.config().name + "' is a " +
                            model_kind_name(model.kind()) + " model; it does not generate");
  }
  auto cancel = std::make_shared<CancelState>();
  on_cancel([cancel] { cancel->cancel(); });
  GenerationCallbacks callbacks;
  callbacks.on_text = std::move(handlers.on_text);
  callbacks.on_done = [observer, received_ns, prompt_tokens,
                       on_done = std::move(handlers.on_done)](Result<GenerateResult> result) {
    const double seconds = seconds_since(received_ns);
    if (result.ok()) {
      const std::string outcome = result->finish_reason == "cancelled" ? "cancelled" : "success";
      observer->on_request(outcome, seconds, prompt_tokens,
                           static_cast<int64_t>(result->tokens.size()));
    } else {
      observer->on_request(outcome_for(result.status()), seconds);
    }
    on_done(result);
  };
  Result<std::shared_ptr<GenerationTicket>> ticket =
      engine->submit(std::move(request), std::move(callbacks));
  if (!ticket.ok()) return ticket.status();  // counted by the frontend (refused_requests.h)
  cancel->attach(std::move(*ticket));
  return {};
}

}  // namespace tessera::serve
