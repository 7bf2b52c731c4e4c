#include "runtime/device.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(DeviceTest, ParsesNames) {
  EXPECT_EQ(parse_device_name("cpu")->kind, DeviceKind::kCpu);
  Result<Device> gpu = parse_device_name("cuda:3");
  ASSERT_TRUE(gpu.ok());
  EXPECT_EQ(gpu->kind, DeviceKind::kCuda);
  EXPECT_EQ(gpu->index, 3);
  EXPECT_EQ(gpu->name(), "cuda:3");
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:1x", "CPU"}) {
    EXPECT_FALSE(parse_device_name(bad).ok()) << bad;
  }
}

TEST(DeviceTest, CpuDefaultsToRamMinusReserveAndAllCores) {
  const Device d = cpu_device();
  EXPECT_EQ(d.kind, DeviceKind::kCpu);
  EXPECT_EQ(d.compute_units, online_cores());
  const uint64_t ram = physical_memory_bytes();
  ASSERT_GT(ram, kCpuMemoryReserveBytes);
  EXPECT_EQ(d.memory_bytes, ram - kCpuMemoryReserveBytes);
  const Device configured = cpu_device(8 * kGiB, 2);
  EXPECT_EQ(configured.memory_bytes, 8 * kGiB);
  EXPECT_EQ(configured.compute_units, 2);
}

}  // namespace
}  // namespace tessera
