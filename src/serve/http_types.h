// What the HTTP transport hands the frontends, and how they answer. Frontends (KServe, OpenAI,
// status page, metrics) see only these types, never sockets: a request, and a Responder that
// sends one whole response or a chunked stream (Server-Sent Events). A Responder may be used from
// any thread (engine callbacks); it forwards to the connection's I/O strand.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tessera::serve {

struct HttpRequest {
  std::string method;                          // GET, POST, ...
  std::string path;                            // the target without its query
  std::string query;                           // after '?', undecoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int64_t received_ns = 0;  // steady clock, when the request was read

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Retry-After, ...)
};

class Responder {
 public:
  virtual ~Responder() = default;
  // One whole response. Only the first reply of a request counts; later calls are ignored.
  virtual void send(HttpResponse response) = 0;
  // A chunked response whose body arrives in write() calls and ends with finish().
  virtual void start_stream(int status, const std::string& content_type) = 0;
  virtual void write(std::string data) = 0;
  virtual void finish() = 0;
  // `fn` runs once, on an I/O thread, if the client goes away before the reply is complete
  // (frontends cancel the request's work there). Set it before submitting work.
  virtual void on_disconnect(std::function<void()> fn) = 0;
};

using HttpHandler = std::function<void(HttpRequest, std::shared_ptr<Responder>)>;

}  // namespace tessera::serve
