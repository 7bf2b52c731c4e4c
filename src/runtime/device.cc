#include "runtime/device.h"

#include <unistd.h>

#include <charconv>
#include <thread>

namespace tessera {

std::string Device::name() const {
  return kind == DeviceKind::kCpu ? "cpu" : "cuda:" + std::to_string(index);
}

Result<Device> parse_device_name(std::string_view name) {
  Device device;
  if (name == "cpu") return device;
  constexpr std::string_view kCuda = "cuda:";
  if (name.substr(0, kCuda.size()) == kCuda) {
    const std::string_view digits = name.substr(kCuda.size());
    int index = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && index >= 0) {
      device.kind = DeviceKind::kCuda;
      device.index = index;
      return device;
    }
  }
  return invalid_argument("device '" + std::string(name) + "': expected cpu or cuda:N");
}

uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

int online_cores() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n > 0) return static_cast<int>(n);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

Device cpu_device(uint64_t memory_bytes, int cores) {
  Device device;
  if (memory_bytes == 0) {
    const uint64_t ram = physical_memory_bytes();
    memory_bytes = ram > kCpuMemoryReserveBytes ? ram - kCpuMemoryReserveBytes : ram / 2;
  }
  device.memory_bytes = memory_bytes;
  device.compute_units = cores > 0 ? cores : online_cores();
  return device;
}

}  // namespace tessera
