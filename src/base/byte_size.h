// Byte sizes as people write them in configs ("6GiB", "512MiB", "24576MB") and as Tessera prints
// them. Convention: every unit is binary (1 KiB = 1024 B). The decimal-looking KB/MB/GB/TB are
// read as KiB/MiB/GiB/TiB too, because NVIDIA's vGPU profile tables write "24576 MB" for the 24 GiB
// frame buffer of an L4-24C; reading them as powers of ten would make such a profile not fit its
// own GPU. Write a plain number of bytes where an exact decimal size is meant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;
inline constexpr uint64_t kTiB = 1024 * kGiB;

// Parses "<number>[ ]<unit>" where number may have a fraction ("1.5GiB") and unit is one of
// B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB (case-insensitive; none means bytes). The result is
// rounded down to whole bytes. InvalidArgument names the text for empty input, a negative number,
// an unknown unit, or a value past 2^64.
Result<uint64_t> parse_byte_size(std::string_view text);

// "6.00 GiB", "512.00 MiB", "1023 B": the largest binary unit that keeps the value >= 1.
std::string format_bytes(uint64_t bytes);

}  // namespace tessera
