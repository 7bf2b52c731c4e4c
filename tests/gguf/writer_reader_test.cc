// Writer -> reader round trips: every metadata value type, tensors of several types and alignments,
// the exact header bytes of a tiny file, the typed getters, the writer's rejections and its
// no-partial-file guarantee, and the text/JSON descriptions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gguf/describe.h"
#include "gguf/file.h"
#include "gguf/limits.h"
#include "gguf/writer.h"
#include "tensor/dtype.h"

namespace tessera::gguf {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A scratch folder unique to the running test and process, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("tessera_gguf_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  size_t entry_count() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(path_), {}));
  }

 private:
  fs::path path_;
};

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Writes `writer` to `path` and opens the result, failing the test on any error.
File write_and_open(const Writer& writer, const std::string& path) {
  const Status written = writer.write(path);
  EXPECT_TRUE(written.ok()) << written.to_string();
  Result<File> file = File::open(path);
  EXPECT_TRUE(file.ok()) << file.status().to_string();
  if (!file.ok()) throw std::runtime_error("open failed");  // nothing further can be checked
  return std::move(file).value();
}

void expect_same_metadata(const Writer& writer, const File& file) {
  ASSERT_EQ(file.metadata().size(), writer.metadata().size());
  for (size_t i = 0; i < writer.metadata().size(); ++i) {
    const KeyValue& want = writer.metadata()[i];
    const KeyValue& got = file.metadata()[i];
    EXPECT_EQ(got.key, want.key) << "key " << i;
    EXPECT_TRUE(got.value == want.value)
        << want.key << ": wrote " << want.value.to_display() << " ("
        << value_type_name(want.value.type) << "), read " << got.value.to_display() << " ("
        << value_type_name(got.value.type) << ")";
  }
}

TEST(GgufWriterReaderTest, EveryScalarTypeRoundTrips) {
  ScratchDir dir;
  Writer writer;
  writer.set("u8", Value::u8(255));
  writer.set("i8", Value::i8(-128));
  writer.set("u16", Value::u16(65535));
  writer.set("i16", Value::i16(-32768));
  writer.set("u32", Value::u32(4294967295u));
  writer.set("i32", Value::i32(std::numeric_limits<int32_t>::min()));
  writer.set("u64", Value::u64(std::numeric_limits<uint64_t>::max()));
  writer.set("i64", Value::i64(std::numeric_limits<int64_t>::min()));
  writer.set("f32", Value::f32(1.5e-3f));
  writer.set("f32.inf", Value::f32(-std::numeric_limits<float>::infinity()));
  writer.set("f32.nan", Value::f32(std::numeric_limits<float>::quiet_NaN()));
  writer.set("f64", Value::f64(3.141592653589793));
  writer.set("bool.true", Value::boolean(true));
  writer.set("bool.false", Value::boolean(false));
  writer.set("string", Value::string("llama"));
  writer.set("string.empty", Value::string(""));
  writer.set("string.nul", Value::string(std::string("a\0b\0", 4)));
  writer.set("string.utf8", Value::string("h\xC3\xA9llo \xE2\x96\x81\xE4\xB8\x96\xE7\x95\x8C"));
  writer.set("string.long", Value::string(std::string(10000, 'x')));

  const File file = write_and_open(writer, dir.file("scalars.gguf"));
  EXPECT_EQ(file.version(), 3u);
  EXPECT_TRUE(file.tensors().empty());
  expect_same_metadata(writer, file);

  EXPECT_EQ(file.find("u8")->type, ValueType::kU8);
  EXPECT_EQ(file.find("i8")->as_i64(), -128);
  EXPECT_EQ(file.find("u64")->as_u64(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(file.find("i64")->as_i64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(file.find("f32")->as_f64(), double{1.5e-3f});
  EXPECT_TRUE(std::isnan(file.find("f32.nan")->as_f64()));
  EXPECT_EQ(file.find("string.nul")->as_string(), std::string("a\0b\0", 4));
  EXPECT_EQ(file.find("string.nul")->as_string().size(), 4u);
  EXPECT_EQ(file.find("string.empty")->as_string(), "");
  EXPECT_EQ(file.find("string.long")->as_string().size(), 10000u);
}

TEST(GgufWriterReaderTest, ArraysOfEveryTypeRoundTrip) {
  ScratchDir dir;
  Writer writer;
  writer.set("a.u8", Value::array(ValueType::kU8, {Value::u8(0), Value::u8(255)}));
  writer.set("a.i8", Value::array(ValueType::kI8, {Value::i8(-1), Value::i8(127)}));
  writer.set("a.u16", Value::array(ValueType::kU16, {Value::u16(1), Value::u16(65535)}));
  writer.set("a.i16", Value::array(ValueType::kI16, {Value::i16(-2), Value::i16(3)}));
  writer.set("a.u32", Value::array(ValueType::kU32, {Value::u32(7), Value::u32(4000000000u)}));
  writer.set("a.i32", Value::array(ValueType::kI32, {Value::i32(-7), Value::i32(1 << 30)}));
  writer.set("a.u64", Value::array(ValueType::kU64, {Value::u64(uint64_t{1} << 63)}));
  writer.set("a.i64", Value::array(ValueType::kI64, {Value::i64(-(int64_t{1} << 40))}));
  writer.set("a.f32", Value::array(ValueType::kF32, {Value::f32(0.25f), Value::f32(-2.0f)}));
  writer.set("a.f64", Value::array(ValueType::kF64, {Value::f64(1e300), Value::f64(-1e-300)}));
  writer.set("a.bool",
             Value::array(ValueType::kBool, {Value::boolean(true), Value::boolean(false)}));
  writer.set("a.string",
             Value::string_array({"<s>", "", std::string("\0x", 2), "\xE2\x96\x81the"}));
  for (ValueType type : {ValueType::kU8, ValueType::kF64, ValueType::kString, ValueType::kArray}) {
    writer.set(std::string("empty.") + value_type_name(type), Value::array(type, {}));
  }
  // Arrays of arrays: inner arrays may differ in element type and length, and nest further.
  writer.set(
      "nested",
      Value::array(ValueType::kArray,
                   {Value::array(ValueType::kU8, {Value::u8(1), Value::u8(2)}),
                    Value::string_array({"a", "bc"}), Value::array(ValueType::kI32, {}),
                    Value::array(ValueType::kArray, {Value::array(ValueType::kF32, {Value::f32(1)}),
                                                     Value::array(ValueType::kArray, {})})}));
  // As deep as the reader allows.
  Value deep = Value::array(ValueType::kU8, {Value::u8(42)});
  for (int level = 1; level < kMaxArrayNesting; ++level) {
    deep = Value::array(ValueType::kArray, {deep});
  }
  writer.set("deep", deep);

  const File file = write_and_open(writer, dir.file("arrays.gguf"));
  expect_same_metadata(writer, file);
  const Array& nested = file.find("nested")->as_array();
  ASSERT_EQ(nested.elements.size(), 4u);
  EXPECT_EQ(nested.elements[1].as_array().element_type, ValueType::kString);
  EXPECT_EQ(nested.elements[1].as_array().elements[1].as_string(), "bc");
  EXPECT_EQ(file.find("empty.array")->as_array().element_type, ValueType::kArray);
  EXPECT_TRUE(file.find("empty.string")->as_array().elements.empty());
}

struct TensorSpec {
  std::string name;
  std::vector<int64_t> dims;
  DType type;
  int64_t expected_bytes;  // computed by hand from the ggml block sizes
};

// Q8_0 blocks are 32 elements in 34 bytes, Q4_0 blocks 32 elements in 18 bytes.
const std::vector<TensorSpec> kTensorSpecs = {
    {"token_embd.weight", {64, 3}, DType::kQ8_0, 6 * 34},
    {"blk.0.attn_q.weight", {32, 5}, DType::kQ4_0, 5 * 18},
    {"blk.0.attn_norm.weight", {7}, DType::kF32, 7 * 4},
    {"output.weight", {5, 3, 2}, DType::kF16, 30 * 2},
    {"blk.0.ffn_up.weight", {96, 1, 1, 2}, DType::kQ8_0, 6 * 34},
};

void add_spec_tensors(Writer& writer, std::vector<std::vector<uint8_t>>& data) {
  uint32_t seed = 1;
  for (const TensorSpec& spec : kTensorSpecs) {
    int64_t n = 1;
    for (int64_t d : spec.dims) n *= d;
    ASSERT_EQ(dtype_bytes(spec.type, n), spec.expected_bytes) << spec.name;
    data.push_back(random_bytes(static_cast<size_t>(spec.expected_bytes), seed++));
    const Status added = writer.add_tensor(spec.name, spec.dims, spec.type, data.back());
    ASSERT_TRUE(added.ok()) << added.to_string();
  }
}

void expect_spec_tensors(const File& file, const std::vector<std::vector<uint8_t>>& data,
                         uint32_t alignment) {
  EXPECT_EQ(file.alignment(), alignment);
  EXPECT_EQ(file.data_offset() % alignment, 0u);
  ASSERT_EQ(file.tensors().size(), kTensorSpecs.size());
  uint64_t parameters = 0, bytes = 0, previous_end = 0;
  for (size_t i = 0; i < kTensorSpecs.size(); ++i) {
    const TensorSpec& spec = kTensorSpecs[i];
    const TensorInfo& t = file.tensors()[i];
    SCOPED_TRACE(spec.name);
    EXPECT_EQ(t.name, spec.name);
    EXPECT_EQ(t.dims, spec.dims);
    EXPECT_EQ(t.type, spec.type);
    EXPECT_EQ(t.size_bytes, static_cast<uint64_t>(spec.expected_bytes));
    EXPECT_EQ(t.offset % alignment, 0u);
    EXPECT_GE(t.offset, previous_end);
    previous_end = t.offset + t.size_bytes;
    EXPECT_EQ((file.data_offset() + t.offset) % alignment, 0u);
    // The mapping is page-aligned, so the data pointer itself is aligned.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % alignment, 0u);
    EXPECT_EQ(std::vector<uint8_t>(t.bytes().begin(), t.bytes().end()), data[i]);
    EXPECT_EQ(t.rows(), t.n_elements() / spec.dims[0]);
    EXPECT_EQ(file.find_tensor(spec.name), &t);
    parameters += static_cast<uint64_t>(t.n_elements());
    bytes += t.size_bytes;
  }
  EXPECT_EQ(file.find_tensor("missing"), nullptr);
  EXPECT_EQ(file.parameter_count(), parameters);
  EXPECT_EQ(file.parameter_count(), 192u + 160u + 7u + 30u + 192u);
  EXPECT_EQ(file.tensor_data_bytes(), bytes);
  EXPECT_EQ(file.tensor_data_bytes(), 204u + 90u + 28u + 60u + 204u);
  // Every tensor, the last included, is padded to the alignment.
  EXPECT_EQ(file.file_size() % alignment, 0u);
}

TEST(GgufWriterReaderTest, TensorsRoundTripWithDefaultAlignment) {
  ScratchDir dir;
  Writer writer;
  writer.set("general.architecture", Value::string("llama"));
  std::vector<std::vector<uint8_t>> data;
  add_spec_tensors(writer, data);
  const File file = write_and_open(writer, dir.file("tensors.gguf"));
  EXPECT_EQ(file.find("general.alignment"), nullptr);  // default 32 is not written
  expect_spec_tensors(file, data, kDefaultAlignment);
}

TEST(GgufWriterReaderTest, TensorsRoundTripWithAlignment64) {
  ScratchDir dir;
  Writer writer(64);
  std::vector<std::vector<uint8_t>> data;
  add_spec_tensors(writer, data);
  const File file = write_and_open(writer, dir.file("aligned64.gguf"));
  ASSERT_NE(file.find("general.alignment"), nullptr);
  EXPECT_TRUE(*file.find("general.alignment") == Value::u32(64));
  expect_spec_tensors(file, data, 64);
}

TEST(GgufWriterReaderTest, F32TensorDequantizesToWhatWasWritten) {
  ScratchDir dir;
  const std::vector<float> values = {1.0f, -2.5f, 0.0f, 3.25f, -0.125f, 1e10f};
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  Writer writer;
  ASSERT_TRUE(writer.add_tensor("w", {3, 2}, DType::kF32, bytes).ok());
  const File file = write_and_open(writer, dir.file("f32.gguf"));
  EXPECT_EQ(dequantize(file.tensors()[0]), values);
}

// A tiny file whose every header byte is computed by hand from the GGUF v3 layout.
TEST(GgufWriterReaderTest, HeaderBytesMatchTheSpecification) {
  ScratchDir dir;
  Writer writer;
  writer.set("a", Value::u8(7));
  ASSERT_TRUE(
      writer.add_tensor("t", {1}, DType::kF32, std::vector<uint8_t>{0, 0, 0x80, 0x3f}).ok());

  const std::vector<uint8_t> expected_header = {
      'G', 'G', 'U', 'F',                               // magic
      3,   0,   0,   0,                                 // version 3
      1,   0,   0,   0,   0, 0, 0, 0,                   // tensor count
      1,   0,   0,   0,   0, 0, 0, 0,                   // key-value count
      1,   0,   0,   0,   0, 0, 0, 0, 'a',              // key "a"
      0,   0,   0,   0,                                 // value type u8
      7,                                                // value
      1,   0,   0,   0,   0, 0, 0, 0, 't',              // tensor name "t"
      1,   0,   0,   0,                                 // n_dims
      1,   0,   0,   0,   0, 0, 0, 0,                   // dims[0]
      0,   0,   0,   0,                                 // type F32
      0,   0,   0,   0,   0, 0, 0, 0,                   // data offset
      0,   0,   0,   0,   0, 0, 0, 0, 0,   0, 0, 0, 0,  // padding: 71 header bytes up to 96
      0,   0,   0,   0,   0, 0, 0, 0, 0,   0, 0, 0};
  ASSERT_EQ(expected_header.size(), 96u);
  ASSERT_TRUE(writer.header_bytes().ok());
  EXPECT_EQ(*writer.header_bytes(), expected_header);

  const std::string path = dir.file("tiny.gguf");
  ASSERT_TRUE(writer.write(path).ok());
  std::vector<uint8_t> expected_file = expected_header;
  expected_file.insert(expected_file.end(), {0, 0, 0x80, 0x3f});  // 1.0f
  expected_file.resize(128, 0);                                   // data padded to 32
  EXPECT_EQ(read_all(path), expected_file);

  Result<File> file = File::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->data_offset(), 96u);
  EXPECT_EQ(file->file_size(), 128u);
  EXPECT_EQ(dequantize(file->tensors()[0]), std::vector<float>{1.0f});
}

TEST(GgufWriterReaderTest, FindAndTypedGetters) {
  ScratchDir dir;
  Writer writer;
  writer.set("general.architecture", Value::string("qwen2"));
  writer.set("qwen2.block_count", Value::u32(24));
  writer.set("qwen2.context_length", Value::i32(4096));
  writer.set("negative", Value::i32(-1));
  writer.set("eps", Value::f32(1e-6f));
  writer.set("flag", Value::boolean(true));
  const std::string path = dir.file("getters.gguf");
  const File file = write_and_open(writer, path);

  ASSERT_NE(file.find("qwen2.block_count"), nullptr);
  EXPECT_EQ(file.find("qwen2.block_count")->as_u64(), 24u);
  EXPECT_EQ(file.find("qwen2"), nullptr);  // exact match only
  EXPECT_EQ(file.find(""), nullptr);

  EXPECT_EQ(*file.architecture(), "qwen2");
  EXPECT_EQ(*file.get_string("general.architecture"), "qwen2");
  EXPECT_EQ(*file.get_u64("qwen2.block_count"), 24u);
  EXPECT_EQ(*file.get_u64("qwen2.context_length"), 4096u);  // a non-negative signed integer
  EXPECT_EQ(*file.get_f64("qwen2.block_count"), 24.0);      // integers widen to f64
  EXPECT_EQ(*file.get_f64("eps"), double{1e-6f});
  EXPECT_TRUE(*file.get_bool("flag"));

  Result<uint64_t> negative = file.get_u64("negative");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(contains(negative.status().message(), path)) << negative.status().message();
  EXPECT_TRUE(contains(negative.status().message(), "'negative' = -1"))
      << negative.status().message();
  EXPECT_TRUE(contains(negative.status().message(), "non-negative integer"));

  Result<uint64_t> missing = file.get_u64("qwen2.embedding_length");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(contains(missing.status().message(), "'qwen2.embedding_length'"))
      << missing.status().message();
  EXPECT_TRUE(contains(missing.status().message(), path));
  EXPECT_EQ(file.get_string("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file.get_f64("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file.get_bool("nope").status().code(), StatusCode::kNotFound);

  const Status wrong_string = file.get_string("qwen2.block_count").status();
  EXPECT_EQ(wrong_string.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(contains(wrong_string.message(), "has type u32, expected string"))
      << wrong_string.message();
  EXPECT_EQ(file.get_u64("eps").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(file.get_f64("general.architecture").status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(contains(file.get_bool("qwen2.block_count").status().message(), "expected bool"));

  Writer no_arch;
  const File without = write_and_open(no_arch, dir.file("no_arch.gguf"));
  EXPECT_EQ(without.architecture().status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(contains(without.architecture().status().message(), "general.architecture"));
}

TEST(GgufWriterReaderTest, SetReplacesInPlaceAndRemoveDeletes) {
  Writer writer;
  writer.set("a", Value::u8(1));
  writer.set("b", Value::u8(2));
  writer.set("a", Value::string("x"));
  ASSERT_EQ(writer.metadata().size(), 2u);
  EXPECT_EQ(writer.metadata()[0].key, "a");
  EXPECT_TRUE(writer.metadata()[0].value == Value::string("x"));
  writer.remove("a");
  ASSERT_EQ(writer.metadata().size(), 1u);
  EXPECT_EQ(writer.metadata()[0].key, "b");
}

TEST(GgufWriterReaderTest, WriterRejectsInvalidTensors) {
  Writer writer;
  const std::vector<uint8_t> f32x32(32 * 4), kNoBytes;
  ASSERT_TRUE(writer.add_tensor("w", {32}, DType::kF32, f32x32).ok());

  auto expect_rejected = [&](const Status& s, const std::string& part) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
    EXPECT_TRUE(contains(s.message(), part)) << s.message() << " lacks " << part;
  };
  expect_rejected(writer.add_tensor("w", {32}, DType::kF32, f32x32), "duplicate tensor name 'w'");
  const std::string name63(63, 'n'), name64(64, 'n');
  expect_rejected(writer.add_tensor(name64, {32}, DType::kF32, f32x32), "must be 1..63 bytes");
  expect_rejected(writer.add_tensor("", {32}, DType::kF32, f32x32), "must be 1..63 bytes");
  expect_rejected(writer.add_tensor("d0", {}, DType::kF32, kNoBytes), "got 0");
  expect_rejected(writer.add_tensor("d5", {1, 1, 1, 1, 32}, DType::kF32, f32x32), "got 5");
  expect_rejected(writer.add_tensor("zero", {32, 0}, DType::kF32, kNoBytes), "must be positive");
  expect_rejected(writer.add_tensor("neg", {-32}, DType::kF32, kNoBytes), "must be positive");
  expect_rejected(writer.add_tensor("q", {33, 2}, DType::kQ8_0, std::vector<uint8_t>(68)),
                  "tensor 'q': row length 33 is not a multiple of the q8_0 block size 32");
  expect_rejected(
      writer.add_tensor("q5k", {256}, static_cast<DType>(13), std::vector<uint8_t>(176)),
      "unsupported type");
  EXPECT_TRUE(writer.add_tensor(name63, {32}, DType::kF32, f32x32).ok());

  // Rejected tensors leave no trace: the file holds exactly the two accepted ones.
  ScratchDir dir;
  const File file = write_and_open(writer, dir.file("accepted.gguf"));
  ASSERT_EQ(file.tensors().size(), 2u);
  EXPECT_EQ(file.tensors()[1].name, name63);
}

TEST(GgufWriterReaderTest, FailedWriteLeavesNoFileBehind) {
  ScratchDir dir;
  const std::string path = dir.file("model.gguf");
  {
    std::ofstream previous(path, std::ios::binary);
    previous << "previous model";
  }
  Writer writer;
  ASSERT_TRUE(writer.add_tensor("a", {32}, DType::kF32, std::vector<uint8_t>(128)).ok());
  bool second_called = false;
  ASSERT_TRUE(writer
                  .add_tensor("b", {32}, DType::kF32,
                              [&]() -> Result<std::vector<uint8_t>> {
                                second_called = true;
                                return io_error("source shard unreadable");
                              })
                  .ok());
  const Status failed = writer.write(path);
  EXPECT_TRUE(second_called);
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(failed.message(), "source shard unreadable"));
  // The earlier file is untouched and no temporary is left next to it.
  EXPECT_EQ(read_all(path), std::vector<uint8_t>({'p', 'r', 'e', 'v', 'i', 'o', 'u', 's', ' ', 'm',
                                                  'o', 'd', 'e', 'l'}));
  EXPECT_EQ(dir.entry_count(), 1u);

  // A producer that returns the wrong number of bytes fails the same way.
  Writer short_writer;
  ASSERT_TRUE(
      short_writer
          .add_tensor("c", {32}, DType::kQ8_0,
                      []() -> Result<std::vector<uint8_t>> { return std::vector<uint8_t>(33); })
          .ok());
  const std::string fresh = dir.file("fresh.gguf");
  const Status wrong_size = short_writer.write(fresh);
  EXPECT_EQ(wrong_size.code(), StatusCode::kInternal);
  EXPECT_TRUE(contains(wrong_size.message(), "gave 33 bytes, expected 34")) << wrong_size.message();
  EXPECT_FALSE(fs::exists(fresh));
  EXPECT_EQ(dir.entry_count(), 1u);
}

TEST(GgufWriterReaderTest, ProducersRunInOrderAndProgressIsReported) {
  ScratchDir dir;
  Writer writer;
  std::vector<std::string> produced;
  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(writer
                    .add_tensor(name, {8}, DType::kF32,
                                [&produced, name]() -> Result<std::vector<uint8_t>> {
                                  produced.push_back(name);
                                  return std::vector<uint8_t>(32, 1);
                                })
                    .ok());
  }
  std::vector<size_t> done;
  uint64_t last_bytes = 0, total_bytes = 0;
  const std::string path = dir.file("progress.gguf");
  ASSERT_TRUE(writer
                  .write(path,
                         [&](size_t tensors_done, size_t tensors_total, uint64_t bytes_done,
                             uint64_t bytes_total) {
                           EXPECT_EQ(tensors_total, 3u);
                           done.push_back(tensors_done);
                           last_bytes = bytes_done;
                           total_bytes = bytes_total;
                         })
                  .ok());
  EXPECT_EQ(produced, std::vector<std::string>({"a", "b", "c"}));
  EXPECT_EQ(done, std::vector<size_t>({1, 2, 3}));
  EXPECT_EQ(last_bytes, 96u);
  EXPECT_EQ(total_bytes, 96u);
  Result<File> file = File::open(path);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->tensors()[2].offset, 64u);
}

Writer describe_fixture() {
  Writer writer;
  writer.set("general.architecture", Value::string("llama"));
  std::vector<Value> ids;
  for (uint32_t i = 0; i < 100; ++i) ids.push_back(Value::u32(i * 10));
  writer.set("tokenizer.ids", Value::array(ValueType::kU32, ids));
  writer.set("short", Value::array(ValueType::kI8, {Value::i8(-1), Value::i8(2)}));
  writer.set("nan", Value::f32(std::numeric_limits<float>::quiet_NaN()));
  EXPECT_TRUE(
      writer.add_tensor("token_embd.weight", {64, 2}, DType::kQ8_0, std::vector<uint8_t>(136))
          .ok());
  return writer;
}

TEST(GgufWriterReaderTest, DescribeJsonElidesLongArraysUnlessFull) {
  ScratchDir dir;
  const std::string path = dir.file("describe.gguf");
  const File file = write_and_open(describe_fixture(), path);

  const nlohmann::ordered_json json = describe_json(file, DescribeOptions{});
  EXPECT_EQ(json["file"], path);
  EXPECT_EQ(json["version"], 3);
  EXPECT_EQ(json["alignment"], 32);
  EXPECT_EQ(json["architecture"], "llama");
  EXPECT_EQ(json["parameter_count"], 128);
  EXPECT_EQ(json["tensor_data_bytes"], 136);
  EXPECT_EQ(json["file_size"], file.file_size());
  const auto& ids = json["metadata"]["tokenizer.ids"];
  EXPECT_EQ(ids["type"], "array");
  EXPECT_EQ(ids["element_type"], "u32");
  EXPECT_EQ(ids["count"], 100);
  EXPECT_EQ(ids["elided"], true);
  ASSERT_EQ(ids["value"].size(), 16u);  // the default max_array_items
  EXPECT_EQ(ids["value"][15], 150);
  EXPECT_EQ(json["metadata"]["short"]["elided"], false);
  EXPECT_EQ(json["metadata"]["short"]["value"], nlohmann::ordered_json({-1, 2}));
  EXPECT_EQ(json["metadata"]["nan"]["value"], "nan");
  EXPECT_EQ(json["metadata"]["general.architecture"]["value"], "llama");
  EXPECT_FALSE(json["metadata"]["general.architecture"].contains("elided"));
  ASSERT_EQ(json["tensors"].size(), 1u);
  EXPECT_EQ(json["tensors"][0]["name"], "token_embd.weight");
  EXPECT_EQ(json["tensors"][0]["type"], "q8_0");
  EXPECT_EQ(json["tensors"][0]["dims"], nlohmann::ordered_json({64, 2}));
  EXPECT_EQ(json["tensors"][0]["bytes"], 136);
  // Keys keep file order.
  std::vector<std::string> keys;
  for (const auto& [key, _] : json["metadata"].items()) keys.push_back(key);
  EXPECT_EQ(keys,
            std::vector<std::string>({"general.architecture", "tokenizer.ids", "short", "nan"}));

  DescribeOptions few;
  few.max_array_items = 4;
  EXPECT_EQ(describe_json(file, few)["metadata"]["tokenizer.ids"]["value"].size(), 4u);

  DescribeOptions full;
  full.full = true;
  const nlohmann::ordered_json all = describe_json(file, full);
  EXPECT_EQ(all["metadata"]["tokenizer.ids"]["elided"], false);
  ASSERT_EQ(all["metadata"]["tokenizer.ids"]["value"].size(), 100u);
  EXPECT_EQ(all["metadata"]["tokenizer.ids"]["value"][99], 990);
}

TEST(GgufWriterReaderTest, DescribeTextElidesLongArraysUnlessFull) {
  ScratchDir dir;
  const std::string path = dir.file("describe.gguf");
  const File file = write_and_open(describe_fixture(), path);

  const std::string text = describe_text(file, DescribeOptions{});
  EXPECT_TRUE(contains(text, path)) << text;
  EXPECT_TRUE(contains(text, "architecture:  llama")) << text;
  EXPECT_TRUE(contains(text, "array[u32]")) << text;
  EXPECT_TRUE(contains(text, "150, ... (100 u32 total)]")) << text;
  EXPECT_FALSE(contains(text, "990")) << text;
  EXPECT_TRUE(contains(text, "[-1, 2]")) << text;
  EXPECT_TRUE(contains(text, "token_embd.weight")) << text;
  EXPECT_TRUE(contains(text, "q8_0")) << text;
  EXPECT_TRUE(contains(text, "[64, 2]")) << text;
  EXPECT_TRUE(contains(text, "tensors (1)")) << text;

  DescribeOptions full;
  full.full = true;
  const std::string all = describe_text(file, full);
  EXPECT_TRUE(contains(all, "980, 990]")) << all;
  EXPECT_FALSE(contains(all, "total)]")) << all;
}

}  // namespace
}  // namespace tessera::gguf

namespace tessera::gguf {
namespace {

// The writer refuses what the reader would reject, so every file it writes reads back.
TEST(GgufWriterReaderTest, WriterRefusesMetadataTheReaderWouldReject) {
  ScratchDir dir;
  auto write_error = [&](const Writer& w) { return w.write(dir.file("x.gguf")).message(); };
  EXPECT_TRUE(contains(write_error(Writer(0)), "alignment 0 is not a power of two"));
  EXPECT_TRUE(contains(write_error(Writer(3)), "alignment 3 is not a power of two"));
  Writer empty_key;
  empty_key.set("", Value::u8(1));
  EXPECT_TRUE(contains(write_error(empty_key), "metadata key '' must be"));
  Writer mixed;
  mixed.set("mixed", Value::array(ValueType::kU8, {Value::u8(1), Value::string("x")}));
  EXPECT_TRUE(contains(write_error(mixed), "metadata 'mixed': array of u8 holds a string"));
  Writer wrong_type;
  wrong_type.set("general.alignment", Value::u64(64));
  EXPECT_TRUE(contains(write_error(wrong_type), "general.alignment must be u32"));
  EXPECT_FALSE(fs::exists(dir.file("x.gguf")));
  Writer overflow;
  const int64_t big = int64_t{1} << 32;
  EXPECT_TRUE(contains(
      overflow.add_tensor("t", {big, big, big}, DType::kF32, std::vector<uint8_t>{}).message(),
      "element count overflows"));
}

// Setting general.alignment by key lays the data out at that alignment (as the constructor does).
TEST(GgufWriterReaderTest, AlignmentSetAsMetadataIsHonoured) {
  ScratchDir dir;
  Writer writer;
  writer.set("general.alignment", Value::u32(64));
  ASSERT_TRUE(writer.add_tensor("a", {8}, DType::kF32, std::vector<uint8_t>(32, 1)).ok());
  ASSERT_TRUE(writer.add_tensor("b", {8}, DType::kF32, std::vector<uint8_t>(32, 2)).ok());
  File file = write_and_open(writer, dir.file("m.gguf"));
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.find_tensor("b")->offset, 64u);
  EXPECT_EQ(file.data_offset() % 64, 0u);
}

}  // namespace
}  // namespace tessera::gguf
