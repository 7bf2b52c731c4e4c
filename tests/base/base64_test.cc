#include "base/base64.h"

#include <gtest/gtest.h>

#include <cstring>

namespace tessera {
namespace {

std::string encode(const std::string& text) {
  return base64_encode(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

TEST(Base64Test, Rfc4648TestVectors) {
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg==");
  EXPECT_EQ(encode("fo"), "Zm8=");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg==");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, EveryByteValueAndTheTwoLastLetters) {
  const uint8_t high[] = {0xfb, 0xff, 0xbf};  // 111110 111111 111110 111111
  EXPECT_EQ(base64_encode(high, sizeof high), "+/+/");
  // 1.0f little-endian (00 00 80 3f), as an OpenAI client decodes a float32 embedding.
  const float one = 1.0f;
  uint8_t bytes[4];
  std::memcpy(bytes, &one, 4);
  EXPECT_EQ(base64_encode(bytes, 4), "AACAPw==");
}

}  // namespace
}  // namespace tessera
