// What the frontends (HTTP and gRPC) share: the repository they look models up in, the device
// (for the status page), the metrics, the API key, and whether the server is shutting down. Owned
// by the Server.
#pragma once

#include <atomic>
#include <string>

#include "serve/device_runtime.h"
#include "serve/http_types.h"
#include "serve/metrics.h"
#include "serve/repository.h"

namespace tessera::serve {

struct ServeContext {
  Repository& repository;
  DeviceRuntime& device;
  Metrics& metrics;
  std::string api_key;  // empty: no authentication
  std::atomic<bool> shutting_down{false};

  bool ready() const { return !shutting_down.load() && repository.ready(); }
};

// Each frontend answers the requests it owns and returns true; false: not one of its routes.
bool handle_kserve(ServeContext& context, const HttpRequest& request,
                   const std::shared_ptr<Responder>& responder);
bool handle_openai(ServeContext& context, const HttpRequest& request,
                   const std::shared_ptr<Responder>& responder);
// POST /tokenize and /detokenize (tokenize_http.cc).
bool handle_tokenize(ServeContext& context, const HttpRequest& request,
                     const std::shared_ptr<Responder>& responder);
bool handle_status_page(ServeContext& context, const HttpRequest& request,
                        const std::shared_ptr<Responder>& responder);

// The API port's handler: authentication (health exempt), then the frontends, else 404.
HttpHandler make_api_handler(ServeContext& context);
// The metrics port's handler: GET /metrics.
HttpHandler make_metrics_handler(Metrics& metrics);

// "/v2/models/m/infer" -> {"v2", "models", "m", "infer"}.
std::vector<std::string> split_path(const std::string& path);

}  // namespace tessera::serve
