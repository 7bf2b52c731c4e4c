// Bad input never crashes the load generator: a bad --url is a usage error, an unreachable server
// and malformed replies are counted as errors by kind.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "bench/bench_run.h"
#include "bench/fake_server.h"

namespace tessera::bench {
namespace {

BenchConfig config(const std::string& url, const std::string& endpoint) {
  BenchConfig c;
  c.url = url;
  Result<ApiTarget> t = make_target("openai", endpoint, "generate", false);
  EXPECT_TRUE(t.ok());
  c.target = *t;
  c.target.model = "m";
  c.concurrency = {2};
  c.requests = 25;
  c.synthetic.prompt_words = {3, 3};
  c.run.timeout_s = 10;
  return c;
}

TEST(BenchMalformed, BadUrlIsAUsageError) {
  for (const char* url : {"127.0.0.1:8000", "http://", "https://example.com", "http://h:70000"}) {
    Result<std::vector<LevelReport>> r = run_bench(config(url, "embeddings"));
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--url"), std::string::npos);
  }
}

TEST(BenchMalformed, UnreachableServerIsCountedAsConnectErrors) {
  uint16_t port = 0;
  {
    // A port that was free a moment ago: nothing listens there now.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  BenchConfig c = config("http://127.0.0.1:" + std::to_string(port), "embeddings");
  c.requests = 5;
  Result<std::vector<LevelReport>> r = run_bench(c);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->front().ok, 0);
  EXPECT_EQ(r->front().errors[static_cast<size_t>(ErrorKind::kConnect)], 5);
  // An unresolvable host is counted the same way.
  c.url = "http://no-such-host.invalid:8000";
  r = run_bench(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().errors[static_cast<size_t>(ErrorKind::kConnect)], 5);
}

TEST(BenchMalformed, MalformedRepliesAreCountedByKind) {
  testing::FakeServer server([](int64_t index) -> testing::FakeReply {
    switch (index % 5) {
      case 0:
        return {200, testing::embeddings_reply()};
      case 1:
        return {200, "this is not JSON"};
      case 2:
        return {200, "{\"object\":\"list\"}"};  // no "data"
      case 3:
        return {429, "{\"error\":\"slow down\"}"};
      default:
        return {503, "<html>down</html>", "text/html"};
    }
  });
  BenchConfig c = config("http://127.0.0.1:" + std::to_string(server.port()), "embeddings");
  Result<std::vector<LevelReport>> r = run_bench(c);
  ASSERT_TRUE(r.ok());
  const LevelReport& level = r->front();
  EXPECT_EQ(level.sent, 25);
  EXPECT_EQ(level.ok, 5);
  EXPECT_EQ(level.errors[static_cast<size_t>(ErrorKind::kMalformed)], 10);
  EXPECT_EQ(level.errors[static_cast<size_t>(ErrorKind::kHttp429)], 5);
  EXPECT_EQ(level.errors[static_cast<size_t>(ErrorKind::kHttp5xx)], 5);
  EXPECT_EQ(server.requests(), 25);
}

TEST(BenchMalformed, StreamWithoutEventsIsMalformed) {
  testing::FakeServer server([](int64_t) -> testing::FakeReply {
    return {200, "{\"choices\":[{\"text\":\"not a stream\"}]}"};
  });
  BenchConfig c = config("http://127.0.0.1:" + std::to_string(server.port()), "completions");
  c.target.stream = true;
  c.requests = 4;
  Result<std::vector<LevelReport>> r = run_bench(c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().errors[static_cast<size_t>(ErrorKind::kMalformed)], 4);
}

}  // namespace
}  // namespace tessera::bench
