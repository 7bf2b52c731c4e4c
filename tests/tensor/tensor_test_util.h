// Helpers shared by the tests of src/tensor/: a portable Gaussian generator
// (std::normal_distribution is implementation-defined, so numbers would differ between standard
// libraries) and encode/decode round trips through the traits table.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/half.h"

namespace tessera::testing {

// SplitMix64: tiny, well-mixed, and fully specified, so a seed gives the same stream everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1): 53 random bits, offset by half a step so log() never sees zero.
  double uniform() {
    constexpr int kMantissaBits = 53;
    constexpr double kStep = 1.0 / static_cast<double>(1ull << kMantissaBits);
    return (static_cast<double>(next() >> (64 - kMantissaBits)) + 0.5) * kStep;
  }
  // Standard normal via Box-Muller (one sample per pair; simplicity over speed).
  double gaussian() {
    const double u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  uint64_t state_;
};

inline std::vector<float> gaussian_vector(uint64_t seed, int64_t n, double sigma = 1.0) {
  SplitMix64 rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = static_cast<float>(sigma * rng.gaussian());
  return v;
}

inline std::vector<uint8_t> encode(DType type, const std::vector<float>& x) {
  const DTypeTraits* t = dtype_traits(type);
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(type, n)));
  t->from_float(x.data(), bytes.data(), n);
  return bytes;
}

inline std::vector<float> decode(DType type, const std::vector<uint8_t>& bytes, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  dtype_traits(type)->to_float(bytes.data(), y.data(), n);
  return y;
}

inline std::vector<float> round_trip(DType type, const std::vector<float>& x) {
  return decode(type, encode(type, x), static_cast<int64_t>(x.size()));
}

// Writes an f16 field little-endian into hand-built block bytes.
inline void put_f16(std::vector<uint8_t>& bytes, size_t offset, float value) {
  const uint16_t bits = f32_to_f16(value);
  bytes[offset] = static_cast<uint8_t>(bits & 0xff);
  bytes[offset + 1] = static_cast<uint8_t>(bits >> 8);
}

inline double rms_error(const std::vector<float>& x, const std::vector<float>& y) {
  double sum = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double diff = static_cast<double>(x[i]) - y[i];
    sum += diff * diff;
  }
  return std::sqrt(sum / static_cast<double>(x.size()));
}

inline double rms(const std::vector<float>& x) {
  return rms_error(x, std::vector<float>(x.size(), 0.0f));
}

}  // namespace tessera::testing
