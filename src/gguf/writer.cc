#include "gguf/writer.h"

#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "gguf/limits.h"

namespace tessera::gguf {
namespace {

uint64_t align_up(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// Encodes a value without its type tag (arrays carry their element type and count).
void put_value(std::vector<uint8_t>& out, const Value& v) {
  switch (v.type) {
    case ValueType::kU8:
      put<uint8_t>(out, static_cast<uint8_t>(v.as_u64()));
      break;
    case ValueType::kI8:
      put<int8_t>(out, static_cast<int8_t>(v.as_i64()));
      break;
    case ValueType::kU16:
      put<uint16_t>(out, static_cast<uint16_t>(v.as_u64()));
      break;
    case ValueType::kI16:
      put<int16_t>(out, static_cast<int16_t>(v.as_i64()));
      break;
    case ValueType::kU32:
      put<uint32_t>(out, static_cast<uint32_t>(v.as_u64()));
      break;
    case ValueType::kI32:
      put<int32_t>(out, static_cast<int32_t>(v.as_i64()));
      break;
    case ValueType::kU64:
      put<uint64_t>(out, v.as_u64());
      break;
    case ValueType::kI64:
      put<int64_t>(out, v.as_i64());
      break;
    case ValueType::kF32:
      put<float>(out, static_cast<float>(v.as_f64()));
      break;
    case ValueType::kF64:
      put<double>(out, v.as_f64());
      break;
    case ValueType::kBool:
      put<uint8_t>(out, v.as_bool() ? 1 : 0);
      break;
    case ValueType::kString:
      put_string(out, v.as_string());
      break;
    case ValueType::kArray: {
      const Array& array = v.as_array();
      put<uint32_t>(out, static_cast<uint32_t>(array.element_type));
      put<uint64_t>(out, array.elements.size());
      for (const Value& element : array.elements) put_value(out, element);
      break;
    }
  }
}

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};

}  // namespace

Writer::Writer(uint32_t alignment) : alignment_(alignment) {
  if (alignment_ != kDefaultAlignment) set("general.alignment", Value::u32(alignment_));
}

void Writer::set(const std::string& key, Value value) {
  for (auto& kv : metadata_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({key, std::move(value)});
}

void Writer::remove(const std::string& key) {
  std::erase_if(metadata_, [&](const KeyValue& kv) { return kv.key == key; });
}

Status Writer::check_tensor(const std::string& name, const std::vector<int64_t>& dims,
                            DType type) const {
  if (name.empty() || name.size() > kMaxTensorNameBytes) {
    return invalid_argument("tensor name '" + name + "' must be 1.." +
                            std::to_string(kMaxTensorNameBytes) + " bytes");
  }
  for (const auto& t : tensors_) {
    if (t.name == name) return invalid_argument("duplicate tensor name '" + name + "'");
  }
  if (dims.empty() || dims.size() > static_cast<size_t>(kMaxDims)) {
    return invalid_argument("tensor '" + name + "': needs 1.." + std::to_string(kMaxDims) +
                            " dimensions, got " + std::to_string(dims.size()));
  }
  for (int64_t d : dims) {
    if (d <= 0) return invalid_argument("tensor '" + name + "': dimensions must be positive");
  }
  const DTypeTraits* traits = dtype_traits(type);
  if (traits == nullptr) return invalid_argument("tensor '" + name + "': unsupported type");
  if (!dtype_fits_row(type, dims[0])) {
    return invalid_argument("tensor '" + name + "': row length " + std::to_string(dims[0]) +
                            " is not a multiple of the " + traits->name + " block size " +
                            std::to_string(traits->block_elements));
  }
  return {};
}

Status Writer::add_tensor(const std::string& name, std::vector<int64_t> dims, DType type,
                          std::vector<uint8_t> bytes) {
  auto shared = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return add_tensor(name, std::move(dims), type,
                    [shared]() -> Result<std::vector<uint8_t>> { return std::move(*shared); });
}

Status Writer::add_tensor(const std::string& name, std::vector<int64_t> dims, DType type,
                          Producer producer) {
  TESSERA_RETURN_IF_ERROR(check_tensor(name, dims, type));
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d > std::numeric_limits<int64_t>::max() / n) {
      return invalid_argument("tensor '" + name + "': element count overflows");
    }
    n *= d;
  }
  const uint64_t size = static_cast<uint64_t>(dtype_bytes(type, n));
  tensors_.push_back({name, std::move(dims), type, size, std::move(producer)});
  return {};
}

Result<uint32_t> Writer::alignment() const {
  uint64_t alignment = alignment_;
  for (const auto& kv : metadata_) {
    if (kv.key != "general.alignment") continue;
    if (kv.value.type != ValueType::kU32) {
      return invalid_argument("general.alignment must be u32, not " +
                              std::string(value_type_name(kv.value.type)));
    }
    alignment = kv.value.as_u64();
  }
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment) {
    return invalid_argument("alignment " + std::to_string(alignment) +
                            " is not a power of two up to " + std::to_string(kMaxAlignment));
  }
  return static_cast<uint32_t>(alignment);
}

namespace {

// The reader's rules, checked before anything is written: a file the writer produces must read
// back.
Status check_value(const std::string& key, const Value& value, int depth) {
  if (value.type == ValueType::kString && value.as_string().size() > kMaxStringBytes) {
    return invalid_argument("metadata '" + key + "': string longer than " +
                            std::to_string(kMaxStringBytes) + " bytes");
  }
  if (value.type != ValueType::kArray) return {};
  if (depth >= kMaxArrayNesting) {
    return invalid_argument("metadata '" + key + "': arrays nested deeper than " +
                            std::to_string(kMaxArrayNesting));
  }
  const Array& array = value.as_array();
  for (const Value& element : array.elements) {
    if (element.type != array.element_type) {
      return invalid_argument("metadata '" + key + "': array of " +
                              value_type_name(array.element_type) + " holds a " +
                              value_type_name(element.type));
    }
    TESSERA_RETURN_IF_ERROR(check_value(key, element, depth + 1));
  }
  return {};
}

}  // namespace

Status Writer::check_metadata() const {
  for (const auto& kv : metadata_) {
    if (kv.key.empty() || kv.key.size() > kMaxKeyBytes) {
      return invalid_argument("metadata key '" + kv.key + "' must be 1.." +
                              std::to_string(kMaxKeyBytes) + " bytes");
    }
    TESSERA_RETURN_IF_ERROR(check_value(kv.key, kv.value, 0));
  }
  return alignment().status();
}

std::vector<uint64_t> Writer::offsets(uint32_t alignment) const {
  std::vector<uint64_t> out;
  uint64_t next = 0;
  for (const auto& t : tensors_) {
    out.push_back(next);
    next = align_up(next + t.size_bytes, alignment);
  }
  return out;
}

std::vector<uint8_t> Writer::header_bytes(uint32_t alignment) const {
  const std::vector<uint64_t> tensor_offsets = offsets(alignment);
  std::vector<uint8_t> out;
  put<uint32_t>(out, kMagic);
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const auto& kv : metadata_) {
    put_string(out, kv.key);
    put<uint32_t>(out, static_cast<uint32_t>(kv.value.type));
    put_value(out, kv.value);
  }
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const PendingTensor& t = tensors_[i];
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) put<uint64_t>(out, static_cast<uint64_t>(d));
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, tensor_offsets[i]);
  }
  out.resize(align_up(out.size(), alignment), 0);
  return out;
}

Result<std::vector<uint8_t>> Writer::header_bytes() const {
  TESSERA_RETURN_IF_ERROR(check_metadata());
  TESSERA_ASSIGN_OR_RETURN(uint32_t alignment, this->alignment());
  return header_bytes(alignment);
}

Status Writer::write(const std::string& path, const Progress& progress) const {
  TESSERA_RETURN_IF_ERROR(check_metadata());
  TESSERA_ASSIGN_OR_RETURN(const uint32_t alignment, this->alignment());
  const std::string tmp_path = path + ".tmp";
  std::unique_ptr<FILE, FileCloser> file(std::fopen(tmp_path.c_str(), "wb"));
  if (!file) return io_error(tmp_path + ": cannot create: " + std::strerror(errno));
  auto fail = [&](Status status) {
    file.reset();
    std::remove(tmp_path.c_str());
    return status;
  };
  auto write_bytes = [&](const uint8_t* data, size_t size) -> Status {
    if (size != 0 && std::fwrite(data, 1, size, file.get()) != size) {
      return io_error(tmp_path + ": write failed: " + std::strerror(errno));
    }
    return {};
  };

  const std::vector<uint8_t> header = header_bytes(alignment);
  const std::vector<uint64_t> tensor_offsets = offsets(alignment);
  const uint64_t data_bytes =
      tensors_.empty() ? 0
                       : align_up(tensor_offsets.back() + tensors_.back().size_bytes, alignment);
  if (Status s = write_bytes(header.data(), header.size()); !s.ok()) return fail(s);
  uint64_t written = 0;
  const std::vector<uint8_t> padding(alignment, 0);
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const PendingTensor& t = tensors_[i];
    Result<std::vector<uint8_t>> bytes = t.producer();
    if (!bytes.ok()) return fail(bytes.status());
    if (bytes->size() != t.size_bytes) {
      return fail(internal_error("tensor '" + t.name + "': producer gave " +
                                 std::to_string(bytes->size()) + " bytes, expected " +
                                 std::to_string(t.size_bytes)));
    }
    if (Status s = write_bytes(bytes->data(), bytes->size()); !s.ok()) return fail(s);
    written = tensor_offsets[i] + t.size_bytes;
    // Every tensor, the last included, is padded to the alignment, as llama.cpp's writers do.
    const uint64_t pad = align_up(written, alignment) - written;
    if (Status s = write_bytes(padding.data(), pad); !s.ok()) return fail(s);
    written += pad;
    if (progress) progress(i + 1, tensors_.size(), written, data_bytes);
  }
  if (std::fflush(file.get()) != 0) return fail(io_error(tmp_path + ": flush failed"));
  file.reset();
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp_path.c_str());
    return io_error(path + ": cannot rename from " + tmp_path + ": " + std::strerror(err));
  }
  return {};
}

}  // namespace tessera::gguf
