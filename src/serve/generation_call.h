// What both frontends do to run one generate request: read the sampling fields from JSON, submit
// to the model's engine, cancel it when the client disconnects, and count it in the metrics when
// it ends. The callbacks run on the engine thread and must not capture the ModelInstance (the
// engine would then be destroyed from its own thread); they reach the client through their
// transport (the HTTP Responder, a gRPC reactor), which hands everything to its own threads.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "runtime/generate.h"
#include "serve/http_types.h"
#include "serve/json_fields.h"
#include "serve/model_instance.h"

namespace tessera::serve {

// max_tokens, temperature, top_p, top_k, min_p, seed, stop, repeat_penalty, presence_penalty,
// frequency_penalty, ignore_eos from `object` (an OpenAI body or KServe `parameters`). Defaults
// follow OpenAI: temperature 1, top_p 1, no top-k or min-p; max_tokens `default_max_tokens`.
Result<GenerateRequest> generate_request_from_json(const Json& object, int32_t default_max_tokens);

// How a transport tells that its client went away: it stores `cancel` and runs it once if the
// client disconnects (HTTP) or cancels the call (gRPC) before the reply is complete.
using CancelHook = std::function<void(std::function<void()> cancel)>;
// The HTTP transport's: the Responder's disconnect callback.
CancelHook on_disconnect_of(const std::shared_ptr<Responder>& responder);

struct GenerationHandlers {
  std::function<void(std::string_view text)> on_text;  // optional
  std::function<void(const Result<GenerateResult>&)> on_done;
};

// Submits `request` (its prompt tokenized) to `model`'s engine. A submit error is returned (the
// frontend counts it, see refused_requests.h); otherwise `handlers.on_done` runs exactly once.
// `received_ns` is when the request arrived, for the duration metrics; `on_cancel` is given the
// function that cancels it.
Status start_generation(ModelInstance& model, GenerateRequest request, const CancelHook& on_cancel,
                        int64_t received_ns, GenerationHandlers handlers);

// The prompt's tokens with the model's special-token rules (BOS when the vocabulary adds one);
// `chat` parses control tokens the chat template wrote as text.
std::vector<int32_t> tokenize_prompt(const ModelInstance& model, const std::string& text,
                                     bool chat);

}  // namespace tessera::serve
