// KServe v2 JSON tensors (the "inputs" of an inference request): each input names itself, its
// datatype, its shape and its data, row-major, flat or nested. Tessera's models take text, so the
// inputs read here are BYTES (UTF-8 strings); errors name the input and field
// ("inputs[1].shape: 3 elements but data has 2").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "serve/json_fields.h"

namespace tessera::serve {

struct BytesTensor {
  std::vector<int64_t> shape;
  std::vector<std::string> data;  // flattened, row-major
};

// Every input of the request body, by name; InvalidArgument for anything malformed, a repeated
// name, a datatype other than BYTES, or a name not in `allowed`.
Result<std::map<std::string, BytesTensor>> parse_bytes_inputs(
    const Json& body, const std::vector<std::string>& allowed);

// An output tensor as KServe writes it.
Json bytes_output(const std::string& name, const std::vector<std::string>& data);
Json fp32_output(const std::string& name, std::vector<int64_t> shape,
                 const std::vector<float>& data);

}  // namespace tessera::serve
