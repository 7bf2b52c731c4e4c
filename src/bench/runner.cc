#include "bench/runner.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

namespace tessera::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kBodyLimitBytes = 256ull << 20;
constexpr auto kProgressPeriod = std::chrono::milliseconds(200);

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  bool connected = false;
};

struct Call {
  Sample sample;
  bool from_intended = false;  // open loop: latency from the intended send time
  HttpCall http;
  std::unique_ptr<Connection> connection;
  bool reused = false;   // the connection served an earlier request
  bool retried = false;  // a reused connection the server had closed: one retry on a fresh one
  http::request<http::string_body> request;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  size_t sse_offset = 0;
  std::vector<double> event_times_s;
};

ErrorKind classify(const beast::error_code& ec, bool got_header) {
  if (ec == beast::error::timeout) return ErrorKind::kTimeout;
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
    return got_header ? ErrorKind::kMalformed : ErrorKind::kConnect;
  }
  return ErrorKind::kConnect;
}

class LevelRunner {
 public:
  LevelRunner(const Url& url, const ApiTarget& target, const CallSource& calls,
              const LevelPlan& plan, const RunOptions& options)
      : url_(url),
        target_(target),
        calls_(calls),
        plan_(plan),
        options_(options),
        dispatch_timer_(io_),
        progress_timer_(io_) {}

  LevelSamples run() {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    endpoints_ = resolver.resolve(url_.host, url_.port, ec);
    resolved_ = !ec && !endpoints_.empty();
    start_ = Clock::now();
    if (plan_.open_loop) {
      expected_ = static_cast<int64_t>(plan_.schedule.size());
      asio::post(io_, [this] { dispatch_due(); });
    } else {
      expected_ = plan_.requests > 0 ? plan_.requests : -1;
      for (int64_t i = 0; i < std::max<int64_t>(plan_.concurrency, 1); ++i) {
        asio::post(io_, [this] { next_closed(); });
      }
    }
    if (options_.progress) tick_progress();
    io_.run();
    LevelSamples out;
    out.wall_s = last_end_s_;
    out.samples = std::move(samples_);
    return out;
  }

 private:
  double now_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  bool finished_dispatching() const {
    if (plan_.open_loop) return next_scheduled_ >= plan_.schedule.size();
    if (plan_.requests > 0) return issued_ >= plan_.requests;
    return now_s() >= plan_.duration_s;
  }

  void tick_progress() {
    options_.progress(static_cast<int64_t>(samples_.size()), expected_);
    if (finished_dispatching() && in_flight_ == 0) return;
    progress_timer_.expires_after(kProgressPeriod);
    progress_timer_.async_wait([this](const beast::error_code& ec) {
      if (!ec) tick_progress();
    });
  }

  // Open loop: send every request whose time has come, then sleep until the next one.
  void dispatch_due() {
    const double now = now_s();
    while (next_scheduled_ < plan_.schedule.size() && plan_.schedule[next_scheduled_] <= now) {
      const double intended = plan_.schedule[next_scheduled_];
      const auto index = static_cast<int64_t>(next_scheduled_++);
      if (in_flight_ >= options_.max_in_flight) {
        Sample dropped;
        dropped.intended_s = intended;
        dropped.sent_s = dropped.end_s = now;
        dropped.dropped = true;
        samples_.push_back(dropped);
        continue;
      }
      start_call(calls_(index), intended, true);
    }
    if (next_scheduled_ < plan_.schedule.size()) {
      dispatch_timer_.expires_at(
          start_ + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>(plan_.schedule[next_scheduled_])));
      dispatch_timer_.async_wait([this](const beast::error_code& ec) {
        if (!ec) dispatch_due();
      });
    }
  }

  void next_closed() {
    if (finished_dispatching()) return;
    start_call(calls_(issued_++), now_s(), false);
  }

  void start_call(HttpCall http_call, double intended_s, bool from_intended) {
    auto call = std::make_shared<Call>();
    call->sample.intended_s = intended_s;
    call->sample.sent_s = now_s();
    call->from_intended = from_intended;
    call->http = std::move(http_call);
    ++in_flight_;
    if (!idle_.empty()) {
      call->connection = std::move(idle_.back());
      idle_.pop_back();
      call->reused = true;
    } else {
      call->connection = std::make_unique<Connection>(io_);
    }
    send(call);
  }

  void send(const std::shared_ptr<Call>& call) {
    if (!resolved_) return finish(call, ErrorKind::kConnect, false);
    beast::tcp_stream& stream = call->connection->stream;
    stream.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.timeout_s)));
    if (call->connection->connected) return write(call);
    stream.async_connect(endpoints_, [this, call](const beast::error_code& ec,
                                                  const tcp::endpoint&) {
      if (ec)
        return finish(call, ec == beast::error::timeout ? ErrorKind::kTimeout : ErrorKind::kConnect,
                      false);
      call->connection->connected = true;
      // Requests are small writes; without this, Nagle's algorithm can hold one for a delayed ACK.
      beast::error_code ignored;
      call->connection->stream.socket().set_option(tcp::no_delay(true), ignored);
      write(call);
    });
  }

  void write(const std::shared_ptr<Call>& call) {
    http::request<http::string_body>& r = call->request;
    r = {};
    r.method(http::verb::post);
    r.target(call->http.path);
    r.version(11);
    r.set(http::field::host, url_.host + ":" + url_.port);
    r.set(http::field::content_type, "application/json");
    r.set(http::field::accept, target_.stream ? "text/event-stream" : "application/json");
    if (!options_.api_key.empty()) r.set(http::field::authorization, "Bearer " + options_.api_key);
    r.keep_alive(true);
    r.body() = call->http.body;
    r.prepare_payload();
    http::async_write(call->connection->stream, r,
                      [this, call](const beast::error_code& ec, size_t) {
                        if (ec) return retry_or_fail(call, ec);
                        read_header(call);
                      });
  }

  // A keep-alive connection the server closed while idle fails at once: resend on a fresh one.
  void retry_or_fail(const std::shared_ptr<Call>& call, const beast::error_code& ec) {
    if (call->reused && !call->retried && ec != beast::error::timeout) {
      call->retried = true;
      call->reused = false;
      call->connection = std::make_unique<Connection>(io_);
      call->buffer.clear();
      call->parser.reset();
      return send(call);
    }
    finish(call, classify(ec, false), false);
  }

  void read_header(const std::shared_ptr<Call>& call) {
    call->parser.emplace();
    call->parser->body_limit(kBodyLimitBytes);
    http::async_read_header(call->connection->stream, call->buffer, *call->parser,
                            [this, call](const beast::error_code& ec, size_t) {
                              if (ec) return retry_or_fail(call, ec);
                              read_body(call);
                            });
  }

  void read_body(const std::shared_ptr<Call>& call) {
    if (target_.stream) {
      const double now = now_s();
      for (size_t n = take_sse_events(call->parser->get().body(), call->sse_offset).size(); n > 0;
           --n) {
        call->event_times_s.push_back(now);
      }
    }
    if (call->parser->is_done()) return finish(call, ErrorKind::kNone, true);
    http::async_read_some(call->connection->stream, call->buffer, *call->parser,
                          [this, call](const beast::error_code& ec, size_t) {
                            if (ec) return finish(call, classify(ec, true), false);
                            read_body(call);
                          });
  }

  void finish(const std::shared_ptr<Call>& call, ErrorKind transport_error, bool complete) {
    Sample& s = call->sample;
    s.end_s = now_s();
    last_end_s_ = std::max(last_end_s_, s.end_s);
    const double origin = call->from_intended ? s.intended_s : s.sent_s;
    s.latency_s = s.end_s - origin;
    bool keep = false;
    if (!complete) {
      s.error = transport_error;
    } else {
      const auto& response = call->parser->get();
      const Interpreted result = interpret_response(
          target_, static_cast<int>(response.result_int()), response.body(), call->event_times_s);
      s.error = result.error;
      s.output_tokens = result.output_tokens;
      if (!result.token_times_s.empty()) {
        s.ttft_s = result.token_times_s.front() - origin;
        for (size_t i = 1; i < result.token_times_s.size(); ++i) {
          s.itl_s.push_back(result.token_times_s[i] - result.token_times_s[i - 1]);
        }
      }
      keep = response.keep_alive();
    }
    if (keep) {
      call->connection->stream.expires_never();
      idle_.push_back(std::move(call->connection));
    } else {
      beast::error_code ignored;
      call->connection->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      call->connection->stream.close();
    }
    samples_.push_back(std::move(s));
    --in_flight_;
    // Posted, not called: a server that refuses at once must not recurse through the stack.
    if (!plan_.open_loop) asio::post(io_, [this] { next_closed(); });
  }

  const Url& url_;
  const ApiTarget& target_;
  const CallSource& calls_;
  const LevelPlan& plan_;
  const RunOptions& options_;

  asio::io_context io_;
  asio::steady_timer dispatch_timer_;
  asio::steady_timer progress_timer_;
  tcp::resolver::results_type endpoints_;
  bool resolved_ = false;
  Clock::time_point start_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::vector<Sample> samples_;
  size_t next_scheduled_ = 0;
  int64_t issued_ = 0;
  int64_t in_flight_ = 0;
  int64_t expected_ = -1;
  double last_end_s_ = 0;
};

}  // namespace

LevelSamples run_level(const Url& url, const ApiTarget& target, const CallSource& calls,
                       const LevelPlan& plan, const RunOptions& options) {
  LevelRunner runner(url, target, calls, plan, options);
  return runner.run();
}

}  // namespace tessera::bench
