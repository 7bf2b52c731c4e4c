// tessera plan [MODEL.gguf | config.json] [--dims k=v,...] [--fleet FILE]
//              [--context N --sequences N --tokens-in N --tokens-out N --batch-tokens N]
//              [--target-tok-s X | --target-rps X] [--p99-ms X] [--weights auto|stored|f16|...]
//              [--kv f16] [--gpu NAME] [--compare A,B,...|none] [--sharing vgpu|tessera|none]
//              [--mig] [--catalog FILE] [--set KEY=VALUE]... [--calibrate FILE]
//              [--calibrate-gpu NAME] [--json] [--html FILE] [--emit-config DIR]
// Sizes each model on the GPU (decision-flow trace), places the fleet, prices it, and compares
// the same fleet on other GPUs (src/plan/).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "base/byte_size.h"
#include "cli/command.h"
#include "models/architecture.h"
#include "plan/calibrate.h"
#include "plan/emit_config.h"
#include "plan/fleet.h"
#include "plan/model_source.h"
#include "plan/planner.h"
#include "plan/report.h"

namespace tessera::cli {
namespace {

using namespace tessera::plan;

struct PlanFlags {
  std::string model, dims, fleet, name;
  Workload workload;
  std::string weights = "auto", kv = "f16";
  std::string gpu, compare, sharing, catalog, calibrate, calibrate_gpu, html, emit_config;
  std::string overhead;
  std::vector<std::string> set;
  bool mig = false, json = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    if (end > begin) out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

Result<ModelRequest> single_model(const PlanFlags& f) {
  ModelRequest m;
  if (!f.model.empty()) {
    TESSERA_ASSIGN_OR_RETURN(m.shape, load_model_shape(f.model));
    std::ifstream in(f.model, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    m.file = std::string_view(magic, 4) == "GGUF" ? f.model : "";
    m.name = std::filesystem::path(f.model).stem().string();
    if (m.name == "config")
      m.name = std::filesystem::path(f.model).parent_path().filename().string();
  } else {
    TESSERA_ASSIGN_OR_RETURN(ModelDims d, parse_dims(f.dims));
    if (!f.name.empty()) d.name = f.name;
    TESSERA_ASSIGN_OR_RETURN(m.shape, shape_from_dims(d, "--dims"));
    m.name = d.name;
  }
  if (!f.name.empty()) m.name = f.name;
  if (m.name.empty()) m.name = "model";
  m.shape.name = m.name;
  m.workload = f.workload;
  if (m.workload.context > m.shape.max_context) {
    return invalid_argument("--context " + std::to_string(m.workload.context) +
                            " is more than the model's " + std::to_string(m.shape.max_context));
  }
  return m;
}

Status apply_model_flags(const PlanFlags& f, ModelRequest& m) {
  TESSERA_RETURN_IF_ERROR(set_weights(f.weights, m));
  Result<NumberFormat> kv = number_format(f.kv);
  if (!kv.ok()) return invalid_argument("--kv " + kv.status().message());
  m.kv = *kv;
  return {};
}

int run_plan(const PlanFlags& f, const CLI::App& cmd) {
  const char* name = "plan";
  const auto start = std::chrono::steady_clock::now();
  const int inputs =
      (f.model.empty() ? 0 : 1) + (f.dims.empty() ? 0 : 1) + (f.fleet.empty() ? 0 : 1);
  if (inputs != 1) {
    return report_error(name, invalid_argument("give one of MODEL (GGUF or config.json), --dims "
                                               "or --fleet"));
  }
  Result<Catalog> catalog = f.catalog.empty() ? builtin_catalog() : load_catalog(f.catalog);
  if (!catalog.ok()) return report_error(name, catalog.status());
  for (const std::string& s : f.set) {
    if (Status st = catalog->set_factor(s); !st.ok()) return report_error(name, st);
  }
  PlanOptions options;
  if (!f.overhead.empty()) {
    Result<uint64_t> bytes = parse_byte_size(f.overhead);
    if (!bytes.ok())
      return report_error(name, invalid_argument("--overhead: " + bytes.status().message()));
    options.runtime_overhead_bytes = *bytes;
  }
  std::vector<ModelRequest> models;
  std::string gpu = f.gpu;
  std::vector<std::string> compare = split_list(f.compare);
  if (!f.fleet.empty()) {
    Result<Fleet> fleet = load_fleet(f.fleet);
    if (!fleet.ok()) return report_error(name, fleet.status());
    models = std::move(fleet->models);
    if (gpu.empty()) gpu = fleet->gpu;
    if (f.compare.empty()) compare = fleet->compare;
    if (fleet->sharing && f.sharing.empty()) options.sharing = *fleet->sharing;
    if (fleet->mig) options.mig = *fleet->mig;
    // Flags given on the command line override every fleet entry.
    for (ModelRequest& m : models) {
      if (cmd.count("--weights") > 0) {
        if (Status s = set_weights(f.weights, m); !s.ok()) return report_error(name, s);
      }
      if (cmd.count("--kv") > 0) {
        Result<NumberFormat> kv = number_format(f.kv);
        if (!kv.ok()) return report_error(name, invalid_argument("--kv " + kv.status().message()));
        m.kv = *kv;
      }
    }
  } else {
    Result<ModelRequest> m = single_model(f);
    if (!m.ok()) return report_error(name, m.status());
    if (Status s = apply_model_flags(f, *m); !s.ok()) return report_error(name, s);
    models.push_back(std::move(*m));
  }
  if (!f.sharing.empty()) {
    Result<Sharing> sharing = parse_sharing(f.sharing);
    if (!sharing.ok())
      return report_error(name, invalid_argument("--sharing " + sharing.status().message()));
    options.sharing = *sharing;
  }
  options.mig = options.mig || f.mig;
  if (gpu.empty()) gpu = catalog->default_gpu;
  if (compare.empty()) compare = catalog->compare;
  if (compare.size() == 1 && compare[0] == "none") compare.clear();
  std::vector<std::string> gpus = {gpu};
  gpus.insert(gpus.end(), compare.begin(), compare.end());

  PerfParams perf;
  perf.decode_efficiency = catalog->factor("decode_bandwidth_efficiency");
  perf.prefill_efficiency = catalog->factor("prefill_compute_efficiency");
  perf.source = "catalog " + catalog->factors["decode_bandwidth_efficiency"].source;
  std::string calibration;
  if (!f.calibrate.empty()) {
    const GpuSpec* reference = nullptr;
    if (!f.calibrate_gpu.empty()) {
      Result<const GpuSpec*> g = catalog->gpu(f.calibrate_gpu);
      if (!g.ok())
        return report_error(name, invalid_argument("--calibrate-gpu: " + g.status().message()));
      reference = *g;
    }
    Result<Calibration> c = load_calibration(f.calibrate, reference);
    if (!c.ok()) return report_error(name, c.status());
    perf.decode_efficiency = c->decode_efficiency;
    perf.source = "calibrated";
    calibration = c->summary;
  }
  Result<Plan> plan = make_plan(std::move(models), *catalog, gpus, options, perf);
  if (!plan.ok()) return report_error(name, plan.status());
  plan->calibration = calibration;
  if (!f.html.empty()) {
    std::ofstream out(f.html, std::ios::binary | std::ios::trunc);
    out << render_html(*plan);
    out.close();
    if (!out) return report_error(name, io_error(f.html + ": cannot write"));
  }
  if (!f.emit_config.empty()) {
    std::vector<std::string> written;
    if (Status s = emit_config(*plan, f.emit_config, written); !s.ok())
      return report_error(name, s);
    for (const std::string& w : written) std::fprintf(stderr, "wrote %s\n", w.c_str());
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (f.json) {
    std::printf("%s", render_json(*plan).c_str());
  } else {
    std::printf("%s\nplanned %zu models on %zu GPU types in %.1f ms\n", render_text(*plan).c_str(),
                plan->models.size(), plan->gpus.size(), ms);
  }
  // Exit 1 when a model fits nowhere on the GPU planned for: scripts should notice.
  return plan->gpus.front().placement.unplaced.empty() ? kExitOk : kExitFailure;
}

}  // namespace

Action register_plan(CLI::App& root) {
  auto f = std::make_shared<PlanFlags>();
  CLI::App* cmd = root.add_subcommand(
      "plan",
      "Size models to GPUs and vGPU profiles, place a fleet, estimate speed and 3-year TCO");
  cmd->add_option("model", f->model, "GGUF file (header only is read) or HF config.json")
      ->check(CLI::ExistingFile);
  cmd->add_option("--dims", f->dims,
                  "Model by dimensions: layers=,dim=,heads=,kv_heads=,ffn=,vocab=[,context=,"
                  "head_dim=,tied=1,kind=embed|rerank,arch=NAME] (arch: " +
                      architecture_names() + ")");
  cmd->add_option("--name", f->name, "Model name in the report");
  cmd->add_option("--fleet", f->fleet, "Fleet YAML: many models with workloads")
      ->check(CLI::ExistingFile);
  Workload& w = f->workload;
  cmd->add_option("--context", w.context, "Tokens per sequence (default: model's, at most 8192)");
  cmd->add_option("--sequences", w.sequences, "Concurrent sequences")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tokens-in", w.tokens_in, "Prompt tokens per request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tokens-out", w.tokens_out, "Generated tokens per request")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-tokens", w.batch_tokens, "Tokens per prefill pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--target-tok-s", w.target_tokens_per_s, "Target generated tokens/s")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--target-rps", w.target_requests_per_s, "Target requests/s")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--p99-ms", w.p99_ms, "Latency target per request, ms")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--weights", f->weights,
                  "auto (decision flow), stored, f16, fp8, q8_0, q4_k, ...")
      ->capture_default_str();
  cmd->add_option("--kv", f->kv, "KV cache precision: f16, fp8, q8_0, f32")->capture_default_str();
  cmd->add_option("--gpu", f->gpu, "GPU to plan for (default: the catalog's, L4)");
  cmd->add_option("--compare", f->compare, "GPUs to compare, comma-separated, or none");
  cmd->add_option("--sharing", f->sharing, "vgpu (licensed profiles), tessera, or none");
  cmd->add_flag("--mig", f->mig, "Use MIG-backed profiles");
  cmd->add_option("--overhead", f->overhead, "Runtime overhead per instance (default 512MiB)");
  cmd->add_option("--catalog", f->catalog, "Hardware catalog YAML instead of the built-in one")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", f->set, "Override a catalog factor or price: KEY=VALUE (repeatable)");
  cmd->add_option("--calibrate", f->calibrate, "`tessera perf --json --probe-bandwidth` output")
      ->check(CLI::ExistingFile);
  cmd->add_option("--calibrate-gpu", f->calibrate_gpu,
                  "The catalog GPU the calibration ran on (default: relative to the probe)");
  cmd->add_flag("--json", f->json, "JSON instead of text");
  cmd->add_option("--html", f->html, "Also write a self-contained HTML report");
  cmd->add_option("--emit-config", f->emit_config, "Also write slice and model configs to DIR");
  return [f, cmd] { return run_plan(*f, *cmd); };
}

}  // namespace tessera::cli
