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

// The JSON tensors of `body` by name, as a model taking `names` reads them.
Result<std::map<std::string, BytesTensor>> parse_bytes_inputs(
    const Json& body, const std::vector<std::string>& names) {
  TESSERA_ASSIGN_OR_RETURN(std::vector<BytesTensor> inputs, parse_json_inputs(body));
  return select_inputs(std::move(inputs), names);
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
  expect_invalid(parse_bytes_inputs(Json::parse(R"({"inputs": [
      {"name": "query", "datatype": "BYTES", "shape": [1], "data": ["a"]}]})"),
                                    {"query", "documents"})
                     .status(),
                 "inputs: 'documents' is required");
}

TEST(KServeTensorsTest, RawBytesRoundTripAndExactLayout) {
  const std::vector<std::string> elements = {"ab", "", std::string("\0z", 2)};
  const std::string raw = encode_raw_bytes(elements);
  EXPECT_EQ(raw, std::string("\x02\0\0\0ab\0\0\0\0\x02\0\0\0\0z", 16));
  Result<std::vector<std::string>> decoded = decode_raw_bytes(raw, 3, "raw_input_contents[0]");
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, elements);
  EXPECT_EQ(encode_raw_fp32({1.0f, -2.5f}), std::string("\0\0\x80\x3f\0\0\x20\xc0", 8));
}

TEST(KServeTensorsTest, MalformedRawBytesNameTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {std::string("\x05\0\0\0abc", 7),
       "raw_input_contents[0]: element 0: length prefix 5 exceeds the 3 bytes left"},
      {std::string("\x01\0", 2), "raw_input_contents[0]: element 0: the 4-byte length prefix"},
      {std::string("\x01\0\0\0a\x01\0\0\0b", 10),
       "raw_input_contents[0]: element 2: the 4-byte length prefix"},
      {std::string("\x01\0\0\0ab", 6), "raw_input_contents[0]: 1 bytes left over"},
      {std::string("\xff\xff\xff\xff", 4), "length prefix 4294967295 exceeds the 0 bytes"},
  };
  const int64_t elements[] = {1, 1, 3, 1, 1};
  for (size_t i = 0; i < std::size(cases); ++i) {
    expect_invalid(decode_raw_bytes(cases[i].first, elements[i], "raw_input_contents[0]").status(),
                   cases[i].second);
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
