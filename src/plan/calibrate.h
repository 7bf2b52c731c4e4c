// Calibrating the performance estimate from a measured run: the JSON lines of
// `tessera perf MODEL --json --probe-bandwidth [--batch 1,...]`. The probe line gives the bytes
// one decode step reads (weight_bytes_per_token) and the machine's streaming read bandwidth; the
// batch-1 row gives the decode speed. Decode efficiency = decode_tok_s × bytes per token ÷ the
// bandwidth it is measured against: the datasheet bandwidth of `reference_gpu` when the run was on
// that GPU, else the probe's measured bandwidth (how close the engine gets to streaming reads).
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "plan/catalog.h"
#include "plan/performance.h"

namespace tessera::plan {

struct Calibration {
  double decode_efficiency = 0;
  double against_gb_s = 0;  // the bandwidth it is relative to
  std::string summary;      // one line for the report
};

Result<Calibration> parse_calibration(const std::string& text, const std::string& source,
                                      const GpuSpec* reference_gpu);
Result<Calibration> load_calibration(const std::string& path, const GpuSpec* reference_gpu);

}  // namespace tessera::plan
