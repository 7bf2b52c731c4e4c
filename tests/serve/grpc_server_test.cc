// End-to-end over gRPC: the real server on loopback (ephemeral ports), driven with the stub
// generated from the same .proto Triton's clients use. Every RPC, streaming, each error status,
// and answers that must equal the HTTP endpoint's for the same request.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "serve/grpc_client.h"
#include "serve/http_client.h"
#include "serve/serve_fixture.h"
#include "serve/server.h"

namespace tessera::serve {
namespace {

using inference::ModelInferRequest;
using inference::ModelInferResponse;
using inference::ModelStreamInferResponse;
using Json = nlohmann::json;
using testing::call_context;
using testing::infer_request;
using testing::set_greedy;

class GrpcServerTest : public testing::ServerSuite {
 protected:
  static void SetUpTestSuite() {
    ServerSuite::SetUpTestSuite();
    if (server_ != nullptr) stub_ = testing::grpc_stub(server_->grpc_port()).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    stub_ = nullptr;
    ServerSuite::TearDownTestSuite();
  }

  static grpc::Status infer(const ModelInferRequest& request, ModelInferResponse* response) {
    auto context = call_context();
    return stub_->ModelInfer(context.get(), request, response);
  }
  static Json http_infer(const std::string& model, const Json& body) {
    const testing::HttpReply reply = testing::http_request(
        server_->http_port(), "POST", "/v2/models/" + model + "/infer", body.dump());
    EXPECT_EQ(reply.status, 200) << reply.body;
    return Json::parse(reply.body, nullptr, false);
  }
  static std::string metrics() {
    return testing::http_request(server_->metrics_port(), "GET", "/metrics").body;
  }

  inline static testing::Stub* stub_ = nullptr;
};

TEST_F(GrpcServerTest, HealthAndServerMetadata) {
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(call_context().get(), {}, &live).ok());
  EXPECT_TRUE(live.live());
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(call_context().get(), {}, &ready).ok());
  EXPECT_TRUE(ready.ready());
  inference::ServerMetadataResponse meta;
  ASSERT_TRUE(stub_->ServerMetadata(call_context().get(), {}, &meta).ok());
  EXPECT_EQ(meta.name(), "tessera");
  EXPECT_EQ(meta.version(), "0.1.0");
  ASSERT_EQ(meta.extensions_size(), 2);
  EXPECT_EQ(meta.extensions(0), "model_repository");
  EXPECT_EQ(meta.extensions(1), "statistics");
}

TEST_F(GrpcServerTest, ModelMetadataAndReadiness) {
  inference::ModelMetadataRequest request;
  request.set_name("embed");
  inference::ModelMetadataResponse meta;
  ASSERT_TRUE(stub_->ModelMetadata(call_context().get(), request, &meta).ok());
  EXPECT_EQ(meta.name(), "embed");
  EXPECT_EQ(meta.platform(), "tessera_embed");
  ASSERT_EQ(meta.versions_size(), 1);
  EXPECT_EQ(meta.versions(0), "1");
  ASSERT_EQ(meta.inputs_size(), 1);
  EXPECT_EQ(meta.inputs(0).name(), "text");
  EXPECT_EQ(meta.inputs(0).datatype(), "BYTES");
  ASSERT_EQ(meta.outputs_size(), 1);
  EXPECT_EQ(meta.outputs(0).name(), "embedding");
  EXPECT_EQ(meta.outputs(0).datatype(), "FP32");
  EXPECT_EQ(std::vector<int64_t>(meta.outputs(0).shape().begin(), meta.outputs(0).shape().end()),
            (std::vector<int64_t>{-1, 32}));

  request.set_name("rerank");
  ASSERT_TRUE(stub_->ModelMetadata(call_context().get(), request, &meta).ok());
  ASSERT_EQ(meta.inputs_size(), 2);
  EXPECT_EQ(meta.inputs(1).name(), "documents");

  request.set_name("chat");
  request.set_version("2");
  grpc::Status status = stub_->ModelMetadata(call_context().get(), request, &meta);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "model 'chat' has no version '2' (only 1)");

  auto ready = [](const std::string& name, inference::ModelReadyResponse* response) {
    inference::ModelReadyRequest r;
    r.set_name(name);
    return stub_->ModelReady(call_context().get(), r, response);
  };
  inference::ModelReadyResponse answer;
  ASSERT_TRUE(ready("chat", &answer).ok());
  EXPECT_TRUE(answer.ready());
  ASSERT_TRUE(ready("broken", &answer).ok());
  EXPECT_FALSE(answer.ready());
  EXPECT_EQ(ready("nosuch", &answer).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, RepositoryIndexAndControlRefusedInModeNone) {
  inference::RepositoryIndexResponse index;
  ASSERT_TRUE(stub_->RepositoryIndex(call_context().get(), {}, &index).ok());
  std::map<std::string, inference::RepositoryIndexResponse::ModelIndex> by_name;
  for (const auto& m : index.models()) by_name[m.name()] = m;
  ASSERT_EQ(by_name.size(), 6u);
  EXPECT_EQ(by_name["chat"].state(), "READY");
  EXPECT_EQ(by_name["chat"].version(), "1");
  EXPECT_EQ(by_name["broken"].state(), "UNAVAILABLE");
  EXPECT_NE(by_name["broken"].reason().find("broken/model.yaml:3:1: malformed YAML"),
            std::string::npos)
      << by_name["broken"].reason();

  inference::RepositoryIndexRequest only_ready;
  only_ready.set_ready(true);
  ASSERT_TRUE(stub_->RepositoryIndex(call_context().get(), only_ready, &index).ok());
  std::vector<std::string> names;
  for (const auto& m : index.models()) names.push_back(m.name());
  EXPECT_EQ(names, (std::vector<std::string>{"chat", "embed", "narrow", "rerank"}));

  inference::RepositoryModelUnloadRequest unload;
  unload.set_model_name("chat");
  inference::RepositoryModelUnloadResponse unloaded;
  EXPECT_EQ(stub_->RepositoryModelUnload(call_context().get(), unload, &unloaded).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(GrpcServerTest, GenerateEqualsHttpForTheSameGreedyRequest) {
  const Json http = http_infer(
      "chat",
      {{"inputs",
        {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"Hello"}}}}},
       {"parameters", {{"max_tokens", 8}, {"temperature", 0}, {"ignore_eos", true}}}});
  const std::string http_text = http["outputs"][0]["data"][0];
  ASSERT_FALSE(http_text.empty());
  for (const bool raw : {false, true}) {
    ModelInferRequest request = infer_request("chat", {{"text_input", {"Hello"}}}, raw);
    request.set_id("g1");
    set_greedy(request, 8);
    ModelInferResponse response;
    const grpc::Status status = infer(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.model_name(), "chat");
    EXPECT_EQ(response.model_version(), "1");
    EXPECT_EQ(response.id(), "g1");
    ASSERT_EQ(response.outputs_size(), 1);
    EXPECT_EQ(response.outputs(0).name(), "text_output");
    EXPECT_EQ(response.outputs(0).datatype(), "BYTES");
    ASSERT_EQ(response.outputs(0).shape_size(), 1);
    EXPECT_EQ(response.outputs(0).shape(0), 1);
    ASSERT_EQ(response.raw_output_contents_size(), 1);
    EXPECT_EQ(testing::raw_bytes_output(response, 0, 1), std::vector<std::string>{http_text})
        << "raw input: " << raw;
    EXPECT_EQ(response.parameters().at("completion_tokens").int64_param(), 8);
    EXPECT_EQ(response.parameters().at("finish_reason").string_param(), "length");
  }
}

TEST_F(GrpcServerTest, EmbedAndRerankEqualHttp) {
  const std::vector<std::string> texts = {"first text", "second text"};
  const Json http_embed = http_infer(
      "embed",
      {{"inputs", {{{"name", "text"}, {"datatype", "BYTES"}, {"shape", {2}}, {"data", texts}}}}});
  ModelInferResponse response;
  ASSERT_TRUE(infer(infer_request("embed", {{"text", texts}}, true), &response).ok());
  ASSERT_EQ(response.outputs_size(), 1);
  EXPECT_EQ(response.outputs(0).name(), "embedding");
  EXPECT_EQ(response.outputs(0).datatype(), "FP32");
  EXPECT_EQ(
      std::vector<int64_t>(response.outputs(0).shape().begin(), response.outputs(0).shape().end()),
      (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(testing::raw_fp32_output(response, 0),
            http_embed["outputs"][0]["data"].get<std::vector<float>>());

  const std::vector<std::string> documents = {"a cat is an animal", "paris", "bread"};
  const Json http_rerank = http_infer(
      "rerank",
      {{"inputs",
        {{{"name", "query"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"what is a cat"}}},
         {{"name", "documents"}, {"datatype", "BYTES"}, {"shape", {3}}, {"data", documents}}}}});
  ASSERT_TRUE(
      infer(infer_request("rerank", {{"query", {"what is a cat"}}, {"documents", documents}}),
            &response)
          .ok());
  EXPECT_EQ(response.outputs(0).name(), "scores");
  EXPECT_EQ(testing::raw_fp32_output(response, 0),
            http_rerank["outputs"][0]["data"].get<std::vector<float>>());
  EXPECT_EQ(testing::raw_fp32_output(response, 0).size(), 3u);
}

TEST_F(GrpcServerTest, StreamInferSendsOnePieceAtATimeThenAFinalResponse) {
  ModelInferRequest whole = infer_request("chat", {{"text_input", {"Tell me"}}});
  set_greedy(whole, 12);
  // Opted in as Triton's clients do: every response flagged, and an empty final one.
  (*whole.mutable_parameters())["triton_enable_empty_final_response"].set_bool_param(true);
  ModelInferResponse unary;
  ASSERT_TRUE(infer(whole, &unary).ok());
  const std::string unary_text = testing::raw_bytes_output(unary, 0, 1).at(0);

  auto context = call_context();
  auto stream = stub_->ModelStreamInfer(context.get());
  ModelInferRequest generate = whole;
  generate.set_id("s1");
  ASSERT_TRUE(stream->Write(generate));
  ModelInferRequest unknown = infer_request("nosuch", {{"text", {"x"}}});
  unknown.set_id("s2");
  ASSERT_TRUE(stream->Write(unknown));
  ModelInferRequest embed = infer_request("embed", {{"text", {"streamed"}}});
  (*embed.mutable_parameters())["triton_enable_empty_final_response"].set_bool_param(true);
  ASSERT_TRUE(stream->Write(embed));
  stream->WritesDone();

  std::string streamed;
  int pieces = 0;
  bool final_seen = false, error_seen = false, embed_seen = false;
  ModelStreamInferResponse message;
  while (stream->Read(&message)) {
    const ModelInferResponse& r = message.infer_response();
    if (!message.error_message().empty()) {
      EXPECT_EQ(r.id(), "s2");
      EXPECT_NE(message.error_message().find("nosuch"), std::string::npos);
      error_seen = true;
      continue;
    }
    const bool final = r.parameters().at("triton_final_response").bool_param();
    if (r.model_name() == "embed") {
      EXPECT_TRUE(final);
      EXPECT_EQ(testing::raw_fp32_output(r, 0).size(), 32u);
      embed_seen = true;
      continue;
    }
    EXPECT_EQ(r.id(), "s1");
    EXPECT_FALSE(final_seen) << "nothing may follow the final response";
    if (final) {
      final_seen = true;
      EXPECT_EQ(r.outputs_size(), 0);
      EXPECT_EQ(r.parameters().at("completion_tokens").int64_param(), 12);
      EXPECT_EQ(r.parameters().at("finish_reason").string_param(), "length");
    } else {
      ASSERT_EQ(r.outputs_size(), 1);
      EXPECT_EQ(r.outputs(0).name(), "text_output");
      streamed += testing::raw_bytes_output(r, 0, 1).at(0);
      ++pieces;
    }
  }
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(final_seen);
  EXPECT_TRUE(error_seen);
  EXPECT_TRUE(embed_seen);
  EXPECT_GE(pieces, 2);
  EXPECT_EQ(streamed, unary_text);
}

// Without the opt-in, as Triton: no response is flagged and no empty one ends the stream; the
// pieces alone make up the text.
TEST_F(GrpcServerTest, StreamInferWithoutTheOptInSendsOnlyThePieces) {
  ModelInferRequest request = infer_request("chat", {{"text_input", {"Tell me"}}});
  set_greedy(request, 6);
  ModelInferResponse unary;
  ASSERT_TRUE(infer(request, &unary).ok());
  auto context = call_context();
  auto stream = stub_->ModelStreamInfer(context.get());
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  std::string streamed;
  ModelStreamInferResponse message;
  while (stream->Read(&message)) {
    const ModelInferResponse& r = message.infer_response();
    EXPECT_TRUE(message.error_message().empty()) << message.error_message();
    EXPECT_EQ(r.parameters().count("triton_final_response"), 0u);
    ASSERT_EQ(r.outputs_size(), 1) << "an empty response was sent";
    streamed += testing::raw_bytes_output(r, 0, 1).at(0);
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(streamed, testing::raw_bytes_output(unary, 0, 1).at(0));
}

TEST_F(GrpcServerTest, MalformedTensorsAreInvalidArgumentNamingInputAndField) {
  ModelInferRequest fp32 = infer_request("chat", {{"text_input", {"a"}}});
  fp32.mutable_inputs(0)->set_datatype("FP32");
  ModelInferRequest short_data = infer_request("chat", {{"text_input", {"a"}}});
  short_data.mutable_inputs(0)->set_shape(0, 2);
  ModelInferRequest long_prefix = infer_request("chat", {{"text_input", {"a"}}}, true);
  long_prefix.set_raw_input_contents(0, std::string("\x64\0\0\0ab", 6));
  ModelInferRequest raw_count = infer_request("chat", {{"text_input", {"a"}}}, true);
  raw_count.add_raw_input_contents("extra");
  ModelInferRequest hot = infer_request("chat", {{"text_input", {"a"}}});
  (*hot.mutable_parameters())["temperature"].set_string_param("hot");
  const std::pair<ModelInferRequest, std::string> cases[] = {
      {fp32, "inputs[0].datatype: 'FP32' is not accepted (text is BYTES)"},
      {short_data, "inputs[0].shape: 2 elements but contents.bytes_contents has 1"},
      {infer_request("chat", {{"other", {"a"}}}),
       "inputs[0].name: unknown input 'other' (expected text_input)"},
      {infer_request("chat", {{"text_input", {"a", "b"}}}),
       "inputs[0].shape: one prompt per request, got 2"},
      {long_prefix,
       "raw_input_contents[0] (input 'text_input'): element 0: length prefix 100 exceeds the 2 "
       "bytes left"},
      {raw_count, "raw_input_contents: 2 entries for 1 inputs (one per input)"},
      {infer_request("rerank", {{"query", {"q"}}}), "inputs: 'documents' is required"},
      {infer_request("chat", {}), "inputs: required, a non-empty list of tensors"},
      {hot, "temperature: expected a number, got a string"},
  };
  for (const auto& [request, message] : cases) {
    ModelInferResponse response;
    const grpc::Status status = infer(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << message;
    EXPECT_EQ(status.error_message(), message);
  }
}

TEST_F(GrpcServerTest, UnknownModelIsNotFoundAndBrokenModelUnavailable) {
  ModelInferResponse response;
  auto context = call_context();
  grpc::Status status =
      stub_->ModelInfer(context.get(), infer_request("nosuch", {{"text", {"x"}}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("nosuch"), std::string::npos) << status.error_message();

  context = call_context();
  status =
      stub_->ModelInfer(context.get(), infer_request("broken", {{"text_input", {"x"}}}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(testing::trailer(*context, "retry-after"), "1");
}

TEST_F(GrpcServerTest, FullQueueIsResourceExhaustedWithRetryAfter) {
  // `narrow` runs one sequence and queues one more; a burst gets the rest refused.
  constexpr int kBurst = 24;
  std::vector<grpc::StatusCode> codes(kBurst);
  std::vector<std::string> retry_after(kBurst);
  std::vector<std::thread> threads;
  for (int i = 0; i < kBurst; ++i) {
    threads.emplace_back([&, i] {
      ModelInferRequest request = infer_request("narrow", {{"text_input", {"burst"}}});
      (*request.mutable_parameters())["max_tokens"].set_int64_param(200);
      (*request.mutable_parameters())["ignore_eos"].set_bool_param(true);
      ModelInferResponse response;
      auto context = call_context();
      codes[i] = stub_->ModelInfer(context.get(), request, &response).error_code();
      retry_after[i] = testing::trailer(*context, "retry-after");
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, exhausted = 0;
  for (int i = 0; i < kBurst; ++i) {
    if (codes[i] == grpc::StatusCode::OK) ++ok;
    if (codes[i] == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      EXPECT_EQ(retry_after[i], "1");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(exhausted, 1);
  EXPECT_EQ(ok + exhausted, kBurst);
}

TEST_F(GrpcServerTest, GarbageBytesAreRefusedAndTheServerStaysUp) {
  grpc::GenericStub generic(grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->grpc_port()),
                                                grpc::InsecureChannelCredentials()));
  // A field tag with wire type 7 (there is none): no protobuf parser accepts it.
  const std::string garbage = "\xff\xff\xff\xff\x0f\x07garbage";
  auto call = [&](const char* method) {
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    auto context = call_context();
    std::promise<grpc::Status> done;
    generic.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status status) { done.set_value(status); });
    return done.get_future().get();
  };
  const grpc::Status infer_status = call("/inference.GRPCInferenceService/ModelInfer");
  EXPECT_EQ(infer_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(infer_status.error_message(),
            "request: not a valid inference.ModelInferRequest message");
  // The other methods are parsed by gRPC, whose callback API refuses what does not parse as
  // UNIMPLEMENTED (no message); refused all the same.
  EXPECT_EQ(call("/inference.GRPCInferenceService/ModelMetadata").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(call_context().get(), {}, &live).ok());
  EXPECT_TRUE(live.live());
  ModelInferResponse response;
  EXPECT_TRUE(infer(infer_request("embed", {{"text", {"still here"}}}), &response).ok());
}

TEST_F(GrpcServerTest, CancelledCallsCancelTheGenerationAndFreeTheKvCache) {
  Slice* chat = server_->device().slice("chat");
  ASSERT_NE(chat, nullptr);
  const uint64_t idle_bytes = chat->arena().used_bytes();
  const double cancelled_before = testing::metric_value(
      metrics(), "tessera_requests_total{model=\"chat\",outcome=\"cancelled\"}");
  auto wait_idle = [&] {
    for (int i = 0; i < 500 && chat->arena().used_bytes() != idle_bytes; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(chat->arena().used_bytes(), idle_bytes);
  };
  ModelInferRequest request = infer_request("chat", {{"text_input", {"long"}}});
  (*request.mutable_parameters())["max_tokens"].set_int64_param(2000);
  (*request.mutable_parameters())["ignore_eos"].set_bool_param(true);
  {  // A stream the client cancels once the first piece is there.
    auto context = call_context();
    auto stream = stub_->ModelStreamInfer(context.get());
    ASSERT_TRUE(stream->Write(request));
    ModelStreamInferResponse first;
    ASSERT_TRUE(stream->Read(&first));
    EXPECT_GT(chat->arena().used_bytes(), idle_bytes);
    context->TryCancel();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  wait_idle();
  {  // A unary call whose deadline passes mid-generation.
    auto context = call_context(0.3);
    ModelInferResponse response;
    EXPECT_EQ(stub_->ModelInfer(context.get(), request, &response).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  wait_idle();
  const std::string page = metrics();
  EXPECT_EQ(
      testing::metric_value(page, "tessera_requests_total{model=\"chat\",outcome=\"cancelled\"}"),
      cancelled_before + 2)
      << page;
}

TEST_F(GrpcServerTest, RequestsCountInTheSameMetricsAsHttp) {
  const std::string series = "tessera_requests_total{model=\"embed\",outcome=\"success\"}";
  const double before = testing::metric_value(metrics(), series);
  ModelInferResponse response;
  ASSERT_TRUE(infer(infer_request("embed", {{"text", {"counted"}}}), &response).ok());
  http_infer(
      "embed",
      {{"inputs",
        {{{"name", "text"}, {"datatype", "BYTES"}, {"shape", {1}}, {"data", {"counted too"}}}}}});
  EXPECT_EQ(testing::metric_value(metrics(), series), before + 2);
}

}  // namespace
}  // namespace tessera::serve
