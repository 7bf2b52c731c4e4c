// Parsers of request bodies: JSON fields, KServe tensors, sampling parameters, chat paths.
#include <gtest/gtest.h>

#include "serve/api_errors.h"
#include "serve/generation_call.h"
#include "serve/json_fields.h"
#include "serve/kserve_tensors.h"
#include "serve/serve_context.h"

namespace tessera::serve {
namespace {

void expect_invalid(const Status& s, const std::string& fragment) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(JsonFieldsTest, MalformedBodiesAreInvalidArgumentWithPosition) {
  for (const char* body :
       {"", "{", "{\"a\": }", "[1,2]", "\"text\"", "{\"a\":1}}", "nul", "{\"a\": \"\\ud800\"}"}) {
    Result<Json> parsed = parse_json_object(body);
    EXPECT_FALSE(parsed.ok()) << body;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("body"), std::string::npos);
    }
  }
  EXPECT_NE(parse_json_object("{\"a\": }").status().message().find("byte 7"), std::string::npos);
  EXPECT_TRUE(parse_json_object("{\"a\": 1}").ok());
}

TEST(JsonFieldsTest, TypedFieldsNameTheField) {
  const Json body = Json::parse(R"({"s": 1, "n": "x", "i": 1.5, "big": 99, "b": "yes",
                                    "list": ["a", 2], "ok": ["a", "b"], "nil": null})");
  expect_invalid(optional_string(body, "s").status(), "s: expected a string, got a number");
  expect_invalid(optional_number(body, "n").status(), "n: expected a number");
  expect_invalid(optional_integer(body, "i", 0, 10).status(), "i: expected a whole number");
  expect_invalid(optional_integer(body, "big", 0, 10).status(), "big: must be 0 to 10");
  expect_invalid(optional_bool(body, "b").status(), "b: expected true or false");
  expect_invalid(string_or_strings(body, "list").status(), "list[1]: expected a string");
  expect_invalid(required_string(body, "missing", "x[0]").status(), "x[0].missing: required");
  EXPECT_EQ(string_or_strings(body, "ok")->size(), 2u);
  EXPECT_FALSE(optional_string(body, "nil")->has_value());
}

TEST(KServeTensorsTest, ParsesFlatAndNestedBytes) {
  const Json body = Json::parse(R"({"inputs": [
      {"name": "text", "datatype": "BYTES", "shape": [2, 2], "data": [["a", "b"], ["c", "d"]]}]})");
  auto inputs = parse_bytes_inputs(body, {"text"});
  ASSERT_TRUE(inputs.ok()) << inputs.status().to_string();
  EXPECT_EQ((*inputs)["text"].data, (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(KServeTensorsTest, MalformedTensorsNameInputAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "inputs: required"},
      {R"({"inputs": []})", "inputs: required"},
      {R"({"inputs": [3]})", "inputs[0]: expected an object"},
      {R"({"inputs": [{"datatype": "BYTES", "shape": [1], "data": ["a"]}]})", "inputs[0].name"},
      {R"({"inputs": [{"name": "text", "shape": [1], "data": ["a"]}]})", "inputs[0].datatype"},
      {R"({"inputs": [{"name": "text", "datatype": "INT8", "shape": [1], "data": [1]}]})",
       "inputs[0].datatype: 'INT8'"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "data": ["a"]}]})", "inputs[0].shape"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1], "data": ["a"]}]})",
       "inputs[0].shape[0]"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [99999, 99999], "data": []}]})",
       "too many elements"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1]}]})", "inputs[0].data"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": [1]}]})",
       "inputs[0].data[0]"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [3], "data": ["a"]}]})",
       "3 elements but data has 1"},
      {R"({"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1], "data": ["a"]}]})",
       "unknown input 'x'"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a"]},
                      {"name": "text", "datatype": "BYTES", "shape": [1], "data": ["a"]}]})",
       "inputs[1].name: 'text' repeated"},
      {R"({"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1],
                       "data": [[[[[[[[[["a"]]]]]]]]]]}]})",
       "nested too deeply"},
  };
  for (const auto& [text, fragment] : cases) {
    expect_invalid(parse_bytes_inputs(Json::parse(text), {"text"}).status(), fragment);
  }
}

TEST(GenerateRequestJsonTest, ReadsSamplingAndRejectsBadValues) {
  Result<GenerateRequest> r = generate_request_from_json(
      Json::parse(R"({"max_tokens": 7, "temperature": 0, "top_k": 5, "seed": 3,
                      "stop": "END", "ignore_eos": true})"),
      16);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->max_tokens, 7);
  EXPECT_EQ(r->sampling.temperature, 0.0f);
  EXPECT_EQ(r->sampling.top_k, 5);
  EXPECT_EQ(r->sampling.seed, 3u);
  EXPECT_EQ(r->stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r->ignore_eos);
  EXPECT_EQ(generate_request_from_json(Json::object(), 16)->max_tokens, 16);
  expect_invalid(generate_request_from_json(Json::parse(R"({"max_tokens": -1})"), 16).status(),
                 "max_tokens");
  expect_invalid(generate_request_from_json(Json::parse(R"({"top_p": 7})"), 16).status(), "top_p");
  expect_invalid(generate_request_from_json(Json::parse(R"({"stop": [""]})"), 16).status(),
                 "stop[0]");
  expect_invalid(generate_request_from_json(Json::parse(R"({"stop": {}})"), 16).status(), "stop");
}

TEST(ApiErrorsTest, StatusCodesMapToHttp) {
  EXPECT_EQ(http_status_for(invalid_argument("x")), 400);
  EXPECT_EQ(http_status_for(not_found("x")), 404);
  EXPECT_EQ(http_status_for(resource_exhausted("x")), 429);
  EXPECT_EQ(http_status_for(unavailable("x")), 503);
  EXPECT_EQ(http_status_for(internal_error("x")), 500);
  EXPECT_EQ(http_status_for(deadline_exceeded("x")), 504);
  EXPECT_EQ(outcome_for(deadline_exceeded("x")), "timeout");
  const HttpResponse r = error_response(resource_exhausted("full"), ErrorStyle::kOpenAI);
  EXPECT_EQ(r.status, 429);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(Json::parse(r.body)["error"]["type"], "rate_limit_error");
}

TEST(RouterTest, SplitPathIgnoresEmptySegments) {
  EXPECT_EQ(split_path("/v2/models//m/infer/"),
            (std::vector<std::string>{"v2", "models", "m", "infer"}));
  EXPECT_TRUE(split_path("/").empty());
  EXPECT_TRUE(split_path("").empty());
}

}  // namespace
}  // namespace tessera::serve
