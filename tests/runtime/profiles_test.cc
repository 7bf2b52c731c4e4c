#include "runtime/profiles.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/byte_size.h"

namespace tessera {
namespace {

std::vector<const Profile*> times(const char* name, int n) {
  return std::vector<const Profile*>(static_cast<size_t>(n), find_profile(name));
}

Status check(const char* gpu, const std::vector<const Profile*>& claimed, ProfileMode mode) {
  return check_profile_counts(gpu, claimed, mode);
}

TEST(ProfileTest, CatalogHoldsEveryCSeriesProfileOfTheReference) {
  struct Row {
    const char* name;
    uint64_t bytes;
    int equal, mixed;
  };
  const Row rows[] = {
      {"L4-24C", 24576 * kMiB, 1, 1},  {"L4-12C", 12288 * kMiB, 2, 2},
      {"L4-8C", 8192 * kMiB, 3, 2},    {"L4-6C", 6144 * kMiB, 4, 4},
      {"L4-4C", 4096 * kMiB, 6, 4},    {"L40S-48C", 48 * kGiB, 1, 1},
      {"L40S-24C", 24 * kGiB, 2, 2},   {"L40S-16C", 16 * kGiB, 3, 2},
      {"L40S-12C", 12 * kGiB, 4, 4},   {"L40S-8C", 8 * kGiB, 6, 4},
      {"L40S-6C", 6 * kGiB, 8, 8},     {"L40S-4C", 4 * kGiB, 12, 8},
      {"H100-80C", 80 * kGiB, 1, 1},   {"H100-40C", 40 * kGiB, 2, 2},
      {"H100-20C", 20 * kGiB, 4, 4},   {"H100-16C", 16 * kGiB, 6, 4},
      {"H100-10C", 10 * kGiB, 8, 8},   {"H100-8C", 8 * kGiB, 10, 8},
      {"H100-5C", 5 * kGiB, 16, 16},   {"H100-4C", 4 * kGiB, 20, 16},
      {"H100-7-80C", 80 * kGiB, 1, 1}, {"H100-4-40C", 40 * kGiB, 1, 1},
      {"H100-3-40C", 40 * kGiB, 2, 2}, {"H100-2-20C", 20 * kGiB, 3, 3},
      {"H100-1-20C", 20 * kGiB, 4, 4}, {"H100-1-10C", 10 * kGiB, 7, 7},
  };
  EXPECT_EQ(profile_catalog().size(), std::size(rows));
  for (const Row& r : rows) {
    const Profile* p = find_profile(r.name);
    ASSERT_NE(p, nullptr) << r.name;
    EXPECT_EQ(p->framebuffer_bytes, r.bytes) << r.name;
    EXPECT_EQ(p->max_equal, r.equal) << r.name;
    EXPECT_EQ(p->max_mixed, r.mixed) << r.name;
  }
  EXPECT_EQ(find_profile("l4-6c"), find_profile("L4-6C"));
  EXPECT_EQ(find_profile("L4-2C"), nullptr);  // no L4-1C/2C/3C exist
}

TEST(ProfileTest, FixedShareIsOneOverTheMaximumOfItsType) {
  EXPECT_DOUBLE_EQ(profile_share(*find_profile("L4-6C")), 0.25);
  EXPECT_DOUBLE_EQ(profile_share(*find_profile("L4-8C")), 1.0 / 3);
  EXPECT_DOUBLE_EQ(profile_share(*find_profile("H100-4C")), 1.0 / 20);
  EXPECT_DOUBLE_EQ(profile_share(*find_profile("H100-3-40C")), 3.0 / 7);
}

TEST(ProfileTest, EqualSizeModeEnforcesTheMaximumCount) {
  EXPECT_TRUE(check("L4", times("L4-6C", 4), ProfileMode::kEqualSize).ok());
  Status five = check("L4", times("L4-6C", 5), ProfileMode::kEqualSize);
  ASSERT_FALSE(five.ok());
  EXPECT_NE(five.message().find("5 × L4-6C"), std::string::npos) << five.message();
  EXPECT_NE(five.message().find("at most 4"), std::string::npos) << five.message();
  EXPECT_TRUE(check("L4", times("L4-4C", 6), ProfileMode::kEqualSize).ok());
  EXPECT_FALSE(check("L4", times("L4-4C", 7), ProfileMode::kEqualSize).ok());
  EXPECT_TRUE(check("L40S", times("L40S-4C", 12), ProfileMode::kEqualSize).ok());
  EXPECT_FALSE(check("L40S", times("L40S-4C", 13), ProfileMode::kEqualSize).ok());
}

TEST(ProfileTest, DifferentSizesNeedMixedSizeModeAndItsLowerMaximums) {
  std::vector<const Profile*> mixed = {find_profile("L4-12C"), find_profile("L4-6C"),
                                       find_profile("L4-6C")};
  Status equal = check("L4", mixed, ProfileMode::kEqualSize);
  ASSERT_FALSE(equal.ok());
  EXPECT_NE(equal.message().find("mixed-size"), std::string::npos) << equal.message();
  EXPECT_TRUE(check("L4", mixed, ProfileMode::kMixedSize).ok());
  // L4-8C: 3 per GPU in equal-size mode, 2 in mixed-size mode.
  EXPECT_TRUE(check("L4", times("L4-8C", 3), ProfileMode::kEqualSize).ok());
  Status three = check("L4", times("L4-8C", 3), ProfileMode::kMixedSize);
  ASSERT_FALSE(three.ok());
  EXPECT_NE(three.message().find("at most 2 in mixed-size mode"), std::string::npos)
      << three.message();
  // Mixed sizes must still fit the frame buffer: 12 + 8 + 8 GiB > 24 GiB.
  Status full = check("L4", {find_profile("L4-12C"), find_profile("L4-8C"), find_profile("L4-8C")},
                      ProfileMode::kMixedSize);
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.message().find("frame buffer"), std::string::npos) << full.message();
}

TEST(ProfileTest, ProfilesOfAnotherGpuAndTheTwelveVgpuCapAreRefused) {
  Status wrong = check("L4", {find_profile("L40S-6C")}, ProfileMode::kEqualSize);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.message().find("L40S"), std::string::npos);
  // H100-4C allows 20 by its row, but compute vGPUs are capped at 12 per GPU.
  EXPECT_TRUE(check("H100", times("H100-4C", 12), ProfileMode::kEqualSize).ok());
  Status cap = check("H100", times("H100-4C", 13), ProfileMode::kEqualSize);
  ASSERT_FALSE(cap.ok());
  EXPECT_NE(cap.message().find("at most 12"), std::string::npos) << cap.message();
}

TEST(ProfileTest, MigProfilesCountComputeAndMemorySlices) {
  EXPECT_TRUE(check("H100", times("H100-1-10C", 7), ProfileMode::kEqualSize).ok());
  EXPECT_FALSE(check("H100", times("H100-1-10C", 8), ProfileMode::kEqualSize).ok());
  // 3g.40gb + 2g.20gb + 1g.10gb + 1g.10gb = 7 compute slices, 8 memory slices: a full GPU.
  EXPECT_TRUE(check("H100",
                    {find_profile("H100-3-40C"), find_profile("H100-2-20C"),
                     find_profile("H100-1-10C"), find_profile("H100-1-10C")},
                    ProfileMode::kEqualSize)
                  .ok());
  Status over = check(
      "H100", {find_profile("H100-4-40C"), find_profile("H100-3-40C"), find_profile("H100-1-10C")},
      ProfileMode::kEqualSize);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.message().find("compute slices"), std::string::npos) << over.message();
  Status mixed_kinds = check("H100", {find_profile("H100-1-10C"), find_profile("H100-10C")},
                             ProfileMode::kMixedSize);
  ASSERT_FALSE(mixed_kinds.ok());
  EXPECT_NE(mixed_kinds.message().find("MIG-backed and time-sliced"), std::string::npos);
}

TEST(ProfileTest, ProfilesOfAGpuSortSmallestFirst) {
  const std::vector<const Profile*> l4 = profiles_of("L4");
  ASSERT_EQ(l4.size(), 5u);
  EXPECT_EQ(l4.front()->name, "L4-4C");
  EXPECT_EQ(l4.back()->name, "L4-24C");
}

}  // namespace
}  // namespace tessera
