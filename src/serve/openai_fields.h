// Which request fields the OpenAI endpoints take. Every field a client may send is either honoured,
// accepted at the value that means "off" (n: 1, logprobs: false, echo: false, an empty
// logit_bias, response_format text), or refused with a 400 that names it: a client that asks for
// two choices or a JSON reply must not get one plain answer back with a 200. Unknown fields are
// refused the same way, as OpenAI's own API does ("Unrecognized request argument").
#pragma once

#include "base/status.h"
#include "serve/json_fields.h"

namespace tessera::serve {

enum class OpenAIEndpoint { kCompletions, kChat, kEmbeddings, kRerank };

// The endpoint's path, for messages ("/v1/chat/completions").
const char* openai_path(OpenAIEndpoint endpoint);

// OK when every field of `body` is one the endpoint takes, at a value it honours.
Status check_openai_fields(const Json& body, OpenAIEndpoint endpoint);

// The completion length: `max_completion_tokens` (the field OpenAI's SDKs send now) or the older
// `max_tokens`; both given and different is an error. nullopt when neither is.
Result<std::optional<int64_t>> completion_token_limit(const Json& body);

// `stream_options.include_usage`: whether a stream ends with a usage chunk. stream_options is only
// allowed on a streamed request, as OpenAI's API has it.
Result<bool> stream_include_usage(const Json& body, bool stream);

}  // namespace tessera::serve
