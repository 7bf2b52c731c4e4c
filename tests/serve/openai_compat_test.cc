// What OpenAI's clients send by default and what they ask for now: base64 embeddings, content
// parts, the developer role, tool turns, max_completion_tokens, stream_options, model retrieval,
// token-id prompts, and a 400 naming every field that is not honoured.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "serve/http_suite.h"

namespace tessera::serve {
namespace {

using testing::http_request;
using testing::HttpReply;
using testing::sse_events;
using Json = nlohmann::json;

class OpenAICompatTest : public testing::HttpServerSuite {
 protected:
  // A greedy chat request with these messages; the reply's text.
  static std::string chat_text(const Json& messages) {
    const HttpReply reply = post("/v1/chat/completions", {{"model", "chat"},
                                                          {"messages", messages},
                                                          {"max_tokens", 6},
                                                          {"temperature", 0},
                                                          {"ignore_eos", true}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return json(reply)["choices"][0]["message"]["content"].get<std::string>();
  }

  // Expects a 400 whose OpenAI error names `param` and says `says`.
  static void expect_refused(const std::string& target, const Json& body, const std::string& param,
                             const std::string& says) {
    const HttpReply reply = post(target, body);
    EXPECT_EQ(reply.status, 400) << body.dump() << " -> " << reply.body;
    const Json error = json(reply)["error"];
    EXPECT_EQ(error["type"], "invalid_request_error") << reply.body;
    EXPECT_EQ(error["code"], "invalid_request") << reply.body;
    EXPECT_EQ(error["param"], param) << reply.body;
    EXPECT_NE(error["message"].get<std::string>().find(says), std::string::npos) << reply.body;
  }
};

std::vector<uint8_t> base64_decode(const std::string& text) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<uint8_t> out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<uint32_t>(alphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<uint8_t>(bits >> count));
    }
  }
  return out;
}

TEST_F(OpenAICompatTest, ModelsRetrieveByIdIncludingEscapedIds) {
  HttpReply reply = get("/v1/models/chat");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["id"], "chat");
  EXPECT_EQ(json(reply)["object"], "model");
  EXPECT_EQ(get("/v1/models/ch%61t").status, 200);
  reply = get("/v1/models/nosuch");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(json(reply)["error"]["code"], "not_found");
  EXPECT_EQ(get("/v1/models/broken").status, 404);  // listed only when ready, as /v1/models
  EXPECT_EQ(get("/v1/models/bad%zz").status, 400);
}

TEST_F(OpenAICompatTest, EmbeddingsInBase64AreTheFloatsLittleEndian) {
  const Json request = {{"model", "embed"}, {"input", {"first text", "second"}}};
  const HttpReply floats = post("/v1/embeddings", request);
  ASSERT_EQ(floats.status, 200) << floats.body;
  Json as_base64 = request;
  as_base64["encoding_format"] = "base64";
  const HttpReply encoded = post("/v1/embeddings", as_base64);
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  for (size_t i = 0; i < 2; ++i) {
    const std::vector<float> expected = json(floats)["data"][i]["embedding"];
    const std::vector<uint8_t> bytes =
        base64_decode(json(encoded)["data"][i]["embedding"].get<std::string>());
    ASSERT_EQ(bytes.size(), expected.size() * 4);
    for (size_t k = 0; k < expected.size(); ++k) {
      const uint32_t bits = bytes[4 * k] | (bytes[4 * k + 1] << 8) | (bytes[4 * k + 2] << 16) |
                            (static_cast<uint32_t>(bytes[4 * k + 3]) << 24);
      float value;
      std::memcpy(&value, &bits, 4);
      EXPECT_EQ(value, expected[k]) << "text " << i << " dimension " << k;
    }
  }
}

TEST_F(OpenAICompatTest, EmbeddingDimensionsAndFormatsOutsideTheModelAreRefused) {
  EXPECT_EQ(post("/v1/embeddings", {{"model", "embed"}, {"input", "x"}, {"dimensions", 32}}).status,
            200);
  expect_refused("/v1/embeddings", {{"model", "embed"}, {"input", "x"}, {"dimensions", 16}},
                 "dimensions", "returns 32 dimensions");
  expect_refused("/v1/embeddings",
                 {{"model", "embed"}, {"input", "x"}, {"encoding_format", "int8"}},
                 "encoding_format", "expected 'float' or 'base64'");
}

TEST_F(OpenAICompatTest, ContentPartsAndDeveloperRoleRenderAsTheirPlainForms) {
  const std::string plain = chat_text({{{"role", "system"}, {"content", "Be brief."}},
                                       {{"role", "user"}, {"content", "Hi\nthere"}}});
  const std::string with_parts = chat_text(
      {{{"role", "developer"}, {"content", {{{"type", "text"}, {"text", "Be brief."}}}}},
       {{"role", "user"},
        {"content", {{{"type", "text"}, {"text", "Hi"}}, {{"type", "text"}, {"text", "there"}}}}}});
  EXPECT_EQ(plain, with_parts);
  expect_refused("/v1/chat/completions",
                 {{"model", "chat"},
                  {"messages",
                   {{{"role", "user"},
                     {"content",
                      {{{"type", "text"}, {"text", "What is this?"}},
                       {{"type", "image_url"}, {"image_url", {{"url", "http://x/y.png"}}}}}}}}}},
                 "messages[0].content[1].type", "'image_url' parts are not supported");
}

TEST_F(OpenAICompatTest, ToolTurnsAndToolsReachTheTemplate) {
  const Json messages = {
      {{"role", "user"}, {"content", "Weather in Paris?"}},
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        {{{"id", "call_1"},
          {"type", "function"},
          {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}}}}}}},
      {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "18 C, clear"}}};
  const Json tools = {{{"type", "function"},
                       {"function",
                        {{"name", "get_weather"},
                         {"parameters", {{"type", "object"}, {"properties", Json::object()}}}}}}};
  const HttpReply reply = post("/v1/chat/completions", {{"model", "chat"},
                                                        {"messages", messages},
                                                        {"tools", tools},
                                                        {"tool_choice", "auto"},
                                                        {"max_tokens", 3}});
  EXPECT_EQ(reply.status, 200) << reply.body;
  expect_refused(
      "/v1/chat/completions",
      {{"model", "chat"},
       {"messages", {{{"role", "user"}, {"content", "x"}, {"tool_calls", Json::array()}}}}},
      "messages[0].tool_calls", "only an assistant message calls tools");
  expect_refused("/v1/chat/completions",
                 {{"model", "chat"},
                  {"messages", {{{"role", "user"}, {"content", "x"}}}},
                  {"tools", {{{"type", "retrieval"}}}}},
                 "tools[0].type", "'retrieval' tools are not supported");
  expect_refused("/v1/chat/completions",
                 {{"model", "chat"},
                  {"messages", {{{"role", "user"}, {"content", "x"}}}},
                  {"tool_choice", "required"}},
                 "tool_choice", "not supported");
}

TEST_F(OpenAICompatTest, MaxCompletionTokensLimitsTheReply) {
  const Json base = {{"model", "chat"},
                     {"messages", {{{"role", "user"}, {"content", "Count"}}}},
                     {"temperature", 0},
                     {"ignore_eos", true}};
  Json request = base;
  request["max_completion_tokens"] = 5;
  const HttpReply reply = post("/v1/chat/completions", request);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["usage"]["completion_tokens"], 5);
  request["max_tokens"] = 5;  // the same limit twice is fine
  EXPECT_EQ(post("/v1/chat/completions", request).status, 200);
  request["max_tokens"] = 7;
  expect_refused("/v1/chat/completions", request, "max_completion_tokens", "disagree");
}

TEST_F(OpenAICompatTest, FieldsThatAreNotHonouredAre400NamingThem) {
  const Json chat = {
      {"model", "chat"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}, {"max_tokens", 2}};
  // The values that mean "off" are accepted, as clients send them by default.
  Json off = chat;
  off["n"] = 1;
  off["logprobs"] = false;
  off["logit_bias"] = Json::object();
  off["response_format"] = {{"type", "text"}};
  off["user"] = "u-1";
  off["parallel_tool_calls"] = true;
  EXPECT_EQ(post("/v1/chat/completions", off).status, 200)
      << post("/v1/chat/completions", off).body;

  const std::vector<std::pair<std::string, Json>> refused = {
      {"n", 2},
      {"logprobs", true},
      {"top_logprobs", 2},
      {"logit_bias", {{"15", 5}}},
      {"response_format", {{"type", "json_object"}}},
      {"functions", Json::array()},
      {"frobnicate", 1}};
  for (const auto& [field, value] : refused) {
    Json request = chat;
    request[field] = value;
    expect_refused("/v1/chat/completions", request, field,
                   field == "frobnicate" || field == "functions" ? "unrecognized request field"
                                                                 : "not supported");
  }
  Json five_stops = chat;
  five_stops["stop"] = {"a", "b", "c", "d", "e"};
  expect_refused("/v1/chat/completions", five_stops, "stop", "at most 4");
  Json no_stream = chat;
  no_stream["stream_options"] = {{"include_usage", true}};
  expect_refused("/v1/chat/completions", no_stream, "stream_options", "only allowed when stream");

  const Json completion = {{"model", "chat"}, {"prompt", "x"}, {"max_tokens", 2}};
  for (const auto& [field, value] : std::vector<std::pair<std::string, Json>>{
           {"echo", true}, {"logprobs", 1}, {"best_of", 3}, {"suffix", "end"}}) {
    Json request = completion;
    request[field] = value;
    expect_refused("/v1/completions", request, field, "not supported");
  }
  expect_refused("/v1/embeddings", {{"model", "embed"}, {"input", "x"}, {"truncate", true}},
                 "truncate", "unrecognized request field for /v1/embeddings");
  expect_refused("/v1/rerank",
                 {{"model", "rerank"}, {"query", "q"}, {"documents", {"d"}}, {"x", 1}}, "x",
                 "unrecognized request field for /v1/rerank");
}

TEST_F(OpenAICompatTest, StreamUsageOnlyWhenAskedAsALastChunkWithoutChoices) {
  const Json request = {{"model", "chat"},    {"messages", {{{"role", "user"}, {"content", "Go"}}}},
                        {"max_tokens", 4},    {"temperature", 0},
                        {"ignore_eos", true}, {"stream", true}};
  HttpReply reply = post("/v1/chat/completions", request);
  ASSERT_EQ(reply.status, 200) << reply.body;
  std::vector<std::string> events = sse_events(reply.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_FALSE(Json::parse(events[i]).contains("usage")) << events[i];
  }

  Json with_usage = request;
  with_usage["stream_options"] = {{"include_usage", true}};
  reply = post("/v1/chat/completions", with_usage);
  ASSERT_EQ(reply.status, 200) << reply.body;
  events = sse_events(reply.body);
  ASSERT_GE(events.size(), 4u);
  const Json counts = Json::parse(events[events.size() - 2]);
  EXPECT_EQ(counts["choices"], Json::array());
  EXPECT_EQ(counts["usage"]["completion_tokens"], 4);
  const Json finish = Json::parse(events[events.size() - 3]);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  for (size_t i = 0; i + 2 < events.size(); ++i) {
    EXPECT_TRUE(Json::parse(events[i])["usage"].is_null()) << events[i];
  }
}

TEST_F(OpenAICompatTest, CompletionPromptsAsTokenIds) {
  const Json base = {{"model", "chat"}, {"max_tokens", 2}, {"temperature", 0}};
  for (const Json& prompt : {Json({1, 2, 3}), Json({{1, 2, 3}})}) {
    Json request = base;
    request["prompt"] = prompt;
    const HttpReply reply = post("/v1/completions", request);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json(reply)["usage"]["prompt_tokens"], 3);
  }
  Json two = base;
  two["prompt"] = {"a", "b"};
  expect_refused("/v1/completions", two, "prompt", "2 prompts in one request");
  Json outside = base;
  outside["prompt"] = {1, 1 << 30};
  expect_refused("/v1/completions", outside, "prompt[1]", "outside the vocabulary");
}

TEST_F(OpenAICompatTest, RefusedRequestsAreCountedWithTheirOutcome) {
  const auto count = [](const std::string& series) {
    const HttpReply metrics = http_request(server_->metrics_port(), "GET", "/metrics");
    const size_t at = metrics.body.find("\n" + series + " ");
    return at == std::string::npos ? 0.0 : std::stod(metrics.body.substr(at + series.size() + 2));
  };
  const std::string chat_400 = "tessera_requests_total{model=\"chat\",outcome=\"client_error\"}";
  const std::string unknown_404 = "tessera_requests_total{model=\"\",outcome=\"not_found\"}";
  const double chat_before = count(chat_400), unknown_before = count(unknown_404);
  EXPECT_EQ(post("/v1/chat/completions", {{"model", "chat"}, {"messages", 5}}).status, 400);
  EXPECT_EQ(post("/v1/completions", {{"model", "chat"}, {"prompt", "x"}, {"n", 3}}).status, 400);
  EXPECT_EQ(post("/v2/models/chat/infer", Json{{"inputs", 1}}).status, 400);
  EXPECT_EQ(post("/v1/embeddings", {{"model", "made-up"}, {"input", "x"}}).status, 404);
  EXPECT_EQ(count(chat_400), chat_before + 3);
  EXPECT_EQ(count(unknown_404), unknown_before + 1);
}

}  // namespace
}  // namespace tessera::serve
