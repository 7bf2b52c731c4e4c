#include "plan/calibrate.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/yaml_fields.h"

namespace tessera::plan {
namespace {

Result<double> positive(const nlohmann::json& row, const char* key, const std::string& where) {
  if (!row.contains(key)) return invalid_argument(where + ": missing '" + key + "'");
  const nlohmann::json& v = row[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0) {
    return invalid_argument(where + ": '" + key + "': expected a positive number, got " + v.dump());
  }
  return v.get<double>();
}

}  // namespace

Result<Calibration> parse_calibration(const std::string& text, const std::string& source,
                                      const GpuSpec* reference_gpu) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  std::optional<double> read_gb_s, bytes_per_token, decode_tok_s;
  int rows = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = source + ":" + std::to_string(line_no);
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return invalid_argument(
          where + ": not a JSON object per line (run `tessera perf --json`): " + e.what());
    }
    if (!row.is_object()) return invalid_argument(where + ": expected a JSON object");
    if (row.contains("probe")) {
      TESSERA_ASSIGN_OR_RETURN(read_gb_s, positive(row, "read_gb_s", where));
      TESSERA_ASSIGN_OR_RETURN(bytes_per_token, positive(row, "weight_bytes_per_token", where));
      continue;
    }
    if (!row.contains("batch")) {
      return invalid_argument(where + ": neither a probe line nor a batch row");
    }
    TESSERA_ASSIGN_OR_RETURN(const double batch, positive(row, "batch", where));
    TESSERA_ASSIGN_OR_RETURN(const double tok_s, positive(row, "decode_tok_s", where));
    ++rows;
    if (batch == 1) decode_tok_s = tok_s;
  }
  if (!bytes_per_token) {
    return invalid_argument(source +
                            ": no bandwidth probe line; measure with `tessera perf MODEL --json "
                            "--probe-bandwidth`");
  }
  if (!decode_tok_s) {
    return invalid_argument(source + ": no row with batch 1 among " + std::to_string(rows) +
                            " rows; measure with --batch 1");
  }
  Calibration c;
  c.against_gb_s = reference_gpu ? reference_gpu->bandwidth_gb_s : *read_gb_s;
  const double achieved_gb_s = *decode_tok_s * *bytes_per_token / 1e9;
  c.decode_efficiency = achieved_gb_s / c.against_gb_s;
  if (c.decode_efficiency > 1.0) {
    return invalid_argument(source + ": decode reads " + std::to_string(achieved_gb_s) +
                            " GB/s, more than the " + std::to_string(c.against_gb_s) +
                            " GB/s it is measured against; was it run on another machine?");
  }
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "decode efficiency %.2f from %s: %.1f tok/s × %.0f MB per token = %.1f GB/s of "
                "%.1f GB/s (%s)",
                c.decode_efficiency, source.c_str(), *decode_tok_s, *bytes_per_token / 1e6,
                achieved_gb_s, c.against_gb_s,
                reference_gpu ? (reference_gpu->name + " datasheet").c_str() : "probed");
  c.summary = buf;
  return c;
}

Result<Calibration> load_calibration(const std::string& path, const GpuSpec* reference_gpu) {
  TESSERA_ASSIGN_OR_RETURN(const std::string text, read_text_file(path));
  return parse_calibration(text, path, reference_gpu);
}

}  // namespace tessera::plan
