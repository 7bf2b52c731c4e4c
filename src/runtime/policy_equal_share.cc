// equal-share: the active slice (one with work) that has used the least compute since it became
// active runs next, for up to a time slice. A slice that becomes active after being idle (longer
// than the grace of policy.h) starts level with the least-served active slice, so time it spent
// idle is not banked; a step that overruns its turn is paid back because its compute counts in
// full. A turn survives the engine's turnaround between steps (anticipation, policy.h).
#include <algorithm>

#include "runtime/policy.h"

namespace tessera {
namespace {

class EqualSharePolicy final : public Policy {
 public:
  EqualSharePolicy(const Clock& clock, PolicyOptions options)
      : Policy(clock, std::move(options)),
        used_ns_(options_.shares.size(), 0),
        active_(options_.shares.size(), false),
        turnaround_(options_.shares.size()) {}

  PolicyKind kind() const override { return PolicyKind::kEqualShare; }

  Pick pick(std::span<const SliceView> views) override {
    const int n = static_cast<int>(views.size());
    int64_t floor = kNever;
    for (int i = 0; i < n; ++i) {
      if (active_[i]) floor = std::min(floor, used_ns_[i]);
    }
    if (floor == kNever) floor = floor_ns_;
    const int64_t now = clock_.now_ns();
    turnaround_.observe(views, now);
    for (int i = 0; i < n; ++i) {
      if (views[i].has_work) {
        if (!active_[i]) used_ns_[i] = std::max(used_ns_[i], floor);
        active_[i] = true;
      } else if (now - turnaround_.idle_since_ns(i) >= kIdleGraceTimeSlices * time_slice_ns()) {
        active_[i] = false;
      }
    }
    floor_ns_ = std::max(floor_ns_, floor);
    if (current_ >= 0 && turn_ns_ < time_slice_ns()) {
      if (views[current_].has_work) return {current_, kNever};
      int64_t wake = 0;
      if (turnaround_.anticipate(current_, now, anticipation_ns(), &wake)) return {-1, wake};
    }
    // Least compute used; ties go round robin from the slice after the current one.
    int best = -1;
    for (int k = 1; k <= n; ++k) {
      const int i = ((current_ < 0 ? -1 : current_) + k + n) % n;
      if (views[i].has_work && (best < 0 || used_ns_[i] < used_ns_[best])) best = i;
    }
    if (best < 0) return {};
    current_ = best;
    turn_ns_ = 0;
    return {best, kNever};
  }

  void charge(int slice, int64_t duration_ns) override {
    used_ns_[slice] += duration_ns;
    turn_ns_ += duration_ns;
  }

 private:
  std::vector<int64_t> used_ns_;  // compute charged, levelled when a slice becomes active
  std::vector<bool> active_;      // has work, or had it less than the grace ago
  TurnaroundTracker turnaround_;
  int64_t floor_ns_ = 0;
  int current_ = -1;
  int64_t turn_ns_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_equal_share_policy(const Clock& clock, PolicyOptions options) {
  return std::make_unique<EqualSharePolicy>(clock, std::move(options));
}

}  // namespace tessera
