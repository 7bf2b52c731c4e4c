// A GGUF model file opened read-only through mmap. Parsing is bounds-checked everywhere: any
// malformed input (bad magic, truncation, absurd counts or lengths, offsets past the end, unknown
// or undecodable tensor types, overlapping tensors) yields a DataLoss Status naming the file, the
// byte offset and what was expected, never a crash or an allocation larger than the file justifies.
// Tensor data stays in the mapping: TensorInfo::data points into it for as long as the File lives.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace tessera::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr int kMaxDims = 4;

struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // dims[0] is the innermost (contiguous) dimension, as in ggml
  DType type = DType::kF32;
  uint64_t offset = 0;  // relative to the start of the data section
  uint64_t size_bytes = 0;
  const uint8_t* data = nullptr;  // into the mapping

  int64_t n_elements() const;
  int64_t rows() const { return dims.empty() ? 1 : n_elements() / dims[0]; }
  std::span<const uint8_t> bytes() const { return {data, size_bytes}; }
};

struct KeyValue {
  std::string key;
  Value value;
};

class File {
 public:
  // Maps and parses a file. `path` appears in every error message.
  static Result<File> open(const std::string& path);
  // Parses an in-memory image (the fuzzer and tests use this). The bytes must outlive the File.
  static Result<File> parse(std::span<const uint8_t> bytes, std::string name);

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;

  // Typed getters: an error names the file and key and says what type was expected.
  Result<std::string> get_string(std::string_view key) const;
  Result<uint64_t> get_u64(std::string_view key) const;  // any non-negative integer type
  Result<double> get_f64(std::string_view key) const;    // any float or integer type
  Result<bool> get_bool(std::string_view key) const;
  // `general.architecture`, or an error if missing.
  Result<std::string> architecture() const;

  uint64_t parameter_count() const;  // sum of tensor elements

  // Maps every page of the tensor data into this process now (MADV_POPULATE_READ, or a read per
  // page on kernels before 5.14), so the first forward pass does not take ~one page fault per
  // 4 KiB of weights. For engines that are about to read all of it; inspecting or planning
  // reads only the header and must not call it.
  void prefault_tensor_data() const;
  uint64_t tensor_data_bytes() const;

 private:
  File() = default;
  struct Mapping;

  std::string name_;
  std::unique_ptr<Mapping> mapping_;  // null for parse()
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;

  friend class Parser;
};

// Dequantizes a tensor (any supported type) to float32, row-major in ggml order.
std::vector<float> dequantize(const TensorInfo& tensor);

}  // namespace tessera::gguf
