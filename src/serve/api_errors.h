// Status -> HTTP: the one mapping both frontends use, so a full queue is a 429 with Retry-After
// everywhere and a bad field a 400 naming it. KServe bodies are {"error": "..."}; OpenAI bodies
// are {"error": {"message", "type", "code"}} as OpenAI's clients expect.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "serve/http_types.h"

namespace tessera::serve {

// Seconds a client told "429" or "503" should wait before retrying.
inline constexpr int kRetryAfterSeconds = 1;

enum class ErrorStyle { kKServe, kOpenAI };

// InvalidArgument, DataLoss -> 400; NotFound -> 404; ResourceExhausted -> 429; Unavailable ->
// 503; Unimplemented -> 501; anything else -> 500.
int http_status_for(const Status& status);
HttpResponse error_response(const Status& status, ErrorStyle style);
// OpenAI's error object: {"message", "type", "param" (the field a 400 names, else null),
// "code" (a string: "invalid_request", "not_found", "rate_limit_exceeded", ...)}.
nlohmann::json openai_error(const Status& status);
// The same for an HTTP status given directly (the router's 401 for a missing API key).
nlohmann::json openai_error(int http, const std::string& message);
HttpResponse json_response(int status, const std::string& body);

// The request-count outcome label for a failure: client_error | not_found | rejected |
// unavailable | error.
std::string outcome_for(const Status& status);

}  // namespace tessera::serve
