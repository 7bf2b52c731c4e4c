#include "bench/alarm.h"

#include <cstdio>

namespace tessera::bench {

std::optional<std::string> consolidation_alarm(const AlarmRule& rule, const AlarmInput& input) {
  if (!input.utilisation.has_value() || input.previous_p99_ms <= 0) return std::nullopt;
  if (input.p99_ms <= rule.growth_factor * input.previous_p99_ms) return std::nullopt;
  if (*input.utilisation >= rule.utilisation_threshold) return std::nullopt;
  char text[200];
  std::snprintf(text, sizeof text,
                "p99 grew %.1fx (%.1f ms -> %.1f ms, limit %.1fx) while device utilisation is "
                "%.0f%% (< %.0f%%)",
                input.p99_ms / input.previous_p99_ms, input.previous_p99_ms, input.p99_ms,
                rule.growth_factor, *input.utilisation * 100, rule.utilisation_threshold * 100);
  return std::string(text);
}

}  // namespace tessera::bench
