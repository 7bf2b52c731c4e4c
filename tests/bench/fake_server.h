// A tiny HTTP/1.1 server for the load generator's tests: one thread per connection (keep-alive),
// replies from a handler that may sleep, so a test can stall the "server" or send malformed
// replies. Binds 127.0.0.1 on an ephemeral port.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tessera::testing {

struct FakeReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

class FakeServer {
 public:
  // `handler(index)`: the reply to the index-th request (0-based, in arrival order); it runs on
  // the connection's thread and may block to stall that request.
  explicit FakeServer(std::function<FakeReply(int64_t)> handler)
      : handler_(std::move(handler)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~FakeServer() {
    stopping_ = true;
    boost::system::error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_.close(ec);
    accept_thread_.join();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& t : connections_) t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int64_t requests() const { return next_index_.load(); }

 private:
  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec) return;
      std::lock_guard<std::mutex> lock(mutex_);
      open_fds_.push_back(socket->native_handle());
      connections_.emplace_back([this, socket] {
        serve(*socket);
        // Unregistered before the socket closes, so the destructor never shuts a reused fd.
        std::lock_guard<std::mutex> done(mutex_);
        std::erase(open_fds_, socket->native_handle());
      });
    }
  }

  void serve(boost::asio::ip::tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) break;
      const FakeReply reply = handler_(next_index_++);
      http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
      response.set(http::field::content_type, reply.content_type);
      response.keep_alive(request.keep_alive());
      response.body() = reply.body;
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec || !request.keep_alive()) break;
    }
    boost::system::error_code ignored;
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  }

  std::function<FakeReply(int64_t)> handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> next_index_{0};
  std::mutex mutex_;
  std::vector<int> open_fds_;
  std::vector<std::thread> connections_;
};

// A valid OpenAI /v1/embeddings reply.
inline std::string embeddings_reply() {
  return R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,0.25]}],)"
         R"("model":"m","usage":{"prompt_tokens":3,"total_tokens":3}})";
}

}  // namespace tessera::testing
