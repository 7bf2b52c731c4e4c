// best-effort: work-conserving round robin, one turn (up to a time slice of steps) per slice.
#include "runtime/policy.h"

namespace tessera {
namespace {

class BestEffortPolicy final : public Policy {
 public:
  using Policy::Policy;
  PolicyKind kind() const override { return PolicyKind::kBestEffort; }

  Pick pick(std::span<const SliceView> views) override {
    const int n = static_cast<int>(views.size());
    if (current_ >= 0 && views[current_].has_work && turn_ns_ < time_slice_ns()) {
      return {current_, kNever};
    }
    // The next slice with work after the current one; the current one itself comes last.
    for (int k = 1; k <= n; ++k) {
      const int i = ((current_ < 0 ? -1 : current_) + k + n) % n;
      if (views[i].has_work) {
        current_ = i;
        turn_ns_ = 0;
        return {i, kNever};
      }
    }
    return {};
  }

  void charge(int /*slice*/, int64_t duration_ns) override { turn_ns_ += duration_ns; }

 private:
  int current_ = -1;
  int64_t turn_ns_ = 0;
};

}  // namespace

std::unique_ptr<Policy> make_best_effort_policy(const Clock& clock, PolicyOptions options) {
  return std::make_unique<BestEffortPolicy>(clock, std::move(options));
}

}  // namespace tessera
