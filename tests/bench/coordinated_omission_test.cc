// Coordinated omission: a server that stalls for a whole second must show up in the open-loop
// tail (latency from the intended send time, sends kept on schedule), while a closed-loop caller
// (the naive way) stops sending during the stall and so hides it. Margins are wide: a 1 s stall
// against requests that take well under 50 ms, so a noisy 2-core machine cannot flip a result.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "bench/bench_run.h"
#include "bench/fake_server.h"

namespace tessera::bench {
namespace {

using Clock = std::chrono::steady_clock;

// From request `first_stalled` on, every request that arrives within `stall` of it is held until
// the stall ends: the server freezes for a window.
class StallingServer {
 public:
  StallingServer(int64_t first_stalled, std::chrono::milliseconds stall)
      : server_([this, first_stalled, stall](int64_t index) {
          Clock::time_point until;
          {
            std::lock_guard<std::mutex> lock(mutex_);
            if (index == first_stalled) stall_until_ = Clock::now() + stall;
            until = stall_until_;
          }
          std::this_thread::sleep_until(until);
          return testing::FakeReply{200, testing::embeddings_reply()};
        }) {}
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  std::mutex mutex_;
  Clock::time_point stall_until_{};
  testing::FakeServer server_;
};

BenchConfig embeddings_config(const std::string& url) {
  BenchConfig c;
  c.url = url;
  Result<ApiTarget> t = make_target("openai", "embeddings", "generate", false);
  EXPECT_TRUE(t.ok());
  c.target = *t;
  c.target.model = "m";
  c.synthetic.prompt_words = {4, 4};
  c.run.timeout_s = 30;
  return c;
}

constexpr auto kStall = std::chrono::milliseconds(1000);

TEST(CoordinatedOmission, OpenLoopKeepsTheScheduleAndReportsTheStall) {
  StallingServer server(20, kStall);
  BenchConfig c = embeddings_config(server.url());
  c.rates = {40};
  c.requests = 120;  // about 3 s; the stall (from about 0.5 s) holds about 40 requests
  Result<std::vector<LevelReport>> reports = run_bench(c);
  ASSERT_TRUE(reports.ok()) << reports.status().to_string();
  const LevelReport& r = reports->front();
  std::printf("open loop: p50 %.1f p90 %.1f p99 %.1f ms, send lag max %.1f ms\n", r.latency_ms.p50,
              r.latency_ms.p90, r.latency_ms.p99, r.send_lag_ms.max);
  EXPECT_EQ(r.ok, 120);
  EXPECT_EQ(r.dropped, 0);
  // Sends went out on schedule although ~40 requests were stuck in the server.
  EXPECT_LT(r.send_lag_ms.max, 250) << "send lag p99 " << r.send_lag_ms.p99;
  // The stall is in the tail: about a third of the requests waited up to a second.
  EXPECT_GT(r.latency_ms.p99, 500);
  EXPECT_GT(r.latency_ms.p90, 200);
}

TEST(CoordinatedOmission, ClosedLoopHidesTheSameStall) {
  StallingServer server(20, kStall);
  BenchConfig c = embeddings_config(server.url());
  c.concurrency = {1};
  c.duration_s = 2.5;
  Result<std::vector<LevelReport>> reports = run_bench(c);
  ASSERT_TRUE(reports.ok()) << reports.status().to_string();
  const LevelReport& r = reports->front();
  std::printf("closed loop: %lld requests, p99 %.1f ms, max %.1f ms\n",
              static_cast<long long>(r.ok), r.latency_ms.p99, r.latency_ms.max);
  ASSERT_GT(r.ok, 200);              // fast requests before and after the stall
  EXPECT_GT(r.latency_ms.max, 900);  // the one stalled request...
  EXPECT_LT(r.latency_ms.p99, 250);  // ...is invisible in p99: the caller waited with the server
}

TEST(CoordinatedOmission, InFlightCapDropsInsteadOfWaiting) {
  StallingServer server(0, kStall);
  BenchConfig c = embeddings_config(server.url());
  c.rates = {50};
  c.requests = 60;
  c.run.max_in_flight = 4;
  Result<std::vector<LevelReport>> reports = run_bench(c);
  ASSERT_TRUE(reports.ok());
  const LevelReport& r = reports->front();
  EXPECT_GT(r.dropped, 10);  // during the stall, beyond the 4 in flight
  EXPECT_EQ(r.sent + r.dropped, 60);
  EXPECT_LT(r.goodput_fraction, 1.0);
  EXPECT_LT(r.send_lag_ms.max, 250);
}

}  // namespace
}  // namespace tessera::bench
