// One sequence from prompt to finish: chunked prefill, then decode with sampling, end-of-generation
// tokens, stop strings and a token limit, streaming text through a callback. `tessera run` uses it;
// the serving layer's engine batches many sequences with the same pieces.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "models/llama_model.h"
#include "runtime/sampler.h"
#include "tokenize/tokenizer.h"

namespace tessera {

struct GenerateRequest {
  std::vector<int32_t> prompt;
  int32_t max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  int32_t prefill_chunk_tokens = 256;
  // When set, receives the logits of every prompt position, [prompt, vocab] row-major.
  std::vector<float>* prompt_logits = nullptr;
};

struct GenerateResult {
  std::vector<int32_t> tokens;  // generated ids (the stop/eos token included when it ended)
  std::string text;
  std::string finish_reason;  // "stop" (eos or stop string) or "length"
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

// True for tokens that end a turn: the vocabulary's EOS, and control tokens such as <|eot_id|>,
// <|im_end|>, <|end|>, <end_of_turn>, <|endoftext|>.
bool is_end_of_generation(const Tokenizer& tokenizer, int32_t id);

// `on_text` receives each released piece of text; returning false cancels (finish_reason
// "cancelled").
// Runs on the model's backend; prefill chunks are capped at the model's max_batch_tokens().
Result<GenerateResult> generate(LlamaModel& model, const Tokenizer& tokenizer,
                                const GenerateRequest& request,
                                const std::function<bool(std::string_view)>& on_text = nullptr);

}  // namespace tessera
