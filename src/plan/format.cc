#include "plan/format.h"

#include <cmath>
#include <cstdio>

namespace tessera::plan {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pct(double fraction) { return fixed(fraction * 100, 0) + "%"; }

std::string usd(double v) {
  const std::string digits = fixed(std::fabs(v), 0);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-$" : "$") + out;
}

}  // namespace tessera::plan
