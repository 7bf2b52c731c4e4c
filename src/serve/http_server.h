// The HTTP/1.1 transport (Boost.Beast): an acceptor on host:port and one session per connection,
// all running on the IoPool's threads (network I/O only; no compute happens here). A session
// reads a request (bodies over the limit get 413, malformed requests 400, both closing the
// connection), hands it to the handler, writes the reply — whole, or chunked for streams — and
// keeps the connection alive when the client asks. While a request is in flight the session
// watches the socket: a client that goes away fires the Responder's disconnect callback.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/byte_size.h"
#include "base/status.h"
#include "serve/http_types.h"

namespace boost::asio {
class io_context;
}

namespace tessera::serve {

// The I/O threads: one io_context run by a few threads.
class IoPool {
 public:
  explicit IoPool(int threads);
  ~IoPool();  // stop()
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  boost::asio::io_context& context() { return *context_; }
  void stop();  // stops the context and joins the threads

 private:
  std::unique_ptr<boost::asio::io_context> context_;
  std::shared_ptr<void> work_;  // keeps run() from returning while idle
  std::vector<std::thread> threads_;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;  // 0: an ephemeral port (tests)
  uint64_t body_limit_bytes = 16 * kMiB;
};

class HttpServer {
 public:
  // Binds and starts accepting; IoError naming host:port when the bind fails.
  static Result<std::unique_ptr<HttpServer>> start(IoPool& io, const HttpServerOptions& options,
                                                   HttpHandler handler);
  ~HttpServer();

  uint16_t port() const { return port_; }
  // Closes the listening socket; connections in flight carry on.
  void stop_accepting();
  // Requests read whose reply has not been fully written (or abandoned by the client).
  int64_t active_requests() const;

  struct Shared;

 private:
  HttpServer() = default;

  uint16_t port_ = 0;
  std::shared_ptr<Shared> shared_;
};

}  // namespace tessera::serve
