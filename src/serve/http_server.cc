#include "serve/http_server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>
#include <future>
#include <mutex>
#include <sstream>

#include "base/clock.h"

namespace tessera::serve {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Header bytes a request may have: generous for real clients, small enough that garbage is cut
// off early.
constexpr uint32_t kHeaderLimitBytes = 16 * 1024;
// Bytes one read during a request may take in (a pipelined request's start; more waits).
constexpr size_t kWatchBytes = 4096;
// What a connection that is being closed may still send us before we stop reading it.
constexpr uint64_t kDiscardLimitBytes = 64 * 1024 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string chunk(std::string_view data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

}  // namespace

IoPool::IoPool(int threads) : context_(std::make_unique<asio::io_context>(threads)) {
  work_ = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
      context_->get_executor());
  for (int i = 0; i < std::max(threads, 1); ++i) {
    threads_.emplace_back([this] { context_->run(); });
  }
}

IoPool::~IoPool() { stop(); }

void IoPool::stop() {
  work_.reset();
  context_->stop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

struct HttpServer::Shared {
  Shared(asio::io_context& io, HttpServerOptions options_, HttpHandler handler_)
      : acceptor(asio::make_strand(io)),
        options(std::move(options_)),
        handler(std::move(handler_)) {}

  tcp::acceptor acceptor;
  HttpServerOptions options;
  HttpHandler handler;
  std::atomic<int64_t> active{0};
  std::atomic<bool> accepting{true};  // read from session strands, so not acceptor.is_open()
  SteadyClock clock;
};

namespace {

class Session;

// Forwards a frontend's reply to the session's strand; ignores everything once the request is
// answered or the session is gone.
class SessionResponder final : public Responder {
 public:
  SessionResponder(std::weak_ptr<Session> session, asio::any_io_executor executor,
                   uint64_t generation)
      : session_(std::move(session)), executor_(std::move(executor)), generation_(generation) {}

  void send(HttpResponse response) override;
  void start_stream(int status, const std::string& content_type) override;
  void write(std::string data) override;
  void finish() override;
  void on_disconnect(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mutex_);
    on_disconnect_ = std::move(fn);
  }
  void disconnected() {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn = std::move(on_disconnect_);
      on_disconnect_ = nullptr;
    }
    if (fn) fn();
  }

 private:
  template <typename F>
  void post(F f);

  std::weak_ptr<Session> session_;
  asio::any_io_executor executor_;
  uint64_t generation_;
  std::mutex mutex_;
  std::function<void()> on_disconnect_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
      : socket_(std::move(socket)), shared_(std::move(shared)) {}

  ~Session() { end_request(); }  // a request whose session is gone is no longer in flight

  void start() { read_next(); }

  // Reply pieces, on the strand; `generation` names the request they belong to.
  void send(uint64_t generation, HttpResponse response) {
    if (!current(generation) || replying_) return;
    replying_ = true;
    http::response<http::string_body> r{static_cast<http::status>(response.status), 11};
    r.set(http::field::server, "tessera");
    r.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) r.set(name, value);
    r.body() = std::move(response.body);
    r.keep_alive(keep_alive_);
    r.prepare_payload();
    std::ostringstream out;
    out << r;
    queue(out.str(), true);
  }
  void start_stream(uint64_t generation, int status, const std::string& content_type) {
    if (!current(generation) || replying_) return;
    replying_ = true;
    streaming_ = true;
    http::response<http::empty_body> r{static_cast<http::status>(status), 11};
    r.set(http::field::server, "tessera");
    r.set(http::field::content_type, content_type);
    r.set(http::field::cache_control, "no-cache");
    r.keep_alive(keep_alive_);
    r.chunked(true);
    std::ostringstream out;
    out << r.base();  // the header alone: the body follows as chunks
    queue(out.str(), false);
  }
  void write(uint64_t generation, std::string data) {
    if (!current(generation) || !streaming_ || data.empty()) return;
    queue(chunk(data), false);
  }
  void finish(uint64_t generation) {
    if (!current(generation) || !streaming_) return;
    streaming_ = false;
    queue("0\r\n\r\n", true);
  }

 private:
  bool current(uint64_t generation) const {
    return !closed_ && in_request_ && generation == generation_;
  }

  void read_next() {
    parser_.emplace();
    parser_->body_limit(shared_->options.body_limit_bytes);
    parser_->header_limit(kHeaderLimitBytes);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      close();
      return;
    }
    if (closed_) return;
    if (ec) {
      // Answer what we can, then close: the stream's framing can no longer be trusted.
      const bool too_large = ec == http::error::body_limit;
      begin_request(false);
      HttpResponse response;
      response.status = too_large ? 413 : 400;
      response.body = std::string("{\"error\":\"") +
                      (too_large ? "the request body is larger than the limit of " +
                                       std::to_string(shared_->options.body_limit_bytes) + " bytes"
                                 : "malformed HTTP request: " + ec.message()) +
                      "\"}";
      send(generation_, std::move(response));
      return;
    }
    http::request<http::string_body> message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string target(message.target());
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) request.query = target.substr(q + 1);
    for (const auto& field : message) {
      request.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.received_ns = shared_->clock.now_ns();
    begin_request(message.keep_alive());
    auto responder =
        std::make_shared<SessionResponder>(weak_from_this(), socket_.get_executor(), generation_);
    responder_ = responder;
    watch_for_disconnect();
    shared_->handler(std::move(request), std::move(responder));
  }

  void begin_request(bool keep_alive) {
    ++generation_;
    in_request_ = true;
    replying_ = false;
    streaming_ = false;
    keep_alive_ = keep_alive;
    shared_->active.fetch_add(1);
  }

  void end_request() {
    if (!in_request_) return;
    in_request_ = false;
    responder_.reset();
    shared_->active.fetch_sub(1);
  }

  // While a request computes, a read stays posted on the socket: end of stream or an error means
  // the client went away. (A readiness wait is not enough: asio may report a socket ready
  // speculatively.) Bytes that do arrive are a pipelined next request and stay in buffer_.
  void watch_for_disconnect() {
    watching_ = true;
    socket_.async_read_some(buffer_.prepare(kWatchBytes),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->watching_ = false;
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              // The reply ended while this read was posted: go on from here.
                              if (self->in_request_ || self->closed_) return;
                              self->closing_ ? self->discard_input() : self->read_next();
                            });
  }

  void queue(std::string data, bool last) {
    writes_.push_back({std::move(data), last});
    if (!writing_) write_front();
  }

  void write_front() {
    writing_ = true;
    asio::async_write(
        socket_, asio::buffer(writes_.front().data),
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      close();
      return;
    }
    const bool last = writes_.front().last;
    writes_.pop_front();
    if (!writes_.empty()) {
      write_front();
      return;
    }
    if (!last) return;
    const bool keep = keep_alive_ && shared_->accepting.load();
    end_request();
    if (keep) {
      if (!watching_) read_next();  // else the watch's completion reads on
    } else {
      beast::error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      closing_ = true;
      if (!watching_) discard_input();  // else the watch's completion does
    }
  }

  // Closing a socket with unread input makes the kernel send RST, and a client still sending
  // (a body over the limit) would lose the 413 we wrote. So read and drop what it sends, up to a
  // bound, until it closes its side.
  void discard_input() {
    if (discarded_bytes_ > kDiscardLimitBytes) return close();
    socket_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->discarded_bytes_ += n;
                              if (ec) return self->close();
                              self->discard_input();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    std::shared_ptr<SessionResponder> responder = responder_;
    end_request();
    beast::error_code ignored;
    socket_.close(ignored);
    if (responder) responder->disconnected();
  }

  struct Write {
    std::string data;
    bool last;  // ends the reply
  };

  tcp::socket socket_;
  std::shared_ptr<HttpServer::Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<Write> writes_;
  std::shared_ptr<SessionResponder> responder_;
  std::array<char, 4096> discard_;
  uint64_t discarded_bytes_ = 0;
  uint64_t generation_ = 0;
  bool watching_ = false, closing_ = false;
  bool writing_ = false, in_request_ = false, replying_ = false, streaming_ = false;
  bool keep_alive_ = false, closed_ = false;
};

template <typename F>
void SessionResponder::post(F f) {
  asio::post(executor_, [session = session_, f = std::move(f)]() mutable {
    if (std::shared_ptr<Session> s = session.lock()) f(*s);
  });
}

void SessionResponder::send(HttpResponse response) {
  post([g = generation_, r = std::move(response)](Session& s) mutable { s.send(g, std::move(r)); });
}

void SessionResponder::start_stream(int status, const std::string& content_type) {
  post([g = generation_, status, content_type](Session& s) {
    s.start_stream(g, status, content_type);
  });
}

void SessionResponder::write(std::string data) {
  post([g = generation_, d = std::move(data)](Session& s) mutable { s.write(g, std::move(d)); });
}

void SessionResponder::finish() {
  post([g = generation_](Session& s) { s.finish(g); });
}

void accept_next(const std::shared_ptr<HttpServer::Shared>& shared) {
  shared->acceptor.async_accept(
      asio::make_strand(shared->acceptor.get_executor()),
      [shared](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !shared->acceptor.is_open()) return;
        if (!ec) std::make_shared<Session>(std::move(socket), shared)->start();
        accept_next(shared);
      });
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(IoPool& io, const HttpServerOptions& options,
                                                      HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto shared = std::make_shared<Shared>(io.context(), options, std::move(handler));
  const std::string where = options.host + ":" + std::to_string(options.port);
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) return invalid_argument("--host '" + options.host + "': " + ec.message());
  const tcp::endpoint endpoint(address, options.port);
  shared->acceptor.open(endpoint.protocol(), ec);
  if (!ec) shared->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) shared->acceptor.bind(endpoint, ec);
  if (!ec) shared->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return io_error("cannot listen on " + where + ": " + ec.message());
  server->port_ = shared->acceptor.local_endpoint().port();
  server->shared_ = shared;
  asio::post(shared->acceptor.get_executor(), [shared] { accept_next(shared); });
  return server;
}

HttpServer::~HttpServer() { stop_accepting(); }

void HttpServer::stop_accepting() {
  // Once only: after the I/O threads stopped (server shutdown order) nobody would run the post.
  if (!shared_ || !shared_->accepting.exchange(false)) return;
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  auto shared = shared_;
  asio::post(shared->acceptor.get_executor(), [shared, closed] {
    beast::error_code ignored;
    shared->acceptor.close(ignored);
    closed->set_value();
  });
  // The io_context may already be stopped (shutdown order); then nobody accepts anyway.
  done.wait_for(std::chrono::seconds(2));
}

int64_t HttpServer::active_requests() const { return shared_ ? shared_->active.load() : 0; }

}  // namespace tessera::serve
