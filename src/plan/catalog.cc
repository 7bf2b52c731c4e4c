#include "plan/catalog.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "base/yaml_fields.h"

namespace tessera::plan {
namespace {

constexpr double kMaxTflops = 1e6;
constexpr double kMaxBandwidthGbS = 1e6;
constexpr double kMaxPowerW = 1e5;
constexpr double kMaxPriceUsd = 1e9;
constexpr int64_t kMaxGpusPerHost = 64;
constexpr int64_t kMaxProfilesPerGpu = 64;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class CatalogParser {
 public:
  explicit CatalogParser(const std::string& source) : y_(source) {}

  Result<Catalog> parse(const std::string& text) {
    TESSERA_ASSIGN_OR_RETURN(const YAML::Node root, y_.load(text));
    if (!root || root.IsNull()) return y_.error(root, "empty catalog: expected gpus:");
    TESSERA_RETURN_IF_ERROR(y_.check_keys(
        root, "catalog", {"sources", "default_gpu", "compare", "gpus", "planning", "tco"}));
    Catalog c;
    c.origin = y_.source();
    for (const char* key : {"sources", "gpus", "planning", "tco"}) {
      TESSERA_RETURN_IF_ERROR(y_.require(root, "catalog", key));
    }
    TESSERA_RETURN_IF_ERROR(parse_sources(root["sources"], c));
    const YAML::Node gpus = root["gpus"];
    if (!gpus.IsSequence() || gpus.size() == 0) {
      return y_.error(gpus, "gpus: expected a non-empty list, got " + YamlFields::kind(gpus));
    }
    for (size_t i = 0; i < gpus.size(); ++i) {
      TESSERA_ASSIGN_OR_RETURN(GpuSpec g, parse_gpu(gpus[i], "gpus[" + std::to_string(i) + "]", c));
      for (const GpuSpec& other : c.gpus) {
        if (lower(other.name) == lower(g.name)) {
          return y_.error(gpus[i],
                          "gpus[" + std::to_string(i) + "]: GPU '" + g.name + "' is listed twice");
        }
      }
      c.gpus.push_back(std::move(g));
    }
    TESSERA_RETURN_IF_ERROR(parse_factors(root["planning"], "planning", kPlanningFactors, c));
    TESSERA_RETURN_IF_ERROR(parse_factors(root["tco"], "tco", kTcoFactors, c));
    c.default_gpu = c.gpus.front().name;
    if (root["default_gpu"]) {
      TESSERA_ASSIGN_OR_RETURN(const std::string name, y_.text(root["default_gpu"], "default_gpu"));
      Result<const GpuSpec*> g = c.gpu(name);
      if (!g.ok()) return y_.error(root["default_gpu"], "default_gpu: " + g.status().message());
      c.default_gpu = (*g)->name;
    }
    if (root["compare"]) {
      const YAML::Node list = root["compare"];
      if (!list.IsSequence()) {
        return y_.error(list,
                        "compare: expected a list of GPU names, got " + YamlFields::kind(list));
      }
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "compare[" + std::to_string(i) + "]";
        TESSERA_ASSIGN_OR_RETURN(const std::string name, y_.text(list[i], path));
        Result<const GpuSpec*> g = c.gpu(name);
        if (!g.ok()) return y_.error(list[i], path + ": " + g.status().message());
        c.compare.push_back((*g)->name);
      }
    }
    return c;
  }

 private:
  Status parse_sources(const YAML::Node& node, Catalog& c) {
    if (!node.IsMap() || node.size() == 0) {
      return y_.error(
          node, "sources: expected a map of name: description, got " + YamlFields::kind(node));
    }
    for (const auto& entry : node) {
      const YAML::Node key = entry.first, value = entry.second;
      TESSERA_ASSIGN_OR_RETURN(const std::string name, y_.text(key, "sources"));
      TESSERA_ASSIGN_OR_RETURN(const std::string text, y_.text(value, "sources." + name));
      c.sources[name] = text;
    }
    return {};
  }

  // A source reference: present, and one of sources:.
  Status source_ref(const YAML::Node& node, const std::string& path, const Catalog& c,
                    std::string& out) {
    if (!node) return y_.error(node, path + ": missing (every figure needs a source)");
    TESSERA_ASSIGN_OR_RETURN(out, y_.text(node, path));
    if (c.sources.count(out) == 0) {
      std::string known;
      for (const auto& [name, text] : c.sources) known += (known.empty() ? "" : ", ") + name;
      return y_.error(node, path + ": unknown source '" + out + "' (sources: " + known + ")");
    }
    return {};
  }

  Result<GpuSpec> parse_gpu(const YAML::Node& node, const std::string& path, const Catalog& c) {
    TESSERA_RETURN_IF_ERROR(
        y_.check_keys(node, path,
                      {"name", "memory", "bandwidth_gb_s", "tflops", "power_w", "slots", "form",
                       "fp8", "mig", "source", "price_usd", "price_source", "gpus_per_host",
                       "host_source", "vgpu_type", "profiles_source", "profiles"}));
    for (const char* key :
         {"name", "memory", "bandwidth_gb_s", "tflops", "power_w", "fp8", "mig"}) {
      TESSERA_RETURN_IF_ERROR(y_.require(node, path, key));
    }
    GpuSpec g;
    TESSERA_ASSIGN_OR_RETURN(g.name, y_.text(node["name"], path + ".name"));
    const std::string at = path + " (" + g.name + ")";
    TESSERA_RETURN_IF_ERROR(source_ref(node["source"], at + ".source", c, g.source));
    TESSERA_ASSIGN_OR_RETURN(g.memory_bytes, y_.bytes(node["memory"], at + ".memory"));
    TESSERA_ASSIGN_OR_RETURN(
        g.bandwidth_gb_s,
        y_.number(node["bandwidth_gb_s"], at + ".bandwidth_gb_s", 1, kMaxBandwidthGbS));
    TESSERA_RETURN_IF_ERROR(parse_tflops(node["tflops"], at + ".tflops", g));
    TESSERA_ASSIGN_OR_RETURN(g.power_w, y_.number(node["power_w"], at + ".power_w", 1, kMaxPowerW));
    if (node["slots"]) {
      TESSERA_ASSIGN_OR_RETURN(const int64_t slots, y_.integer(node["slots"], at + ".slots", 0, 8));
      g.slots = static_cast<int>(slots);
    }
    if (node["form"]) {
      TESSERA_ASSIGN_OR_RETURN(g.form, y_.text(node["form"], at + ".form"));
    }
    TESSERA_ASSIGN_OR_RETURN(g.fp8, y_.boolean(node["fp8"], at + ".fp8"));
    TESSERA_ASSIGN_OR_RETURN(g.mig, y_.boolean(node["mig"], at + ".mig"));
    if (g.fp8 && g.tflops_fp8 <= 0) {
      return y_.error(node["tflops"], at + ".tflops: fp8: true needs an fp8 figure");
    }
    if (!g.fp8 && g.tflops_fp8 > 0) {
      return y_.error(node["fp8"], at + ".fp8: false, but tflops lists an fp8 figure");
    }
    if (node["price_usd"]) {
      TESSERA_ASSIGN_OR_RETURN(g.price_usd,
                               y_.number(node["price_usd"], at + ".price_usd", 0, kMaxPriceUsd));
      TESSERA_RETURN_IF_ERROR(
          source_ref(node["price_source"], at + ".price_source", c, g.price_source));
    }
    if (node["gpus_per_host"]) {
      TESSERA_ASSIGN_OR_RETURN(
          const int64_t n,
          y_.integer(node["gpus_per_host"], at + ".gpus_per_host", 1, kMaxGpusPerHost));
      g.gpus_per_host = static_cast<int>(n);
      TESSERA_RETURN_IF_ERROR(
          source_ref(node["host_source"], at + ".host_source", c, g.host_source));
    }
    if (node["vgpu_type"]) {
      TESSERA_ASSIGN_OR_RETURN(g.vgpu_type, y_.text(node["vgpu_type"], at + ".vgpu_type"));
    }
    if (node["profiles"]) {
      TESSERA_RETURN_IF_ERROR(
          source_ref(node["profiles_source"], at + ".profiles_source", c, g.profiles_source));
      TESSERA_RETURN_IF_ERROR(parse_profiles(node["profiles"], at + ".profiles", g));
    }
    return g;
  }

  Status parse_tflops(const YAML::Node& node, const std::string& path, GpuSpec& g) {
    TESSERA_RETURN_IF_ERROR(y_.check_keys(node, path, {"fp16", "fp8"}));
    TESSERA_RETURN_IF_ERROR(y_.require(node, path, "fp16"));
    TESSERA_ASSIGN_OR_RETURN(g.tflops_fp16,
                             y_.number(node["fp16"], path + ".fp16", 0.001, kMaxTflops));
    if (node["fp8"]) {
      TESSERA_ASSIGN_OR_RETURN(g.tflops_fp8,
                               y_.number(node["fp8"], path + ".fp8", 0.001, kMaxTflops));
    }
    return {};
  }

  Status parse_profiles(const YAML::Node& list, const std::string& path, GpuSpec& g) {
    if (!list.IsSequence() || list.size() == 0 ||
        list.size() > static_cast<size_t>(kMaxProfilesPerGpu)) {
      return y_.error(list, path + ": expected a list of 1.." + std::to_string(kMaxProfilesPerGpu) +
                                " profiles, got " + YamlFields::kind(list));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      TESSERA_RETURN_IF_ERROR(y_.check_keys(
          node, at,
          {"name", "framebuffer", "max_equal", "max_mixed", "mig_compute", "mig_memory"}));
      for (const char* key : {"name", "framebuffer", "max_equal"}) {
        TESSERA_RETURN_IF_ERROR(y_.require(node, at, key));
      }
      CatalogProfile p;
      TESSERA_ASSIGN_OR_RETURN(p.name, y_.text(node["name"], at + ".name"));
      TESSERA_ASSIGN_OR_RETURN(p.framebuffer_bytes,
                               y_.bytes(node["framebuffer"], at + ".framebuffer"));
      if (p.framebuffer_bytes > g.memory_bytes) {
        return y_.error(node["framebuffer"], at + ": profile " + p.name +
                                                 " has more frame buffer than the GPU's memory");
      }
      TESSERA_ASSIGN_OR_RETURN(const int64_t eq,
                               y_.integer(node["max_equal"], at + ".max_equal", 1, 64));
      p.max_equal = static_cast<int>(eq);
      p.max_mixed = p.max_equal;
      if (node["max_mixed"]) {
        TESSERA_ASSIGN_OR_RETURN(const int64_t mixed,
                                 y_.integer(node["max_mixed"], at + ".max_mixed", 1, 64));
        p.max_mixed = static_cast<int>(mixed);
      }
      if (node["mig_compute"] || node["mig_memory"]) {
        if (!g.mig) return y_.error(node, at + ": MIG-backed profile on a GPU with mig: false");
        TESSERA_RETURN_IF_ERROR(y_.require(node, at, "mig_compute"));
        TESSERA_RETURN_IF_ERROR(y_.require(node, at, "mig_memory"));
        TESSERA_ASSIGN_OR_RETURN(const int64_t gc,
                                 y_.integer(node["mig_compute"], at + ".mig_compute", 1, 7));
        TESSERA_ASSIGN_OR_RETURN(const int64_t gm,
                                 y_.integer(node["mig_memory"], at + ".mig_memory", 1, 8));
        p.mig_compute_slices = static_cast<int>(gc);
        p.mig_memory_slices = static_cast<int>(gm);
      }
      g.profiles.push_back(std::move(p));
    }
    return {};
  }

  template <size_t N>
  Status parse_factors(const YAML::Node& node, const std::string& section,
                       const std::string_view (&keys)[N], Catalog& c) {
    if (!node.IsMap()) {
      return y_.error(node, section + ": expected a map, got " + YamlFields::kind(node));
    }
    for (const auto& entry : node) {
      const YAML::Node key = entry.first;
      const std::string name = key.IsScalar() ? key.Scalar() : "?";
      if (std::find(std::begin(keys), std::end(keys), name) == std::end(keys)) {
        std::string list;
        for (std::string_view k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
        return y_.error(key, section + ": unknown key '" + name + "' (expected: " + list + ")");
      }
    }
    for (std::string_view k : keys) {
      const std::string key(k), path = section + "." + key;
      const YAML::Node f = node[key];
      if (!f) return y_.error(node, section + ": missing '" + key + "'");
      TESSERA_RETURN_IF_ERROR(y_.check_keys(f, path, {"value", "source"}));
      TESSERA_RETURN_IF_ERROR(y_.require(f, path, "value"));
      Sourced s;
      TESSERA_ASSIGN_OR_RETURN(s.value, y_.number(f["value"], path + ".value", 0, kMaxPriceUsd));
      TESSERA_RETURN_IF_ERROR(source_ref(f["source"], path + ".source", c, s.source));
      c.factors[key] = s;
    }
    return check_factor_ranges(node, section, c);
  }

  // Fractions must be fractions; a PUE below 1 or zero years are typos, not plans.
  Status check_factor_ranges(const YAML::Node& node, const std::string& section, const Catalog& c) {
    struct Range {
      const char* key;
      double min, max;
    };
    static constexpr Range kRanges[] = {{"memory_utilization", 0.05, 1},
                                        {"decode_bandwidth_efficiency", 0.01, 1},
                                        {"prefill_compute_efficiency", 0.01, 1},
                                        {"gpu_power_fraction", 0, 1},
                                        {"average_load", 0.001, 1},
                                        {"pue", 1, 5},
                                        {"years", 0.1, 30}};
    for (const Range& r : kRanges) {
      const auto it = c.factors.find(r.key);
      if (it == c.factors.end() || !node[r.key]) continue;
      if (it->second.value < r.min || it->second.value > r.max) {
        return y_.error(node[r.key], section + "." + r.key + ": " +
                                         std::to_string(it->second.value) + " is outside " +
                                         std::to_string(r.min) + ".." + std::to_string(r.max));
      }
    }
    return {};
  }

  YamlFields y_;
};

}  // namespace

std::vector<const CatalogProfile*> GpuSpec::profiles_of_kind(bool mig_backed) const {
  std::vector<const CatalogProfile*> out;
  for (const CatalogProfile& p : profiles) {
    if (p.mig() == mig_backed) out.push_back(&p);
  }
  std::stable_sort(out.begin(), out.end(), [](const CatalogProfile* a, const CatalogProfile* b) {
    return a->framebuffer_bytes < b->framebuffer_bytes;
  });
  return out;
}

Result<const GpuSpec*> Catalog::gpu(std::string_view name) const {
  for (const GpuSpec& g : gpus) {
    if (lower(g.name) == lower(name)) return &g;
  }
  return invalid_argument("unknown GPU '" + std::string(name) + "' (known: " + gpu_names() + ")");
}

std::string Catalog::gpu_names() const {
  std::string out;
  for (const GpuSpec& g : gpus) out += (out.empty() ? "" : ", ") + g.name;
  return out;
}

double Catalog::factor(const std::string& key) const {
  const auto it = factors.find(key);
  return it == factors.end() ? 0 : it->second.value;
}

Status Catalog::set_factor(std::string_view assignment) {
  const size_t eq = assignment.find('=');
  const std::string key(assignment.substr(0, eq == std::string_view::npos ? 0 : eq));
  if (eq == std::string_view::npos || key.empty()) {
    return invalid_argument("--set '" + std::string(assignment) + "': expected KEY=VALUE");
  }
  const auto it = factors.find(key);
  if (it == factors.end()) {
    std::string known;
    for (const auto& [k, v] : factors) known += (known.empty() ? "" : ", ") + k;
    return invalid_argument("--set: unknown key '" + key + "' (known: " + known + ")");
  }
  const std::string text(assignment.substr(eq + 1));
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(v >= 0) || v > kMaxPriceUsd) {
    return invalid_argument("--set " + key + ": expected a non-negative number, got '" + text +
                            "'");
  }
  // The same ranges as the catalog file: re-parse would be overkill for one number.
  if ((key == "pue" && v < 1) || (key.find("efficiency") != std::string::npos && v > 1) ||
      ((key == "memory_utilization" || key == "average_load") && (v <= 0 || v > 1)) ||
      (key == "gpu_power_fraction" && v > 1) || (key == "years" && v <= 0)) {
    return invalid_argument("--set " + key + "=" + text + ": out of range");
  }
  it->second = {v, "--set"};
  return {};
}

Result<Catalog> parse_catalog(const std::string& yaml, const std::string& source) {
  try {
    return CatalogParser(source).parse(yaml);
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws from lookups on odd documents (a key that is a map, ...).
    return YamlFields(source).error_at(e.mark, e.msg);
  }
}

Result<Catalog> load_catalog(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(const std::string text, read_text_file(path));
  return parse_catalog(text, path);
}

Result<Catalog> builtin_catalog() {
  return parse_catalog(std::string(hardware_catalog_text()), "built-in data/hardware.yaml");
}

}  // namespace tessera::plan
