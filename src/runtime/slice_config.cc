#include "runtime/slice_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "base/byte_size.h"
#include "base/yaml_fields.h"

namespace tessera {
namespace {

// Shares are fractions; sums within this of 1 are not an over-commit (25% × 4 in binary).
constexpr double kShareEpsilon = 1e-9;

// The config's own names for the shared YAML readers (base/yaml_fields.h).
class Parser {
 public:
  explicit Parser(const std::string& source) : fields_(source) {}

  Status error(const YAML::Mark& mark, const std::string& message) const {
    return fields_.error_at(mark, message);
  }
  Status error(const YAML::Node& node, const std::string& message) const {
    return fields_.error(node, message);
  }
  // The node must be a map whose keys are all in `allowed`, each at most once (yaml-cpp keeps the
  // first of repeated keys silently; a repeat is almost always an editing mistake).
  Status check_map(const YAML::Node& node, const std::string& path,
                   std::initializer_list<std::string_view> allowed) const {
    return fields_.check_keys(node, path, allowed);
  }
  Result<std::string> scalar(const YAML::Node& node, const std::string& path) const {
    return fields_.text(node, path);
  }
  static std::string kind(const YAML::Node& node) { return YamlFields::kind(node); }
  const std::string& source() const { return fields_.source(); }

 private:
  YamlFields fields_;
};

// Wraps a value parser's message with the node's position and path.
template <typename T>
Result<T> at(const Parser& p, const YAML::Node& node, const std::string& path, Result<T> value) {
  if (value.ok()) return value;
  return p.error(node, path + ": " + value.status().message());
}

Result<int64_t> parse_positive_int(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    return invalid_argument("expected a positive whole number, got '" + std::string(text) + "'");
  }
  return v;
}

Result<double> parse_number(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return invalid_argument("expected a number, got '" + s + "'");
  }
  return v;
}

// "25%", "0.25" → 0.25, in (0, 1].
Result<double> parse_share(std::string_view text) {
  double v = 0;
  if (!text.empty() && text.back() == '%') {
    Result<double> pct = parse_number(text.substr(0, text.size() - 1));
    if (!pct.ok())
      return invalid_argument("expected a percentage like 25% or a fraction like 0.25");
    v = *pct / 100.0;
  } else {
    Result<double> frac = parse_number(text);
    if (!frac.ok())
      return invalid_argument("expected a percentage like 25% or a fraction like 0.25");
    v = *frac;
  }
  if (!(v > 0) || v > 1 + kShareEpsilon) {
    return invalid_argument("share '" + std::string(text) + "' must be above 0% and at most 100%");
  }
  return std::min(v, 1.0);
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g%%", share * 100.0);
  return buf;
}

std::string milliseconds(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g ms", static_cast<double>(ns) / kNsPerMs);
  return buf;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

struct ParsedSlice {
  SliceSpec spec;
  YAML::Mark mark;
  bool has_memory = false;
  bool has_share = false;
  bool has_mode = false;
  bool has_cores = false;
  YAML::Mark share_mark, cores_mark, mode_mark;
};

Status parse_device(const Parser& p, const YAML::Node& node, DeviceConfig& config,
                    bool& memory_given, bool& cores_given) {
  TESSERA_RETURN_IF_ERROR(
      p.check_map(node, "device", {"name", "type", "memory", "cores", "profile_mode"}));
  if (node["name"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string name, p.scalar(node["name"], "device.name"));
    TESSERA_ASSIGN_OR_RETURN(config.device,
                             at(p, node["name"], "device.name", parse_device_name(name)));
  }
  if (node["type"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string type, p.scalar(node["type"], "device.type"));
    const GpuType* gpu = find_gpu_type(type);
    if (gpu == nullptr) {
      return p.error(node["type"],
                     "device.type: unknown GPU type '" + type + "' (expected L4, L40S or H100)");
    }
    config.device.gpu_type = std::string(gpu->name);
  }
  if (node["memory"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["memory"], "device.memory"));
    TESSERA_ASSIGN_OR_RETURN(config.device.memory_bytes,
                             at(p, node["memory"], "device.memory", parse_byte_size(text)));
    if (config.device.memory_bytes == 0) {
      return p.error(node["memory"], "device.memory: must be more than 0 bytes");
    }
    memory_given = true;
  }
  if (node["cores"]) {
    if (config.device.kind != DeviceKind::kCpu) {
      return p.error(node["cores"], "device.cores: only a cpu device has cores");
    }
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["cores"], "device.cores"));
    TESSERA_ASSIGN_OR_RETURN(const int64_t cores,
                             at(p, node["cores"], "device.cores", parse_positive_int(text)));
    config.device.compute_units = static_cast<int>(std::min<int64_t>(cores, 1 << 20));
    cores_given = true;
  }
  if (node["profile_mode"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string mode,
                             p.scalar(node["profile_mode"], "device.profile_mode"));
    if (mode == "equal-size") {
      config.profile_mode = ProfileMode::kEqualSize;
    } else if (mode == "mixed-size") {
      config.profile_mode = ProfileMode::kMixedSize;
    } else {
      return p.error(node["profile_mode"],
                     "device.profile_mode: '" + mode + "': expected equal-size or mixed-size");
    }
  }
  return {};
}

Status parse_scheduler(const Parser& p, const YAML::Node& node, DeviceConfig& config,
                       bool& time_slice_given) {
  TESSERA_RETURN_IF_ERROR(p.check_map(node, "scheduler", {"policy", "time_slice", "anticipation"}));
  if (node["policy"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string name, p.scalar(node["policy"], "scheduler.policy"));
    TESSERA_ASSIGN_OR_RETURN(config.scheduler.policy,
                             at(p, node["policy"], "scheduler.policy", policy_from_name(name)));
  }
  if (node["time_slice"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text,
                             p.scalar(node["time_slice"], "scheduler.time_slice"));
    TESSERA_ASSIGN_OR_RETURN(const int64_t ns, at(p, node["time_slice"], "scheduler.time_slice",
                                                  parse_duration_ns(text)));
    if (ns < kMinTimeSliceNs || ns > kMaxTimeSliceNs) {
      return p.error(node["time_slice"],
                     "scheduler.time_slice: '" + text + "' is outside 1ms..30ms");
    }
    config.scheduler.time_slice_ns = ns;
    time_slice_given = true;
  }
  if (node["anticipation"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text,
                             p.scalar(node["anticipation"], "scheduler.anticipation"));
    TESSERA_ASSIGN_OR_RETURN(
        config.scheduler.anticipation_ns,
        at(p, node["anticipation"], "scheduler.anticipation", parse_duration_ns(text)));
    if (config.scheduler.anticipation_ns > kMaxTimeSliceNs) {
      return p.error(node["anticipation"],
                     "scheduler.anticipation: '" + text + "' is longer than 30ms");
    }
  }
  return {};
}

Result<ParsedSlice> parse_slice(const Parser& p, const YAML::Node& node, size_t index) {
  const std::string path = "slices[" + std::to_string(index) + "]";
  TESSERA_RETURN_IF_ERROR(
      p.check_map(node, path, {"name", "profile", "memory", "share", "mode", "cores", "deadline"}));
  ParsedSlice s;
  s.mark = node.Mark();
  s.spec.line = node.Mark().line + 1;
  if (!node["name"]) return p.error(node, path + ": missing 'name'");
  TESSERA_ASSIGN_OR_RETURN(s.spec.name, p.scalar(node["name"], path + ".name"));
  if (!valid_name(s.spec.name)) {
    return p.error(node["name"],
                   path + ".name: '" + s.spec.name + "' must be letters, digits, '-', '_' or '.'");
  }
  const std::string where = "slice '" + s.spec.name + "'";
  if (node["profile"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string name, p.scalar(node["profile"], path + ".profile"));
    s.spec.profile = find_profile(name);
    if (s.spec.profile == nullptr) {
      return p.error(node["profile"],
                     where + ": unknown profile '" + name + "' (known: " + profile_names() + ")");
    }
  }
  if (node["memory"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["memory"], path + ".memory"));
    TESSERA_ASSIGN_OR_RETURN(s.spec.memory_bytes,
                             at(p, node["memory"], where + " memory", parse_byte_size(text)));
    if (s.spec.memory_bytes == 0) return p.error(node["memory"], where + ": memory must be > 0");
    s.has_memory = true;
  }
  if (node["share"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["share"], path + ".share"));
    TESSERA_ASSIGN_OR_RETURN(s.spec.share,
                             at(p, node["share"], where + " share", parse_share(text)));
    s.has_share = true;
    s.share_mark = node["share"].Mark();
  }
  if (node["mode"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["mode"], path + ".mode"));
    TESSERA_ASSIGN_OR_RETURN(s.spec.mode, at(p, node["mode"], where, slice_mode_from_name(text)));
    s.has_mode = true;
    s.mode_mark = node["mode"].Mark();
  }
  if (node["cores"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text, p.scalar(node["cores"], path + ".cores"));
    TESSERA_ASSIGN_OR_RETURN(const int64_t cores,
                             at(p, node["cores"], where + " cores", parse_positive_int(text)));
    s.spec.cores = static_cast<int>(std::min<int64_t>(cores, 1 << 20));
    s.has_cores = true;
    s.cores_mark = node["cores"].Mark();
  }
  if (node["deadline"]) {
    TESSERA_ASSIGN_OR_RETURN(const std::string text,
                             p.scalar(node["deadline"], path + ".deadline"));
    TESSERA_ASSIGN_OR_RETURN(s.spec.deadline_ns,
                             at(p, node["deadline"], where + " deadline", parse_duration_ns(text)));
  }
  return s;
}

// Memory, share and mode of one slice from its profile or its free-form keys.
Status resolve_slice(const Parser& p, const DeviceConfig& config, ParsedSlice& s) {
  const std::string where = "slice '" + s.spec.name + "'";
  SliceSpec& spec = s.spec;
  if (spec.profile != nullptr) {
    const Profile& profile = *spec.profile;
    if (s.has_memory || s.has_share) {
      return p.error(s.mark, where + ": profile " + std::string(profile.name) +
                                 " sets memory and share; give either a profile or memory/share");
    }
    if (!config.device.gpu_type.empty() && config.device.gpu_type != profile.gpu) {
      return p.error(s.mark, where + ": profile " + std::string(profile.name) + " is for an " +
                                 std::string(profile.gpu) + ", the device is an " +
                                 config.device.gpu_type);
    }
    const SliceMode wanted = profile.mig() ? SliceMode::kSpatial : SliceMode::kTimeSliced;
    if (s.has_mode && spec.mode != wanted) {
      return p.error(s.mode_mark, where + ": profile " + std::string(profile.name) + " is " +
                                      (profile.mig() ? "MIG-backed (spatial)" : "time-sliced") +
                                      ", not " + slice_mode_name(spec.mode));
    }
    spec.mode = wanted;
    spec.memory_bytes = profile.framebuffer_bytes;
    spec.share = profile_share(profile);
    if (s.has_cores) return p.error(s.cores_mark, where + ": cores do not apply to a profile");
    return {};
  }
  if (spec.mode == SliceMode::kExclusive) {
    if (!s.has_memory) spec.memory_bytes = config.device.memory_bytes;
    if (s.has_share && spec.share < 1.0) {
      return p.error(s.share_mark, where + ": an exclusive slice owns the device (share 100%)");
    }
    spec.share = 1.0;
    return {};
  }
  if (!s.has_memory) {
    return p.error(s.mark, where + ": needs a 'memory' quota (e.g. memory: 6GiB) or a 'profile'");
  }
  if (spec.mode == SliceMode::kSpatial) {
    if (config.device.kind != DeviceKind::kCpu) {
      return p.error(s.mark, where + ": spatial slices on " + config.device.name() +
                                 " need a MIG-backed profile (dedicated SMs via green contexts "
                                 "are not implemented yet)");
    }
    const int units = config.device.compute_units;
    if (!s.has_cores && !s.has_share) {
      return p.error(s.mark, where + ": a spatial slice needs 'cores' (or a share of whole cores)");
    }
    if (!s.has_cores) {
      const double cores = spec.share * units;
      if (std::fabs(cores - std::round(cores)) > 1e-6 || std::round(cores) < 1) {
        return p.error(s.share_mark, where + ": share " + percent(spec.share) + " of " +
                                         std::to_string(units) +
                                         " cores is not a whole number of "
                                         "cores; give 'cores' instead");
      }
      spec.cores = static_cast<int>(std::round(cores));
    }
    const double from_cores = static_cast<double>(spec.cores) / units;
    if (s.has_share && std::fabs(from_cores - spec.share) > 1e-6) {
      return p.error(s.share_mark, where + ": share " + percent(spec.share) + " disagrees with " +
                                       std::to_string(spec.cores) + " of " + std::to_string(units) +
                                       " cores");
    }
    spec.share = from_cores;
    return {};
  }
  if (s.has_cores) return p.error(s.cores_mark, where + ": cores apply to spatial slices only");
  return {};
}

// Dedicated cores of spatial slices must leave the time-sliced slices at least one.
Status check_cores(const Parser& p, const YAML::Node& slices_node, const DeviceConfig& config,
                   const std::vector<ParsedSlice>& parsed) {
  int spatial_cores = 0, time_sliced = 0;
  std::string terms;
  for (const ParsedSlice& s : parsed) {
    if (s.spec.mode == SliceMode::kSpatial && s.spec.profile == nullptr) {
      spatial_cores += s.spec.cores;
      terms += (terms.empty() ? "" : " + ") + s.spec.name + " (line " +
               std::to_string(s.spec.line) + ") " + std::to_string(s.spec.cores);
    }
    if (s.spec.mode == SliceMode::kTimeSliced) ++time_sliced;
  }
  const int units = config.device.compute_units;
  if (spatial_cores == 0) return {};
  if (spatial_cores > units || (spatial_cores == units && time_sliced > 0)) {
    return p.error(slices_node,
                   "spatial slices take " + terms + " = " + std::to_string(spatial_cores) + " of " +
                       std::to_string(units) + " cores" +
                       (time_sliced > 0 ? ", leaving none for time-sliced slices" : ""));
  }
  return {};
}

Status check_over_commit(const Parser& p, const YAML::Node& slices_node, const DeviceConfig& config,
                         const std::vector<ParsedSlice>& parsed) {
  const Device& d = config.device;
  uint64_t memory = 0;
  double share = 0;
  std::string memory_terms, share_terms;
  for (const ParsedSlice& s : parsed) {
    const SliceSpec& spec = s.spec;
    memory += spec.memory_bytes;
    share += spec.share;
    const std::string who = spec.name + " (line " + std::to_string(spec.line) + ") ";
    memory_terms += (memory_terms.empty() ? "" : " + ") + who + format_bytes(spec.memory_bytes);
    share_terms += (share_terms.empty() ? "" : " + ") + who + percent(spec.share);
  }
  if (memory > d.memory_bytes) {
    return p.error(slices_node, "slices over-commit " + d.name() + " memory: " + memory_terms +
                                    " = " + format_bytes(memory) + " > " +
                                    format_bytes(d.memory_bytes) + " capacity");
  }
  if (share > 1.0 + kShareEpsilon) {
    return p.error(slices_node, "slices over-commit " + d.name() + " compute: " + share_terms +
                                    " = " + percent(share) + " > 100%");
  }
  return {};
}

}  // namespace

int DeviceConfig::spatial_cores() const {
  int n = 0;
  for (const SliceSpec& s : slices) {
    if (s.mode == SliceMode::kSpatial && s.profile == nullptr) n += s.cores;
  }
  return n;
}

Result<int64_t> parse_duration_ns(std::string_view text) {
  size_t unit = 0;
  while (unit < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit])) || text[unit] == '.')) {
    ++unit;
  }
  Result<double> value = parse_number(text.substr(0, unit));
  const std::string_view suffix = text.substr(unit);
  double scale = 0;
  if (suffix == "ns") scale = 1;
  if (suffix == "us") scale = 1e3;
  if (suffix == "ms" || suffix.empty()) scale = 1e6;
  if (suffix == "s") scale = 1e9;
  if (!value.ok() || scale == 0 || *value < 0 || *value * scale > 9e18) {
    return invalid_argument("expected a duration like 2ms, 500us or 1s, got '" + std::string(text) +
                            "'");
  }
  return static_cast<int64_t>(std::llround(*value * scale));
}

namespace {

Result<DeviceConfig> parse_config(const Parser& p, const YAML::Node& loaded) {
  const YAML::Node& root = loaded;  // const: lookups of absent keys must not insert them
  if (root.IsNull()) return p.error(YAML::Mark::null_mark(), "empty config: expected slices:");
  TESSERA_RETURN_IF_ERROR(p.check_map(root, "config", {"device", "scheduler", "slices"}));

  DeviceConfig config;
  config.source = p.source();
  bool memory_given = false, cores_given = false, time_slice_given = false;
  if (root["device"]) {
    TESSERA_RETURN_IF_ERROR(parse_device(p, root["device"], config, memory_given, cores_given));
  }
  if (!memory_given) {
    if (const GpuType* gpu = find_gpu_type(config.device.gpu_type)) {
      config.device.memory_bytes = gpu->memory_bytes;
    } else if (config.device.kind == DeviceKind::kCpu) {
      config.device.memory_bytes = cpu_device().memory_bytes;
    } else {
      return p.error(root["device"] ? root["device"].Mark() : YAML::Mark::null_mark(),
                     "device " + config.device.name() + ": give device.memory or device.type");
    }
  }
  if (!cores_given && config.device.kind == DeviceKind::kCpu) {
    config.device.compute_units = online_cores();
  }
  if (root["scheduler"]) {
    TESSERA_RETURN_IF_ERROR(parse_scheduler(p, root["scheduler"], config, time_slice_given));
  }

  const YAML::Node slices = root["slices"];
  if (!slices) return p.error(root, "missing 'slices': a list of slices");
  if (!slices.IsSequence() || slices.size() == 0) {
    return p.error(slices, "slices: expected a non-empty list, got " + Parser::kind(slices));
  }
  std::vector<ParsedSlice> parsed;
  std::map<std::string, int> names;
  for (size_t i = 0; i < slices.size(); ++i) {
    TESSERA_ASSIGN_OR_RETURN(ParsedSlice s, parse_slice(p, slices[i], i));
    const auto [it, inserted] = names.emplace(s.spec.name, s.spec.line);
    if (!inserted) {
      return p.error(s.mark, "slice '" + s.spec.name + "' is already defined on line " +
                                 std::to_string(it->second));
    }
    TESSERA_RETURN_IF_ERROR(resolve_slice(p, config, s));
    parsed.push_back(std::move(s));
  }
  for (const ParsedSlice& s : parsed) {
    if (s.spec.mode == SliceMode::kExclusive && parsed.size() > 1) {
      return p.error(s.mark, "slice '" + s.spec.name + "' is exclusive (owns " +
                                 config.device.name() + "), but " +
                                 std::to_string(parsed.size() - 1) + " other slices are defined");
    }
  }

  TESSERA_RETURN_IF_ERROR(check_cores(p, slices, config, parsed));

  // Time-sliced free-form slices without a share split what the others leave.
  double assigned = 0;
  int unassigned = 0;
  for (const ParsedSlice& s : parsed) {
    const bool open =
        s.spec.mode == SliceMode::kTimeSliced && s.spec.profile == nullptr && !s.has_share;
    if (open) {
      ++unassigned;
    } else {
      assigned += s.spec.share;
    }
  }
  if (unassigned > 0) {
    const double each = (1.0 - assigned) / unassigned;
    for (ParsedSlice& s : parsed) {
      if (s.spec.mode != SliceMode::kTimeSliced || s.spec.profile != nullptr || s.has_share) {
        continue;
      }
      if (each <= kShareEpsilon) {
        return p.error(s.mark, "slice '" + s.spec.name + "' has no share left: the others take " +
                                   percent(assigned));
      }
      s.spec.share = each;
    }
  }
  // vGPU profile rules on a device of that GPU type.
  std::vector<const Profile*> claimed;
  int densest = 0;
  for (const ParsedSlice& s : parsed) {
    if (s.spec.profile == nullptr) continue;
    claimed.push_back(s.spec.profile);
    densest = std::max(densest, s.spec.profile->max_equal);
  }
  if (!claimed.empty() && !config.device.gpu_type.empty()) {
    Status rules = check_profile_counts(config.device.gpu_type, claimed, config.profile_mode);
    if (!rules.ok()) return p.error(slices, rules.message());
  }
  TESSERA_RETURN_IF_ERROR(check_over_commit(p, slices, config, parsed));

  if (config.scheduler.policy == PolicyKind::kFixedShare &&
      config.profile_mode == ProfileMode::kMixedSize) {
    return p.error(root["scheduler"] ? root["scheduler"]["policy"].Mark() : root.Mark(),
                   "scheduler.policy: fixed-share is not supported in mixed-size mode "
                   "(NVIDIA vGPU); use best-effort or equal-share, or profile_mode: equal-size");
  }
  if (!time_slice_given && densest > kDenseTimeSliceAboveVgpus) {
    config.scheduler.time_slice_ns = kDenseTimeSliceNs;
  }
  for (ParsedSlice& s : parsed) config.slices.push_back(std::move(s.spec));
  return config;
}

}  // namespace

Result<DeviceConfig> parse_device_config(std::string_view yaml, const std::string& source) {
  const Parser p(source);
  YAML::Node loaded;
  try {
    loaded = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return p.error(e.mark, "malformed YAML: " + e.msg);
  }
  // The parser checks a node's kind before reading it; this catches what yaml-cpp still throws
  // (a bug there or here), so a bad file is an error, never a crash.
  try {
    return parse_config(p, loaded);
  } catch (const YAML::Exception& e) {
    return p.error(e.mark, "cannot read the config: " + e.msg);
  }
}

std::vector<CapacityOption> larger_capacities(const DeviceConfig& config, const SliceSpec& slice) {
  std::vector<CapacityOption> out;
  if (slice.profile != nullptr) {
    for (const Profile* p : profiles_of(slice.profile->gpu)) {
      if (p->mig() == slice.profile->mig() && p->framebuffer_bytes > slice.memory_bytes) {
        out.push_back({"profile " + std::string(p->name), p->framebuffer_bytes});
      }
    }
    return out;
  }
  uint64_t claimed = 0;
  for (const SliceSpec& s : config.slices) claimed += s.memory_bytes;
  if (claimed < config.device.memory_bytes) {
    const uint64_t unclaimed = config.device.memory_bytes - claimed;
    out.push_back({"'" + slice.name + "' with the " + format_bytes(unclaimed) + " of " +
                       config.device.name() + " that no slice claims",
                   slice.memory_bytes + unclaimed});
  }
  return out;
}

Result<DeviceConfig> load_device_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(path + ": cannot open the slices config");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return io_error(path + ": read failed");
  return parse_device_config(text.str(), path);
}

std::string describe(const DeviceConfig& c) {
  const Device& d = c.device;
  std::string out = "device " + d.name();
  if (!d.gpu_type.empty()) {
    out += " (type " + d.gpu_type + ", " + profile_mode_name(c.profile_mode) + " mode)";
  }
  out += ": memory " + format_bytes(d.memory_bytes);
  if (d.kind == DeviceKind::kCpu) out += ", " + std::to_string(d.compute_units) + " cores";
  out += "\nscheduler: " + std::string(policy_name(c.scheduler.policy)) + ", time slice " +
         milliseconds(c.scheduler.time_slice_ns) + ", anticipation " +
         milliseconds(c.scheduler.anticipation_ns) + "\n";
  char line[256];
  std::snprintf(line, sizeof(line), "%-16s %-12s %-12s %8s %-12s %6s %10s\n", "slice", "mode",
                "memory", "share", "profile", "cores", "deadline");
  out += line;
  uint64_t memory = 0;
  double share = 0;
  for (const SliceSpec& s : c.slices) {
    memory += s.memory_bytes;
    share += s.share;
    const std::string deadline = s.deadline_ns > 0 ? milliseconds(s.deadline_ns) : "-";
    std::snprintf(line, sizeof(line), "%-16s %-12s %-12s %8s %-12s %6s %10s\n", s.name.c_str(),
                  slice_mode_name(s.mode), format_bytes(s.memory_bytes).c_str(),
                  percent(s.share).c_str(), s.profile ? std::string(s.profile->name).c_str() : "-",
                  s.cores > 0 ? std::to_string(s.cores).c_str() : "-", deadline.c_str());
    out += line;
  }
  std::snprintf(line, sizeof(line), "%-16s %-12s %-12s %8s\n", "total", "",
                format_bytes(memory).c_str(), percent(share).c_str());
  out += line;
  return out;
}

}  // namespace tessera
