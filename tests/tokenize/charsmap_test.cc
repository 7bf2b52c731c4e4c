#include "tokenize/charsmap.h"

#include <gtest/gtest.h>

#include "tokenize/charsmap_builder.h"
#include "tokenize/test_vocab.h"

namespace tessera {
namespace {

using testing::build_charsmap;
using testing::charsmap_bytes;
using testing::charsmap_node;
using testing::charsmap_value;
using testing::kCharsmapShiftedOffsetBit;
using testing::kCharsmapValueBit;

constexpr std::string_view kWhere = "m.gguf: metadata key 'tokenizer.ggml.precompiled_charsmap'";

PrecompiledCharsmap parse_ok(const std::vector<uint8_t>& bytes) {
  Result<PrecompiledCharsmap> map = PrecompiledCharsmap::parse(bytes, kWhere);
  EXPECT_TRUE(map.ok()) << map.status().to_string();
  return map.ok() ? std::move(map).value() : PrecompiledCharsmap();
}

// The replacement and matched length at the start of `text`, as "REPLACEMENT/LENGTH" ("-" if none).
std::string match(const PrecompiledCharsmap& map, std::string_view text) {
  std::string_view replacement;
  const size_t length = map.match(text, replacement);
  if (length == 0) return "-";
  return std::string(replacement) + "/" + std::to_string(length);
}

void expect_malformed(const std::vector<uint8_t>& bytes, const std::string& part) {
  Result<PrecompiledCharsmap> map = PrecompiledCharsmap::parse(bytes, kWhere);
  ASSERT_FALSE(map.ok()) << "parsed: " << part;
  EXPECT_EQ(map.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(map.status().message().find(kWhere), std::string::npos) << map.status().message();
  EXPECT_NE(map.status().message().find(part), std::string::npos) << map.status().message();
}

TEST(PrecompiledCharsmap, LongestKeyWins) {
  const PrecompiledCharsmap map = parse_ok(build_charsmap({
      {"\xEF\xBD\xB6", "\xE3\x82\xAB"},              // ｶ -> カ
      {"\xEF\xBD\xB6\xEF\xBE\x9E", "\xE3\x82\xAC"},  // ｶﾞ -> ガ
      {"\xEF\xAC\x81", "fi"},                        // ﬁ -> fi
      {"\xEF\xBD\x81", "a"},                         // ａ -> a
      {"\t", " "},
      {"\xE2\x80\x8B", ""},  // zero-width space: deleted
  }));
  EXPECT_FALSE(map.empty());
  EXPECT_EQ(match(map, "\xEF\xBD\xB6\xEF\xBE\x9E!"), "\xE3\x82\xAC/6");
  EXPECT_EQ(match(map, "\xEF\xBD\xB6\xEF\xBD\x81"), "\xE3\x82\xAB/3");
  EXPECT_EQ(match(map, "\xEF\xAC\x81nd"), "fi/3");
  EXPECT_EQ(match(map, "\tx"), " /1");
  EXPECT_EQ(match(map, "\xE2\x80\x8Bx"), "/3");
  EXPECT_EQ(match(map, "abc"), "-");
  EXPECT_EQ(match(map, ""), "-");
  // A key's first bytes alone are no key.
  EXPECT_EQ(match(map, "\xEF\xBD"), "-");
}

TEST(PrecompiledCharsmap, NulInTheInputEndsMatching) {
  const PrecompiledCharsmap map = parse_ok(build_charsmap({{"a", "A"}, {"ab", "X"}}));
  EXPECT_EQ(match(map, std::string_view("a\0b", 3)), "A/1");
  EXPECT_EQ(match(map, std::string_view("\0a", 2)), "-");
}

TEST(PrecompiledCharsmap, EmptyTrieMatchesNothing) {
  const PrecompiledCharsmap map = parse_ok(charsmap_bytes({}, std::string("\0", 1)));
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(match(map, "a"), "-");
  EXPECT_EQ(match(PrecompiledCharsmap(), "a"), "-");
}

// A hand-laid trie for "a" -> "x": root base 0x60, so "a" (0x61) is unit 1, whose children base
// 1 ^ 3 = 2 holds the value (the offset of "x" in the strings).
std::vector<uint32_t> one_key_units(uint32_t value_offset, uint32_t node_offset = 3) {
  return {charsmap_node(0, false, 0x60), charsmap_node('a', true, node_offset),
          kCharsmapValueBit | value_offset};
}

TEST(PrecompiledCharsmap, HandLaidTrie) {
  const PrecompiledCharsmap map =
      parse_ok(charsmap_bytes(one_key_units(2), std::string("y\0x\0", 4)));
  EXPECT_EQ(match(map, "ab"), "x/1");
}

TEST(PrecompiledCharsmap, ShiftedOffsets) {
  // Root offset 1 << 8 stored as 1 with the shift bit: "a" lands in unit 256 ^ 0x61 = 353.
  std::vector<uint32_t> units(356, 0);
  units[0] = (1u << 10) | kCharsmapShiftedOffsetBit;
  units[353] = charsmap_node('a', true, 353 ^ 354);
  units[354] = kCharsmapValueBit | 0;
  const PrecompiledCharsmap map = parse_ok(charsmap_bytes(units, std::string("A\0", 2)));
  EXPECT_EQ(match(map, "a"), "A/1");
}

TEST(PrecompiledCharsmapMalformed, ShorterThanHeader) {
  expect_malformed({}, "0 bytes, too short for its 4-byte trie size header");
  expect_malformed({4, 0, 0}, "3 bytes, too short");
}

TEST(PrecompiledCharsmapMalformed, TrieSizeNotWholeUnits) {
  expect_malformed({6, 0, 0, 0, 1, 2, 3, 4, 5, 6, 0}, "trie size 6 is not a whole number");
}

TEST(PrecompiledCharsmapMalformed, TrieSizeBeyondArray) {
  std::vector<uint8_t> bytes = charsmap_bytes(one_key_units(0), std::string("x\0", 2));
  bytes[0] = 64;  // 16 units claimed, 3 present
  expect_malformed(bytes, "trie size 64 runs past the end of the array (14 bytes follow");
  // The largest whole-unit u32: no overflow on the way to the check.
  bytes[0] = 0xFC;
  bytes[1] = bytes[2] = bytes[3] = 0xFF;
  expect_malformed(bytes, "trie size 4294967292 runs past the end");
}

TEST(PrecompiledCharsmapMalformed, NoRoomForStrings) {
  expect_malformed(charsmap_bytes(one_key_units(0), ""), "leaves no bytes for the replacement");
}

TEST(PrecompiledCharsmapMalformed, ValueUnitOutsideTrie) {
  // Unit 1's children base 1 ^ 6 = 7 is past the 3 units.
  expect_malformed(charsmap_bytes(one_key_units(0, 6), std::string("x\0", 2)),
                   "trie unit 1 ends a key whose value unit 7 lies outside the 3-unit trie");
}

TEST(PrecompiledCharsmapMalformed, ReplacementOffsetOutsideStrings) {
  expect_malformed(charsmap_bytes(one_key_units(2), std::string("x\0", 2)),
                   "trie unit 1 points at replacement offset 2, outside the 2 bytes");
  expect_malformed(charsmap_bytes(one_key_units(0x7FFFFFFF), std::string("x\0", 2)),
                   "replacement offset 2147483647");
}

TEST(PrecompiledCharsmapMalformed, ReplacementWithoutNul) {
  expect_malformed(charsmap_bytes(one_key_units(0), "x"), "with no NUL terminator");
  // A NUL before the offset does not end the string at it.
  expect_malformed(charsmap_bytes(one_key_units(2), std::string("x\0yz", 4)),
                   "(offset 2) with no NUL terminator");
}

TEST(PrecompiledCharsmapMalformed, CyclicTrieTerminates) {
  // Unit 1 ("a") has children base 1 ^ 0x61 = 0x60, the root's, so "aaaa..." walks in a circle:
  // parsing still ends, and matching stops at the end of the text.
  const std::vector<uint32_t> cycle = {charsmap_node(0, false, 0x60),
                                       charsmap_node('a', false, 0x61), 0};
  const PrecompiledCharsmap map = parse_ok(charsmap_bytes(cycle, std::string("x\0", 2)));
  EXPECT_EQ(match(map, "aaaaaaaa"), "-");
  // As a key's end, unit 1 would keep its value in unit 0x60, outside the trie.
  const std::vector<uint32_t> leaf = {charsmap_node(0, false, 0x60), charsmap_node('a', true, 0x61),
                                      0};
  expect_malformed(charsmap_bytes(leaf, std::string("x\0", 2)), "value unit 96");
}

// Through the GGUF reader: the key's type is checked before its bytes.
TEST(PrecompiledCharsmapMetadata, AbsentIsIdentity) {
  testing::MemoryGguf gguf(testing::vocab_writer("t5", {{"a"}}));
  Result<std::optional<PrecompiledCharsmap>> map = read_precompiled_charsmap(gguf.file());
  ASSERT_TRUE(map.ok()) << map.status().to_string();
  EXPECT_FALSE(map->has_value());
}

TEST(PrecompiledCharsmapMetadata, ReadsU8AndI8Arrays) {
  const std::vector<uint8_t> bytes = build_charsmap({{"\xEF\xBD\x81", "a"}});
  for (gguf::ValueType type : {gguf::ValueType::kU8, gguf::ValueType::kI8}) {
    gguf::Writer w = testing::vocab_writer("t5", {{"a"}});
    w.set(std::string(kCharsmapKey), charsmap_value(bytes, type));
    testing::MemoryGguf gguf(w);
    Result<std::optional<PrecompiledCharsmap>> map = read_precompiled_charsmap(gguf.file());
    ASSERT_TRUE(map.ok()) << map.status().to_string();
    ASSERT_TRUE(map->has_value());
    EXPECT_EQ(match(**map, "\xEF\xBD\x81"), "a/3");
  }
}

TEST(PrecompiledCharsmapMetadata, WrongTypesNameFileAndKey) {
  gguf::Writer w = testing::vocab_writer("t5", {{"a"}});
  w.set(std::string(kCharsmapKey), gguf::Value::string("xcda"));
  testing::MemoryGguf as_string(w, "m.gguf");
  Result<std::optional<PrecompiledCharsmap>> map = read_precompiled_charsmap(as_string.file());
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.status().message().find(std::string(kWhere) + " has type string, expected an "
                                                              "array of u8"),
            std::string::npos)
      << map.status().message();

  w.set(std::string(kCharsmapKey),
        gguf::Value::array(gguf::ValueType::kI32, {gguf::Value::i32(4)}));
  testing::MemoryGguf as_i32(w, "m.gguf");
  map = read_precompiled_charsmap(as_i32.file());
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.status().message().find(std::string(kWhere) + " is an array of i32"),
            std::string::npos)
      << map.status().message();
}

TEST(PrecompiledCharsmapMetadata, MalformedBytesNameFileAndKey) {
  gguf::Writer w = testing::vocab_writer("t5", {{"a"}});
  w.set(std::string(kCharsmapKey), charsmap_value({8, 0, 0, 0, 1}));
  testing::MemoryGguf gguf(w, "m.gguf");
  Result<std::optional<PrecompiledCharsmap>> map = read_precompiled_charsmap(gguf.file());
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(map.status().message().find(std::string(kWhere) + ": trie size 8 runs past the end"),
            std::string::npos)
      << map.status().message();
}

}  // namespace
}  // namespace tessera
