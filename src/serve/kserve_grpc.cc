#include "serve/kserve_grpc.h"

#include <grpcpp/health_check_service_interface.h>
#include <algorithm>
#include <limits>

#include "serve/kserve_grpc_calls.h"

namespace tessera::serve {

using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;

namespace {

// Finishes a call whose answer is known now.
ServerUnaryReactor* answer(CallbackServerContext* call, const grpc::Status& status) {
  ServerUnaryReactor* reactor = call->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

ServerUnaryReactor* answer(CallbackServerContext* call, const Status& status) {
  return answer(call, status.ok() ? grpc::Status::OK : to_grpc_status(status, *call));
}

void add_tensor_specs(
    const std::vector<TensorSpec>& specs,
    google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>* out) {
  for (const TensorSpec& spec : specs) {
    inference::ModelMetadataResponse::TensorMetadata* t = out->Add();
    t->set_name(spec.name);
    t->set_datatype(spec.datatype);
    for (int64_t d : spec.shape) t->add_shape(d);
  }
}

}  // namespace

// ModelInfer is registered raw (kserve_grpc_calls.h says why); the rest take parsed messages.
class GrpcService final : public inference::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<
                              inference::GRPCInferenceService::CallbackService> {
 public:
  explicit GrpcService(ServeContext& context) : context_(context) {}

  // Health answers without an API key, like HTTP's /v2/health.
  ServerUnaryReactor* ServerLive(CallbackServerContext* call, const inference::ServerLiveRequest*,
                                 inference::ServerLiveResponse* response) override {
    response->set_live(true);
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* ServerReady(CallbackServerContext* call, const inference::ServerReadyRequest*,
                                  inference::ServerReadyResponse* response) override {
    response->set_ready(context_.ready());
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* ServerMetadata(CallbackServerContext* call,
                                     const inference::ServerMetadataRequest*,
                                     inference::ServerMetadataResponse* response) override {
    if (!grpc_authorized(context_, *call)) return answer(call, unauthenticated());
    response->set_name(kKServeServerName);
    response->set_version(kKServeServerVersion);
    for (const std::string& e : kKServeExtensions) response->add_extensions(e);
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* ModelReady(CallbackServerContext* call,
                                 const inference::ModelReadyRequest* request,
                                 inference::ModelReadyResponse* response) override {
    if (!grpc_authorized(context_, *call)) return answer(call, unauthenticated());
    Result<std::shared_ptr<ModelInstance>> model = find_model(*request);
    // A model that exists but is not ready is an answer (false), not an error.
    if (!model.ok() && model.status().code() != StatusCode::kUnavailable) {
      return answer(call, model.status());
    }
    response->set_ready(model.ok());
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* ModelMetadata(CallbackServerContext* call,
                                    const inference::ModelMetadataRequest* request,
                                    inference::ModelMetadataResponse* response) override {
    if (!grpc_authorized(context_, *call)) return answer(call, unauthenticated());
    Result<std::shared_ptr<ModelInstance>> model = find_model(*request);
    if (!model.ok()) return answer(call, model.status());
    const ModelSignature signature = model_signature(**model);
    response->set_name(request->name());
    response->add_versions(kKServeModelVersion);
    response->set_platform(signature.platform);
    add_tensor_specs(signature.inputs, response->mutable_inputs());
    add_tensor_specs(signature.outputs, response->mutable_outputs());
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* ModelInfer(CallbackServerContext* call, const grpc::ByteBuffer* request,
                                 grpc::ByteBuffer* response) override {
    return model_infer_call(context_, call, request, response);
  }

  grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>*
  ModelStreamInfer(CallbackServerContext* call) override {
    return model_stream_infer_call(context_, call);
  }

  ServerUnaryReactor* RepositoryIndex(CallbackServerContext* call,
                                      const inference::RepositoryIndexRequest* request,
                                      inference::RepositoryIndexResponse* response) override {
    if (!grpc_authorized(context_, *call)) return answer(call, unauthenticated());
    for (const ModelStatus& s : context_.repository.index()) {
      if (request->ready() && s.state != "READY") continue;
      inference::RepositoryIndexResponse::ModelIndex* entry = response->add_models();
      entry->set_name(s.name);
      entry->set_version(s.version);
      entry->set_state(s.state);
      entry->set_reason(s.reason);
    }
    return answer(call, grpc::Status::OK);
  }

  ServerUnaryReactor* RepositoryModelLoad(CallbackServerContext* call,
                                          const inference::RepositoryModelLoadRequest* request,
                                          inference::RepositoryModelLoadResponse*) override {
    return control(call, request->model_name(), true);
  }

  ServerUnaryReactor* RepositoryModelUnload(CallbackServerContext* call,
                                            const inference::RepositoryModelUnloadRequest* request,
                                            inference::RepositoryModelUnloadResponse*) override {
    return control(call, request->model_name(), false);
  }

 private:
  // The model a ModelReady or ModelMetadata request names, or why not: NotFound for a wrong
  // version or name, Unavailable when it is not ready.
  template <typename Request>
  Result<std::shared_ptr<ModelInstance>> find_model(const Request& request) {
    TESSERA_RETURN_IF_ERROR(check_model_version(request.name(), request.version()));
    return context_.repository.get(request.name());
  }

  // Load or unload: the answer comes from the repository's worker thread when it is done.
  ServerUnaryReactor* control(CallbackServerContext* call, const std::string& name, bool load) {
    if (!grpc_authorized(context_, *call)) return answer(call, unauthenticated());
    ServerUnaryReactor* reactor = call->DefaultReactor();
    Status queued = control_model(context_.repository, name, load, [call, reactor](Status done) {
      reactor->Finish(done.ok() ? grpc::Status::OK : to_grpc_status(done, *call));
    });
    if (!queued.ok()) reactor->Finish(to_grpc_status(queued, *call));
    return reactor;
  }

  ServeContext& context_;
};

Result<std::unique_ptr<GrpcFrontend>> GrpcFrontend::start(ServeContext& context,
                                                          const GrpcFrontendOptions& options) {
  std::unique_ptr<GrpcFrontend> frontend(new GrpcFrontend());
  frontend->service_ = std::make_unique<GrpcService>(context);
  // IPv6 literals are written in brackets in a gRPC address.
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  const std::string address = host + ":" + std::to_string(options.port);
  int selected_port = 0;
  // grpc.health.v1.Health, as Kubernetes' gRPC probes and grpc_health_probe call it: SERVING
  // while the server runs (the KServe ServerReady RPC tells readiness).
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected_port);
  builder.RegisterService(frontend->service_.get());
  if (options.message_limit_bytes > 0) {
    builder.SetMaxReceiveMessageSize(static_cast<int>(
        std::min<uint64_t>(options.message_limit_bytes, std::numeric_limits<int>::max())));
  }
  frontend->server_ = builder.BuildAndStart();
  if (!frontend->server_ || selected_port == 0) {
    return io_error(address + ": cannot listen for gRPC (port in use, or a bad host?)");
  }
  frontend->port_ = static_cast<uint16_t>(selected_port);
  return frontend;
}

GrpcFrontend::~GrpcFrontend() {
  shutdown(std::chrono::system_clock::now());
  wait();
}

void GrpcFrontend::shutdown(std::chrono::system_clock::time_point deadline) {
  if (!server_ || shutdown_thread_.joinable()) return;
  // grpc::Server::Shutdown blocks until the calls in flight are done; the caller has other
  // servers to drain meanwhile.
  shutdown_thread_ =
      std::thread([server = server_.get(), deadline] { server->Shutdown(deadline); });
}

void GrpcFrontend::wait() {
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  if (server_) server_->Wait();
  server_.reset();
  service_.reset();
}

}  // namespace tessera::serve
