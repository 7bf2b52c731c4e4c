// fixed-share: every slice accrues credit at its share of wall time, with or without work; a slice
// runs only while its credit is positive, so time it leaves unused is not given to the others (the
// device idles instead). Credit is capped at one time slice plus the longest step seen: enough for
// a full turn after waiting a round, too little to bank idle time. A step that overruns leaves the
// credit negative and the slice waits until it has paid the overrun back. A turn survives the
// engine's turnaround between steps (anticipation, policy.h).
#include <algorithm>
#include <cmath>

#include "runtime/policy.h"

namespace tessera {
namespace {

class FixedSharePolicy final : public Policy {
 public:
  FixedSharePolicy(const Clock& clock, PolicyOptions options)
      : Policy(clock, std::move(options)),
        credit_ns_(options_.shares.size(), static_cast<double>(options_.time_slice_ns)),
        turnaround_(options_.shares.size()),
        last_ns_(clock_.now_ns()) {}

  PolicyKind kind() const override { return PolicyKind::kFixedShare; }

  Pick pick(std::span<const SliceView> views) override {
    accrue();
    const int n = static_cast<int>(views.size());
    const int64_t now = clock_.now_ns();
    turnaround_.observe(views, now);
    if (current_ >= 0 && credit_ns_[current_] > 0 && turn_ns_ < time_slice_ns()) {
      if (views[current_].has_work) return {current_, kNever};
      int64_t wake = 0;
      if (turnaround_.anticipate(current_, now, anticipation_ns(), &wake)) return {-1, wake};
    }
    for (int k = 1; k <= n; ++k) {
      const int i = ((current_ < 0 ? -1 : current_) + k + n) % n;
      if (views[i].has_work && credit_ns_[i] > 0) {
        current_ = i;
        turn_ns_ = 0;
        return {i, kNever};
      }
    }
    // Idle until the first slice with work is back in credit.
    Pick idle;
    for (int i = 0; i < n; ++i) {
      const double share = options_.shares[i];
      if (!views[i].has_work || share <= 0) continue;
      const auto wait = static_cast<int64_t>(std::ceil(-credit_ns_[i] / share)) + 1;
      idle.wake_ns = std::min(idle.wake_ns, now + wait);
    }
    return idle;
  }

  void charge(int slice, int64_t duration_ns) override {
    accrue();
    credit_ns_[slice] -= static_cast<double>(duration_ns);
    turn_ns_ += duration_ns;
    max_step_ns_ = std::max(max_step_ns_, duration_ns);
  }

 private:
  void accrue() {
    const int64_t now = clock_.now_ns();
    const auto elapsed = static_cast<double>(now - last_ns_);
    last_ns_ = now;
    const auto cap = static_cast<double>(time_slice_ns() + max_step_ns_);
    for (size_t i = 0; i < credit_ns_.size(); ++i) {
      credit_ns_[i] = std::min(credit_ns_[i] + options_.shares[i] * elapsed, cap);
    }
  }

  std::vector<double> credit_ns_;
  TurnaroundTracker turnaround_;
  int64_t last_ns_;
  int64_t max_step_ns_ = 0;
  int current_ = -1;
  int64_t turn_ns_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_fixed_share_policy(const Clock& clock, PolicyOptions options) {
  return std::make_unique<FixedSharePolicy>(clock, std::move(options));
}

}  // namespace tessera
