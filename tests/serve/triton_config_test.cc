// GET /v2/models/{m}/config in Triton's model_config shape, as tritonclient, perf_analyzer and
// model_analyzer read it.
#include <gtest/gtest.h>

#include "serve/http_suite.h"

namespace tessera::serve {
namespace {

using testing::HttpReply;

class TritonConfigTest : public testing::HttpServerSuite {};

TEST_F(TritonConfigTest, GenerateModelIsDecoupledWithStringTensors) {
  const HttpReply reply = get("/v2/models/chat/config");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const Json config = json(reply);
  EXPECT_EQ(config["name"], "chat");
  EXPECT_EQ(config["max_batch_size"], 0);
  EXPECT_EQ(config["input"],
            Json::parse(R"([{"name":"text_input","data_type":"TYPE_STRING","dims":[1]}])"));
  EXPECT_EQ(config["output"][0]["data_type"], "TYPE_STRING");
  EXPECT_EQ(config["model_transaction_policy"]["decoupled"], true);
  EXPECT_EQ(config["instance_group"][0]["kind"], "KIND_CPU");
  EXPECT_EQ(config["parameters"]["slice"]["string_value"], "chat");
  EXPECT_EQ(config["parameters"]["max_sequences"]["string_value"],
            "64");  // the repository's model.yaml
  EXPECT_EQ(get("/v2/models/chat/versions/1/config").status, 200);
}

TEST_F(TritonConfigTest, EncodersReportTheirWidthAndBatchingSettings) {
  Json config = json(get("/v2/models/embed/config"));
  EXPECT_EQ(config["output"],
            Json::parse(R"([{"name":"embedding","data_type":"TYPE_FP32","dims":[-1,32]}])"));
  EXPECT_FALSE(config.contains("model_transaction_policy"));
  EXPECT_TRUE(config["parameters"].contains("max_queue_delay_microseconds"));
  config = json(get("/v2/models/rerank/config"));
  EXPECT_EQ(config["input"].size(), 2u);
  EXPECT_EQ(config["input"][1]["name"], "documents");
  EXPECT_EQ(get("/v2/models/nosuch/config").status, 404);
  EXPECT_EQ(post("/v2/models/chat/config", Json::object()).status, 404);
}

}  // namespace
}  // namespace tessera::serve
