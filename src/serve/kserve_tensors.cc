#include "serve/kserve_tensors.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tessera::serve {
namespace {

// Nested data arrays deeper than this, and shapes longer, are refused.
constexpr int kMaxShapeRank = 8;
// The most elements one input may hold (2^24): far beyond any batch, small enough to allocate.
constexpr int64_t kMaxElements = int64_t{1} << 24;
// Raw BYTES elements start with a 4-byte length.
constexpr size_t kRawLengthBytes = 4;

static_assert(std::endian::native == std::endian::little,
              "raw tensor contents are little-endian; a big-endian host needs byte swaps here");

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
  BytesTensor tensor;
  tensor.path = path;
  TESSERA_ASSIGN_OR_RETURN(tensor.name, required_string(input, "name", path));
  TESSERA_ASSIGN_OR_RETURN(std::string datatype, required_string(input, "datatype", path));
  TESSERA_RETURN_IF_ERROR(check_bytes_datatype(datatype, path));
  auto shape = input.find("shape");
  if (shape == input.end() || !shape->is_array()) {
    return invalid_argument(path + ".shape: required, a list of dimensions");
  }
  if (shape->size() > kMaxShapeRank) return invalid_argument(path + ".shape: too many dimensions");
  for (size_t i = 0; i < shape->size(); ++i) {
    const Json& dim = (*shape)[i];
    // Not an integer reads as -1, which element_count refuses naming the dimension.
    tensor.shape.push_back(dim.is_number_integer() ? dim.get<int64_t>() : -1);
  }
  TESSERA_ASSIGN_OR_RETURN(int64_t elements, element_count(tensor.shape, path));
  auto data = input.find("data");
  if (data == input.end()) return invalid_argument(path + ".data: required");
  TESSERA_RETURN_IF_ERROR(flatten(*data, path + ".data", 0, tensor.data));
  TESSERA_RETURN_IF_ERROR(check_element_count(elements, tensor.data.size(), path, "data"));
  return tensor;
}

}  // namespace

Status check_bytes_datatype(const std::string& datatype, const std::string& path) {
  if (datatype.empty()) return invalid_argument(path + ".datatype: required");
  if (datatype != "BYTES") {
    return invalid_argument(path + ".datatype: '" + datatype + "' is not accepted (text is BYTES)");
  }
  return {};
}

Result<int64_t> element_count(const std::vector<int64_t>& shape, const std::string& path) {
  if (shape.size() > kMaxShapeRank) return invalid_argument(path + ".shape: too many dimensions");
  int64_t elements = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0 || shape[i] > kMaxElements) {
      return invalid_argument(path + ".shape[" + std::to_string(i) + "]: expected a size 0..2^24");
    }
    elements *= shape[i];
    if (elements > kMaxElements) return invalid_argument(path + ".shape: too many elements");
  }
  return elements;
}

Status check_element_count(int64_t elements, size_t got, const std::string& path,
                           const std::string& field) {
  if (static_cast<int64_t>(got) == elements) return {};
  return invalid_argument(path + ".shape: " + std::to_string(elements) + " elements but " + field +
                          " has " + std::to_string(got));
}

Result<std::vector<BytesTensor>> parse_json_inputs(const Json& body) {
  auto inputs = body.find("inputs");
  if (inputs == body.end() || !inputs->is_array() || inputs->empty()) {
    return invalid_argument("inputs: required, a non-empty list of tensors");
  }
  std::vector<BytesTensor> out;
  for (size_t i = 0; i < inputs->size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(BytesTensor tensor,
                             parse_input((*inputs)[i], "inputs[" + std::to_string(i) + "]"));
    out.push_back(std::move(tensor));
  }
  return out;
}

Result<std::map<std::string, BytesTensor>> select_inputs(std::vector<BytesTensor> inputs,
                                                         const std::vector<std::string>& required) {
  std::string list;
  for (const std::string& r : required) list += (list.empty() ? "" : ", ") + r;
  std::map<std::string, BytesTensor> out;
  for (BytesTensor& input : inputs) {
    if (std::find(required.begin(), required.end(), input.name) == required.end()) {
      return invalid_argument(input.path + ".name: unknown input '" + input.name + "' (expected " +
                              list + ")");
    }
    if (out.count(input.name) != 0) {
      return invalid_argument(input.path + ".name: '" + input.name + "' repeated");
    }
    const std::string name = input.name;
    out.emplace(name, std::move(input));
  }
  for (const std::string& r : required) {
    if (out.count(r) == 0) return invalid_argument("inputs: '" + r + "' is required");
  }
  return out;
}

Result<std::vector<std::string>> decode_raw_bytes(std::string_view raw, int64_t elements,
                                                  const std::string& path) {
  std::vector<std::string> out;
  size_t offset = 0;
  for (int64_t i = 0; i < elements; ++i) {
    const std::string where = path + ": element " + std::to_string(i);
    if (raw.size() - offset < kRawLengthBytes) {
      return invalid_argument(where + ": the 4-byte length prefix is cut off");
    }
    uint32_t length = 0;
    std::memcpy(&length, raw.data() + offset, kRawLengthBytes);
    offset += kRawLengthBytes;
    if (length > raw.size() - offset) {
      return invalid_argument(where + ": length prefix " + std::to_string(length) +
                              " exceeds the " + std::to_string(raw.size() - offset) +
                              " bytes left");
    }
    out.emplace_back(raw.substr(offset, length));
    offset += length;
  }
  if (offset != raw.size()) {
    return invalid_argument(path + ": " + std::to_string(raw.size() - offset) +
                            " bytes left over after the " + std::to_string(elements) +
                            " elements the shape holds");
  }
  return out;
}

std::string encode_raw_bytes(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& e : elements) {
    const auto length = static_cast<uint32_t>(e.size());
    char prefix[kRawLengthBytes];
    std::memcpy(prefix, &length, kRawLengthBytes);
    out.append(prefix, kRawLengthBytes);
    out += e;
  }
  return out;
}

std::string encode_raw_fp32(const std::vector<float>& values) {
  std::string out(values.size() * sizeof(float), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

Json output_json(const OutputTensor& tensor) {
  Json out = {{"name", tensor.name}, {"datatype", tensor.datatype}, {"shape", tensor.shape}};
  if (tensor.datatype == "BYTES") {
    out["data"] = tensor.bytes;
  } else {
    out["data"] = tensor.fp32;
  }
  return out;
}

}  // namespace tessera::serve
