// Client-side helpers for the gRPC tests: a stub on a loopback port, KServe requests with BYTES
// inputs (typed contents or raw), and readers for the raw outputs the server returns.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpc_service.grpc.pb.h"
#include "serve/kserve_tensors.h"

namespace tessera::testing {

using Stub = inference::GRPCInferenceService::Stub;

inline std::unique_ptr<Stub> grpc_stub(uint16_t port) {
  return inference::GRPCInferenceService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
}

// A context that gives up after `seconds` (no test call should hang the suite).
inline std::unique_ptr<grpc::ClientContext> call_context(double seconds = 60) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  return context;
}

struct Input {
  std::string name;
  std::vector<std::string> data;
};

// A request with BYTES inputs of shape [n]: in contents.bytes_contents, or in raw_input_contents.
inline inference::ModelInferRequest infer_request(const std::string& model,
                                                  const std::vector<Input>& inputs,
                                                  bool raw = false) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  for (const Input& in : inputs) {
    auto* tensor = request.add_inputs();
    tensor->set_name(in.name);
    tensor->set_datatype("BYTES");
    tensor->add_shape(static_cast<int64_t>(in.data.size()));
    if (raw) {
      request.add_raw_input_contents(serve::encode_raw_bytes(in.data));
    } else {
      for (const std::string& d : in.data) tensor->mutable_contents()->add_bytes_contents(d);
    }
  }
  return request;
}

// Greedy generation settings, as the HTTP tests send them in "parameters".
inline void set_greedy(inference::ModelInferRequest& request, int64_t max_tokens) {
  auto& p = *request.mutable_parameters();
  p["max_tokens"].set_int64_param(max_tokens);
  p["temperature"].set_double_param(0);
  p["ignore_eos"].set_bool_param(true);
}

// The BYTES elements of raw output `index` ({} if it does not decode).
inline std::vector<std::string> raw_bytes_output(const inference::ModelInferResponse& response,
                                                 int index, int64_t elements) {
  auto decoded =
      serve::decode_raw_bytes(response.raw_output_contents(index), elements, "raw_output");
  return decoded.ok() ? *decoded : std::vector<std::string>{};
}

inline std::vector<float> raw_fp32_output(const inference::ModelInferResponse& response,
                                          int index) {
  const std::string& raw = response.raw_output_contents(index);
  std::vector<float> out(raw.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), raw.data(), out.size() * sizeof(float));
  return out;
}

// The value of trailing metadata `key` ("" when absent).
inline std::string trailer(const grpc::ClientContext& context, const std::string& key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(key);
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// The value of one series in a Prometheus text page (0 when absent).
inline double metric_value(const std::string& page, const std::string& series) {
  const std::string prefix = series + " ";
  size_t at = page.rfind("\n" + prefix);
  if (at == std::string::npos) return 0;
  at += 1 + prefix.size();
  return std::stod(page.substr(at, page.find('\n', at) - at));
}

}  // namespace tessera::testing
