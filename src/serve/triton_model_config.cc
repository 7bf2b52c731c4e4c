#include "serve/triton_model_config.h"

#include "serve/kserve_infer.h"

namespace tessera::serve {
namespace {

// KServe v2 datatypes as model_config.proto's DataType names.
std::string triton_data_type(const std::string& datatype) {
  if (datatype == "BYTES") return "TYPE_STRING";
  return "TYPE_" + datatype;  // FP32 -> TYPE_FP32, INT64 -> TYPE_INT64, ...
}

nlohmann::json tensors(const std::vector<TensorSpec>& specs) {
  nlohmann::json out = nlohmann::json::array();
  for (const TensorSpec& s : specs) {
    out.push_back(
        {{"name", s.name}, {"data_type", triton_data_type(s.datatype)}, {"dims", s.shape}});
  }
  return out;
}

// model_config.proto's ModelParameter: {"string_value": ...}.
nlohmann::json parameter(const std::string& value) { return {{"string_value", value}}; }
nlohmann::json parameter(int64_t value) { return parameter(std::to_string(value)); }

}  // namespace

nlohmann::json triton_model_config(const ModelInstance& model) {
  const ModelConfig& config = model.config();
  const ModelSignature signature = model_signature(model);
  nlohmann::json out = {
      {"name", config.name},
      {"platform", signature.platform},
      {"backend", "tessera"},
      {"version_policy", {{"latest", {{"num_versions", 1}}}}},
      {"max_batch_size", 0},
      {"input", tensors(signature.inputs)},
      {"output", tensors(signature.outputs)},
      {"instance_group", {{{"name", config.name}, {"kind", "KIND_CPU"}, {"count", 1}}}}};
  nlohmann::json parameters = {{"slice", parameter(config.slice)},
                               {"max_queue", parameter(config.max_queue)}};
  if (config.kind == ModelKind::kGenerate) {
    // One request, many responses (a piece of text each) on ModelStreamInfer.
    out["model_transaction_policy"] = {{"decoupled", true}};
    parameters["context"] = parameter(config.context);
    parameters["max_sequences"] = parameter(config.max_sequences);
    parameters["max_batch_tokens"] = parameter(config.max_batch_tokens);
    parameters["prefill_chunk_tokens"] = parameter(config.prefill_chunk_tokens);
  } else {
    parameters["max_batch"] = parameter(config.max_batch);
    parameters["max_batch_tokens"] = parameter(config.max_batch_tokens);
    parameters["max_queue_delay_microseconds"] = parameter(config.max_queue_delay_us);
    std::string preferred;
    for (int64_t size : config.preferred_batch_sizes) {
      preferred += (preferred.empty() ? "" : ",") + std::to_string(size);
    }
    if (!preferred.empty()) parameters["preferred_batch_sizes"] = parameter(preferred);
    if (config.timeout_us > 0) parameters["timeout_microseconds"] = parameter(config.timeout_us);
  }
  out["parameters"] = parameters;
  return out;
}

}  // namespace tessera::serve
