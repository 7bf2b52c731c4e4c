#include "serve/kserve_tensors.h"

#include <algorithm>

namespace tessera::serve {
namespace {

// Nested data arrays deeper than this are refused rather than recursed into.
constexpr int kMaxShapeRank = 8;

Status flatten(const Json& value, const std::string& path, int depth,
               std::vector<std::string>& out) {
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
    return {};
  }
  if (!value.is_array()) return invalid_argument(path + ": expected strings (BYTES)");
  if (depth >= kMaxShapeRank) return invalid_argument(path + ": nested too deeply");
  for (size_t i = 0; i < value.size(); ++i) {
    TESSERA_RETURN_IF_ERROR(
        flatten(value[i], path + "[" + std::to_string(i) + "]", depth + 1, out));
  }
  return {};
}

Result<BytesTensor> parse_input(const Json& input, const std::string& path) {
  if (!input.is_object()) return invalid_argument(path + ": expected an object");
  TESSERA_ASSIGN_OR_RETURN(std::string datatype, required_string(input, "datatype", path));
  if (datatype != "BYTES") {
    return invalid_argument(path + ".datatype: '" + datatype + "' is not accepted (text is BYTES)");
  }
  BytesTensor tensor;
  auto shape = input.find("shape");
  if (shape == input.end() || !shape->is_array()) {
    return invalid_argument(path + ".shape: required, a list of dimensions");
  }
  if (shape->size() > kMaxShapeRank) return invalid_argument(path + ".shape: too many dimensions");
  int64_t elements = 1;
  for (size_t i = 0; i < shape->size(); ++i) {
    const Json& dim = (*shape)[i];
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0 || dim.get<int64_t>() > (1 << 24)) {
      return invalid_argument(path + ".shape[" + std::to_string(i) + "]: expected a size 0..2^24");
    }
    tensor.shape.push_back(dim.get<int64_t>());
    elements *= dim.get<int64_t>();
    if (elements > (1 << 24)) return invalid_argument(path + ".shape: too many elements");
  }
  auto data = input.find("data");
  if (data == input.end()) return invalid_argument(path + ".data: required");
  TESSERA_RETURN_IF_ERROR(flatten(*data, path + ".data", 0, tensor.data));
  if (static_cast<int64_t>(tensor.data.size()) != elements) {
    return invalid_argument(path + ".shape: " + std::to_string(elements) +
                            " elements but data has " + std::to_string(tensor.data.size()));
  }
  return tensor;
}

}  // namespace

Result<std::map<std::string, BytesTensor>> parse_bytes_inputs(
    const Json& body, const std::vector<std::string>& allowed) {
  auto inputs = body.find("inputs");
  if (inputs == body.end() || !inputs->is_array() || inputs->empty()) {
    return invalid_argument("inputs: required, a non-empty list of tensors");
  }
  std::map<std::string, BytesTensor> out;
  for (size_t i = 0; i < inputs->size(); ++i) {
    const std::string path = "inputs[" + std::to_string(i) + "]";
    const Json& input = (*inputs)[i];
    if (!input.is_object()) return invalid_argument(path + ": expected an object");
    TESSERA_ASSIGN_OR_RETURN(std::string name, required_string(input, "name", path));
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string list;
      for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return invalid_argument(path + ".name: unknown input '" + name + "' (expected " + list + ")");
    }
    if (out.count(name) != 0) return invalid_argument(path + ".name: '" + name + "' repeated");
    TESSERA_ASSIGN_OR_RETURN(out[name], parse_input(input, path));
  }
  return out;
}

Json bytes_output(const std::string& name, const std::vector<std::string>& data) {
  return {{"name", name},
          {"datatype", "BYTES"},
          {"shape", {static_cast<int64_t>(data.size())}},
          {"data", data}};
}

Json fp32_output(const std::string& name, std::vector<int64_t> shape,
                 const std::vector<float>& data) {
  return {{"name", name}, {"datatype", "FP32"}, {"shape", shape}, {"data", data}};
}

}  // namespace tessera::serve
