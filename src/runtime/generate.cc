#include "runtime/generate.h"

#include <chrono>

#include "runtime/stop_matcher.h"
#include "tokenize/detokenizer.h"

namespace tessera {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

bool is_end_of_generation(const Tokenizer& tokenizer, int32_t id) {
  const Vocabulary& vocab = tokenizer.vocab();
  if (!vocab.contains(id)) return false;
  if (id == vocab.special().eos) return true;
  if (vocab.type(id) != TokenType::kControl && vocab.type(id) != TokenType::kUserDefined)
    return false;
  static const char* kEndOfTurn[] = {"<|eot_id|>",    "<|im_end|>",      "<|end|>", "<end_of_turn>",
                                     "<|endoftext|>", "<|end_of_text|>", "</s>",    "<|eom_id|>"};
  for (const char* text : kEndOfTurn) {
    if (vocab.text(id) == text) return true;
  }
  return false;
}

Result<GenerateResult> generate(LlamaModel& model, const Tokenizer& tokenizer,
                                const GenerateRequest& request,
                                const std::function<bool(std::string_view)>& on_text) {
  const LlamaConfig& config = model.config();
  const auto n_prompt = static_cast<int64_t>(request.prompt.size());
  if (n_prompt == 0) return invalid_argument("the prompt is empty (no tokens)");
  if (n_prompt >= config.context) {
    return invalid_argument("the prompt has " + std::to_string(n_prompt) +
                            " tokens, more than the model's context of " +
                            std::to_string(config.context) + " leaves room for (at least one " +
                            "generated token)");
  }
  if (request.max_tokens < 0) return invalid_argument("max_tokens must not be negative");
  TESSERA_RETURN_IF_ERROR(request.sampling.validate());

  TESSERA_ASSIGN_OR_RETURN(KvCache cache, model.make_cache());
  GenerateResult result;
  std::vector<float> logits;
  auto start = std::chrono::steady_clock::now();
  const int64_t chunk = std::min<int64_t>(std::max<int32_t>(1, request.prefill_chunk_tokens),
                                          model.max_batch_tokens());
  for (int64_t begin = 0; begin < n_prompt; begin += chunk) {
    const int64_t end = std::min(n_prompt, begin + chunk);
    std::vector<BatchToken> batch;
    for (int64_t p = begin; p < end; ++p) {
      const bool want = request.prompt_logits != nullptr || p == n_prompt - 1;
      batch.push_back({request.prompt[static_cast<size_t>(p)], 0, p, want});
    }
    TESSERA_RETURN_IF_ERROR(model.forward(batch, cache, logits));
  }
  result.prefill_seconds = seconds_since(start);
  if (request.prompt_logits) *request.prompt_logits = logits;
  std::vector<float> last(logits.end() - config.vocab, logits.end());

  std::vector<int32_t> history = request.prompt;
  Sampler sampler(request.sampling);
  Detokenizer detokenizer(tokenizer, DecodeOptions{.special = false, .text_start = false});
  StopMatcher stops(request.stop);
  auto emit = [&](const std::string& text) {
    if (text.empty()) return true;
    result.text += text;
    return on_text ? on_text(text) : true;
  };

  start = std::chrono::steady_clock::now();
  result.finish_reason = "length";
  const int64_t room = config.context - n_prompt;
  const int64_t limit = std::min<int64_t>(request.max_tokens, room);
  for (int64_t i = 0; i < limit; ++i) {
    const int32_t id = sampler.sample(last, history);
    result.tokens.push_back(id);
    history.push_back(id);
    if (!request.ignore_eos && is_end_of_generation(tokenizer, id)) {
      result.finish_reason = "stop";
      break;
    }
    if (!emit(stops.push(detokenizer.push(id)))) {
      result.finish_reason = "cancelled";
      break;
    }
    if (stops.stopped()) {
      result.finish_reason = "stop";
      break;
    }
    if (i + 1 == limit) break;
    logits.clear();
    const BatchToken next{id, 0, static_cast<int64_t>(history.size()) - 1, true};
    TESSERA_RETURN_IF_ERROR(model.forward({&next, 1}, cache, logits));
    last.assign(logits.begin(), logits.end());
  }
  if (result.finish_reason != "cancelled" && !stops.stopped()) {
    emit(stops.push(detokenizer.finish()));
    emit(stops.finish());
  }
  result.decode_seconds = seconds_since(start);
  return result;
}

}  // namespace tessera
