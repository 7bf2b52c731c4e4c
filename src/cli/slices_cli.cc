// tessera slices check CONFIG.yaml [--model SLICE=PATH]... [--context N] [--sequences N]
//                                  [--batch N]
//   Validates a slices config (device, scheduler, slices) and prints the resolved slices. Each
//   --model is loaded into its slice as the server would (models of one slice add up): it fits,
//   with its footprint, or it is refused with the footprint's explanation (exit 1).
// tessera slices experiment CONFIG.yaml [--duration S] [--policies LIST] [--rate SLICE=N]...
//                                       [--model SLICE=PATH]... [--json]
//   A decoder per slice (--model, else a built-in synthetic one), each engine decoding a batch of
//   sequences in a closed loop (--rate: N steps per second instead), run under each policy for S
//   seconds on the device's cores (slices_experiment.h). Prints per policy and slice the share of
//   wall time its steps computed, steps, and p50/p99 step latency including queueing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "cli/command.h"
#include "cli/slices_experiment.h"
#include "runtime/slice_config.h"
#include "runtime/slice_model.h"

namespace tessera::cli {
namespace {

struct SlicesOptions {
  std::string config;
  std::vector<std::string> models;  // SLICE=PATH
  // check
  int64_t context = 0;
  int64_t sequences = 1;
  int64_t batch_tokens = SliceModelOptions{}.batch_tokens;
  // experiment
  double duration_s = 5;
  std::string policies = "best-effort,equal-share,fixed-share,deadline";
  std::vector<std::string> rates;  // SLICE=STEPS_PER_S
  bool json = false;
};

using Assignment = std::pair<std::string, std::string>;  // slice, value

// Splits each "SLICE=VALUE" of `flag`; the slice must be one of the config's.
Result<std::vector<Assignment>> parse_assignments(const std::vector<std::string>& items,
                                                  const DeviceConfig& config, const char* flag,
                                                  const char* value_name) {
  std::vector<Assignment> out;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return invalid_argument(std::string(flag) + " '" + item + "': expected SLICE=" + value_name);
    }
    const std::string slice = item.substr(0, eq);
    bool known = false;
    for (const SliceSpec& s : config.slices) known = known || s.name == slice;
    if (!known) {
      return invalid_argument(std::string(flag) + " '" + item + "': no slice '" + slice + "' in " +
                              config.source);
    }
    out.emplace_back(slice, item.substr(eq + 1));
  }
  return out;
}

const SliceSpec* find_slice(const DeviceConfig& config, const std::string& name) {
  for (const SliceSpec& s : config.slices) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Loads every --model into its slice, keeping earlier ones loaded, and reports each.
Status check_models(const SlicesOptions& o, const DeviceConfig& config) {
  TESSERA_ASSIGN_OR_RETURN(const std::vector<Assignment> models,
                           parse_assignments(o.models, config, "--model", "PATH"));
  if (o.context < 0 || o.sequences < 1 || o.batch_tokens < 1) {
    return invalid_argument("--context must be at least 0, --sequences and --batch at least 1");
  }
  // One backend per slice, on the cores it would run on; declared first: slices need theirs.
  std::map<std::string, std::unique_ptr<CpuBackend>> backends;
  std::map<std::string, std::unique_ptr<Slice>> slices;
  // Declared after `slices`: the models go before the arenas they are charged to.
  std::vector<std::unique_ptr<SliceModel>> loaded;
  Status first_refusal;
  for (const auto& [slice_name, path] : models) {
    const SliceSpec& spec = *find_slice(config, slice_name);
    std::unique_ptr<Slice>& slice = slices[slice_name];
    if (!slice) {
      const int threads =
          spec.mode == SliceMode::kSpatial ? std::max(spec.cores, 1) : config.shared_cores();
      backends[slice_name] = std::make_unique<CpuBackend>(std::max(threads, 1));
      slice = std::make_unique<Slice>(spec, *backends[slice_name]);
    }
    SliceModelOptions options;
    options.context = o.context;
    options.sequences = o.sequences;
    options.batch_tokens = o.batch_tokens;
    const std::vector<CapacityOption> larger = larger_capacities(config, spec);
    Result<std::unique_ptr<SliceModel>> m = SliceModel::load(path, *slice, options, larger);
    if (!m.ok()) {
      if (m.status().code() != StatusCode::kResourceExhausted) return m.status();
      std::fprintf(stderr, "%s\n", m.status().message().c_str());
      if (first_refusal.ok()) first_refusal = m.status();
      continue;
    }
    std::printf(
        "model '%s' fits slice '%s': %s; %s of the %s quota charged now (the KV cache is "
        "charged as sequences start)\n",
        path.c_str(), slice_name.c_str(), (*m)->footprint().breakdown().c_str(),
        format_bytes(slice->arena().used_bytes()).c_str(),
        format_bytes(slice->arena().quota_bytes()).c_str());
    loaded.push_back(std::move(*m));
  }
  if (!first_refusal.ok()) {
    return resource_exhausted("a model does not fit its slice (explained above)");
  }
  return {};
}

int run_check(const SlicesOptions& o) {
  const char* command = "slices check";
  Result<DeviceConfig> config = load_device_config(o.config);
  if (!config.ok()) return report_error(command, config.status());
  std::printf("%s", describe(*config).c_str());
  std::fflush(stdout);  // before any refusal on stderr
  Status models = check_models(o, *config);
  if (!models.ok()) return report_error(command, models);
  return kExitOk;
}

void print_rows(const std::vector<ExperimentRow>& rows, bool json) {
  double busy = 0;
  for (const ExperimentRow& r : rows) {
    busy += r.share;
    if (json) {
      const nlohmann::ordered_json j = {
          {"policy", r.policy}, {"slice", r.slice},   {"configured_share", r.configured_share},
          {"share", r.share},   {"steps", r.steps},   {"compute_s", r.compute_s},
          {"p50_ms", r.p50_ms}, {"p99_ms", r.p99_ms}, {"mean_wait_ms", r.mean_wait_ms}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%-12s %-12s %6.1f%% %6.1f%% %7llu %9.2f %8.2f %8.2f %9.2f\n", r.policy.c_str(),
                  r.slice.c_str(), r.configured_share * 100, r.share * 100,
                  static_cast<unsigned long long>(r.steps), r.compute_s, r.p50_ms, r.p99_ms,
                  r.mean_wait_ms);
    }
  }
  if (!json) std::printf("%-12s %-12s %7s %6.1f%%\n", "", "(busy)", "", busy * 100);
  std::fflush(stdout);
}

// Removes the experiment's scratch directory (its synthetic models) on every return path.
struct ScratchDir {
  std::string path;
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

int run_experiment(const SlicesOptions& o) {
  const char* command = "slices experiment";
  Result<DeviceConfig> config = load_device_config(o.config);
  if (!config.ok()) return report_error(command, config.status());
  if (!(o.duration_s > 0) || o.duration_s > 600) {
    return report_error(command, invalid_argument("--duration must be in (0, 600] seconds"));
  }
  ExperimentSetup setup;
  setup.duration_s = o.duration_s;
  Result<std::vector<Assignment>> rates =
      parse_assignments(o.rates, *config, "--rate", "STEPS_PER_SECOND");
  if (!rates.ok()) return report_error(command, rates.status());
  for (const auto& [slice, text] : *rates) {
    char* end = nullptr;
    const double rate = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !(rate > 0) || rate > 1e6) {
      return report_error(command, invalid_argument("--rate " + slice + "=" + text +
                                                    ": expected steps per second in (0, 1e6]"));
    }
    setup.rates[slice] = rate;
  }
  Result<std::vector<Assignment>> models = parse_assignments(o.models, *config, "--model", "PATH");
  if (!models.ok()) return report_error(command, models.status());
  std::map<std::string, std::string> model_of;
  for (const auto& [slice, path] : *models) {
    if (!model_of.emplace(slice, path).second) {
      return report_error(command, invalid_argument("--model: slice '" + slice +
                                                    "' is given two models; the experiment "
                                                    "runs one per slice"));
    }
  }
  std::vector<PolicyKind> policies;
  std::stringstream list(o.policies);
  for (std::string name; std::getline(list, name, ',');) {
    Result<PolicyKind> k = policy_from_name(name);
    if (!k.ok()) return report_error(command, k.status());
    policies.push_back(*k);
  }
  if (policies.empty()) return report_error(command, invalid_argument("--policies is empty"));

  ScratchDir scratch{(std::filesystem::temp_directory_path() / "tessera-slices-XXXXXX").string()};
  if (mkdtemp(scratch.path.data()) == nullptr) {
    scratch.path.clear();
    return report_error(command, io_error("cannot create a temporary directory"));
  }
  Result<std::vector<std::string>> paths = experiment_models(*config, model_of, scratch.path);
  if (!paths.ok()) return report_error(command, paths.status());
  setup.model_paths = std::move(*paths);

  if (!o.json) {
    std::printf("%s\n", describe(*config).c_str());
    std::printf("%-12s %-12s %7s %7s %7s %9s %8s %8s %9s\n", "policy", "slice", "config", "share",
                "steps", "compute_s", "p50_ms", "p99_ms", "wait_ms");
  }
  for (PolicyKind policy : policies) {
    Result<std::vector<ExperimentRow>> rows = run_experiment_policy(*config, policy, setup);
    if (!rows.ok()) return report_error(command, rows.status());
    print_rows(*rows, o.json);
  }
  return kExitOk;
}

}  // namespace

Action register_slices(CLI::App& root) {
  auto options = std::make_shared<SlicesOptions>();
  CLI::App* cmd = root.add_subcommand(
      "slices", "Check a slices config, or run the scheduling experiment on its slices");
  cmd->require_subcommand(1);

  CLI::App* check = cmd->add_subcommand(
      "check", "Validate a slices config, print the slices, and check models against them");
  check->add_option("config", options->config, "Slices config (YAML)")->required();
  check->add_option("--model", options->models,
                    "SLICE=PATH: load this GGUF decoder into the slice (repeatable; a slice's "
                    "models add up)");
  check->add_option("--context", options->context, "Tokens per sequence (0: the model's)")
      ->capture_default_str();
  check->add_option("--sequences", options->sequences, "Sequences resident at once")
      ->capture_default_str();
  check->add_option("--batch", options->batch_tokens, "Tokens per forward pass")
      ->capture_default_str();

  CLI::App* experiment = cmd->add_subcommand(
      "experiment", "A decoder in every slice under each policy: compute shares and latencies");
  experiment->add_option("config", options->config, "Slices config (YAML, a cpu device)")
      ->required();
  experiment->add_option("--duration", options->duration_s, "Seconds per policy")
      ->capture_default_str();
  experiment->add_option("--policies", options->policies, "Comma-separated policies to run")
      ->capture_default_str();
  experiment->add_option("--rate", options->rates,
                         "SLICE=STEPS_PER_S: that slice submits steps open loop at this rate "
                         "(repeatable; others run closed loop)");
  experiment->add_option("--model", options->models,
                         "SLICE=PATH: run this GGUF decoder in the slice (repeatable; default: a "
                         "built-in synthetic decoder)");
  experiment->add_flag("--json", options->json, "One JSON object per slice and policy");
  return
      [options, check] { return check->parsed() ? run_check(*options) : run_experiment(*options); };
}

}  // namespace tessera::cli
