#include "serve/api_errors.h"
#include "serve/json_fields.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

bool authorized(const ServeContext& context, const HttpRequest& request) {
  if (context.api_key.empty()) return true;
  if (request.path.rfind("/v2/health/", 0) == 0) return true;
  const std::string bearer = "Bearer " + context.api_key;
  return request.header("authorization") == bearer ||
         request.header("x-api-key") == context.api_key;
}

}  // namespace

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

HttpHandler make_api_handler(ServeContext& context) {
  return [&context](HttpRequest request, std::shared_ptr<Responder> responder) {
    if (!authorized(context, request)) {
      const std::string message = "missing or wrong API key (send Authorization: Bearer KEY)";
      const Json body = request.path.rfind("/v1/", 0) == 0
                            ? Json{{"error", openai_error(401, message)}}
                            : Json{{"error", message}};
      HttpResponse response = json_response(401, dump_json(body));
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      responder->send(std::move(response));
      return;
    }
    if (handle_kserve(context, request, responder)) return;
    if (handle_openai(context, request, responder)) return;
    if (handle_tokenize(context, request, responder)) return;
    if (handle_status_page(context, request, responder)) return;
    responder->send(
        error_response(not_found(request.method + " " + request.path + ": no such endpoint"),
                       ErrorStyle::kKServe));
  };
}

HttpHandler make_metrics_handler(Metrics& metrics) {
  return [&metrics](HttpRequest request, std::shared_ptr<Responder> responder) {
    if (request.path != "/metrics") {
      responder->send(error_response(not_found(request.path + ": the metrics are at /metrics"),
                                     ErrorStyle::kKServe));
      return;
    }
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.render();
    responder->send(std::move(response));
  };
}

}  // namespace tessera::serve
