#include "runtime/scheduler_sim.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "base/clock.h"
#include "runtime/scheduler.h"

namespace tessera {
namespace {

struct Pending {
  int64_t enqueue_ns;
  int64_t deadline_ns;
};

}  // namespace

int64_t percentile_ns(std::vector<int64_t> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  const auto index = static_cast<size_t>(std::clamp(rank, 1.0, double(samples.size()))) - 1;
  return samples[index];
}

int64_t SimSliceResult::latency_percentile_ns(double p) const {
  return percentile_ns(latencies_ns, p);
}

SimResult simulate(PolicyKind kind, int64_t time_slice_ns, std::span<const SimWorkload> slices,
                   int64_t duration_ns, uint64_t seed, int64_t anticipation_ns) {
  ManualClock clock(0);
  PolicyOptions options;
  options.time_slice_ns = time_slice_ns;
  options.anticipation_ns = anticipation_ns;
  for (const SimWorkload& w : slices) options.shares.push_back(w.share);
  std::unique_ptr<Policy> policy = make_policy(kind, clock, options);

  const size_t n = slices.size();
  std::vector<std::deque<Pending>> queues(n);
  std::vector<int64_t> next_arrival(n, kNever);
  SimResult result;
  result.slices.resize(n);
  uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
  const auto target = [&](size_t i) {
    return slices[i].target_ns > 0 ? slices[i].target_ns : kDefaultStepTargetNs;
  };
  const auto enqueue = [&](size_t i, int64_t at) {
    if (at < slices[i].active_from_ns || at >= slices[i].active_until_ns) return;
    queues[i].push_back({at, at + target(i)});
  };
  for (size_t i = 0; i < n; ++i) {
    const SimWorkload& w = slices[i];
    if (w.arrivals == SimWorkload::Arrivals::kSaturated) {
      next_arrival[i] = w.active_from_ns;
    } else if (w.arrivals == SimWorkload::Arrivals::kPeriodic && w.period_ns > 0) {
      next_arrival[i] = w.active_from_ns;
    }
  }
  std::vector<SliceView> views(n);
  while (clock.now_ns() < duration_ns) {
    const int64_t now = clock.now_ns();
    for (size_t i = 0; i < n; ++i) {
      const SimWorkload& w = slices[i];
      if (w.arrivals == SimWorkload::Arrivals::kSaturated) {
        // Closed loop: one step outstanding while active (it re-arms when the step finishes).
        if (queues[i].empty() && next_arrival[i] <= now && now >= w.active_from_ns &&
            now < w.active_until_ns) {
          enqueue(i, next_arrival[i]);
          next_arrival[i] = kNever;
        }
      } else if (w.arrivals == SimWorkload::Arrivals::kPeriodic) {
        while (next_arrival[i] <= now) {
          enqueue(i, next_arrival[i]);
          next_arrival[i] += w.period_ns;
        }
      }
      views[i].has_work = !queues[i].empty();
      views[i].head_deadline_ns = queues[i].empty() ? kNever : queues[i].front().deadline_ns;
      views[i].head_enqueue_ns = queues[i].empty() ? 0 : queues[i].front().enqueue_ns;
    }
    const Pick pick = policy->pick(views);
    if (pick.idle()) {
      int64_t next = pick.wake_ns;
      for (size_t i = 0; i < n; ++i) {
        int64_t a = next_arrival[i];
        if (slices[i].arrivals == SimWorkload::Arrivals::kSaturated && a != kNever) {
          a = std::max(a, slices[i].active_from_ns);
          if (a >= slices[i].active_until_ns) continue;
        }
        next = std::min(next, a);
      }
      if (next == kNever || next >= duration_ns) {
        clock.set(duration_ns);
        break;
      }
      clock.set(std::max(next, now + 1));
      continue;
    }
    const auto i = static_cast<size_t>(pick.slice);
    const Pending head = queues[i].front();
    queues[i].pop_front();
    int64_t step = slices[i].step_ns;
    if (slices[i].step_jitter_ns > 0) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      const auto span = static_cast<uint64_t>(2 * slices[i].step_jitter_ns + 1);
      step += static_cast<int64_t>((rng >> 33) % span) - slices[i].step_jitter_ns;
    }
    step = std::max<int64_t>(step, 1);
    SimSliceResult& r = result.slices[i];
    r.wait_ns += now - head.enqueue_ns;
    clock.advance(step);
    policy->charge(pick.slice, step);
    r.compute_ns += step;
    r.steps += 1;
    r.latencies_ns.push_back(clock.now_ns() - head.enqueue_ns);
    result.busy_ns += step;
    if (slices[i].arrivals == SimWorkload::Arrivals::kSaturated) {
      next_arrival[i] = clock.now_ns() + slices[i].think_ns;
    }
  }
  result.elapsed_ns = clock.now_ns();
  for (SimSliceResult& r : result.slices) {
    r.compute_share = result.elapsed_ns > 0 ? static_cast<double>(r.compute_ns) /
                                                  static_cast<double>(result.elapsed_ns)
                                            : 0.0;
  }
  return result;
}

}  // namespace tessera
