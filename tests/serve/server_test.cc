// End-to-end: the real server on loopback (ephemeral ports), driven over HTTP like a client.
#include "serve/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "serve/http_suite.h"

namespace tessera::serve {
namespace {

using testing::http_request;
using testing::HttpReply;
using testing::sse_events;
using Json = nlohmann::json;

class ServerTest : public testing::HttpServerSuite {};

TEST_F(ServerTest, HealthAndServerMetadata) {
  EXPECT_EQ(get("/v2/health/live").status, 200);
  EXPECT_EQ(get("/v2/health/ready").status, 200);
  const HttpReply meta = get("/v2");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(json(meta)["name"], "tessera");
}

TEST_F(ServerTest, RepositoryIndexReportsBrokenModelsWithReasons) {
  const HttpReply reply = post("/v2/repository/index", Json::object());
  ASSERT_EQ(reply.status, 200);
  std::map<std::string, Json> by_name;
  for (const Json& entry : json(reply)) by_name[entry["name"]] = entry;
  EXPECT_EQ(by_name["chat"]["state"], "READY");
  EXPECT_EQ(by_name["embed"]["state"], "READY");
  EXPECT_EQ(by_name["rerank"]["state"], "READY");
  EXPECT_EQ(by_name["broken"]["state"], "UNAVAILABLE");
  EXPECT_NE(
      by_name["broken"]["reason"].get<std::string>().find("broken/model.yaml:3:1: malformed YAML"),
      std::string::npos)
      << by_name["broken"]["reason"];
  EXPECT_EQ(by_name["toobig"]["state"], "UNAVAILABLE");
  EXPECT_NE(by_name["toobig"]["reason"].get<std::string>().find("does not fit slice 'tiny'"),
            std::string::npos)
      << by_name["toobig"]["reason"];
}

TEST_F(ServerTest, ModelMetadataAndReadiness) {
  const HttpReply meta = get("/v2/models/embed");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(json(meta)["outputs"][0]["shape"], Json({-1, 32}));
  EXPECT_EQ(get("/v2/models/chat/versions/1").status, 200);
  EXPECT_EQ(get("/v2/models/chat/versions/2").status, 404);
  EXPECT_EQ(get("/v2/models/chat/ready").status, 200);
  EXPECT_EQ(get("/v2/models/broken/ready").status, 503);
  EXPECT_EQ(get("/v2/models/nosuch/ready").status, 404);
}

TEST_F(ServerTest, KServeInferGenerateEmbedRerank) {
  const Json generate = {
      {"id", "r1"},
      {"inputs",
       {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"Hello"}}}}},
      {"parameters", {{"max_tokens", 8}, {"temperature", 0}, {"ignore_eos", true}}}};
  HttpReply reply = post("/v2/models/chat/infer", generate);
  ASSERT_EQ(reply.status, 200) << reply.body;
  Json body = json(reply);
  EXPECT_EQ(body["id"], "r1");
  EXPECT_EQ(body["outputs"][0]["name"], "text_output");
  EXPECT_EQ(body["parameters"]["completion_tokens"], 8);

  const Json embed = {{"inputs",
                       {{{"name", "text"},
                         {"datatype", "BYTES"},
                         {"shape", {2}},
                         {"data", {"first text", "second text"}}}}}};
  reply = post("/v2/models/embed/infer", embed);
  ASSERT_EQ(reply.status, 200) << reply.body;
  body = json(reply);
  EXPECT_EQ(body["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(body["outputs"][0]["shape"], Json({2, 32}));
  EXPECT_EQ(body["outputs"][0]["data"].size(), 64u);

  const Json rerank = {
      {"inputs",
       {{{"name", "query"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"what is a cat"}}},
        {{"name", "documents"},
         {"datatype", "BYTES"},
         {"shape", {3}},
         {"data", {"a cat is an animal", "paris", "bread"}}}}}};
  reply = post("/v2/models/rerank/infer", rerank);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["outputs"][0]["data"].size(), 3u);

  const HttpReply stats = get("/v2/models/chat/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_GE(json(stats)["model_stats"][0]["inference_stats"]["success"]["count"].get<int>(), 1);
}

TEST_F(ServerTest, KServeMalformedTensorsAre400NamingTheField) {
  const std::pair<Json, std::string> cases[] = {
      {Json{{"inputs", "x"}}, "inputs"},
      {Json{{"inputs",
             {{{"name", "text_input"}, {"datatype", "FP32"}, {"shape", {1}}, {"data", {1}}}}}},
       "inputs[0].datatype"},
      {Json{{"inputs",
             {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {2}}, {"data", {"a"}}}}}},
       "inputs[0].shape"},
      {Json{{"inputs",
             {{{"name", "other"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"a"}}}}}},
       "inputs[0].name"},
      {Json{{"inputs",
             {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"a"}}}}},
            {"parameters", {{"temperature", "hot"}}}},
       "temperature"},
  };
  for (const auto& [body, field] : cases) {
    const HttpReply reply = post("/v2/models/chat/infer", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_NE(reply.body.find(field), std::string::npos) << reply.body;
  }
  // Triton's per-request queue timeout (microseconds) on an encoder: a number of 0 or more.
  for (const Json& timeout : {Json(-5), Json("soon")}) {
    const Json body = {
        {"inputs", {{{"name", "text"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"a"}}}}},
        {"parameters", {{"timeout", timeout}}}};
    const HttpReply reply = post("/v2/models/embed/infer", body);
    EXPECT_EQ(reply.status, 400) << body;
    EXPECT_NE(reply.body.find("timeout"), std::string::npos) << reply.body;
  }
  const Json patient = {
      {"inputs", {{{"name", "text"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"a"}}}}},
      {"parameters", {{"timeout", 60'000'000}}}};
  EXPECT_EQ(post("/v2/models/embed/infer", patient).status, 200);
  const HttpReply bad_json =
      http_request(port(), "POST", "/v2/models/chat/infer", "{\"inputs\": [");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_NE(bad_json.body.find("malformed JSON"), std::string::npos);
}

TEST_F(ServerTest, OpenAIModelsCompletionsAndChat) {
  const HttpReply models = get("/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(json(models)["object"], "list");
  EXPECT_GE(json(models)["data"].size(), 3u);

  HttpReply reply = post("/v1/completions", {{"model", "chat"},
                                             {"prompt", "Once upon"},
                                             {"max_tokens", 5},
                                             {"temperature", 0},
                                             {"ignore_eos", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  Json body = json(reply);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["completion_tokens"], 5);
  EXPECT_EQ(body["usage"]["total_tokens"], body["usage"]["prompt_tokens"].get<int>() + 5);

  reply = post("/v1/chat/completions", {{"model", "chat"},
                                        {"messages", {{{"role", "user"}, {"content", "Hi"}}}},
                                        {"max_tokens", 4},
                                        {"temperature", 0}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  body = json(reply);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
}

TEST_F(ServerTest, StreamingChatIsServerSentEventsEndingInDone) {
  const Json request = {
      {"model", "chat"},    {"messages", {{{"role", "user"}, {"content", "Tell me"}}}},
      {"max_tokens", 12},   {"temperature", 0},
      {"ignore_eos", true}, {"stream", true}};
  const HttpReply reply = post("/v1/chat/completions", request);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers.at("Content-Type"), "text/event-stream");
  const std::vector<std::string> events = sse_events(reply.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  EXPECT_EQ(Json::parse(events.front())["choices"][0]["delta"]["role"], "assistant");
  const Json last = Json::parse(events[events.size() - 2]);
  EXPECT_EQ(last["choices"][0]["finish_reason"], "length");
  EXPECT_FALSE(last.contains("usage"));  // only with stream_options (openai_compat_test.cc)
  // The streamed pieces add up to what the same request returns whole.
  std::string streamed;
  for (size_t i = 1; i + 2 < events.size(); ++i) {
    streamed += Json::parse(events[i])["choices"][0]["delta"]["content"].get<std::string>();
  }
  Json whole = request;
  whole["stream"] = false;
  const HttpReply plain = post("/v1/chat/completions", whole);
  EXPECT_EQ(streamed, json(plain)["choices"][0]["message"]["content"].get<std::string>());
}

TEST_F(ServerTest, StopStringEndsGenerationWithoutIt) {
  const Json base = {{"model", "chat"},
                     {"prompt", "abc"},
                     {"max_tokens", 40},
                     {"temperature", 0},
                     {"ignore_eos", true}};
  const std::string full = json(post("/v1/completions", base))["choices"][0]["text"];
  ASSERT_GE(full.size(), 6u);
  Json with_stop = base;
  // One whole UTF-8 character from the middle of the text (random weights write U+FFFD often).
  size_t begin = 3;
  while (begin < full.size() && (static_cast<unsigned char>(full[begin]) & 0xC0) == 0x80) ++begin;
  size_t end = begin + 1;
  while (end < full.size() && (static_cast<unsigned char>(full[end]) & 0xC0) == 0x80) ++end;
  ASSERT_LT(begin, full.size());
  const std::string stop = full.substr(begin, end - begin);
  with_stop["stop"] = {stop};
  const Json stopped = json(post("/v1/completions", with_stop));
  EXPECT_EQ(stopped["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(stopped["choices"][0]["text"], full.substr(0, full.find(stop)));
}

TEST_F(ServerTest, OpenAIEmbeddingsAndRerank) {
  HttpReply reply = post("/v1/embeddings", {{"model", "embed"}, {"input", {"a", "b", "c"}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  Json body = json(reply);
  ASSERT_EQ(body["data"].size(), 3u);
  EXPECT_EQ(body["data"][2]["index"], 2);
  EXPECT_EQ(body["data"][0]["embedding"].size(), 32u);
  EXPECT_GT(body["usage"]["prompt_tokens"].get<int>(), 0);

  reply = post("/v1/rerank", {{"model", "rerank"},
                              {"query", "cats"},
                              {"documents", {"dogs", "cats are nice", "cars"}},
                              {"top_n", 2},
                              {"return_documents", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  body = json(reply);
  ASSERT_EQ(body["results"].size(), 2u);
  EXPECT_GE(body["results"][0]["relevance_score"].get<double>(),
            body["results"][1]["relevance_score"].get<double>());
  EXPECT_TRUE(body["results"][0]["document"].contains("text"));
}

TEST_F(ServerTest, ErrorPaths) {
  // 400 naming the field.
  HttpReply reply = post("/v1/completions", {{"model", "chat"}, {"prompt", 5}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("prompt"), std::string::npos) << reply.body;
  reply = post("/v1/completions", {{"prompt", "x"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("model: required"), std::string::npos) << reply.body;
  reply = http_request(port(), "POST", "/v1/chat/completions", "not json");
  EXPECT_EQ(reply.status, 400);
  reply = post("/v1/chat/completions", {{"model", "chat"}, {"messages", {{{"role", "user"}}}}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("messages[0].content"), std::string::npos) << reply.body;
  reply = post("/v1/embeddings", {{"model", "chat"}, {"input", "x"}});
  EXPECT_EQ(reply.status, 400) << reply.body;
  // 404: unknown model and unknown endpoint.
  reply = post("/v1/completions", {{"model", "nosuch"}, {"prompt", "x"}});
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json(reply)["error"]["type"], "not_found_error");
  EXPECT_EQ(post("/v2/models/nosuch/infer", Json::object()).status, 404);
  EXPECT_EQ(get("/v3/whatever").status, 404);
  // 503: a model that failed to load.
  reply = post("/v1/completions", {{"model", "broken"}, {"prompt", "x"}});
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.headers.at("Retry-After"), "1");
  // 413: a body over the limit (64 KiB in this suite).
  reply = post("/v1/completions", {{"model", "chat"}, {"prompt", std::string(100 * 1024, 'a')}});
  EXPECT_EQ(reply.status, 413);
  // Load/unload are refused in control mode none.
  EXPECT_EQ(post("/v2/repository/models/chat/unload", Json::object()).status, 400);
}

TEST_F(ServerTest, MalformedHttpGets400AndServerStaysUp) {
  const std::string garbage[] = {
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string("GET /") + std::string(40000, 'a') + " HTTP/1.1\r\n\r\n",
  };
  for (const std::string& bytes : garbage) {
    const std::string answer = testing::raw_exchange(port(), bytes);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer.substr(0, 80);
  }
  EXPECT_EQ(get("/v2/health/live").status, 200);
}

TEST_F(ServerTest, BurstOverCapacityIsShedWith429AndTheAdmittedAreServedWithinQuota) {
  // `narrow` runs one sequence and queues one more: a burst of 24 is 12x its capacity.
  constexpr int kBurst = 24;
  const Json request = {{"model", "narrow"},
                        {"prompt", "burst"},
                        {"max_tokens", 200},
                        {"temperature", 0},
                        {"ignore_eos", true}};
  const std::string expected = json(post("/v1/completions", request))["choices"][0]["text"];
  std::vector<HttpReply> replies(kBurst);
  std::vector<double> seconds(kBurst);
  std::vector<std::thread> threads;
  for (int i = 0; i < kBurst; ++i) {
    threads.emplace_back([&, i] {
      const auto start = std::chrono::steady_clock::now();
      replies[i] = post("/v1/completions", request);
      seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, rejected = 0;
  std::vector<double> admitted;
  for (int i = 0; i < kBurst; ++i) {
    const HttpReply& r = replies[i];
    if (r.status == 200) {
      ++ok;
      admitted.push_back(seconds[i]);
      EXPECT_EQ(json(r)["choices"][0]["text"], expected) << "an admitted request's text changed";
    }
    if (r.status == 429) {
      ++rejected;
      EXPECT_EQ(r.headers.at("Retry-After"), "1");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(rejected, 1);
  EXPECT_EQ(ok + rejected, kBurst);
  // No slice ever went past its quota, and the server still serves.
  for (const std::string name : {"chat", "encode", "tiny"}) {
    Slice* slice = server_->device().slice(name);
    ASSERT_NE(slice, nullptr) << name;
    EXPECT_LE(slice->arena().peak_bytes(), slice->arena().quota_bytes()) << name;
  }
  EXPECT_EQ(get("/v2/health/ready").status, 200);
  std::sort(admitted.begin(), admitted.end());
  const auto rank = [&](double q) {
    return admitted[static_cast<size_t>(q * static_cast<double>(admitted.size() - 1) + 0.5)];
  };
  RecordProperty("admitted", ok);
  RecordProperty("rejected", rejected);
  RecordProperty("admitted_p50_ms", std::to_string(rank(0.5) * 1e3));
  RecordProperty("admitted_p99_ms", std::to_string(rank(0.99) * 1e3));
}

TEST_F(ServerTest, ConcurrentGreedyStreamsMatchSequentialRuns) {
  // As many streams as `chat` runs at once; greedy decoding must give each the same text, byte
  // for byte, as when it ran alone (batching changes no per-token arithmetic here: see
  // MatmulTest.ResultsDoNotDependOnBatchingOrThreads).
  constexpr int kStreams = 64;
  auto request = [](int i, bool stream) {
    return Json{{"model", "chat"},
                {"prompt", "Request number " + std::to_string(i) + std::string(i * 3, 'x')},
                {"max_tokens", 24},
                {"temperature", 0},
                {"ignore_eos", true},
                {"stream", stream}};
  };
  std::vector<std::string> alone(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    alone[i] = json(post("/v1/completions", request(i, false)))["choices"][0]["text"];
  }
  std::vector<std::string> together(kStreams);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStreams; ++i) {
    threads.emplace_back([&, i] {
      const HttpReply reply = post("/v1/completions", request(i, true));
      for (const std::string& event : sse_events(reply.body)) {
        if (event == "[DONE]") break;
        together[i] += Json::parse(event)["choices"][0]["text"].get<std::string>();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kStreams; ++i) EXPECT_EQ(together[i], alone[i]) << "request " << i;
}

TEST_F(ServerTest, ClientDisconnectCancelsAndFreesKvCache) {
  Slice* chat = server_->device().slice("chat");
  ASSERT_NE(chat, nullptr);
  const uint64_t idle_bytes = chat->arena().used_bytes();
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
    const std::string body = Json{
        {"model", "chat"},
        {"prompt", "long"},
        {"max_tokens", 2000},
        {"ignore_eos", true},
        {"stream", true}}.dump();
    const std::string request =
        "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::asio::write(socket, boost::asio::buffer(request));
    char buffer[512];
    socket.read_some(boost::asio::buffer(buffer));  // the stream has started
    EXPECT_GT(chat->arena().used_bytes(), idle_bytes);
  }  // closed mid-stream
  for (int i = 0; i < 500 && chat->arena().used_bytes() != idle_bytes; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(chat->arena().used_bytes(), idle_bytes);
  const HttpReply metrics = http_request(server_->metrics_port(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("tessera_requests_total{model=\"chat\",outcome=\"cancelled\"} 1"),
            std::string::npos);
}

TEST_F(ServerTest, MetricsAndStatusPage) {
  ASSERT_EQ(post("/v1/embeddings", {{"model", "embed"}, {"input", "warm"}}).status, 200);
  const HttpReply metrics = http_request(server_->metrics_port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.at("Content-Type").find("text/plain"), std::string::npos);
  for (const char* expected : {"# TYPE tessera_requests_total counter",
                               "# TYPE tessera_time_to_first_token_seconds histogram",
                               "tessera_slice_memory_quota_bytes{slice=\"chat\"} 5.36870912e+08",
                               "tessera_batch_sequences_bucket{model=\"embed\",le=\"+Inf\"}",
                               "tessera_requests_total{model=\"embed\",outcome=\"success\"}"}) {
    EXPECT_NE(metrics.body.find(expected), std::string::npos) << expected;
  }
  EXPECT_EQ(http_request(server_->metrics_port(), "GET", "/other").status, 404);
  const HttpReply page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<td>chat</td>"), std::string::npos);
  EXPECT_NE(page.body.find("UNAVAILABLE"), std::string::npos);
}

// The acceptance check of the metrics port: Prometheus' own linter (Debian package `prometheus`)
// accepts the exposition after the suite's traffic (every kind of model, errors, streams).
TEST_F(ServerTest, MetricsPassPromtoolCheck) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  }
  ASSERT_EQ(post("/v1/completions", {{"model", "chat"}, {"prompt", "x"}, {"max_tokens", 2}}).status,
            200);
  ASSERT_EQ(post("/v1/rerank", {{"model", "rerank"}, {"query", "q"}, {"documents", {"d"}}}).status,
            200);
  const HttpReply metrics = http_request(server_->metrics_port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string path = dir_->file("metrics.txt");
  std::ofstream(path, std::ios::binary) << metrics.body;
  const std::string command = "promtool check metrics < '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << "promtool lint findings";
}

}  // namespace
}  // namespace tessera::serve
