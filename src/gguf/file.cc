#include "gguf/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "gguf/limits.h"

namespace tessera::gguf {

// ---------------------------------------------------------------------------------------------
// The mapping owns the mmap of an opened file.
struct File::Mapping {
  void* address = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (address) munmap(address, size);
  }
};

File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

int64_t TensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Parser: a cursor over untrusted bytes. Every read checks the remaining length first; every count
// read from the file is checked against what the remaining bytes could possibly hold before
// anything is allocated for it.
class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  Status parse(File& file);

 private:
  Status error_at(uint64_t offset, const std::string& what) const {
    return data_loss(name_ + ": offset " + std::to_string(offset) + ": " + what);
  }
  uint64_t remaining() const { return bytes_.size() - pos_; }
  // The `length` bytes just read, as a view into the input (stable for the whole parse, unlike the
  // strings moved into File).
  std::string_view just_read(uint64_t length) const {
    return {reinterpret_cast<const char*>(bytes_.data() + pos_ - length), length};
  }

  template <typename T>
  Status read_scalar(T& out, const char* what) {
    if (remaining() < sizeof(T)) {
      return error_at(pos_, std::string("truncated: expected ") + what + " (" +
                                std::to_string(sizeof(T)) + " bytes), file ends at " +
                                std::to_string(bytes_.size()));
    }
    std::memcpy(&out, bytes_.data() + pos_, sizeof(T));  // GGUF is little-endian, as is x86-64
    pos_ += sizeof(T);
    return {};
  }

  Status read_string(std::string& out, const char* what, uint64_t max_length);
  Status read_value(ValueType type, Value& out, int depth);
  Status read_array(Value& out, int depth);
  Status read_metadata(File& file, uint64_t kv_count);
  Status read_tensor_infos(File& file, uint64_t tensor_count);
  Status apply_alignment(File& file);
  Status check_tensor_layout(File& file);

  std::span<const uint8_t> bytes_;
  const std::string& name_;
  uint64_t pos_ = 0;
  std::vector<uint64_t> tensor_info_offsets_;
  uint64_t alignment_kv_offset_ = 0;  // where the general.alignment key-value starts, for errors
  uint64_t array_elements_ = 0;       // decoded so far, against kMaxArrayElementsPerFile
};

Status Parser::read_string(std::string& out, const char* what, uint64_t max_length) {
  const uint64_t at = pos_;
  uint64_t length = 0;
  TESSERA_RETURN_IF_ERROR(read_scalar(length, what));
  if (length > remaining()) {
    return error_at(at, std::string(what) + " length " + std::to_string(length) +
                            " runs past the end of the file (" + std::to_string(remaining()) +
                            " bytes left)");
  }
  if (length > max_length) {
    return error_at(at, std::string(what) + " length " + std::to_string(length) +
                            " exceeds the limit of " + std::to_string(max_length));
  }
  out.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
  pos_ += length;
  return {};
}

Status Parser::read_value(ValueType type, Value& out, int depth) {
  out.type = type;
  switch (type) {
#define TESSERA_READ_AS(enum_name, ctype, holder)             \
  case ValueType::enum_name: {                                \
    ctype v{};                                                \
    TESSERA_RETURN_IF_ERROR(read_scalar(v, #ctype " value")); \
    out.data = static_cast<holder>(v);                        \
    return {};                                                \
  }
    TESSERA_READ_AS(kU8, uint8_t, uint64_t)
    TESSERA_READ_AS(kI8, int8_t, int64_t)
    TESSERA_READ_AS(kU16, uint16_t, uint64_t)
    TESSERA_READ_AS(kI16, int16_t, int64_t)
    TESSERA_READ_AS(kU32, uint32_t, uint64_t)
    TESSERA_READ_AS(kI32, int32_t, int64_t)
    TESSERA_READ_AS(kU64, uint64_t, uint64_t)
    TESSERA_READ_AS(kI64, int64_t, int64_t)
    TESSERA_READ_AS(kF32, float, double)
    TESSERA_READ_AS(kF64, double, double)
#undef TESSERA_READ_AS
    case ValueType::kBool: {
      const uint64_t at = pos_;
      uint8_t v = 0;
      TESSERA_RETURN_IF_ERROR(read_scalar(v, "bool value"));
      if (v > 1) return error_at(at, "bool value " + std::to_string(v) + " is neither 0 nor 1");
      out.data = v == 1;
      return {};
    }
    case ValueType::kString: {
      std::string s;
      TESSERA_RETURN_IF_ERROR(read_string(s, "string value", kMaxStringBytes));
      out.data = std::move(s);
      return {};
    }
    case ValueType::kArray:
      return read_array(out, depth + 1);
  }
  return error_at(pos_, "internal: unhandled value type");
}

Status Parser::read_array(Value& out, int depth) {
  const uint64_t at = pos_;
  if (depth > kMaxArrayNesting) {
    return error_at(at, "arrays nested deeper than " + std::to_string(kMaxArrayNesting));
  }
  uint32_t raw_type = 0;
  TESSERA_RETURN_IF_ERROR(read_scalar(raw_type, "array element type"));
  if (!is_valid_value_type(raw_type)) {
    return error_at(at,
                    "unknown array element type " + std::to_string(raw_type) + " (expected 0..12)");
  }
  const auto element_type = static_cast<ValueType>(raw_type);
  const uint64_t count_at = pos_;
  uint64_t count = 0;
  TESSERA_RETURN_IF_ERROR(read_scalar(count, "array element count"));
  const uint64_t min_bytes = min_encoded_bytes(element_type);
  if (count > remaining() / min_bytes) {
    return error_at(count_at, "array of " + std::to_string(count) + " " +
                                  value_type_name(element_type) + " elements needs at least " +
                                  std::to_string(min_bytes) + " bytes each, only " +
                                  std::to_string(remaining()) + " bytes left in the file");
  }
  if (count > kMaxArrayElementsPerFile - array_elements_) {
    return error_at(count_at,
                    "array of " + std::to_string(count) + " elements exceeds the limit of " +
                        std::to_string(kMaxArrayElementsPerFile) + " array elements per file");
  }
  array_elements_ += count;
  Array array;
  array.element_type = element_type;
  array.elements.resize(count);
  for (auto& element : array.elements) {
    TESSERA_RETURN_IF_ERROR(read_value(element_type, element, depth));
  }
  out.data = std::move(array);
  return {};
}

Status Parser::read_metadata(File& file, uint64_t kv_count) {
  file.metadata_.reserve(kv_count);  // bounded by the caller against the file size
  // Hashing, not File::find, so a file with millions of distinct keys is not quadratic to parse.
  std::unordered_set<std::string_view> seen_keys;
  seen_keys.reserve(kv_count);
  for (uint64_t i = 0; i < kv_count; ++i) {
    const uint64_t at = pos_;
    KeyValue kv;
    TESSERA_RETURN_IF_ERROR(read_string(kv.key, "metadata key", kMaxKeyBytes));
    if (kv.key.empty()) return error_at(at, "metadata key " + std::to_string(i) + " is empty");
    const std::string_view key_bytes = just_read(kv.key.size());
    const uint64_t type_at = pos_;
    uint32_t raw_type = 0;
    TESSERA_RETURN_IF_ERROR(read_scalar(raw_type, "metadata value type"));
    if (!is_valid_value_type(raw_type)) {
      return error_at(type_at, "key '" + kv.key + "': unknown value type " +
                                   std::to_string(raw_type) + " (expected 0..12)");
    }
    const uint64_t value_at = pos_;
    Status status = read_value(static_cast<ValueType>(raw_type), kv.value, 0);
    if (!status.ok()) {
      return Status(status.code(), status.message() + " (in the value of key '" + kv.key +
                                       "' starting at offset " + std::to_string(value_at) + ")");
    }
    if (!seen_keys.insert(key_bytes).second) {
      return error_at(at, "duplicate metadata key '" + kv.key + "'");
    }
    if (kv.key == "general.alignment") alignment_kv_offset_ = at;
    file.metadata_.push_back(std::move(kv));
  }
  return {};
}

Status Parser::read_tensor_infos(File& file, uint64_t tensor_count) {
  file.tensors_.reserve(tensor_count);  // bounded by the caller against the file size
  tensor_info_offsets_.reserve(tensor_count);
  std::unordered_set<std::string_view> seen_names;  // as for keys: no quadratic find_tensor scan
  seen_names.reserve(tensor_count);
  for (uint64_t i = 0; i < tensor_count; ++i) {
    const uint64_t at = pos_;
    tensor_info_offsets_.push_back(at);
    TensorInfo info;
    TESSERA_RETURN_IF_ERROR(read_string(info.name, "tensor name", kMaxTensorNameBytes));
    if (info.name.empty())
      return error_at(at, "tensor " + std::to_string(i) + " has an empty name");
    const std::string_view name_bytes = just_read(info.name.size());
    const std::string label = "tensor '" + info.name + "'";
    const uint64_t dims_at = pos_;
    uint32_t n_dims = 0;
    TESSERA_RETURN_IF_ERROR(read_scalar(n_dims, "tensor dimension count"));
    if (n_dims < 1 || n_dims > kMaxDims) {
      return error_at(dims_at, label + ": dimension count " + std::to_string(n_dims) +
                                   " (expected 1.." + std::to_string(kMaxDims) + ")");
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim_at = pos_;
      uint64_t dim = 0;
      TESSERA_RETURN_IF_ERROR(read_scalar(dim, "tensor dimension"));
      if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          static_cast<int64_t>(dim) > std::numeric_limits<int64_t>::max() / n_elements) {
        return error_at(dim_at, label + ": dimension " + std::to_string(d) + " = " +
                                    std::to_string(dim) +
                                    " is zero or makes the element count overflow");
      }
      n_elements *= static_cast<int64_t>(dim);
      info.dims.push_back(static_cast<int64_t>(dim));
    }
    const uint64_t type_at = pos_;
    uint32_t raw_type = 0;
    TESSERA_RETURN_IF_ERROR(read_scalar(raw_type, "tensor type"));
    Result<DType> type = dtype_from_ggml_id(raw_type);
    if (!type.ok()) return error_at(type_at, label + ": " + type.status().message());
    info.type = *type;
    const DTypeTraits* traits = dtype_traits(info.type);
    if (info.dims[0] % traits->block_elements != 0) {
      return error_at(dims_at, label + ": row length " + std::to_string(info.dims[0]) +
                                   " is not a multiple of the " + traits->name + " block size " +
                                   std::to_string(traits->block_elements));
    }
    const int64_t blocks = n_elements / traits->block_elements;
    if (blocks > std::numeric_limits<int64_t>::max() / traits->block_bytes) {
      return error_at(dims_at, label + ": byte size overflows");
    }
    info.size_bytes = static_cast<uint64_t>(blocks * traits->block_bytes);
    TESSERA_RETURN_IF_ERROR(read_scalar(info.offset, "tensor data offset"));
    if (!seen_names.insert(name_bytes).second) {
      return error_at(at, "duplicate tensor name '" + info.name + "'");
    }
    file.tensors_.push_back(std::move(info));
  }
  return {};
}

Status Parser::apply_alignment(File& file) {
  const Value* alignment = file.find("general.alignment");
  if (alignment == nullptr) return {};
  if (alignment->type != ValueType::kU32) {
    return error_at(alignment_kv_offset_, std::string("general.alignment has type ") +
                                              value_type_name(alignment->type) + ", expected u32");
  }
  const uint64_t value = alignment->as_u64();
  if (value == 0 || (value & (value - 1)) != 0 || value > kMaxAlignment) {
    return error_at(alignment_kv_offset_, "general.alignment = " + std::to_string(value) +
                                              " is not a power of two up to " +
                                              std::to_string(kMaxAlignment));
  }
  file.alignment_ = static_cast<uint32_t>(value);
  return {};
}

Status Parser::check_tensor_layout(File& file) {
  const uint64_t end_of_infos = pos_;
  const uint64_t data_offset =
      (end_of_infos + file.alignment_ - 1) / file.alignment_ * file.alignment_;
  if (!file.tensors_.empty() && data_offset > bytes_.size()) {
    return error_at(end_of_infos, "data section would start at " + std::to_string(data_offset) +
                                      ", past the end of the file (" +
                                      std::to_string(bytes_.size()) + " bytes)");
  }
  file.data_offset_ = data_offset;
  const uint64_t data_size = bytes_.size() > data_offset ? bytes_.size() - data_offset : 0;

  std::vector<size_t> order(file.tensors_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  for (size_t i : order) {
    TensorInfo& t = file.tensors_[i];
    const uint64_t info_at = tensor_info_offsets_[i];
    if (t.offset % file.alignment_ != 0) {
      return error_at(info_at, "tensor '" + t.name + "': data offset " + std::to_string(t.offset) +
                                   " is not a multiple of the alignment " +
                                   std::to_string(file.alignment_));
    }
    if (t.offset > data_size || t.size_bytes > data_size - t.offset) {
      return error_at(info_at, "tensor '" + t.name + "': data [" + std::to_string(t.offset) + ", " +
                                   std::to_string(t.offset) + " + " + std::to_string(t.size_bytes) +
                                   ") runs past the end of the data section (" +
                                   std::to_string(data_size) + " bytes at file offset " +
                                   std::to_string(data_offset) + ")");
    }
    t.data = bytes_.data() + data_offset + t.offset;
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return file.tensors_[a].offset < file.tensors_[b].offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const TensorInfo& prev = file.tensors_[order[k - 1]];
    const TensorInfo& next = file.tensors_[order[k]];
    if (prev.offset + prev.size_bytes > next.offset) {
      return error_at(tensor_info_offsets_[order[k]],
                      "tensor '" + next.name + "' at data offset " + std::to_string(next.offset) +
                          " overlaps tensor '" + prev.name + "' [" + std::to_string(prev.offset) +
                          ", " + std::to_string(prev.offset + prev.size_bytes) + ")");
    }
  }
  return {};
}

Status Parser::parse(File& file) {
  uint32_t magic = 0;
  TESSERA_RETURN_IF_ERROR(read_scalar(magic, "magic \"GGUF\""));
  if (magic != kMagic) {
    char shown[5] = {};
    std::memcpy(shown, &magic, 4);
    for (char& c : shown) {
      if (c != 0 && (c < 0x20 || c > 0x7e)) c = '?';
    }
    return error_at(
        0, std::string("bad magic \"") + shown + "\" (expected \"GGUF\"): not a GGUF file");
  }
  TESSERA_RETURN_IF_ERROR(read_scalar(file.version_, "version"));
  if (file.version_ != 2 && file.version_ != 3) {
    std::string hint;
    if (file.version_ == 1) hint = " (version 1 used 32-bit counts and is obsolete)";
    if (file.version_ > 0xFFFF) hint = " (looks byte-swapped: big-endian GGUF is not supported)";
    return error_at(
        4, "unsupported version " + std::to_string(file.version_) + ", expected 2 or 3" + hint);
  }
  uint64_t tensor_count = 0, kv_count = 0;
  TESSERA_RETURN_IF_ERROR(read_scalar(tensor_count, "tensor count"));
  TESSERA_RETURN_IF_ERROR(read_scalar(kv_count, "metadata key-value count"));
  if (tensor_count > remaining() / kMinTensorInfoBytes) {
    return error_at(8, "tensor count " + std::to_string(tensor_count) +
                           " cannot fit in the file (each tensor info needs at least " +
                           std::to_string(kMinTensorInfoBytes) + " bytes)");
  }
  if (kv_count > remaining() / kMinKeyValueBytes) {
    return error_at(16, "metadata count " + std::to_string(kv_count) +
                            " cannot fit in the file (each key-value needs at least " +
                            std::to_string(kMinKeyValueBytes) + " bytes)");
  }
  TESSERA_RETURN_IF_ERROR(read_metadata(file, kv_count));
  TESSERA_RETURN_IF_ERROR(apply_alignment(file));
  TESSERA_RETURN_IF_ERROR(read_tensor_infos(file, tensor_count));
  return check_tensor_layout(file);
}

// ---------------------------------------------------------------------------------------------

Result<File> File::parse(std::span<const uint8_t> bytes, std::string name) {
  File file;
  file.name_ = std::move(name);
  file.bytes_ = bytes;
  Parser parser(bytes, file.name_);
  TESSERA_RETURN_IF_ERROR(parser.parse(file));
  return file;
}

Result<File> File::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error(path + ": cannot stat: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return io_error(path + ": not a regular file");
  }
  if (st.st_size == 0) {
    ::close(fd);
    return data_loss(path + ": offset 0: empty file (expected the GGUF magic)");
  }
  auto mapping = std::make_unique<Mapping>();
  mapping->size = static_cast<size_t>(st.st_size);
  void* address = mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file alive
  if (address == MAP_FAILED) return io_error(path + ": mmap failed: " + std::strerror(err));
  mapping->address = address;
  std::span<const uint8_t> bytes(static_cast<const uint8_t*>(address), mapping->size);
  Result<File> file = parse(bytes, path);
  if (!file.ok()) return file.status();
  file->mapping_ = std::move(mapping);
  return file;
}

void File::prefault_tensor_data() const {
  if (!mapping_ || data_offset_ >= bytes_.size()) return;  // parsed images are the caller's
  const long page = sysconf(_SC_PAGESIZE);
  const auto page_bytes = static_cast<uintptr_t>(page > 0 ? page : 4096);
  const auto first = reinterpret_cast<uintptr_t>(bytes_.data() + data_offset_) & ~(page_bytes - 1);
  const auto end = reinterpret_cast<uintptr_t>(bytes_.data() + bytes_.size());
#if defined(MADV_POPULATE_READ)
  if (madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_READ) == 0) return;
#endif
  // Older kernels: touch one byte per page.
  volatile uint8_t sink = 0;
  for (uintptr_t p = first; p < end; p += page_bytes)
    sink = sink + *reinterpret_cast<const uint8_t*>(p);
}

const Value* File::find(std::string_view key) const {
  for (const auto& kv : metadata_) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<std::string> File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(name_ + ": missing metadata key '" + std::string(key) + "'");
  if (!v->is_string()) {
    return data_loss(name_ + ": metadata key '" + std::string(key) + "' has type " +
                     value_type_name(v->type) + ", expected string");
  }
  return v->as_string();
}

Result<uint64_t> File::get_u64(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(name_ + ": missing metadata key '" + std::string(key) + "'");
  if (!v->is_integer() || (std::holds_alternative<int64_t>(v->data) && v->as_i64() < 0)) {
    return data_loss(name_ + ": metadata key '" + std::string(key) + "' = " + v->to_display() +
                     " (" + value_type_name(v->type) + "), expected a non-negative integer");
  }
  return v->as_u64();
}

Result<double> File::get_f64(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(name_ + ": missing metadata key '" + std::string(key) + "'");
  if (!v->is_integer() && !v->is_float()) {
    return data_loss(name_ + ": metadata key '" + std::string(key) + "' has type " +
                     value_type_name(v->type) + ", expected a number");
  }
  return v->as_f64();
}

Result<bool> File::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return not_found(name_ + ": missing metadata key '" + std::string(key) + "'");
  if (v->type != ValueType::kBool) {
    return data_loss(name_ + ": metadata key '" + std::string(key) + "' has type " +
                     value_type_name(v->type) + ", expected bool");
  }
  return v->as_bool();
}

Result<std::string> File::architecture() const { return get_string("general.architecture"); }

uint64_t File::parameter_count() const {
  uint64_t n = 0;
  for (const auto& t : tensors_) n += static_cast<uint64_t>(t.n_elements());
  return n;
}

uint64_t File::tensor_data_bytes() const {
  uint64_t n = 0;
  for (const auto& t : tensors_) n += t.size_bytes;
  return n;
}

std::vector<float> dequantize(const TensorInfo& tensor) {
  std::vector<float> out(static_cast<size_t>(tensor.n_elements()));
  dtype_traits(tensor.type)->to_float(tensor.data, out.data(), tensor.n_elements());
  return out;
}

}  // namespace tessera::gguf
