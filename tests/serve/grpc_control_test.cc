// The gRPC frontend under the server's modes: the API key (every RPC but ServerLive and
// ServerReady), explicit model control (RepositoryModelLoad / Unload), and shutdown draining a
// stream in flight while refusing new calls.
#include <gtest/gtest.h>

#include <thread>

#include "serve/grpc_client.h"
#include "serve/serve_fixture.h"
#include "serve/server.h"

namespace tessera::serve {
namespace {

using inference::ModelInferRequest;
using inference::ModelInferResponse;
using testing::call_context;
using testing::infer_request;

TEST(GrpcControlTest, ApiKeyGuardsEverythingButLiveAndReady) {
  testing::TempDir dir;
  testing::write_test_repository(dir.path());
  ServerOptions options;
  options.api_key = "sekret";
  std::unique_ptr<Server> server = testing::start_server(dir.path(), options);
  ASSERT_NE(server, nullptr);
  auto stub = testing::grpc_stub(server->grpc_port());

  inference::ServerLiveResponse live;
  EXPECT_TRUE(stub->ServerLive(call_context().get(), {}, &live).ok());
  inference::ServerReadyResponse ready;
  EXPECT_TRUE(stub->ServerReady(call_context().get(), {}, &ready).ok());
  EXPECT_TRUE(ready.ready());

  // Metadata: none, a wrong key, then each of the two accepted forms.
  auto metadata = [&](const std::string& key, const std::string& value) {
    auto context = call_context();
    if (!key.empty()) context->AddMetadata(key, value);
    inference::ServerMetadataResponse response;
    return stub->ServerMetadata(context.get(), {}, &response);
  };
  const grpc::Status denied = metadata("", "");
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(denied.error_message(),
            "missing or wrong API key (send metadata authorization: Bearer KEY)");
  EXPECT_EQ(metadata("authorization", "Bearer wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(metadata("authorization", "sekret").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(metadata("authorization", "Bearer sekret").ok());
  EXPECT_TRUE(metadata("x-api-key", "sekret").ok());

  const ModelInferRequest embed = infer_request("embed", {{"text", {"x"}}});
  ModelInferResponse response;
  EXPECT_EQ(stub->ModelInfer(call_context().get(), embed, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  inference::ModelReadyRequest model_ready;
  model_ready.set_name("chat");
  inference::ModelReadyResponse model_ready_response;
  EXPECT_EQ(stub->ModelReady(call_context().get(), model_ready, &model_ready_response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  inference::RepositoryIndexResponse index;
  EXPECT_EQ(stub->RepositoryIndex(call_context().get(), {}, &index).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  {
    auto context = call_context();
    auto stream = stub->ModelStreamInfer(context.get());
    stream->Write(embed);
    stream->WritesDone();
    inference::ModelStreamInferResponse message;
    EXPECT_FALSE(stream->Read(&message));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  auto context = call_context();
  context->AddMetadata("authorization", "Bearer sekret");
  EXPECT_TRUE(stub->ModelInfer(context.get(), embed, &response).ok());
}

TEST(GrpcControlTest, ExplicitModeLoadsAndUnloadsOnRequest) {
  testing::TempDir dir;
  std::unique_ptr<Server> server = testing::start_explicit_mode_server(dir.path());
  ASSERT_NE(server, nullptr);
  auto stub = testing::grpc_stub(server->grpc_port());
  auto model_ready = [&](const std::string& name) {
    inference::ModelReadyRequest request;
    request.set_name(name);
    inference::ModelReadyResponse response;
    EXPECT_TRUE(stub->ModelReady(call_context().get(), request, &response).ok());
    return response.ready();
  };
  auto load = [&](const std::string& name) {
    inference::RepositoryModelLoadRequest request;
    request.set_model_name(name);
    inference::RepositoryModelLoadResponse response;
    return stub->RepositoryModelLoad(call_context().get(), request, &response);
  };
  ModelInferRequest generate = infer_request("chat", {{"text_input", {"x"}}});
  (*generate.mutable_parameters())["max_tokens"].set_int64_param(2);
  ModelInferResponse response;

  EXPECT_FALSE(model_ready("chat"));
  EXPECT_TRUE(model_ready("embed"));
  EXPECT_EQ(stub->ModelInfer(call_context().get(), generate, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  EXPECT_TRUE(load("chat").ok());
  EXPECT_TRUE(model_ready("chat"));
  EXPECT_TRUE(stub->ModelInfer(call_context().get(), generate, &response).ok());
  EXPECT_EQ(load("nosuch").error_code(), grpc::StatusCode::NOT_FOUND);
  const grpc::Status failed = load("toobig");
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(failed.error_message().find("failed to load 'toobig'"), std::string::npos)
      << failed.error_message();
  EXPECT_NE(failed.error_message().find("does not fit"), std::string::npos);

  inference::RepositoryModelUnloadRequest unload;
  unload.set_model_name("chat");
  inference::RepositoryModelUnloadResponse unloaded;
  EXPECT_TRUE(stub->RepositoryModelUnload(call_context().get(), unload, &unloaded).ok());
  EXPECT_EQ(server->device().slice("chat")->arena().used_bytes(), 0u);
  EXPECT_FALSE(model_ready("chat"));
  EXPECT_EQ(stub->ModelInfer(call_context().get(), generate, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(GrpcControlTest, ShutdownFinishesTheStreamInFlightAndRefusesNewCalls) {
  testing::TempDir dir;
  testing::write_test_repository(dir.path());
  std::unique_ptr<Server> server = testing::start_server(dir.path());
  ASSERT_NE(server, nullptr);
  auto stub = testing::grpc_stub(server->grpc_port());
  auto other = testing::grpc_stub(server->grpc_port());
  inference::ServerLiveResponse live;
  ASSERT_TRUE(other->ServerLive(call_context().get(), {}, &live).ok());  // connected

  ModelInferRequest request = infer_request("chat", {{"text_input", {"x"}}});
  (*request.mutable_parameters())["max_tokens"].set_int64_param(300);
  (*request.mutable_parameters())["ignore_eos"].set_bool_param(true);
  (*request.mutable_parameters())["triton_enable_empty_final_response"].set_bool_param(true);
  auto context = call_context();
  auto stream = stub->ModelStreamInfer(context.get());
  ASSERT_TRUE(stream->Write(request));
  inference::ModelStreamInferResponse message;
  ASSERT_TRUE(stream->Read(&message));  // generating for sure

  std::thread stopper([&] { server->shutdown(); });
  // Once shutdown has begun, the server is not ready (or no longer answers at all).
  bool stopping = false;
  for (int i = 0; i < 500 && !stopping; ++i) {
    inference::ServerReadyResponse ready;
    const grpc::Status s = other->ServerReady(call_context(1).get(), {}, &ready);
    stopping = !s.ok() || !ready.ready();
    if (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(stopping);
  ModelInferResponse refused;
  EXPECT_EQ(other->ModelInfer(call_context(5).get(), request, &refused).error_code(),
            grpc::StatusCode::UNAVAILABLE);

  // The stream in flight runs to its end; then the client closes it.
  int64_t completion_tokens = -1;
  while (completion_tokens < 0 && stream->Read(&message)) {
    const auto& parameters = message.infer_response().parameters();
    if (parameters.at("triton_final_response").bool_param()) {
      completion_tokens = parameters.at("completion_tokens").int64_param();
    }
  }
  stream->WritesDone();
  EXPECT_FALSE(stream->Read(&message));
  const grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(completion_tokens, 300);
  stopper.join();
}

}  // namespace
}  // namespace tessera::serve
