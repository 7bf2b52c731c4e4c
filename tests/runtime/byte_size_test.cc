#include "base/byte_size.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ByteSizeTest, ParsesBinaryUnitsAndNvidiaMegabytes) {
  EXPECT_EQ(*parse_byte_size("6GiB"), 6 * kGiB);
  EXPECT_EQ(*parse_byte_size("512MiB"), 512 * kMiB);
  EXPECT_EQ(*parse_byte_size("512 MiB"), 512 * kMiB);
  EXPECT_EQ(*parse_byte_size("1.5GiB"), 3 * kGiB / 2);
  EXPECT_EQ(*parse_byte_size("4096"), 4096u);
  EXPECT_EQ(*parse_byte_size("10b"), 10u);
  EXPECT_EQ(*parse_byte_size("2k"), 2 * kKiB);
  EXPECT_EQ(*parse_byte_size("1TiB"), kTiB);
  // NVIDIA's profile tables write MiB as MB: an L4-24C's 24576 MB is exactly 24 GiB.
  EXPECT_EQ(*parse_byte_size("24576MB"), 24 * kGiB);
  EXPECT_EQ(*parse_byte_size("24576MB"), *parse_byte_size("24GB"));
}

TEST(ByteSizeTest, RejectsMalformedSizesNamingTheText) {
  for (const char* bad :
       {"", "GiB", "-1GiB", "6 parsecs", "1.2.3GiB", "99999999999TiB", "18446744073709551616"}) {
    Result<uint64_t> r = parse_byte_size(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << r.status().message();
  }
}

TEST(ByteSizeTest, FormatsWithTheLargestUnit) {
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(6 * kGiB), "6.00 GiB");
  EXPECT_EQ(format_bytes(512 * kMiB), "512.00 MiB");
  EXPECT_EQ(format_bytes(128 * kKiB), "128.00 KiB");
}

}  // namespace
}  // namespace tessera
