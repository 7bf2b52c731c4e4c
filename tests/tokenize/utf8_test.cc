#include "tokenize/utf8.h"

#include <gtest/gtest.h>

#include "tokenize/unicode_bytes.h"

namespace tessera {
namespace {

constexpr std::string_view kFffd = "\xEF\xBF\xBD";

std::string repeat_fffd(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += kFffd;
  return s;
}

TEST(TokenizerUtf8, SanitizeReplacesMaximalSubparts) {
  EXPECT_EQ(utf8::sanitize("ok \xC3\xA9 \xF0\x9F\xA6\x99"), "ok \xC3\xA9 \xF0\x9F\xA6\x99");
  EXPECT_EQ(utf8::sanitize("\xFF"), repeat_fffd(1));
  EXPECT_EQ(utf8::sanitize("\xE0\x80"), repeat_fffd(2));      // overlong: E0 needs A0..BF next
  EXPECT_EQ(utf8::sanitize("\xED\xA0\x80"), repeat_fffd(3));  // a surrogate
  EXPECT_EQ(utf8::sanitize("\xF0\x9F\xA6"), repeat_fffd(1));  // truncated: one maximal subpart
  EXPECT_EQ(utf8::sanitize("\xF0\x9F"
                           "a"),
            repeat_fffd(1) + "a");
  EXPECT_EQ(utf8::sanitize("\xF4\x90\x80\x80"), repeat_fffd(4));  // above U+10FFFF
}

TEST(TokenizerUtf8, ScanReportsIncompleteTail) {
  size_t length = 0;
  EXPECT_EQ(utf8::scan("\xF0\x9F\xA6", length), utf8::Scan::kIncomplete);
  EXPECT_EQ(utf8::scan("\xF0\x9F\xA6\x99", length), utf8::Scan::kComplete);
  EXPECT_EQ(length, 4u);
  EXPECT_EQ(utf8::scan("\x80", length), utf8::Scan::kInvalid);
}

TEST(TokenizerUnicodeBytes, Gpt2MappingRoundTrips) {
  EXPECT_EQ(unicode_bytes::encode_byte(' '), "\xC4\xA0");   // U+0120 'Ġ'
  EXPECT_EQ(unicode_bytes::encode_byte('\n'), "\xC4\x8A");  // U+010A 'Ċ'
  EXPECT_EQ(unicode_bytes::encode_byte('a'), "a");
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  std::string mapped;
  unicode_bytes::encode(all, mapped);
  EXPECT_EQ(unicode_bytes::decode(mapped), all);
  // A code point outside the mapping is kept as text rather than lost.
  EXPECT_EQ(unicode_bytes::decode("x\xE2\x96\x81"), "x\xE2\x96\x81");
}

}  // namespace
}  // namespace tessera
