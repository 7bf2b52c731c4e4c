#include "runtime/policy.h"

#include <algorithm>

namespace tessera {

const char* policy_name(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kBestEffort:
      return "best-effort";
    case PolicyKind::kEqualShare:
      return "equal-share";
    case PolicyKind::kFixedShare:
      return "fixed-share";
    case PolicyKind::kDeadline:
      return "deadline";
  }
  return "best-effort";
}

Result<PolicyKind> policy_from_name(std::string_view name) {
  for (PolicyKind k : {PolicyKind::kBestEffort, PolicyKind::kEqualShare, PolicyKind::kFixedShare,
                       PolicyKind::kDeadline}) {
    if (name == policy_name(k)) return k;
  }
  return invalid_argument("policy '" + std::string(name) +
                          "': expected best-effort, equal-share, fixed-share or deadline");
}

void TurnaroundTracker::observe(std::span<const SliceView> views, int64_t now_ns) {
  for (size_t i = 0; i < views.size(); ++i) {
    if (views[i].has_work) {
      if (idle_since_ns_[i] != kNever) {
        const int64_t gap = std::max<int64_t>(views[i].head_enqueue_ns - idle_since_ns_[i], 0);
        turnaround_ns_[i] = (3 * turnaround_ns_[i] + gap) / 4;
        idle_since_ns_[i] = kNever;
      }
    } else if (idle_since_ns_[i] == kNever) {
      idle_since_ns_[i] = now_ns;
    }
  }
}

bool TurnaroundTracker::anticipate(int i, int64_t now_ns, int64_t anticipation_ns,
                                   int64_t* wake_ns) const {
  const auto k = static_cast<size_t>(i);
  if (idle_since_ns_[k] == kNever || turnaround_ns_[k] >= anticipation_ns) return false;
  *wake_ns = idle_since_ns_[k] + anticipation_ns;
  return now_ns < *wake_ns;
}

std::unique_ptr<Policy> make_policy(PolicyKind kind, const Clock& clock, PolicyOptions options) {
  switch (kind) {
    case PolicyKind::kBestEffort:
      return make_best_effort_policy(clock, std::move(options));
    case PolicyKind::kEqualShare:
      return make_equal_share_policy(clock, std::move(options));
    case PolicyKind::kFixedShare:
      return make_fixed_share_policy(clock, std::move(options));
    case PolicyKind::kDeadline:
      return make_deadline_policy(clock, std::move(options));
  }
  return make_best_effort_policy(clock, std::move(options));
}

}  // namespace tessera
