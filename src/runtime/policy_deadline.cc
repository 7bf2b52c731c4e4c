// deadline: earliest deadline first over the heads of the slice queues, bounded by the shares.
// Each slice with work accrues "lag" at its share of wall time and pays it with the compute it
// gets; a slice whose lag reaches one time slice is owed service and runs before EDF's choice (the
// most-owed first). So no slice with work falls more than a time slice plus one step behind its
// share, while EDF decides everything the shares leave open. Lag is not banked while a slice is
// idle (longer than the grace of policy.h), and a slice's surplus (negative lag) is forgiven beyond
// one time slice plus one step, so a slice EDF favoured earlier is not punished later. A slice that
// is owed service keeps the device through the engine's turnaround between its steps (anticipation,
// policy.h).
#include <algorithm>

#include "runtime/policy.h"

namespace tessera {
namespace {

class DeadlinePolicy final : public Policy {
 public:
  DeadlinePolicy(const Clock& clock, PolicyOptions options)
      : Policy(clock, std::move(options)),
        lag_ns_(options_.shares.size(), 0),
        backlogged_(options_.shares.size(), false),
        turnaround_(options_.shares.size()),
        last_ns_(clock_.now_ns()) {}

  PolicyKind kind() const override { return PolicyKind::kDeadline; }

  Pick pick(std::span<const SliceView> views) override {
    accrue();
    const int n = static_cast<int>(views.size());
    const int64_t now = clock_.now_ns();
    turnaround_.observe(views, now);
    for (int i = 0; i < n; ++i) {
      if (views[i].has_work) {
        backlogged_[i] = true;
      } else if (now - turnaround_.idle_since_ns(i) >= kIdleGraceTimeSlices * time_slice_ns()) {
        backlogged_[i] = false;
        lag_ns_[i] = std::min(lag_ns_[i], 0.0);
      }
    }
    // Anticipation: the slice that ran last is owed service and its next step is on the way.
    const auto owed_ns = static_cast<double>(time_slice_ns());
    int64_t wake = 0;
    if (last_ >= 0 && !views[last_].has_work && lag_ns_[last_] >= owed_ns &&
        turnaround_.anticipate(last_, now, anticipation_ns(), &wake)) {
      return {-1, wake};
    }
    int owed = -1;
    for (int i = 0; i < n; ++i) {
      if (!views[i].has_work || lag_ns_[i] < owed_ns) continue;
      if (owed < 0 || lag_ns_[i] > lag_ns_[owed]) owed = i;
    }
    if (owed >= 0) {
      last_ = owed;
      return {owed, kNever};
    }
    int earliest = -1;
    for (int i = 0; i < n; ++i) {
      if (!views[i].has_work) continue;
      if (earliest < 0 || views[i].head_deadline_ns < views[earliest].head_deadline_ns ||
          (views[i].head_deadline_ns == views[earliest].head_deadline_ns &&
           lag_ns_[i] > lag_ns_[earliest])) {
        earliest = i;
      }
    }
    if (earliest < 0) return {};
    last_ = earliest;
    return {earliest, kNever};
  }

  void charge(int slice, int64_t duration_ns) override {
    accrue();
    max_step_ns_ = std::max(max_step_ns_, duration_ns);
    const auto floor = -static_cast<double>(time_slice_ns() + max_step_ns_);
    lag_ns_[slice] = std::max(lag_ns_[slice] - static_cast<double>(duration_ns), floor);
  }

 private:
  // Lag accrues for the backlogged slices (with work, or idle for less than the grace).
  void accrue() {
    const int64_t now = clock_.now_ns();
    const auto elapsed = static_cast<double>(now - last_ns_);
    last_ns_ = now;
    for (size_t i = 0; i < lag_ns_.size(); ++i) {
      if (backlogged_[i]) lag_ns_[i] += options_.shares[i] * elapsed;
    }
  }

  std::vector<double> lag_ns_;
  std::vector<bool> backlogged_;
  TurnaroundTracker turnaround_;
  int64_t last_ns_;
  int64_t max_step_ns_ = 0;
  int last_ = -1;  // the slice picked last
};

}  // namespace

std::unique_ptr<Policy> make_deadline_policy(const Clock& clock, PolicyOptions options) {
  return std::make_unique<DeadlinePolicy>(clock, std::move(options));
}

}  // namespace tessera
