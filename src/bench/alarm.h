// The over-consolidation alarm: tail latency climbs steeply from one load level to the next while
// the device's average utilisation still looks healthy. That pattern means requests wait on each
// other (head-of-line blocking between co-located models, a scheduler letting one slice starve
// another), not on a saturated device, so adding load or models will hurt tails first.
//
// Rule: fires at level i > 0 when p99[i] > growth_factor * p99[i-1] and the device utilisation
// measured during level i is below utilisation_threshold. Without a utilisation measurement it
// never fires (the signal is the combination, not the jump alone).
#pragma once

#include <optional>
#include <string>

namespace tessera::bench {

struct AlarmRule {
  double growth_factor = 3.0;          // --alarm-p99-growth
  double utilisation_threshold = 0.6;  // --alarm-utilisation (busy seconds / wall seconds)
};

struct AlarmInput {
  double previous_p99_ms = 0;
  double p99_ms = 0;
  std::optional<double> utilisation;  // this level's, if the server's metrics were scraped
};

// The reason text when the alarm fires, nothing otherwise.
std::optional<std::string> consolidation_alarm(const AlarmRule& rule, const AlarmInput& input);

}  // namespace tessera::bench
