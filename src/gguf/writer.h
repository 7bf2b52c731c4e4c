// Writes GGUF version 3 files in the layout llama.cpp's tools read: header, metadata, tensor infos,
// padding to `general.alignment`, then tensor data with each tensor's offset aligned.
// Tensor data may be produced lazily (one tensor at a time) so re-encoding a large model never
// holds more than one tensor in memory. The file is written to a temporary name and renamed into
// place, so a failed write never leaves a truncated model behind.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "gguf/file.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace tessera::gguf {

class Writer {
 public:
  // Produces the encoded bytes of one tensor; called once, in tensor order, while writing.
  using Producer = std::function<Result<std::vector<uint8_t>>()>;
  // Called after each tensor is written: (tensors done, tensors total, bytes done, bytes total).
  using Progress = std::function<void(size_t, size_t, uint64_t, uint64_t)>;

  explicit Writer(uint32_t alignment = kDefaultAlignment);

  // Sets a key, replacing an earlier value of the same key in place (order is kept).
  void set(const std::string& key, Value value);
  void remove(const std::string& key);
  const std::vector<KeyValue>& metadata() const { return metadata_; }

  // Validates name, shape and type now; an error names the tensor.
  Status add_tensor(const std::string& name, std::vector<int64_t> dims, DType type,
                    std::vector<uint8_t> bytes);
  Status add_tensor(const std::string& name, std::vector<int64_t> dims, DType type,
                    Producer producer);

  Status write(const std::string& path, const Progress& progress = nullptr) const;

  // The header (everything before the data section, padding included), for tests and tools.
  Result<std::vector<uint8_t>> header_bytes() const;
  // The effective alignment: general.alignment when set (it must be a u32 power of two), else the
  // constructor's.
  Result<uint32_t> alignment() const;

 private:
  struct PendingTensor {
    std::string name;
    std::vector<int64_t> dims;
    DType type;
    uint64_t size_bytes;
    Producer producer;
  };

  Status check_tensor(const std::string& name, const std::vector<int64_t>& dims, DType type) const;
  // Keys, array element types and nesting, alignment: what the reader would reject.
  Status check_metadata() const;
  std::vector<uint64_t> offsets(uint32_t alignment) const;  // of each tensor in the data section
  std::vector<uint8_t> header_bytes(uint32_t alignment) const;

  uint32_t alignment_;
  std::vector<KeyValue> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace tessera::gguf
