#include "tokenize/piece_index.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tessera {
namespace {

std::vector<std::pair<size_t, int32_t>> prefixes(const PieceIndex& index, std::string_view text) {
  std::vector<std::pair<size_t, int32_t>> found;
  index.for_each_prefix(text, [&](size_t length, int32_t id) { found.emplace_back(length, id); });
  return found;
}

using Found = std::vector<std::pair<size_t, int32_t>>;

TEST(PieceIndex, EveryPrefixShortestFirst) {
  const PieceIndex index({{"abc", 0}, {"a", 1}, {"ab", 2}, {"b", 3}, {"abd", 4}, {"abcde", 5}});
  EXPECT_EQ(prefixes(index, "abcdx"), (Found{{1, 1}, {2, 2}, {3, 0}}));
  EXPECT_EQ(prefixes(index, "abcde"), (Found{{1, 1}, {2, 2}, {3, 0}, {5, 5}}));
  EXPECT_EQ(prefixes(index, "b"), (Found{{1, 3}}));
  EXPECT_EQ(prefixes(index, "c"), Found{});
  EXPECT_EQ(prefixes(index, ""), Found{});
}

TEST(PieceIndex, BytesCompareUnsigned) {
  // "\xE2..." sorts after ASCII; a signed comparison would put it first and lose it.
  const PieceIndex index({{"\xE2\x96\x81", 0}, {"z", 1}, {"\xE2\x96\x81z", 2}, {"\x01", 3}});
  EXPECT_EQ(prefixes(index, "\xE2\x96\x81z!"), (Found{{3, 0}, {4, 2}}));
  EXPECT_EQ(prefixes(index, "\x01"), (Found{{1, 3}}));
  EXPECT_EQ(prefixes(index, "z"), (Found{{1, 1}}));
}

TEST(PieceIndex, LastOfEqualTextsWinsAndEmptyTextsAreDropped) {
  const PieceIndex index({{"a", 0}, {"", 1}, {"a", 2}, {"ab", 3}, {"a", 4}});
  EXPECT_EQ(prefixes(index, "ab"), (Found{{1, 4}, {2, 3}}));
}

TEST(PieceIndex, LongestSharedPrefixNeedNotBeAPiece) {
  const PieceIndex index({{"<extra_id_0>", 0}, {"<pad>", 1}});
  EXPECT_EQ(index.longest_shared_prefix("<extra>"), 6u);  // "<extra" begins "<extra_id_0>"
  EXPECT_EQ(index.longest_shared_prefix("<p"), 2u);
  EXPECT_EQ(index.longest_shared_prefix("<pad>x"), 5u);
  EXPECT_EQ(index.longest_shared_prefix("x<pad>"), 0u);
  EXPECT_EQ(PieceIndex().longest_shared_prefix("x"), 0u);
  EXPECT_TRUE(PieceIndex().empty());
}

}  // namespace
}  // namespace tessera
