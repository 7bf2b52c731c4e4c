#include "serve/api_errors.h"

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

HttpResponse error_response(const Status& status, ErrorStyle style) {
  const int code = http_status_for(status);
  nlohmann::json body;
  if (style == ErrorStyle::kKServe) {
    body = {{"error", status.message()}};
  } else {
    const char* type = code == 400   ? "invalid_request_error"
                       : code == 404 ? "not_found_error"
                       : code == 429 ? "rate_limit_error"
                       : code == 401 ? "authentication_error"
                                     : "server_error";
    body = {{"error", {{"message", status.message()}, {"type", type}, {"code", code}}}};
  }
  HttpResponse response = json_response(code, dump_json(body));
  if (code == 429 || code == 503) {
    response.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  }
  return response;
}

}  // namespace tessera::serve
