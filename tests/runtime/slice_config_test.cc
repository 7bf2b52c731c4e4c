#include "runtime/slice_config.h"

#include <gtest/gtest.h>

#include <string>

#include "base/byte_size.h"

namespace tessera {
namespace {

Result<DeviceConfig> parse(const std::string& yaml) {
  return parse_device_config(yaml, "slices.yaml");
}

// The error's message, and that it is a usage error at `line`.
std::string error_at(const std::string& yaml, int line) {
  Result<DeviceConfig> r = parse(yaml);
  EXPECT_FALSE(r.ok()) << yaml;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string prefix = "slices.yaml:" + std::to_string(line) + ":";
  EXPECT_EQ(r.status().message().rfind(prefix, 0), 0u)
      << "expected " << prefix << " in: " << r.status().message();
  return r.status().message();
}

const char* kFreeForm = R"(device:
  name: cpu
  memory: 16GiB
  cores: 4
scheduler:
  policy: fixed-share
  time_slice: 4ms
slices:
  - name: chat
    memory: 6GiB
    share: 40%
    deadline: 20ms
  - name: embed
    memory: 2GiB
    share: 0.25
  - name: batch
    memory: 4GiB
  - name: pinned
    mode: spatial
    memory: 1GiB
    cores: 1
)";

TEST(SliceConfigTest, ResolvesFreeFormSlices) {
  Result<DeviceConfig> r = parse(kFreeForm);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const DeviceConfig& c = *r;
  EXPECT_EQ(c.device.name(), "cpu");
  EXPECT_EQ(c.device.memory_bytes, 16 * kGiB);
  EXPECT_EQ(c.device.compute_units, 4);
  EXPECT_EQ(c.scheduler.policy, PolicyKind::kFixedShare);
  EXPECT_EQ(c.scheduler.time_slice_ns, 4 * kNsPerMs);
  ASSERT_EQ(c.slices.size(), 4u);
  EXPECT_EQ(c.slices[0].name, "chat");
  EXPECT_EQ(c.slices[0].memory_bytes, 6 * kGiB);
  EXPECT_DOUBLE_EQ(c.slices[0].share, 0.4);
  EXPECT_EQ(c.slices[0].deadline_ns, 20 * kNsPerMs);
  EXPECT_EQ(c.slices[0].line, 9);
  EXPECT_DOUBLE_EQ(c.slices[1].share, 0.25);
  // The spatial slice takes 1 of 4 cores = 25%; "batch" gets what the others leave.
  EXPECT_NEAR(c.slices[2].share, 0.10, 1e-12);
  EXPECT_EQ(c.slices[3].mode, SliceMode::kSpatial);
  EXPECT_EQ(c.slices[3].cores, 1);
  EXPECT_DOUBLE_EQ(c.slices[3].share, 0.25);
  EXPECT_EQ(c.spatial_cores(), 1);
  EXPECT_EQ(c.shared_cores(), 3);
  const std::string table = describe(c);
  EXPECT_NE(table.find("chat"), std::string::npos);
  EXPECT_NE(table.find("fixed-share"), std::string::npos);
}

TEST(SliceConfigTest, ProfilesResolveToShapesAndDenseTypesDefaultToOneMsSlices) {
  Result<DeviceConfig> r = parse(R"(device: {name: cuda:0, type: L4}
scheduler: {policy: fixed-share}
slices:
  - {name: a, profile: L4-6C}
  - {name: b, profile: L4-6C}
)");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->device.memory_bytes, 24 * kGiB);  // the L4's frame buffer
  EXPECT_EQ(r->slices[0].memory_bytes, 6 * kGiB);
  EXPECT_DOUBLE_EQ(r->slices[0].share, 0.25);
  EXPECT_EQ(r->scheduler.time_slice_ns, 2 * kNsPerMs);

  Result<DeviceConfig> dense = parse(R"(device: {name: cuda:0, type: L40S}
slices:
  - {name: a, profile: L40S-4C}
)");
  ASSERT_TRUE(dense.ok()) << dense.status().to_string();
  EXPECT_EQ(dense->scheduler.time_slice_ns, 1 * kNsPerMs);  // L40S-4C allows 12 per GPU
}

TEST(SliceConfigTest, ProfileCountsAreEnforcedOnADeviceOfThatType) {
  std::string yaml = "device: {name: cuda:0, type: L4}\nslices:\n";
  for (int i = 0; i < 5; ++i) yaml += "  - {name: s" + std::to_string(i) + ", profile: L4-6C}\n";
  const std::string msg = error_at(yaml, 3);
  EXPECT_NE(msg.find("5 × L4-6C"), std::string::npos) << msg;

  const std::string mixed = error_at(R"(device: {name: cuda:0, type: L4}
slices:
  - {name: a, profile: L4-12C}
  - {name: b, profile: L4-6C}
)",
                                     3);
  EXPECT_NE(mixed.find("mixed-size"), std::string::npos) << mixed;
  EXPECT_TRUE(parse(R"(device: {name: cuda:0, type: L4, profile_mode: mixed-size}
slices:
  - {name: a, profile: L4-12C}
  - {name: b, profile: L4-6C}
)")
                  .ok());
  const std::string other = error_at(R"(device: {name: cuda:0, type: L4}
slices:
  - {name: a, profile: H100-10C}
)",
                                     3);
  EXPECT_NE(other.find("H100"), std::string::npos) << other;
}

TEST(SliceConfigTest, FixedShareIsRefusedInMixedSizeMode) {
  const std::string msg = error_at(R"(device: {name: cuda:0, type: L4, profile_mode: mixed-size}
scheduler:
  policy: fixed-share
slices:
  - {name: a, profile: L4-12C}
  - {name: b, profile: L4-6C}
)",
                                   3);
  EXPECT_NE(msg.find("fixed-share is not supported in mixed-size mode"), std::string::npos) << msg;
}

TEST(SliceConfigTest, MalformedYamlCarriesTheLine) {
  const std::string msg = error_at("slices:\n  - name: a\n    memory: [1GiB\n", 4);
  EXPECT_NE(msg.find("malformed YAML"), std::string::npos) << msg;
  error_at("device:\n  name: cpu\n   memory: 1GiB\n", 3);
}

TEST(SliceConfigTest, UnknownKeysAreNamedWithTheirLine) {
  std::string msg = error_at("slices:\n  - name: a\n    memory: 1GiB\n    shares: 25%\n", 4);
  EXPECT_NE(msg.find("unknown key 'shares'"), std::string::npos) << msg;
  msg = error_at("device:\n  name: cpu\n  ram: 1GiB\nslices:\n  - {name: a, memory: 1GiB}\n", 3);
  EXPECT_NE(msg.find("unknown key 'ram'"), std::string::npos) << msg;
  msg = error_at("slicez:\n  - {name: a, memory: 1GiB}\n", 1);
  EXPECT_NE(msg.find("unknown key 'slicez'"), std::string::npos) << msg;
}

TEST(SliceConfigTest, WrongTypesAndValuesCarryTheLine) {
  const std::string head = "device: {memory: 8GiB, cores: 2}\n";
  std::string msg = error_at(head + "slices: {name: a}\n", 2);
  EXPECT_NE(msg.find("expected a non-empty list"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    memory: [1, 2]\n", 4);
  EXPECT_NE(msg.find("expected a single value"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    memory: lots\n", 4);
  EXPECT_NE(msg.find("'lots'"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    memory: 1GiB\n    share: abc\n", 5);
  EXPECT_NE(msg.find("percentage"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    memory: 1GiB\n    share: 150%\n", 5);
  msg = error_at(head + "slices:\n  - name: a\n    memory: 1GiB\n    mode: shared\n", 5);
  EXPECT_NE(msg.find("time-sliced, exclusive or spatial"), std::string::npos) << msg;
  msg = error_at(head + "scheduler:\n  policy: fastest\nslices:\n  - {name: a, memory: 1GiB}\n", 3);
  EXPECT_NE(msg.find("best-effort, equal-share, fixed-share or deadline"), std::string::npos);
  msg =
      error_at(head + "scheduler:\n  time_slice: 50ms\nslices:\n  - {name: a, memory: 1GiB}\n", 3);
  EXPECT_NE(msg.find("1ms..30ms"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    profile: L4-2C\n", 4);
  EXPECT_NE(msg.find("unknown profile 'L4-2C'"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - {name: a, memory: 1GiB}\n  - {name: a, memory: 1GiB}\n", 4);
  EXPECT_NE(msg.find("already defined on line 3"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - {name: a}\n", 3);
  EXPECT_NE(msg.find("needs a 'memory' quota"), std::string::npos) << msg;
  msg = error_at(head + "slices:\n  - name: a\n    memory: 1GiB\n    deadline: soon\n", 5);
  msg = error_at("device: {name: tpu}\nslices:\n  - {name: a, memory: 1GiB}\n", 1);
  EXPECT_NE(msg.find("cpu or cuda:N"), std::string::npos) << msg;
}

TEST(SliceConfigTest, OverCommitNamesTheSlicesAndTheNumbers) {
  std::string msg = error_at(R"(device: {memory: 16GiB, cores: 2}
slices:
  - {name: chat, memory: 6GiB}
  - {name: embed, memory: 12GiB}
)",
                             3);
  EXPECT_NE(msg.find("over-commit cpu memory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chat (line 3) 6.00 GiB + embed (line 4) 12.00 GiB = 18.00 GiB > 16.00 GiB"),
            std::string::npos)
      << msg;
  msg = error_at(R"(device: {memory: 16GiB, cores: 2}
slices:
  - {name: chat, memory: 1GiB, share: 60%}
  - {name: embed, memory: 1GiB, share: 50%}
)",
                 3);
  EXPECT_NE(
      msg.find("over-commit cpu compute: chat (line 3) 60% + embed (line 4) 50% = 110% > 100%"),
      std::string::npos)
      << msg;
  msg = error_at(R"(device: {memory: 16GiB, cores: 2}
slices:
  - {name: a, memory: 1GiB, share: 100%}
  - {name: b, memory: 1GiB}
)",
                 4);
  EXPECT_NE(msg.find("no share left"), std::string::npos) << msg;
  msg = error_at(R"(device: {memory: 16GiB, cores: 2}
slices:
  - {name: a, memory: 1GiB, mode: spatial, cores: 2}
  - {name: b, memory: 1GiB}
)",
                 3);
  EXPECT_NE(msg.find("leaving none for time-sliced"), std::string::npos) << msg;
}

TEST(SliceConfigTest, ExclusiveOwnsTheWholeDevice) {
  Result<DeviceConfig> r = parse(
      "device: {memory: 8GiB, cores: 2}\nslices:\n"
      "  - {name: solo, mode: exclusive}\n");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->slices[0].memory_bytes, 8 * kGiB);
  EXPECT_DOUBLE_EQ(r->slices[0].share, 1.0);
  const std::string msg = error_at(
      "device: {memory: 8GiB, cores: 2}\nslices:\n"
      "  - {name: solo, mode: exclusive}\n"
      "  - {name: other, memory: 1GiB}\n",
      3);
  EXPECT_NE(msg.find("exclusive"), std::string::npos) << msg;
}

TEST(SliceConfigTest, EmptyAndMissingSectionsAreErrors) {
  EXPECT_FALSE(parse("").ok());
  EXPECT_FALSE(parse("device: {memory: 1GiB}\n").ok());
  EXPECT_FALSE(parse("- a\n- b\n").ok());
}

TEST(SliceConfigTest, RepeatedKeysAreNamedWithBothLines) {
  const std::string msg = error_at("device:\n  cores: 2\n  cores: 4\nslices:\n  - {name: a}\n", 3);
  EXPECT_NE(msg.find("device: key 'cores' is repeated (first on line 2)"), std::string::npos)
      << msg;
}

TEST(SliceConfigTest, LargerCapacitiesAreBiggerProfilesOrTheUnclaimedMemory) {
  Result<DeviceConfig> l4 = parse(R"(device: {name: cuda:0, type: L4}
slices:
  - {name: a, profile: L4-6C}
  - {name: b, profile: L4-6C}
)");
  ASSERT_TRUE(l4.ok()) << l4.status().to_string();
  std::vector<CapacityOption> larger = larger_capacities(*l4, l4->slices[0]);
  ASSERT_EQ(larger.size(), 3u);
  EXPECT_EQ(larger[0].name, "profile L4-8C");
  EXPECT_EQ(larger[0].bytes, 8 * kGiB);
  EXPECT_EQ(larger[2].name, "profile L4-24C");

  Result<DeviceConfig> mig = parse(R"(device: {name: cuda:0, type: H100}
slices:
  - {name: a, profile: H100-2-20C}
)");
  ASSERT_TRUE(mig.ok()) << mig.status().to_string();
  larger = larger_capacities(*mig, mig->slices[0]);
  ASSERT_EQ(larger.size(), 3u);  // 3-40C, 4-40C, 7-80C: MIG-backed only
  for (const CapacityOption& c : larger) EXPECT_EQ(c.name.find("profile H100-"), 0u) << c.name;
  EXPECT_EQ(larger.back().name, "profile H100-7-80C");

  Result<DeviceConfig> cpu = parse(kFreeForm);
  ASSERT_TRUE(cpu.ok());
  larger = larger_capacities(*cpu, cpu->slices[1]);  // 16 GiB - 13 GiB claimed
  ASSERT_EQ(larger.size(), 1u);
  EXPECT_EQ(larger[0].bytes, 2 * kGiB + 3 * kGiB);
  EXPECT_NE(larger[0].name.find("3.00 GiB of cpu that no slice claims"), std::string::npos);
  Result<DeviceConfig> full = parse(
      "device: {memory: 2GiB, cores: 2}\nslices:\n"
      "  - {name: a, memory: 2GiB}\n");
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(larger_capacities(*full, full->slices[0]).empty());
}

TEST(SliceConfigTest, ParsesDurations) {
  EXPECT_EQ(*parse_duration_ns("2ms"), 2 * kNsPerMs);
  EXPECT_EQ(*parse_duration_ns("2"), 2 * kNsPerMs);
  EXPECT_EQ(*parse_duration_ns("500us"), 500'000);
  EXPECT_EQ(*parse_duration_ns("1.5s"), 1'500'000'000);
  EXPECT_FALSE(parse_duration_ns("2 weeks").ok());
  EXPECT_FALSE(parse_duration_ns("-1ms").ok());
}

}  // namespace
}  // namespace tessera
