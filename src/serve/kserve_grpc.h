// KServe v2 over gRPC (inference.GRPCInferenceService, as Triton serves it, so tritonclient.grpc
// works): health, server and model metadata, readiness, inference (unary and streaming) and the
// repository extension. Protocol translation only: the inference semantics are kserve_infer.h's,
// shared with the HTTP frontend. gRPC runs the calls on its own threads, which never compute.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "serve/serve_context.h"

namespace grpc {
class Server;
}

namespace tessera::serve {

class GrpcService;

struct GrpcFrontendOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8001;              // 0: an ephemeral port (tests)
  uint64_t message_limit_bytes = 0;  // largest request accepted
};

class GrpcFrontend {
 public:
  // Binds and starts serving; IoError naming host:port when the bind fails. `context` must
  // outlive the frontend.
  static Result<std::unique_ptr<GrpcFrontend>> start(ServeContext& context,
                                                     const GrpcFrontendOptions& options);
  ~GrpcFrontend();  // shutdown() with no grace, then wait()

  uint16_t port() const { return port_; }
  // Stops accepting calls now; the calls in flight may finish until `deadline`, then gRPC
  // cancels them. Returns at once; wait() blocks until it is all over. Idempotent.
  void shutdown(std::chrono::system_clock::time_point deadline);
  void wait();

 private:
  GrpcFrontend() = default;

  uint16_t port_ = 0;
  std::unique_ptr<GrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::thread shutdown_thread_;
};

}  // namespace tessera::serve
