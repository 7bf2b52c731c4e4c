// A blocking HTTP/1.1 client for the serving tests (Boost.Beast): one request per connection,
// chunked bodies (Server-Sent Events) read to the end, and raw bytes for malformed-input tests.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <string>
#include <vector>

namespace tessera::testing {

struct HttpReply {
  int status = 0;  // 0: no reply (connection failed or closed)
  std::map<std::string, std::string> headers;
  std::string body;
};

inline HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                              const std::string& body = "",
                              const std::map<std::string, std::string>& headers = {}) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  beast::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
  }
  http::write(socket, request, ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) return {};
  HttpReply reply;
  reply.status = static_cast<int>(parser.get().result_int());
  for (const auto& field : parser.get()) {
    reply.headers[std::string(field.name_string())] = std::string(field.value());
  }
  reply.body = parser.get().body();
  return reply;
}

// Sends `bytes` as they are and returns everything the server writes until it closes.
inline std::string raw_exchange(uint16_t port, const std::string& bytes) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  boost::asio::write(socket, boost::asio::buffer(bytes), ec);
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  std::string out;
  char buffer[4096];
  for (;;) {
    const size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
    if (ec) break;
    out.append(buffer, n);
  }
  return out;
}

// The `data:` payloads of a Server-Sent Events body, in order.
inline std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> events;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find("\n\n", start);
    if (end == std::string::npos) end = body.size();
    const std::string event = body.substr(start, end - start);
    if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
    start = end + 2;
  }
  return events;
}

}  // namespace tessera::testing
