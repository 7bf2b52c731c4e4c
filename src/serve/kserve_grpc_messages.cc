// KServe v2 protobuf <-> the protocol-neutral inference request and result.
#include <limits>

#include "base/clock.h"
#include "serve/api_errors.h"
#include "serve/kserve_grpc_calls.h"
#include "serve/refused_requests.h"

namespace tessera::serve {
namespace {

grpc::StatusCode grpc_code(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kResourceExhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case StatusCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kUnimplemented:
      return grpc::StatusCode::UNIMPLEMENTED;
    case StatusCode::kDeadlineExceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case StatusCode::kIoError:
    case StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

Json json_from_parameter(const inference::InferParameter& p) {
  switch (p.parameter_choice_case()) {
    case inference::InferParameter::kBoolParam:
      return p.bool_param();
    case inference::InferParameter::kInt64Param:
      return p.int64_param();
    case inference::InferParameter::kStringParam:
      return p.string_param();
    case inference::InferParameter::kDoubleParam:
      return p.double_param();
    case inference::InferParameter::kUint64Param:
      return p.uint64_param();
    case inference::InferParameter::PARAMETER_CHOICE_NOT_SET:
      break;
  }
  return nullptr;  // read as absent
}

inference::InferParameter parameter_from_json(const Json& value) {
  inference::InferParameter p;
  // Counts are unsigned in JSON; clients (Triton's among them) read integers as int64_param, so
  // uint64_param is kept for values int64 cannot hold.
  if (value.is_boolean()) {
    p.set_bool_param(value.get<bool>());
  } else if (value.is_number_unsigned() &&
             value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    p.set_uint64_param(value.get<uint64_t>());
  } else if (value.is_number_integer()) {
    p.set_int64_param(value.get<int64_t>());
  } else if (value.is_number()) {
    p.set_double_param(value.get<double>());
  } else if (value.is_string()) {
    p.set_string_param(value.get<std::string>());
  } else {
    p.set_string_param(dump_json(value));
  }
  return p;
}

}  // namespace

grpc::Status to_grpc_status(const Status& status, grpc::ServerContextBase& call) {
  const grpc::StatusCode code = grpc_code(status.code());
  if (code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::UNAVAILABLE) {
    call.AddTrailingMetadata("retry-after", std::to_string(kRetryAfterSeconds));
  }
  return grpc::Status(code, status.message());
}

bool grpc_authorized(const ServeContext& context, const grpc::ServerContextBase& call) {
  if (context.api_key.empty()) return true;
  const std::string bearer = "Bearer " + context.api_key;
  for (const auto& [key, value] : call.client_metadata()) {
    const std::string_view k(key.data(), key.size());
    const std::string_view v(value.data(), value.size());
    if ((k == "authorization" && v == bearer) || (k == "x-api-key" && v == context.api_key)) {
      return true;
    }
  }
  return false;
}

grpc::Status unauthenticated() {
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing or wrong API key (send metadata authorization: Bearer KEY)");
}

bool parse_message(const grpc::ByteBuffer& buffer, google::protobuf::Message& message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return message.ParseFromString(bytes);
}

void serialize_message(const google::protobuf::Message& message, grpc::ByteBuffer& buffer) {
  grpc::Slice slice(message.SerializeAsString());
  buffer = grpc::ByteBuffer(&slice, 1);
}

Result<InferInputs> infer_inputs_from(const inference::ModelInferRequest& request) {
  if (request.inputs_size() == 0) {
    return invalid_argument("inputs: required, a non-empty list of tensors");
  }
  const bool raw = request.raw_input_contents_size() > 0;
  if (raw && request.raw_input_contents_size() != request.inputs_size()) {
    return invalid_argument(
        "raw_input_contents: " + std::to_string(request.raw_input_contents_size()) +
        " entries for " + std::to_string(request.inputs_size()) + " inputs (one per input)");
  }
  InferInputs out;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const inference::ModelInferRequest::InferInputTensor& input = request.inputs(i);
    BytesTensor tensor;
    tensor.path = "inputs[" + std::to_string(i) + "]";
    if (input.name().empty()) return invalid_argument(tensor.path + ".name: required");
    tensor.name = input.name();
    TESSERA_RETURN_IF_ERROR(check_bytes_datatype(input.datatype(), tensor.path));
    tensor.shape.assign(input.shape().begin(), input.shape().end());
    TESSERA_ASSIGN_OR_RETURN(int64_t elements, element_count(tensor.shape, tensor.path));
    if (raw) {
      if (input.has_contents()) {
        return invalid_argument(tensor.path +
                                ".contents: not allowed when raw_input_contents carries the data");
      }
      const std::string field = "raw_input_contents[" + std::to_string(i) + "]";
      TESSERA_ASSIGN_OR_RETURN(tensor.data,
                               decode_raw_bytes(request.raw_input_contents(i), elements,
                                                field + " (input '" + tensor.name + "')"));
    } else {
      const auto& contents = input.contents().bytes_contents();
      tensor.data.assign(contents.begin(), contents.end());
      TESSERA_RETURN_IF_ERROR(check_element_count(elements, tensor.data.size(), tensor.path,
                                                  "contents.bytes_contents"));
    }
    out.tensors.push_back(std::move(tensor));
  }
  for (const auto& [key, value] : request.parameters()) {
    out.parameters[key] = json_from_parameter(value);
  }
  return out;
}

void fill_infer_response(const inference::ModelInferRequest& request, const InferOutputs& outputs,
                         inference::ModelInferResponse& response) {
  response.set_model_name(request.model_name());
  response.set_model_version(kKServeModelVersion);
  response.set_id(request.id());
  for (const OutputTensor& t : outputs.tensors) {
    inference::ModelInferResponse::InferOutputTensor* out = response.add_outputs();
    out->set_name(t.name);
    out->set_datatype(t.datatype);
    for (int64_t d : t.shape) out->add_shape(d);
    *response.add_raw_output_contents() =
        t.datatype == "BYTES" ? encode_raw_bytes(t.bytes) : encode_raw_fp32(t.fp32);
  }
  for (const auto& [key, value] : outputs.parameters.items()) {
    (*response.mutable_parameters())[key] = parameter_from_json(value);
  }
}

namespace {

Status start_counted(ServeContext& context, const inference::ModelInferRequest& request,
                     const CancelHook& on_cancel, InferHandlers handlers, int64_t received_ns) {
  if (context.shutting_down.load()) return unavailable("the server is shutting down");
  if (request.model_name().empty()) return invalid_argument("model_name: required");
  TESSERA_RETURN_IF_ERROR(check_model_version(request.model_name(), request.model_version()));
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<ModelInstance> model,
                           context.repository.get(request.model_name()));
  TESSERA_ASSIGN_OR_RETURN(InferInputs inputs, infer_inputs_from(request));
  return start_infer(*model, std::move(inputs), on_cancel, received_ns, std::move(handlers));
}

}  // namespace

Status start_grpc_infer(ServeContext& context, const inference::ModelInferRequest& request,
                        const CancelHook& on_cancel, InferHandlers handlers) {
  const int64_t received_ns = SteadyClock().now_ns();
  Status started = start_counted(context, request, on_cancel, std::move(handlers), received_ns);
  if (!started.ok()) {
    count_refused(context.repository, context.metrics, request.model_name(), started, received_ns);
  }
  return started;
}

}  // namespace tessera::serve
