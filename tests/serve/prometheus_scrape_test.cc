// A real Prometheus (Debian's `prometheus`) scrapes the metrics port, and PromQL over what it
// stored works as an operator would write it: a bucket selected by its bound (le="0.005") and a
// histogram_quantile over the request durations.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "serve/http_client.h"
#include "serve/serve_fixture.h"

namespace tessera::serve {
namespace {

using testing::http_request;
using testing::HttpReply;
using Json = nlohmann::json;

class PrometheusScrapeTest : public testing::ServerSuite {};

// A port nobody listens on now (bound and released; good enough on a test machine).
uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(0)});
  return acceptor.local_endpoint().port();
}

std::string url_encoded(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '_' || c == '-' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

// Prometheus' instant query API: the result vector, or null while the server is not up.
Json query(uint16_t port, const std::string& promql) {
  const HttpReply reply = http_request(port, "GET", "/api/v1/query?query=" + url_encoded(promql));
  if (reply.status != 200) return nullptr;
  const Json body = Json::parse(reply.body, nullptr, false);
  if (!body.is_object() || body.value("status", "") != "success") return nullptr;
  return body["data"]["result"];
}

TEST_F(PrometheusScrapeTest, PromQLOverTheScrapedHistogramsReturnsValues) {
  if (std::system("command -v prometheus > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "prometheus is not installed (apt-get install prometheus)";
  }
  // Traffic first, so every histogram has observations in its low buckets.
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(http_request(server_->http_port(), "POST", "/v1/embeddings",
                           Json{{"model", "embed"}, {"input", "hello"}}.dump())
                  .status,
              200);
  }
  const std::string config = dir_->file("prometheus.yml");
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: tessera\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << server_->metrics_port() << "']\n";
  const uint16_t port = free_port();
  const std::string log = dir_->file("prometheus.log");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    const std::string config_flag = "--config.file=" + config;
    const std::string storage_flag = "--storage.tsdb.path=" + dir_->file("prometheus-data");
    const std::string listen_flag = "--web.listen-address=127.0.0.1:" + std::to_string(port);
    execlp("prometheus", "prometheus", config_flag.c_str(), storage_flag.c_str(),
           listen_flag.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Up to 60 s for start-up and the first scrapes on a loaded machine (usually 2-3 s).
  Json bucket, quantile;
  for (int i = 0; i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bucket = query(port, "tessera_request_duration_seconds_bucket{model=\"embed\",le=\"0.005\"}");
    quantile = query(port,
                     "histogram_quantile(0.99, sum by (le) "
                     "(tessera_request_duration_seconds_bucket{model=\"embed\"}))");
    if (bucket.is_array() && !bucket.empty() && quantile.is_array() && !quantile.empty()) break;
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(log);
  const std::string log_text((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  ASSERT_TRUE(bucket.is_array() && bucket.size() == 1) << bucket << "\n" << log_text;
  EXPECT_EQ(bucket[0]["metric"]["le"], "0.005");
  ASSERT_TRUE(quantile.is_array() && quantile.size() == 1) << quantile << "\n" << log_text;
  // The value is [timestamp, "number"]; four requests of a tiny model: a finite positive p99.
  const double p99 = std::stod(quantile[0]["value"][1].get<std::string>());
  EXPECT_GT(p99, 0.0);
  EXPECT_LE(p99, 1800.0);
}

}  // namespace
}  // namespace tessera::serve
