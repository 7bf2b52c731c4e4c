// Picks the next token from logits: repetition/presence/frequency penalties, then top-k, top-p,
// min-p and temperature (the order llama.cpp applies them), then a seeded draw. Temperature ≤ 0 is
// greedy. One Sampler per sequence: it owns that sequence's random stream.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera {

struct SamplingParams {
  float temperature = 0.8f;
  int32_t top_k = 40;              // ≤ 0: off
  float top_p = 0.95f;             // ≥ 1: off
  float min_p = 0.05f;             // ≤ 0: off; keeps tokens with p ≥ min_p · p_max
  float repeat_penalty = 1.0f;     // 1: off; divides positive logits, multiplies negative ones
  int32_t repeat_last_n = 64;      // how many recent tokens the penalties look at
  float presence_penalty = 0.0f;   // subtracted once from every token seen
  float frequency_penalty = 0.0f;  // subtracted per occurrence
  uint64_t seed = 0;

  // Checks ranges; errors name the field as a request would (e.g. "top_p").
  Status validate() const;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // `history` is the sequence so far (prompt and generated). `logits` is modified in place.
  int32_t sample(std::span<float> logits, std::span<const int32_t> history);

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };

  void apply_penalties(std::span<float> logits, std::span<const int32_t> history) const;

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<Candidate> candidates_;
};

}  // namespace tessera
