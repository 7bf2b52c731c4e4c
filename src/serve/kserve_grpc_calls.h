// Inside the gRPC frontend (kserve_grpc.cc): translation between the KServe v2 protobuf messages
// and the protocol-neutral InferInputs / InferOutputs of kserve_infer.h, the Status -> gRPC
// status mapping, the API-key check, and the two inference calls (unary and stream), each a
// reactor that lives until gRPC is done with it.
#pragma once

#include <grpcpp/grpcpp.h>

#include "base/status.h"
#include "grpc_service.grpc.pb.h"
#include "serve/kserve_infer.h"
#include "serve/serve_context.h"

namespace tessera::serve {

// InvalidArgument, DataLoss -> INVALID_ARGUMENT; NotFound -> NOT_FOUND; ResourceExhausted ->
// RESOURCE_EXHAUSTED; Unavailable -> UNAVAILABLE; Unimplemented -> UNIMPLEMENTED; else INTERNAL.
// For the two a client should retry it adds "retry-after: <seconds>" to the trailing metadata,
// as HTTP sends Retry-After.
grpc::Status to_grpc_status(const Status& status, grpc::ServerContextBase& call);

// True without an API key, or when the call's metadata has "authorization: Bearer KEY" or
// "x-api-key: KEY".
bool grpc_authorized(const ServeContext& context, const grpc::ServerContextBase& call);
grpc::Status unauthenticated();

// The request's tensors (bytes_contents or raw_input_contents) and parameters; InvalidArgument
// naming the input and field for anything malformed.
Result<InferInputs> infer_inputs_from(const inference::ModelInferRequest& request);
// Outputs into `response` the way Triton writes them: tensor metadata in `outputs`, the data in
// raw_output_contents; parameters as InferParameters.
void fill_infer_response(const inference::ModelInferRequest& request, const InferOutputs& outputs,
                         inference::ModelInferResponse& response);

// Finds the model and starts the request on it (kserve_infer.h's start_infer). Unavailable while
// the server shuts down.
Status start_grpc_infer(ServeContext& context, const inference::ModelInferRequest& request,
                        const CancelHook& on_cancel, InferHandlers handlers);

// Protobuf messages in and out of gRPC's raw buffers. ModelInfer takes its request raw and parses
// it here, so an unparsable one is INVALID_ARGUMENT with a message (gRPC's own parsing answers
// UNIMPLEMENTED with none).
bool parse_message(const grpc::ByteBuffer& buffer, google::protobuf::Message& message);
void serialize_message(const google::protobuf::Message& message, grpc::ByteBuffer& buffer);

grpc::ServerUnaryReactor* model_infer_call(ServeContext& context, grpc::CallbackServerContext* call,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response);
grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>*
model_stream_infer_call(ServeContext& context, grpc::CallbackServerContext* call);

}  // namespace tessera::serve
