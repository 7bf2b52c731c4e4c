#include "serve/api_errors.h"

#include <algorithm>
#include <cctype>

#include "serve/json_fields.h"

namespace tessera::serve {

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string outcome_for(const Status& status) {
  switch (http_status_for(status)) {
    case 400:
      return "client_error";
    case 404:
      return "not_found";
    case 429:
      return "rejected";
    case 503:
      return "unavailable";
    case 504:
      return "timeout";
    default:
      return "error";
  }
}

HttpResponse json_response(int status, const std::string& body) {
  HttpResponse response;
  response.status = status;
  response.body = body;
  return response;
}

namespace {

// The field a message names first ("messages[0].content: expected a string" -> that path), for
// OpenAI's `param`; null when the message does not start with one.
nlohmann::json param_of(const std::string& message) {
  const size_t colon = message.find(": ");
  if (colon == 0 || colon == std::string::npos) return nullptr;
  const std::string head = message.substr(0, colon);
  const bool is_path = std::all_of(head.begin(), head.end(),
                                   [](char c) {
                                     return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                                            c == '_' || c == '.' || c == '[' || c == ']';
                                   }) &&
                       std::isalpha(static_cast<unsigned char>(head[0])) != 0;
  if (!is_path || head == "body") return nullptr;
  return head;
}

}  // namespace

nlohmann::json openai_error(const Status& status) {
  return openai_error(http_status_for(status), status.message());
}

nlohmann::json openai_error(int http, const std::string& message) {
  const char* type = http == 400   ? "invalid_request_error"
                     : http == 404 ? "not_found_error"
                     : http == 429 ? "rate_limit_error"
                     : http == 401 ? "authentication_error"
                                   : "server_error";
  // OpenAI's `code` is a string (its SDKs type it so); these name the HTTP outcome.
  const char* code = http == 400   ? "invalid_request"
                     : http == 401 ? "invalid_api_key"
                     : http == 404 ? "not_found"
                     : http == 413 ? "request_too_large"
                     : http == 429 ? "rate_limit_exceeded"
                     : http == 501 ? "not_implemented"
                     : http == 503 ? "service_unavailable"
                                   : "internal_error";
  return {{"message", message}, {"type", type}, {"param", param_of(message)}, {"code", code}};
}

HttpResponse error_response(const Status& status, ErrorStyle style) {
  const int code = http_status_for(status);
  nlohmann::json body;
  if (style == ErrorStyle::kKServe) {
    body = {{"error", status.message()}};
  } else {
    body = {{"error", openai_error(status)}};
  }
  HttpResponse response = json_response(code, dump_json(body));
  if (code == 429 || code == 503) {
    response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  }
  return response;
}

}  // namespace tessera::serve
