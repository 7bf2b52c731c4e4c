// Deterministic pseudo-random numbers for synthetic weights. A tensor's values depend only on the
// seed and the tensor's name, so adding a tensor never changes the others, and the generator is
// specified here (splitmix64, uniform floats) rather than left to a standard library's
// distribution, which differs between implementations.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1), 24 bits of resolution so every value is exact in float.
  float uniform_pm1() {
    constexpr float kScale = 1.0f / static_cast<float>(1u << 23);
    return static_cast<float>(static_cast<int32_t>(next() >> 40) - (1 << 23)) * kScale;
  }

 private:
  uint64_t state_;
};

// FNV-1a, to mix a tensor name into the seed.
inline uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

}  // namespace tessera
