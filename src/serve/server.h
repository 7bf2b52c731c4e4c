// The whole server: reads the repository's slices.yaml into a DeviceRuntime, loads the models,
// and serves the HTTP API (KServe v2 + OpenAI + status page), KServe v2 over gRPC and the
// Prometheus metrics on their own ports; HTTP from a small pool of I/O threads, gRPC from its own.
// shutdown() is what SIGTERM does: stop accepting, let every request already read finish and be
// written, then stop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "serve/device_runtime.h"
#include "serve/http_server.h"
#include "serve/kserve_grpc.h"
#include "serve/metrics.h"
#include "serve/repository.h"
#include "serve/serve_context.h"

namespace tessera::serve {

struct ServerOptions {
  std::string repository;  // the model repository directory
  std::string host = "127.0.0.1";
  uint16_t http_port = 8000;  // 0: ephemeral (tests)
  uint16_t grpc_port = 8001;
  uint16_t metrics_port = 8002;
  std::string api_key;
  ControlMode control_mode = ControlMode::kNone;
  std::vector<std::string> load_models;  // explicit mode: loaded at start
  double poll_interval_seconds = 15;     // poll mode: how often the repository is rescanned
  int io_threads = 2;
  int compute_threads = 0;                // 0: the device config's cores
  uint64_t body_limit_bytes = 16 * kMiB;  // HTTP bodies and gRPC messages
  bool wait_for_models = true;            // start() returns once the startup loads are done
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options);
  ~Server();  // shutdown()

  uint16_t http_port() const { return api_->port(); }
  uint16_t grpc_port() const { return grpc_->port(); }
  uint16_t metrics_port() const { return metrics_server_->port(); }
  Repository& repository() { return *repository_; }
  DeviceRuntime& device() { return *device_; }
  Metrics& metrics() { return metrics_; }

  // Stops accepting, finishes every request in flight (at most `grace_seconds`), then stops the
  // I/O threads and frees the models. Idempotent.
  void shutdown(double grace_seconds = 30);

 private:
  Server() = default;

  Metrics metrics_;
  std::unique_ptr<DeviceRuntime> device_;
  std::unique_ptr<Repository> repository_;
  std::unique_ptr<ServeContext> context_;
  std::unique_ptr<IoPool> io_;
  std::unique_ptr<HttpServer> api_;
  std::unique_ptr<GrpcFrontend> grpc_;
  std::unique_ptr<HttpServer> metrics_server_;
  bool stopped_ = false;
};

}  // namespace tessera::serve
