#include "bench/api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bench/url.h"

namespace tessera::bench {
namespace {

using Json = nlohmann::json;

ApiTarget target(const std::string& api, const std::string& endpoint, bool stream = false,
                 const std::string& kind = "generate") {
  Result<ApiTarget> t = make_target(api, endpoint, kind, stream);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  ApiTarget out = t.ok() ? *t : ApiTarget{};
  out.model = "m";
  return out;
}

TEST(BenchApi, RequestBodiesAreStandard) {
  WorkItem item{"hello world", 5, {"d1", "d2"}};
  HttpCall chat = build_call(target("openai", "chat", true), item);
  EXPECT_EQ(chat.path, "/v1/chat/completions");
  Json body = Json::parse(chat.body);
  EXPECT_EQ(body["messages"][0]["content"], "hello world");
  EXPECT_EQ(body["max_tokens"], 5);
  EXPECT_EQ(body["stream"], true);
  HttpCall rerank = build_call(target("openai", "rerank"), item);
  EXPECT_EQ(rerank.path, "/v1/rerank");
  EXPECT_EQ(Json::parse(rerank.body),
            Json({{"model", "m"}, {"query", "hello world"}, {"documents", {"d1", "d2"}}}));
  HttpCall infer = build_call(target("kserve", "infer", false, "rerank"), item);
  EXPECT_EQ(infer.path, "/v2/models/m/infer");
  EXPECT_EQ(Json::parse(infer.body)["inputs"][1]["name"], "documents");
}

TEST(BenchApi, BadTargetsAreUsageErrors) {
  EXPECT_FALSE(make_target("grpc", "", "generate", false).ok());
  EXPECT_FALSE(make_target("openai", "infer", "generate", false).ok());
  EXPECT_FALSE(make_target("kserve", "chat", "generate", false).ok());
  EXPECT_FALSE(make_target("openai", "embeddings", "generate", true).ok());
  EXPECT_FALSE(make_target("kserve", "infer", "classify", false).ok());
}

TEST(BenchApi, HttpStatusesAreCountedByKind) {
  const ApiTarget t = target("openai", "embeddings");
  EXPECT_EQ(interpret_response(t, 429, "", {}).error, ErrorKind::kHttp429);
  EXPECT_EQ(interpret_response(t, 404, "{}", {}).error, ErrorKind::kHttp4xx);
  EXPECT_EQ(interpret_response(t, 503, "", {}).error, ErrorKind::kHttp5xx);
  EXPECT_EQ(interpret_response(t, 302, "", {}).error, ErrorKind::kMalformed);
}

TEST(BenchApi, MalformedBodiesAreErrorsNotCrashes) {
  const std::pair<ApiTarget, std::string> cases[] = {
      {target("openai", "embeddings"), "not json"},
      {target("openai", "embeddings"), "{\"data\": []}"},
      {target("openai", "embeddings"), "{\"data\": [{\"index\": 0}]}"},
      {target("openai", "chat"), "{\"choices\": [{\"text\": \"x\"}]}"},
      {target("openai", "chat"), "[]"},
      {target("openai", "completions"), "{\"choices\": \"x\"}"},
      {target("openai", "rerank"), "{\"results\": [{\"index\": 0}]}"},
      {target("kserve", "infer"), "{\"outputs\": []}"},
      {target("kserve", "infer"), "{\"model_name\": \"m\"}"},
  };
  for (const auto& [t, body] : cases) {
    EXPECT_EQ(interpret_response(t, 200, body, {}).error, ErrorKind::kMalformed) << body;
  }
  EXPECT_EQ(interpret_response(target("openai", "rerank"), 200, "{\"scores\": [0.5]}", {}).error,
            ErrorKind::kNone);
  const Interpreted ok = interpret_response(
      target("openai", "completions"), 200,
      "{\"choices\": [{\"text\": \"abc\"}], \"usage\": {\"completion_tokens\": 3}}", {});
  EXPECT_EQ(ok.error, ErrorKind::kNone);
  EXPECT_EQ(ok.output_tokens, 3);
}

TEST(BenchApi, StreamsCountTextChunksAndPreferUsage) {
  const ApiTarget chat = target("openai", "chat", true);
  const std::string body =
      "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
      "data: [DONE]\n\n";
  Interpreted r = interpret_response(chat, 200, body, {0.1, 0.2, 0.35, 0.4, 0.4});
  EXPECT_EQ(r.error, ErrorKind::kNone);
  EXPECT_EQ(r.output_tokens, 2);  // no usage: text chunks
  EXPECT_EQ(r.token_times_s, (std::vector<double>{0.2, 0.35}));
  const std::string with_usage =
      "data: {\"choices\":[{\"text\":\"xy\"}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"completion_tokens\":4}}\n\ndata: [DONE]\n\n";
  r = interpret_response(target("openai", "completions", true), 200, with_usage, {0.1, 0.2, 0.2});
  EXPECT_EQ(r.output_tokens, 4);
  EXPECT_EQ(interpret_response(chat, 200, "data: {\"choices\":[]}\n\n", {0.1}).error,
            ErrorKind::kMalformed);  // cut short: no [DONE]
  EXPECT_EQ(interpret_response(chat, 200, "data: oops\n\ndata: [DONE]\n\n", {0.1, 0.2}).error,
            ErrorKind::kMalformed);
}

// Streams as other servers write them (shapes copied from their replies, ids and times shortened):
// llama.cpp's llama-server opens with content null and closes with `timings`; vLLM sends empty
// content deltas and, asked for usage, a last chunk whose choices are empty. Each is valid.
TEST(BenchApi, OtherServersStreamsAreReadWithoutMalformedCounts) {
  const std::string llama_server_chat =
      "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":"
      "\"assistant\",\"content\":null}}],\"created\":1,\"id\":\"c\",\"model\":\"m\","
      "\"object\":\"chat.completion.chunk\"}\n\n"
      "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
      "\"Hi\"}}],\"object\":\"chat.completion.chunk\"}\n\n"
      "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
      "\" there\"}}],\"object\":\"chat.completion.chunk\"}\n\n"
      "data: {\"choices\":[{\"finish_reason\":\"length\",\"index\":0,\"delta\":{}}],"
      "\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":2,"
      "\"prompt_tokens\":5,\"total_tokens\":7},\"timings\":{\"prompt_n\":5,"
      "\"predicted_n\":2,\"predicted_per_second\":50.1}}\n\n"
      "data: [DONE]\n\n";
  Interpreted r = interpret_response(target("openai", "chat", true), 200, llama_server_chat,
                                     {0.1, 0.2, 0.3, 0.4, 0.4});
  EXPECT_EQ(r.error, ErrorKind::kNone);
  EXPECT_EQ(r.output_tokens, 2);
  EXPECT_EQ(r.token_times_s, (std::vector<double>{0.2, 0.3}));

  const std::string llama_server_completion =
      "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":"
      "null}],\"object\":\"text_completion\"}\n\n"
      "data: {\"choices\":[{\"text\":\"ab\",\"index\":0,\"logprobs\":null,"
      "\"finish_reason\":null}],\"object\":\"text_completion\"}\n\n"
      "data: {\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":"
      "\"length\"}],\"object\":\"text_completion\",\"timings\":{\"predicted_n\":3}}\n\n"
      "data: {\"choices\":[],\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":4,"
      "\"total_tokens\":7}}\n\n"
      "data: [DONE]\n\n";
  r = interpret_response(target("openai", "completions", true), 200, llama_server_completion,
                         {0.1, 0.2, 0.3, 0.3, 0.3});
  EXPECT_EQ(r.error, ErrorKind::kNone);
  EXPECT_EQ(r.output_tokens, 3);
  EXPECT_EQ(r.token_times_s, (std::vector<double>{0.2}));

  const std::string vllm_chat =
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
      "\"finish_reason\":null}],\"usage\":null}\n\n"
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}],"
      "\"usage\":null}\n\n"
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      "\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"length\","
      "\"stop_reason\":null}],\"usage\":null}\n\n"
      "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
      "{\"prompt_tokens\":5,\"total_tokens\":9,\"completion_tokens\":4}}\n\n"
      "data: [DONE]\n\n";
  r = interpret_response(target("openai", "chat", true), 200, vllm_chat, {0.1, 0.2, 0.3, 0.3, 0.3});
  EXPECT_EQ(r.error, ErrorKind::kNone);
  EXPECT_EQ(r.output_tokens, 4);
  EXPECT_EQ(r.token_times_s, (std::vector<double>{0.2}));
}

// llama-server ends a stream with an error event (and no [DONE]) when its output parser fails on
// what the model wrote; seen against TinyLlama-shaped weights. That is the server's error, not a
// malformed reply.
TEST(BenchApi, ErrorsInsideAStreamAreCountedByTheirStatus) {
  const ApiTarget completions = target("openai", "completions", true);
  const std::string started = "data: {\"choices\":[{\"text\":\"going\",\"index\":0}]}\n\n";
  const auto kind = [&](const std::string& error) {
    return interpret_response(completions, 200, started + "data: " + error + "\n\n", {0.1, 0.2})
        .error;
  };
  EXPECT_EQ(kind(R"({"error":{"code":500,"message":"The model produced output that does not )"
                 R"(match the expected Content-only format","type":"server_error"}})"),
            ErrorKind::kHttp5xx);
  EXPECT_EQ(kind(R"({"error":{"code":429,"message":"busy"}})"), ErrorKind::kHttp429);
  EXPECT_EQ(kind(R"({"error":{"code":"rate_limit_exceeded","type":"rate_limit_error"}})"),
            ErrorKind::kHttp429);
  EXPECT_EQ(kind(R"({"error":{"code":"invalid_request","type":"invalid_request_error"}})"),
            ErrorKind::kHttp4xx);
  EXPECT_EQ(kind(R"({"error":"something broke"})"), ErrorKind::kHttp5xx);
}

TEST(BenchApi, SseEventsAreTakenIncrementally) {
  size_t offset = 0;
  std::string body = "data: one\n\ndata: tw";
  EXPECT_EQ(take_sse_events(body, offset), std::vector<std::string>{"one"});
  body += "o\r\n\r\n: comment\n\n";
  EXPECT_EQ(take_sse_events(body, offset), std::vector<std::string>{"two"});
  EXPECT_EQ(offset, body.size());
}

TEST(BenchUrl, ParsesHostPortAndBasePath) {
  Result<Url> u = parse_url("http://127.0.0.1:8000/api/", "--url");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8000");
  EXPECT_EQ(u->path, "/api");
  EXPECT_EQ(parse_url("http://localhost", "--url")->port, "80");
  for (const char* bad : {"localhost:8000", "https://x", "http://", "http://h:0", "http://h:99999",
                          "http://h:abc", "ftp://h", "http://a b:80"}) {
    Result<Url> r = parse_url(bad, "--url");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--url"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace tessera::bench
