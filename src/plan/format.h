// Number formatting shared by the planner's trace and reports.
#pragma once

#include <string>

namespace tessera::plan {

std::string fixed(double v, int digits);  // "%.*f"
std::string pct(double fraction);         // 0.256 -> "26%"
std::string usd(double v);                // 12345.6 -> "$12,346"

}  // namespace tessera::plan
