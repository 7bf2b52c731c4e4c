// POST /tokenize and /detokenize as llama.cpp's and vLLM's servers take them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve/http_suite.h"

namespace tessera::serve {
namespace {

using testing::http_request;
using testing::HttpReply;
using Json = nlohmann::json;

class TokenizeHttpTest : public testing::HttpServerSuite {};

TEST_F(TokenizeHttpTest, TokenizeInBothServersShapesAndDetokenizeBack) {
  // The embedder's WordPiece vocabulary (bge): [CLS] hello world [SEP].
  HttpReply reply = post("/tokenize", {{"model", "embed"}, {"content", "Hello world"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["tokens"], Json({101, 7592, 2088, 102}));
  EXPECT_EQ(json(reply)["count"], 4);
  reply = post("/tokenize",
               {{"model", "embed"}, {"prompt", "Hello world"}, {"add_special_tokens", false}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["tokens"], Json({7592, 2088}));
  reply = post(
      "/tokenize",
      {{"model", "embed"}, {"content", "Hello"}, {"add_special", false}, {"with_pieces", true}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["tokens"], Json::parse(R"([{"id":7592,"piece":" hello"}])"));

  reply = post("/detokenize", {{"model", "embed"}, {"tokens", {7592, 2088}}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json(reply)["content"], "hello world");
  EXPECT_EQ(json(reply)["prompt"], "hello world");
}

TEST_F(TokenizeHttpTest, ChatMessagesAreRenderedLikeAChatRequest) {
  const Json messages = {{{"role", "user"}, {"content", "Hi"}}};
  HttpReply reply = post("/tokenize", {{"model", "chat"}, {"messages", messages}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  // The same prompt a chat request sees: its usage counts the same tokens.
  const HttpReply chat =
      post("/v1/chat/completions", {{"model", "chat"}, {"messages", messages}, {"max_tokens", 1}});
  ASSERT_EQ(chat.status, 200) << chat.body;
  EXPECT_EQ(json(reply)["count"], json(chat)["usage"]["prompt_tokens"]);
}

TEST_F(TokenizeHttpTest, BadRequestsNameTheField) {
  struct Case {
    const char* target;
    Json body;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"/tokenize", {{"content", "x"}}, "model: required ("},
      {"/tokenize", {{"model", "embed"}}, "exactly one of content, prompt or messages"},
      {"/tokenize", {{"model", "embed"}, {"content", "x"}, {"prompt", "y"}}, "exactly one of"},
      {"/tokenize", {{"model", "embed"}, {"content", 5}}, "content: expected a string"},
      {"/tokenize",
       {{"model", "embed"}, {"content", "x"}, {"add_special", true}, {"add_special_tokens", false}},
       "add_special: disagrees with add_special_tokens"},
      {"/tokenize", {{"model", "embed"}, {"content", "x"}, {"lang", "en"}}, "lang: unrecognized"},
      {"/detokenize", {{"model", "embed"}}, "tokens: required"},
      {"/detokenize", {{"model", "embed"}, {"tokens", {1, "a"}}}, "tokens[1]: expected a token id"},
      {"/detokenize", {{"model", "embed"}, {"tokens", {-1}}}, "tokens[0]: token id -1 is outside"},
  };
  for (const Case& c : cases) {
    const HttpReply reply = post(c.target, c.body);
    EXPECT_EQ(reply.status, 400) << c.body << " -> " << reply.body;
    EXPECT_NE(reply.body.find(c.says), std::string::npos) << c.body << " -> " << reply.body;
  }
  EXPECT_EQ(post("/tokenize", {{"model", "nosuch"}, {"content", "x"}}).status, 404);
  EXPECT_EQ(http_request(server_->http_port(), "GET", "/tokenize").status, 404);
}

}  // namespace
}  // namespace tessera::serve
