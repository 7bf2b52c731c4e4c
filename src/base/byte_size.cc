#include "base/byte_size.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace tessera {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<uint64_t> unit_multiplier(std::string_view unit, std::string_view text) {
  const std::string u = lower(unit);
  if (u.empty() || u == "b") return uint64_t{1};
  if (u == "k" || u == "kb" || u == "kib") return kKiB;
  if (u == "m" || u == "mb" || u == "mib") return kMiB;
  if (u == "g" || u == "gb" || u == "gib") return kGiB;
  if (u == "t" || u == "tb" || u == "tib") return kTiB;
  return invalid_argument("byte size '" + std::string(text) + "': unknown unit '" +
                          std::string(unit) + "' (use B, KiB, MiB, GiB or TiB)");
}

}  // namespace

Result<uint64_t> parse_byte_size(std::string_view text) {
  const std::string what = "byte size '" + std::string(text) + "'";
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && text[i] == '-') return invalid_argument(what + ": must not be negative");
  uint64_t whole = 0;
  size_t digits = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
    const uint64_t d = static_cast<uint64_t>(text[i] - '0');
    if (whole > (UINT64_MAX - d) / 10) return invalid_argument(what + ": too large");
    whole = whole * 10 + d;
  }
  // The fraction is kept as digits over a power of ten so "1.5GiB" is exact.
  uint64_t frac = 0, frac_scale = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      if (frac_scale < 1'000'000'000'000ull) {
        frac = frac * 10 + static_cast<uint64_t>(text[i] - '0');
        frac_scale *= 10;
      }
    }
  }
  if (digits == 0) return invalid_argument(what + ": expected a number like 6GiB or 512MiB");
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t end = text.size();
  while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  TESSERA_ASSIGN_OR_RETURN(const uint64_t mult, unit_multiplier(text.substr(i, end - i), text));
  if (whole > UINT64_MAX / mult) return invalid_argument(what + ": too large");
  const uint64_t base = whole * mult;
  // frac/frac_scale * mult, computed in long double: exact enough below 2^64 and never above it.
  const auto extra = static_cast<uint64_t>(static_cast<long double>(frac) * mult / frac_scale);
  if (base > UINT64_MAX - extra) return invalid_argument(what + ": too large");
  return base + extra;
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < kKiB) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f %s", value, kUnits[unit]);
  return buf;
}

}  // namespace tessera
