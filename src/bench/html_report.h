// A self-contained HTML report (inline SVG, no scripts, no downloads): the per-level table,
// latency (p50/p90/p99) against offered load, and the latency CDF of each level.
#pragma once

#include <string>
#include <vector>

#include "bench/report.h"

namespace tessera::bench {

std::string format_html(const std::vector<LevelReport>& levels, const std::string& title);

}  // namespace tessera::bench
