#include "tokenize/unigram_normalizer.h"

#include <gtest/gtest.h>

#include "tokenize/charsmap_builder.h"

namespace tessera {
namespace {

constexpr std::string_view kFi = "\xEF\xAC\x81";  // ﬁ
constexpr std::string_view kFl = "\xEF\xAC\x82";  // ﬂ

PrecompiledCharsmap test_charsmap() {
  Result<PrecompiledCharsmap> map = PrecompiledCharsmap::parse(
      testing::build_charsmap({
          {"\xEF\xBD\x81", "a"},             // ａ
          {"\xEF\xBC\xA1", "A"},             // Ａ
          {std::string(kFi), "fi"},          //
          {std::string(kFl), "fl"},          //
          {"\t", " "},                       //
          {"\n", " "},                       //
          {"\xE3\x80\x80", " "},             // ideographic space
          {"\xE2\x80\x8B", ""},              // zero-width space: deleted
          {"\xC2\xA8", " \xCC\x88"},         // diaeresis: NFKC gives a space and a combining mark
          {"\xEF\xBD\xB6", "\xE3\x82\xAB"},  // ｶ -> カ
          {"\xEF\xBD\xB6\xEF\xBE\x9E", "\xE3\x82\xAC"},  // ｶﾞ -> ガ
      }),
      "test");
  EXPECT_TRUE(map.ok()) << map.status().to_string();
  return map.ok() ? std::move(map).value() : PrecompiledCharsmap();
}

std::string normalize(std::string_view text, UnigramNormalizerOptions options,
                      std::vector<PieceIndex::Piece> user_defined = {}) {
  const UnigramNormalizer normalizer(test_charsmap(), PieceIndex(std::move(user_defined)), options);
  return normalizer.normalize(text);
}

// "▁" written as "_" to keep the expectations readable.
std::string show(std::string text) {
  for (size_t pos = 0; (pos = text.find("\xE2\x96\x81", pos)) != std::string::npos;) {
    text.replace(pos, 3, "_");
  }
  return text;
}

UnigramNormalizerOptions opts(bool prefix, bool merge) {
  UnigramNormalizerOptions o;
  o.add_space_prefix = prefix;
  o.remove_extra_whitespaces = merge;
  return o;
}

TEST(UnigramNormalizer, EscapesSpacesOnly) {
  EXPECT_EQ(show(normalize("a b", opts(false, false))), "a_b");
  EXPECT_EQ(show(normalize("  a  ", opts(false, false))), "__a__");
  EXPECT_EQ(normalize("", opts(true, true)), "");
}

TEST(UnigramNormalizer, SpacePrefixGoesBeforeTheFirstNonSpace) {
  EXPECT_EQ(show(normalize("a b", opts(true, false))), "_a_b");
  // Leading spaces are kept; the prefix still goes right before the first word.
  EXPECT_EQ(show(normalize("  a", opts(true, false))), "___a");
  EXPECT_EQ(show(normalize("a ", opts(true, false))), "_a_");
  EXPECT_EQ(show(normalize("   ", opts(true, false))), "___");
}

TEST(UnigramNormalizer, RemovingExtraWhitespacesGivesEveryWordOneMarker) {
  EXPECT_EQ(show(normalize("  a   b  ", opts(true, true))), "_a_b");
  // Even without add_space_prefix (llama.cpp's rule).
  EXPECT_EQ(show(normalize("a b", opts(false, true))), "_a_b");
  EXPECT_EQ(normalize("    ", opts(true, true)), "");
}

TEST(UnigramNormalizer, WhitespaceAsSuffixAndUnescaped) {
  UnigramNormalizerOptions o = opts(true, false);
  o.treat_whitespace_as_suffix = true;
  EXPECT_EQ(show(normalize("a b", o)), "a_b_");
  o.remove_extra_whitespaces = true;
  EXPECT_EQ(show(normalize(" a  b ", o)), "_a_b_");
  o = opts(true, false);
  o.escape_whitespaces = false;
  EXPECT_EQ(normalize("a  b", o), " a  b");
}

TEST(UnigramNormalizer, CharsmapReplacesBeforeSpacesAreHandled) {
  EXPECT_EQ(show(normalize("\xEF\xBD\x81\xEF\xBC\xA1", opts(true, true))), "_aA");
  EXPECT_EQ(show(normalize(std::string(kFi) + "nd " + std::string(kFl) + "ow", opts(true, true))),
            "_find_flow");
  // Tabs, newlines and U+3000 are spaces because the map says so, then merged.
  EXPECT_EQ(show(normalize("a\t\n\xE3\x80\x80"
                           "b\n",
                           opts(true, true))),
            "_a_b");
  EXPECT_EQ(show(normalize("a\tb", opts(true, false))), "_a_b");
  // A carriage return is not mapped: it stays a character.
  EXPECT_EQ(show(normalize("a\rb", opts(true, true))), "_a\rb");
  EXPECT_EQ(show(normalize("a\xE2\x80\x8B"
                           "b",
                           opts(true, true))),
            "_ab");
  EXPECT_EQ(show(normalize("a\xC2\xA8", opts(true, false))), "_a_\xCC\x88");
  EXPECT_EQ(show(normalize("\xEF\xBD\xB6\xEF\xBE\x9E\xEF\xBD\xB6", opts(false, false))),
            "\xE3\x82\xAC\xE3\x82\xAB");
}

TEST(UnigramNormalizer, IllFormedBytesBecomeReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(show(normalize("\xFF", opts(true, true))), "_" + fffd);
  EXPECT_EQ(show(normalize("a\x80"
                           "b",
                           opts(false, false))),
            "a" + fffd + "b");
  EXPECT_EQ(show(normalize("\xC3(", opts(false, false))), fffd + "(");
  EXPECT_EQ(show(normalize("\xE2\x96", opts(false, false))), fffd + fffd);
  // Only the shape is checked, as llama.cpp does: an overlong form passes unchanged.
  EXPECT_EQ(show(normalize("\xC0\x80", opts(false, false))), "\xC0\x80");
  EXPECT_EQ(normalize(std::string_view("a\0b", 3), opts(false, false)), std::string("a\0b", 3));
}

TEST(UnigramNormalizer, UserDefinedPrefixesSkipTheCharsmap) {
  const std::vector<PieceIndex::Piece> t5 = {{"<extra_id_0>", 32099}};
  // "<e" begins "<extra_id_0>" and is copied as it is; the tab after it is normalized.
  EXPECT_EQ(show(normalize("<e\t<x", opts(true, false), t5)), "_<e_<x");

  const std::string fix = std::string(kFi) + "x";  // a user-defined piece "ﬁx"
  const std::vector<PieceIndex::Piece> user = {{fix, 7}};
  // "ﬁ" begins "ﬁx", so it is copied unnormalized instead of becoming "fi".
  EXPECT_EQ(show(normalize(std::string(kFi) + "ne", opts(true, true), user)),
            "_" + std::string(kFi) + "ne");
  EXPECT_EQ(show(normalize(fix + " a", opts(true, true), user)), "_" + fix + "_a");
  // llama.cpp compares bytes: "ﬂ" (EF AC 82) shares "EF AC" with "ﬁx", so those two bytes are
  // copied and the lone 82 after them becomes U+FFFD.
  EXPECT_EQ(show(normalize(std::string(kFl) + "ow", opts(true, true), user)),
            "_\xEF\xAC\xEF\xBF\xBDow");
  // Without the user-defined piece, both ligatures are normalized.
  EXPECT_EQ(show(normalize(std::string(kFi) + "ne " + std::string(kFl) + "ow", opts(true, true))),
            "_fine_flow");
}

}  // namespace
}  // namespace tessera
