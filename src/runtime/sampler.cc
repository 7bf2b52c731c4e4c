#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace tessera {

Status SamplingParams::validate() const {
  if (!(temperature >= 0.0f) || temperature > 100.0f) {
    return invalid_argument("temperature must be in [0, 100], got " + std::to_string(temperature));
  }
  if (!(top_p > 0.0f && top_p <= 1.0f)) {
    return invalid_argument("top_p must be in (0, 1], got " + std::to_string(top_p));
  }
  if (!(min_p >= 0.0f && min_p <= 1.0f)) {
    return invalid_argument("min_p must be in [0, 1], got " + std::to_string(min_p));
  }
  if (!(repeat_penalty > 0.0f)) {
    return invalid_argument("repeat_penalty must be positive, got " +
                            std::to_string(repeat_penalty));
  }
  if (!(std::abs(presence_penalty) <= 2.0f) || !(std::abs(frequency_penalty) <= 2.0f)) {
    return invalid_argument("presence_penalty and frequency_penalty must be in [-2, 2]");
  }
  if (repeat_last_n < 0) return invalid_argument("repeat_last_n must not be negative");
  return {};
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

void Sampler::apply_penalties(std::span<float> logits, std::span<const int32_t> history) const {
  const bool any = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                   params_.frequency_penalty != 0.0f;
  if (!any || params_.repeat_last_n == 0) return;
  const size_t window = std::min(history.size(), static_cast<size_t>(params_.repeat_last_n));
  std::unordered_map<int32_t, int> counts;
  for (size_t i = history.size() - window; i < history.size(); ++i) ++counts[history[i]];
  for (const auto& [id, count] : counts) {
    if (id < 0 || static_cast<size_t>(id) >= logits.size()) continue;
    float& l = logits[static_cast<size_t>(id)];
    l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    l -= params_.presence_penalty + params_.frequency_penalty * static_cast<float>(count);
  }
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history) {
  apply_penalties(logits, history);
  if (params_.temperature <= 0.0f) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  candidates_.clear();
  candidates_.reserve(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    candidates_.push_back({static_cast<int32_t>(i), logits[i]});
  }
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  size_t keep = candidates_.size();
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < keep) {
    keep = static_cast<size_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep),
                      candidates_.end(), by_logit);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  candidates_.resize(keep);
  // Probabilities at temperature 1 for the top-p / min-p cuts, as llama.cpp computes them.
  std::vector<double> probs(keep);
  const float max_logit = candidates_[0].logit;
  double sum = 0.0;
  for (size_t i = 0; i < keep; ++i)
    sum += probs[i] = std::exp(double(candidates_[i].logit - max_logit));
  for (double& p : probs) p /= sum;
  if (params_.top_p < 1.0f) {
    double cumulative = 0.0;
    size_t n = 0;
    while (n < keep) {
      cumulative += probs[n++];
      if (cumulative >= params_.top_p) break;
    }
    keep = std::max<size_t>(n, 1);
  }
  if (params_.min_p > 0.0f) {
    const double threshold = params_.min_p * probs[0];
    size_t n = 1;
    while (n < keep && probs[n] >= threshold) ++n;
    keep = n;
  }
  candidates_.resize(keep);
  std::vector<double> weights(keep);
  for (size_t i = 0; i < keep; ++i) {
    weights[i] = std::exp(double(candidates_[i].logit - max_logit) / params_.temperature);
  }
  std::discrete_distribution<size_t> draw(weights.begin(), weights.end());
  return candidates_[draw(rng_)].id;
}

}  // namespace tessera
