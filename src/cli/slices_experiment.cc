#include "cli/slices_experiment.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "backend/cpu/cpu_backend.h"
#include "base/clock.h"
#include "models/synthetic.h"
#include "runtime/scheduler.h"
#include "runtime/scheduler_sim.h"
#include "runtime/slice_model.h"

namespace tessera::cli {
namespace {

// Built-in decoders: kWidths[slice % 4] wide, so the four slices' steps differ in length.
constexpr int64_t kWidths[] = {128, 192, 256, 384};
constexpr int64_t kLayers = 4;
constexpr int64_t kHeads = 4;

// One slice at run time: its arena, its model and the latencies its engine saw.
struct Lane {
  std::unique_ptr<Slice> slice;
  std::unique_ptr<SliceModel> model;
  Scheduler* scheduler = nullptr;
  int index = 0;          // in its scheduler
  int64_t period_ns = 0;  // open loop: one step per period; 0: closed loop
  std::vector<int64_t> latencies_ns;
  Status error;
};

// The engine of one slice: decode steps for its sequences until `end_ns`, back to back (closed
// loop), or one per period (open loop; latency counts from when the step was due, so a backlog
// shows).
void drive(Lane& lane, const Clock& clock, int64_t end_ns) {
  SliceModel& m = *lane.model;
  const int64_t cycle = std::min(m.kv().context(), kExperimentContextTokens);
  const int64_t vocab = m.model().config().vocab;
  int64_t pos = 0;
  std::vector<float> logits;
  int64_t due = clock.now_ns();
  while (clock.now_ns() < end_ns) {
    if (lane.period_ns > 0) {
      const int64_t wait = due - clock.now_ns();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    if (pos == 0) {  // new sequences: their KV cache is charged to the slice again
      for (int32_t s = 0; s < kExperimentSequences; ++s) {
        m.kv().drop(s);
        lane.error = m.kv().admit(s);
        if (!lane.error.ok()) return;
      }
    }
    std::vector<BatchToken> batch;
    for (int32_t s = 0; s < kExperimentSequences; ++s) {
      batch.push_back({static_cast<int32_t>((pos * 31 + s * 7) % vocab), s, pos, true});
    }
    Result<StepTiming> t = lane.scheduler->run_step(lane.index, [&] {
      logits.clear();
      lane.error = m.forward(batch, logits);
    });
    if (!t.ok()) {
      lane.error = t.status();
      return;
    }
    if (!lane.error.ok()) return;
    const int64_t from = lane.period_ns > 0 ? std::min(due, t->enqueue_ns) : t->enqueue_ns;
    lane.latencies_ns.push_back(t->end_ns - from);
    due += lane.period_ns;
    pos = (pos + 1) % cycle;
  }
}

ExperimentRow row_of(const Lane& lane, PolicyKind policy, int64_t elapsed_ns) {
  const SliceAccount a = lane.scheduler->accounts()[static_cast<size_t>(lane.index)];
  ExperimentRow r;
  r.policy = policy_name(policy);
  r.slice = lane.slice->name();
  r.configured_share = lane.slice->spec().share;
  r.share = static_cast<double>(a.compute_ns) / static_cast<double>(elapsed_ns);
  r.steps = a.steps;
  r.compute_s = a.compute_seconds();
  r.p50_ms = static_cast<double>(percentile_ns(lane.latencies_ns, 50)) / kNsPerMs;
  r.p99_ms = static_cast<double>(percentile_ns(lane.latencies_ns, 99)) / kNsPerMs;
  r.mean_wait_ms =
      a.steps > 0 ? static_cast<double>(a.wait_ns) / static_cast<double>(a.steps) / kNsPerMs : 0;
  return r;
}

}  // namespace

Result<std::vector<std::string>> experiment_models(const DeviceConfig& config,
                                                   const std::map<std::string, std::string>& paths,
                                                   const std::string& dir) {
  std::vector<std::string> out;
  for (size_t i = 0; i < config.slices.size(); ++i) {
    if (auto given = paths.find(config.slices[i].name); given != paths.end()) {
      out.push_back(given->second);
      continue;
    }
    SyntheticSpec spec;
    spec.layers = kLayers;
    spec.dim = kWidths[i % std::size(kWidths)];
    spec.heads = kHeads;
    spec.context = kExperimentContextTokens;
    spec.seed = i + 1;
    TESSERA_ASSIGN_OR_RETURN(gguf::Writer writer, build_synthetic_model(spec));
    out.push_back(dir + "/" + config.slices[i].name + ".gguf");
    TESSERA_RETURN_IF_ERROR(writer.write(out.back()));
  }
  return out;
}

Result<std::vector<ExperimentRow>> run_experiment_policy(const DeviceConfig& config,
                                                         PolicyKind policy,
                                                         const ExperimentSetup& setup) {
  if (config.device.kind != DeviceKind::kCpu) {
    return invalid_argument(config.source + ": the experiment runs on a cpu device, not on " +
                            config.device.name());
  }
  if (setup.model_paths.size() != config.slices.size()) {
    return invalid_argument("the experiment needs one model per slice");
  }
  SteadyClock clock;
  const int shared_cores = std::max(config.shared_cores(), 1);
  // Time-sliced slices share one backend on the shared cores; the others get their own.
  CpuBackend shared_backend(shared_cores);
  std::vector<std::unique_ptr<CpuBackend>> own_backends;
  std::vector<std::unique_ptr<Scheduler>> schedulers;
  std::vector<SchedulerSlice> shared;  // the time-sliced slices, in config order
  std::vector<Lane> lanes(config.slices.size());
  for (size_t i = 0; i < config.slices.size(); ++i) {
    const SliceSpec& spec = config.slices[i];
    Lane& lane = lanes[i];
    const bool own = spec.mode != SliceMode::kTimeSliced;
    Backend* backend = &shared_backend;
    if (own) {
      own_backends.push_back(std::make_unique<CpuBackend>(std::max(spec.cores, 1)));
      backend = own_backends.back().get();
    }
    lane.slice = std::make_unique<Slice>(spec, *backend);
    if (auto rate = setup.rates.find(spec.name); rate != setup.rates.end()) {
      lane.period_ns = static_cast<int64_t>(static_cast<double>(kNsPerSecond) / rate->second);
    }
    SliceModelOptions options;
    options.context = 0;  // the model's: the footprint is what serving it would reserve
    options.sequences = kExperimentSequences;
    options.batch_tokens = kExperimentSequences;
    const std::vector<CapacityOption> larger = larger_capacities(config, spec);
    TESSERA_ASSIGN_OR_RETURN(lane.model,
                             SliceModel::load(setup.model_paths[i], *lane.slice, options, larger));
    if (own) {
      schedulers.push_back(std::make_unique<Scheduler>(
          std::vector<SchedulerSlice>{{spec.name, 1.0, spec.deadline_ns}}, policy,
          config.scheduler.time_slice_ns, clock, kDefaultMaxQueuedSteps,
          config.scheduler.anticipation_ns));
      lane.scheduler = schedulers.back().get();
    } else {
      lane.index = static_cast<int>(shared.size());
      shared.push_back({spec.name, spec.share, spec.deadline_ns});
    }
  }
  if (!shared.empty()) {
    schedulers.push_back(std::make_unique<Scheduler>(shared, policy, config.scheduler.time_slice_ns,
                                                     clock, kDefaultMaxQueuedSteps,
                                                     config.scheduler.anticipation_ns));
    for (Lane& lane : lanes) {
      if (lane.scheduler == nullptr) lane.scheduler = schedulers.back().get();
    }
  }
  for (auto& s : schedulers) s->start();
  const int64_t start = clock.now_ns();
  const int64_t end = start + static_cast<int64_t>(setup.duration_s * kNsPerSecond);
  std::vector<std::thread> engines;
  for (Lane& lane : lanes) {
    engines.emplace_back([lane = &lane, &clock, end] { drive(*lane, clock, end); });
  }
  for (std::thread& t : engines) t.join();
  const int64_t elapsed = clock.now_ns() - start;
  for (auto& s : schedulers) s->stop();

  std::vector<ExperimentRow> rows;
  for (const Lane& lane : lanes) {
    if (!lane.error.ok()) return lane.error;
    rows.push_back(row_of(lane, policy, elapsed));
  }
  return rows;
}

}  // namespace tessera::cli
