// KServe v2 tensors as both transports carry them: the JSON "inputs" of an HTTP request (each input
// names itself, its datatype, its shape and its data, row-major, flat or nested) and the raw byte
// encodings gRPC uses (raw_input_contents / raw_output_contents). Tessera's models take text, so
// the inputs read here are BYTES (UTF-8 strings) and the outputs BYTES or FP32. Errors name the
// input and field ("inputs[1].shape: 3 elements but data has 2").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "serve/json_fields.h"

namespace tessera::serve {

// One BYTES input, whichever transport it came in on.
struct BytesTensor {
  std::string name;
  std::string path;  // where the request held it, for messages: "inputs[1]"
  std::vector<int64_t> shape;
  std::vector<std::string> data;  // flattened, row-major
};

// One output tensor: BYTES (`bytes`) or FP32 (`fp32`), row-major.
struct OutputTensor {
  std::string name;
  std::string datatype;  // "BYTES" | "FP32"
  std::vector<int64_t> shape;
  std::vector<std::string> bytes;
  std::vector<float> fp32;
};

// Checks both transports make, so their messages agree.
Status check_bytes_datatype(const std::string& datatype, const std::string& path);
// The number of elements `shape` holds; InvalidArgument ("<path>.shape...") for a negative or
// oversized dimension or too many elements.
Result<int64_t> element_count(const std::vector<int64_t>& shape, const std::string& path);
// "<path>.shape: N elements but <field> has M" when they differ.
Status check_element_count(int64_t elements, size_t got, const std::string& path,
                           const std::string& field);

// Every input of a JSON request body, in order; InvalidArgument for anything malformed or a
// datatype other than BYTES. Names are checked against the model by select_inputs.
Result<std::vector<BytesTensor>> parse_json_inputs(const Json& body);

// The inputs by name: each of `required` exactly once, nothing else. InvalidArgument naming the
// input for an unknown or repeated name, and for a missing one.
Result<std::map<std::string, BytesTensor>> select_inputs(std::vector<BytesTensor> inputs,
                                                         const std::vector<std::string>& required);

// KServe's raw BYTES layout: each element is a 4-byte little-endian length, then its bytes.
// Decoding wants exactly `elements` elements filling `raw`; errors are prefixed with `path`.
Result<std::vector<std::string>> decode_raw_bytes(std::string_view raw, int64_t elements,
                                                  const std::string& path);
std::string encode_raw_bytes(const std::vector<std::string>& elements);
// FP32 raw layout: IEEE 754 little-endian, row-major.
std::string encode_raw_fp32(const std::vector<float>& values);

// An output tensor as KServe's JSON writes it.
Json output_json(const OutputTensor& tensor);

}  // namespace tessera::serve
