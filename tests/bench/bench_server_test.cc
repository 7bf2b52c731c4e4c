// `tessera bench` against the real server on loopback (the serving tests' repository): every
// API/endpoint combination succeeds, and the numbers agree with the server's own metrics.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/bench_run.h"
#include "bench/scrape.h"
#include "serve/serve_fixture.h"
#include "serve/server.h"

namespace tessera::bench {
namespace {

class BenchServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    testing::write_test_repository(dir_->path());
    serve::ServerOptions options;
    options.repository = dir_->path();
    options.http_port = 0;
    options.metrics_port = 0;
    Result<std::unique_ptr<serve::Server>> server = serve::Server::start(options);
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static std::string url() { return "http://127.0.0.1:" + std::to_string(server_->http_port()); }
  static std::string metrics_url() {
    return "http://127.0.0.1:" + std::to_string(server_->metrics_port()) + "/metrics";
  }

  static BenchConfig config(const std::string& api, const std::string& endpoint,
                            const std::string& kind, const std::string& model, bool stream) {
    BenchConfig c;
    c.url = url();
    Result<ApiTarget> target = make_target(api, endpoint, kind, stream);
    EXPECT_TRUE(target.ok()) << target.status().to_string();
    if (target.ok()) c.target = *target;
    c.target.model = model;
    c.concurrency = {2};
    c.requests = 6;
    c.synthetic.prompt_words = {3, 6};
    c.synthetic.output_tokens = {4, 4};
    c.synthetic.documents = 3;
    c.run.timeout_s = 60;
    return c;
  }

  static MetricSamples scrape_now() {
    Result<Url> u = parse_url(metrics_url(), "metrics");
    EXPECT_TRUE(u.ok());
    Result<MetricSamples> s = scrape(*u);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? *s : MetricSamples{};
  }

  static testing::TempDir* dir_;
  static serve::Server* server_;
};

testing::TempDir* BenchServerTest::dir_ = nullptr;
serve::Server* BenchServerTest::server_ = nullptr;

struct Combination {
  const char* api;
  const char* endpoint;
  const char* kind;
  const char* model;
  bool stream;
};

TEST_F(BenchServerTest, EveryApiAndEndpointAgreesWithTheServersMetrics) {
  const Combination combinations[] = {
      {"openai", "chat", "generate", "chat", false},
      {"openai", "chat", "generate", "chat", true},
      {"openai", "completions", "generate", "chat", false},
      {"openai", "completions", "generate", "chat", true},
      {"openai", "embeddings", "generate", "embed", false},
      {"openai", "rerank", "generate", "rerank", false},
      {"kserve", "infer", "generate", "chat", false},
      {"kserve", "infer", "embed", "embed", false},
      {"kserve", "infer", "rerank", "rerank", false},
  };
  for (const Combination& c : combinations) {
    SCOPED_TRACE(std::string(c.api) + " " + c.endpoint + " " + c.kind +
                 (c.stream ? " stream" : ""));
    const std::string model_label = std::string("model=\"") + c.model + "\"";
    const MetricSamples before = scrape_now();
    Result<std::vector<LevelReport>> reports =
        run_bench(config(c.api, c.endpoint, c.kind, c.model, c.stream));
    const MetricSamples after = scrape_now();
    ASSERT_TRUE(reports.ok()) << reports.status().to_string();
    ASSERT_EQ(reports->size(), 1u);
    const LevelReport& r = reports->front();
    EXPECT_EQ(r.sent, 6);
    EXPECT_EQ(r.ok, 6);
    for (int k = 1; k < kErrorKinds; ++k) EXPECT_EQ(r.errors[static_cast<size_t>(k)], 0) << k;
    EXPECT_GT(r.throughput_rps, 0);
    EXPECT_GT(r.latency_ms.p50, 0);
    EXPECT_GE(r.latency_ms.max, r.latency_ms.p99);
    const bool generates = std::string(c.kind) == "generate" &&
                           std::string(c.endpoint) != "embeddings" &&
                           std::string(c.endpoint) != "rerank";
    if (generates) {
      EXPECT_GT(r.output_tokens_per_s, 0);
    }
    if (c.stream) {
      EXPECT_GT(r.ttft_ms.count, 0);
      EXPECT_LE(r.ttft_ms.p50, r.latency_ms.max);
    }
    // Exact: every request bench sent reached the server's request counter once.
    const double served = sum_family(after, "tessera_requests_total", model_label) -
                          sum_family(before, "tessera_requests_total", model_label);
    EXPECT_EQ(static_cast<int64_t>(served), r.sent);
    // The client's latency contains the server's (arrival to last byte, which includes queue and
    // compute time) plus the network; 1 ms of tolerance for the two clocks' reading points.
    const double server_count =
        sum_family(after, "tessera_request_duration_seconds_count", model_label) -
        sum_family(before, "tessera_request_duration_seconds_count", model_label);
    const double server_sum =
        sum_family(after, "tessera_request_duration_seconds_sum", model_label) -
        sum_family(before, "tessera_request_duration_seconds_sum", model_label);
    ASSERT_GT(server_count, 0);
    const double server_mean_ms = server_sum / server_count * 1000;
    EXPECT_GE(r.latency_ms.mean + 1.0, server_mean_ms);
  }
}

TEST_F(BenchServerTest, OpenLoopSweepWithUtilisationAndJson) {
  BenchConfig c = config("openai", "embeddings", "generate", "embed", false);
  c.concurrency.clear();
  c.rates = {20, 40};
  c.requests = 20;
  c.metrics_url = metrics_url();
  c.slo.p99_ms = 10000;
  Result<std::vector<LevelReport>> reports = run_bench(c);
  ASSERT_TRUE(reports.ok()) << reports.status().to_string();
  ASSERT_EQ(reports->size(), 2u);
  for (const LevelReport& r : *reports) {
    EXPECT_TRUE(r.open_loop);
    EXPECT_EQ(r.ok, 20);
    EXPECT_EQ(r.slo_met, 20);
    EXPECT_DOUBLE_EQ(r.goodput_fraction, 1.0);
    ASSERT_TRUE(r.utilisation.has_value());
    EXPECT_GT(*r.utilisation, 0);
    EXPECT_LT(*r.utilisation, 1.5);  // busy seconds of one device per wall second
  }
  const std::string json = format_json(*reports, c.url, "embed", "openai", "embeddings");
  EXPECT_NE(json.find("\"goodput_fraction\""), std::string::npos);
}

TEST_F(BenchServerTest, WrongModelIsCountedAs4xx) {
  BenchConfig c = config("openai", "embeddings", "generate", "nosuch", false);
  Result<std::vector<LevelReport>> reports = run_bench(c);
  ASSERT_TRUE(reports.ok());
  EXPECT_EQ(reports->front().ok, 0);
  EXPECT_EQ(reports->front().errors[static_cast<size_t>(ErrorKind::kHttp4xx)], 6);
}

// The real binary, flags and all: stdout only, and the exit code.
std::pair<int, std::string> run_binary(const std::string& args) {
  FILE* pipe = popen((std::string(TESSERA_BINARY) + " " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(BenchServerTest, CommandLineSweepWritesJsonAndHtml) {
  const std::string html = dir_->path() + "/report.html";
  const auto [code, out] =
      run_binary("bench --url " + url() +
                 " --model chat --endpoint chat --stream --concurrency 1,2 "
                 "--requests 4 --prompt-words 3..5 --output-tokens 3 --json --html " +
                 html + " --metrics-url " + metrics_url());
  ASSERT_EQ(code, 0) << out;
  const nlohmann::json report = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << out;
  ASSERT_EQ(report["levels"].size(), 2u);
  for (const auto& level : report["levels"]) {
    EXPECT_EQ(level["ok"], 4) << level.dump();
    EXPECT_GT(level["ttft_ms"]["count"].get<int>(), 0);
  }
  std::ifstream in(html);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  EXPECT_EQ(text.str().find("<script"), std::string::npos);  // self-contained, offline
  EXPECT_EQ(run_binary("bench --url localhost:1 --model m").first, 2);
  EXPECT_EQ(run_binary("bench --url " + url() + " --model m --rate 1 --concurrency 1").first, 2);
}

}  // namespace
}  // namespace tessera::bench
