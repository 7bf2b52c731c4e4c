// Malformed GGUF input: every file of tests/data/gguf-malformed (written by make_corpus.py) must
// fail with a DataLoss naming the file, the offset and what was wrong; every truncation of a valid
// file must fail cleanly; random single-byte mutations must never crash (the ASan build catches
// out-of-bounds reads, which is why parsed images live in exactly-sized heap buffers).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gguf/describe.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "tensor/dtype.h"

namespace tessera::gguf {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpusDir = fs::path(TESSERA_TEST_SOURCE_DIR) / "data" / "gguf-malformed";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<uint8_t> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A copy of `bytes` in a heap block of exactly that size, so reading one byte past the end is a
// heap-buffer-overflow under ASan (a std::vector's capacity may be larger).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::span<const uint8_t> bytes)
      : size_(bytes.size()), data_(new uint8_t[std::max<size_t>(bytes.size(), 1)]) {
    if (size_ != 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<uint8_t[]> data_;
};

std::map<std::string, std::string> load_expectations() {
  std::ifstream in(kCorpusDir / "expected.json");
  EXPECT_TRUE(in.good()) << "cannot read " << (kCorpusDir / "expected.json");
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(json.is_object()) << "expected.json is not a JSON object";
  std::map<std::string, std::string> out;
  if (!json.is_object()) return out;
  for (const auto& [name, substring] : json.items()) out[name] = substring.get<std::string>();
  return out;
}

std::set<std::string> corpus_files() {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".gguf") {
      names.insert(entry.path().filename().string());
    }
  }
  return names;
}

TEST(MalformedGgufTest, CorpusAndExpectationsMatchOneToOne) {
  const std::map<std::string, std::string> expected = load_expectations();
  const std::set<std::string> files = corpus_files();
  EXPECT_GE(files.size(), 40u) << "corpus missing; run " << (kCorpusDir / "make_corpus.py");
  for (const auto& name : files) {
    EXPECT_TRUE(expected.count(name)) << name << " has no entry in expected.json";
  }
  for (const auto& [name, _] : expected) {
    EXPECT_TRUE(files.count(name))
        << "expected.json names " << name << ", which is not in " << kCorpusDir;
  }
}

TEST(MalformedGgufTest, EveryCorpusFileFailsWithPositionalDataLoss) {
  const std::map<std::string, std::string> expected = load_expectations();
  for (const auto& name : corpus_files()) {
    SCOPED_TRACE(name);
    const std::string path = (kCorpusDir / name).string();
    Result<File> file = File::open(path);
    ASSERT_FALSE(file.ok()) << "a malformed file opened";
    const Status& status = file.status();
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.to_string();
    EXPECT_TRUE(contains(status.message(), path)) << status.message();
    EXPECT_TRUE(contains(status.message(), "offset ")) << status.message();
    const auto it = expected.find(name);
    if (it != expected.end()) {
      EXPECT_TRUE(contains(status.message(), it->second))
          << status.message() << "\n  lacks: " << it->second;
    }

    // Parsing the same bytes in memory reports the same error (an empty image has nothing to map,
    // so open() words that case itself).
    const std::vector<uint8_t> bytes = read_all(path);
    if (bytes.empty()) continue;
    const ExactBuffer buffer(bytes);
    Result<File> parsed = File::parse(buffer.span(), path);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().message(), status.message());
  }
}

TEST(MalformedGgufTest, ParseOfEmptyImageIsTruncatedAtOffsetZero) {
  Result<File> file = File::parse({}, "empty");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(contains(file.status().message(), "empty: offset 0: truncated"))
      << file.status().message();
}

// A valid file with every kind of metadata and four tensor types, whose last tensor ends exactly on
// the alignment so that no prefix of it is a valid file.
std::vector<uint8_t> valid_image() {
  Writer writer;
  writer.set("general.architecture", Value::string("llama"));
  writer.set("llama.block_count", Value::u32(1));
  writer.set("llama.rope.freq_base", Value::f32(10000.0f));
  writer.set("neg", Value::i8(-3));
  writer.set("big", Value::u64(uint64_t{1} << 40));
  writer.set("flag", Value::boolean(true));
  writer.set("tokenizer.ggml.tokens", Value::string_array({"<s>", "</s>", "\xE2\x96\x81hi"}));
  writer.set("tokenizer.ggml.scores",
             Value::array(ValueType::kF32, {Value::f32(0), Value::f32(-1), Value::f32(-2)}));
  writer.set("nested", Value::array(ValueType::kArray,
                                    {Value::array(ValueType::kI16, {Value::i16(-5)}),
                                     Value::array(ValueType::kBool, {Value::boolean(false)})}));
  std::mt19937 rng(7);
  auto add = [&](const std::string& name, std::vector<int64_t> dims, DType type) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(type, n)));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    EXPECT_TRUE(writer.add_tensor(name, std::move(dims), type, std::move(bytes)).ok());
  };
  add("q8", {32, 2}, DType::kQ8_0);
  add("q4", {64}, DType::kQ4_0);
  add("f16", {16, 2}, DType::kF16);
  add("f32", {8, 2}, DType::kF32);  // 64 bytes: ends on the 32-byte alignment

  const fs::path path = fs::temp_directory_path() /
                        ("tessera_malformed_valid_" + std::to_string(::getpid()) + ".gguf");
  const Status written = writer.write(path.string());
  EXPECT_TRUE(written.ok()) << written.to_string();
  std::vector<uint8_t> bytes = read_all(path);
  fs::remove(path);
  return bytes;
}

// Reads everything a successfully parsed file exposes, so ASan sees any pointer past the image.
// Describing is the slow part, so callers in hot loops may skip it.
void touch_everything(const File& file, bool describe = true) {
  uint64_t sum = 0;
  for (const TensorInfo& t : file.tensors()) {
    for (uint8_t b : t.bytes()) sum += b;
    const std::vector<float> values = dequantize(t);
    EXPECT_EQ(values.size(), static_cast<size_t>(t.n_elements()));
  }
  if (!describe) return;
  DescribeOptions full;
  full.full = true;
  // Metadata strings need not be UTF-8; callers dump with `replace`, as `tessera inspect` does.
  EXPECT_FALSE(describe_json(file, full)
                   .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                   .empty());
  EXPECT_FALSE(describe_text(file, DescribeOptions{}).empty());
  EXPECT_GE(sum, 0u);
}

TEST(MalformedGgufTest, ValidImageParses) {
  const std::vector<uint8_t> image = valid_image();
  ASSERT_FALSE(image.empty());
  const ExactBuffer buffer(image);
  Result<File> file = File::parse(buffer.span(), "valid");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->tensors().size(), 4u);
  EXPECT_EQ(file->metadata().size(), 9u);
  const TensorInfo& last = file->tensors().back();
  EXPECT_EQ(file->data_offset() + last.offset + last.size_bytes, image.size());
  touch_everything(*file);
}

TEST(MalformedGgufTest, EveryTruncationFailsCleanly) {
  const std::vector<uint8_t> image = valid_image();
  ASSERT_FALSE(image.empty());
  for (size_t length = 0; length < image.size(); ++length) {
    const ExactBuffer buffer(std::span<const uint8_t>(image.data(), length));
    Result<File> file = File::parse(buffer.span(), "prefix");
    ASSERT_FALSE(file.ok()) << "a " << length << "-byte prefix of a " << image.size()
                            << "-byte file parsed";
    EXPECT_EQ(file.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(contains(file.status().message(), "prefix: offset ")) << file.status().message();
  }
}

// Parses one mutated image: ok or a positional DataLoss, never a crash.
void parse_mutated(const std::vector<uint8_t>& image, const std::string& what) {
  const ExactBuffer buffer(image);
  Result<File> file = File::parse(buffer.span(), "mutant");
  if (file.ok()) {
    static int accepted = 0;
    touch_everything(*file, ++accepted % 32 == 0);
    return;
  }
  EXPECT_EQ(file.status().code(), StatusCode::kDataLoss)
      << what << ": " << file.status().to_string();
  EXPECT_TRUE(contains(file.status().message(), "mutant: offset "))
      << what << ": " << file.status().message();
}

TEST(MalformedGgufTest, SingleByteMutationsNeverCrash) {
  const std::vector<uint8_t> image = valid_image();
  ASSERT_FALSE(image.empty());
  std::vector<uint8_t> mutant = image;
  // Every position with the values most likely to turn a length, count or type into something
  // absurd, then random positions and values.
  for (size_t i = 0; i < image.size(); ++i) {
    for (uint8_t value : {uint8_t{0x00}, uint8_t{0xFF}, uint8_t{0x80}, uint8_t(image[i] ^ 1)}) {
      if (value == image[i]) continue;
      mutant[i] = value;
      parse_mutated(mutant, "byte " + std::to_string(i) + " = " + std::to_string(value));
      mutant[i] = image[i];
    }
  }
  std::mt19937 rng(20240229);
  std::uniform_int_distribution<size_t> position(0, image.size() - 1);
  for (int round = 0; round < 3000; ++round) {
    const size_t i = position(rng);
    const auto value = static_cast<uint8_t>(rng());
    mutant[i] = value;
    parse_mutated(mutant, "byte " + std::to_string(i) + " = " + std::to_string(value));
    mutant[i] = image[i];
  }
}

// Regression: duplicate detection used to scan all earlier keys (and tensors) for each new one, so
// a 4 MB file of 200k distinct keys took over ten minutes to reject or accept.
TEST(MalformedGgufTest, ManyDistinctKeysAndTensorsParseInLinearTime) {
  constexpr uint64_t kKeys = 20000, kTensors = 10000;
  std::vector<uint8_t> image;
  auto put = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    image.insert(image.end(), b, b + n);
  };
  auto put_u32 = [&](uint32_t v) { put(&v, 4); };
  auto put_u64 = [&](uint64_t v) { put(&v, 8); };
  auto put_string = [&](const std::string& s) {
    put_u64(s.size());
    put(s.data(), s.size());
  };
  put_u32(kMagic);
  put_u32(3);
  put_u64(kTensors);
  put_u64(kKeys);
  for (uint64_t i = 0; i < kKeys; ++i) {
    put_string("key." + std::to_string(i));
    put_u32(static_cast<uint32_t>(ValueType::kU8));
    image.push_back(1);
  }
  for (uint64_t i = 0; i < kTensors; ++i) {
    put_string("t" + std::to_string(i));
    put_u32(1);
    put_u64(8);  // 8 f32 = 32 bytes, so every offset is aligned
    put_u32(static_cast<uint32_t>(DType::kF32));
    put_u64(i * 32);
  }
  image.resize((image.size() + 31) / 32 * 32 + kTensors * 32, 0);

  const auto start = std::chrono::steady_clock::now();
  Result<File> file = File::parse(image, "many");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->metadata().size(), kKeys);
  EXPECT_EQ(file->tensors().size(), kTensors);
  // Generous for sanitizer builds; this is a smoke test (the quadratic scan took minutes at 200k).
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(elapsed).count(), 10);

  // Renaming the last tensor to the one before it (same length) is still caught.
  std::vector<uint8_t> duplicate = image;
  const std::string last = "t" + std::to_string(kTensors - 1);
  const std::string previous = "t" + std::to_string(kTensors - 2);
  const auto at = std::find_end(duplicate.begin(), duplicate.end(), last.begin(), last.end());
  ASSERT_NE(at, duplicate.end());
  std::copy(previous.begin(), previous.end(), at);
  Result<File> dup = File::parse(duplicate, "many");
  ASSERT_FALSE(dup.ok());
  const std::string where = "offset " + std::to_string(at - duplicate.begin() - 8) + ": ";
  EXPECT_TRUE(contains(dup.status().message(), where + "duplicate tensor name '" + previous + "'"))
      << dup.status().message();
}

}  // namespace
}  // namespace tessera::gguf
