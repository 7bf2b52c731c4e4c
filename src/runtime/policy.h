// Scheduling policies: which slice's next Step runs on a device. Each is a pure, deterministic
// object over an injected Clock: it sees only the per-slice views passed to pick() and the step
// durations passed to charge(), so the runtime Scheduler, the unit tests and the simulator all run
// the same code (tests and `sim` on a ManualClock).
//
// The unit scheduled is one engine Step. A slice that is picked keeps the device for consecutive
// steps until its turn has used a time slice (default 2 ms, 1–30 ms like NVIDIA's RmPVMRL); steps
// are not preempted, so a step longer than the time slice is one turn.
//   best-effort  round robin over slices with work, one turn each; work-conserving: idle slices'
//                time goes to the others. A slice with longer steps gets more of the device.
//   equal-share  equal compute among the slices that currently have work: the one with the least
//                compute used since it became active runs next (its overrun is paid back).
//   fixed-share  each slice its configured share of wall time, whether or not others are idle: a
//                slice runs only while its credit (accrued at its share, capped at one time slice
//                plus one step) is positive; otherwise the device idles.
//   deadline     earliest deadline first over the heads of the slice queues, except that a slice
//                owed at least one time slice of its share (accrued while it has work) runs first:
//                EDF orders the work, the shares bound how far any slice falls behind.
#pragma once

#include <climits>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace tessera {

enum class PolicyKind { kBestEffort, kEqualShare, kFixedShare, kDeadline };
const char* policy_name(PolicyKind kind);  // "best-effort", ...
Result<PolicyKind> policy_from_name(std::string_view name);

inline constexpr int64_t kDefaultTimeSliceNs = 2 * kNsPerMs;
// NVIDIA's default for vGPU types that allow more than 8 per GPU.
inline constexpr int64_t kDenseTimeSliceNs = 1 * kNsPerMs;
inline constexpr int kDenseTimeSliceAboveVgpus = 8;
inline constexpr int64_t kMinTimeSliceNs = 1 * kNsPerMs;
inline constexpr int64_t kMaxTimeSliceNs = 30 * kNsPerMs;
inline constexpr int64_t kNever = INT64_MAX;
// A slice whose queue is empty for less than one time slice still counts as busy: that gap is an
// engine's turnaround between its steps (a closed-loop client resubmits right after each step), not
// idleness. Only longer gaps forfeit what equal-share and deadline would otherwise owe the slice.
inline constexpr int kIdleGraceTimeSlices = 1;
// Anticipation: when the slice holding the device (equal-share, fixed-share: its turn is not over;
// deadline: it is owed service) empties its queue, and its recent turnarounds (empty queue to next
// step) were shorter than this, the device waits up to this long for its next step before another
// slice gets it. Without it a closed-loop engine, briefly empty after every step, would lose its
// turn each time and its share with it; open-loop slices, whose gaps are long, are not waited for.
// The cost is at most this much idle time per step. best-effort never waits (it is
// work-conserving by definition). 0 disables.
inline constexpr int64_t kDefaultAnticipationNs = 500'000;

struct PolicyOptions {
  int64_t time_slice_ns = kDefaultTimeSliceNs;
  int64_t anticipation_ns = kDefaultAnticipationNs;
  std::vector<double> shares;  // one per slice, fractions of the device; sets the slice count
};

// What a policy sees of one slice at a decision.
struct SliceView {
  bool has_work = false;
  int64_t head_deadline_ns = kNever;  // deadline of the step at the head of its queue
  int64_t head_enqueue_ns = 0;        // when that step was queued
};

// Per slice: since when its queue is empty, and how long its recent turnarounds were (an average
// with weight 1/4 on the newest), for anticipation.
class TurnaroundTracker {
 public:
  explicit TurnaroundTracker(size_t slices)
      : idle_since_ns_(slices, kNever), turnaround_ns_(slices, 0) {}
  // Call at every decision with the current views.
  void observe(std::span<const SliceView> views, int64_t now_ns);
  // When slice i's queue went empty; kNever while it has work.
  int64_t idle_since_ns(int i) const { return idle_since_ns_[static_cast<size_t>(i)]; }
  // Whether to keep the device idle for slice i now; if so, until `wake_ns`.
  bool anticipate(int i, int64_t now_ns, int64_t anticipation_ns, int64_t* wake_ns) const;

 private:
  std::vector<int64_t> idle_since_ns_;
  std::vector<int64_t> turnaround_ns_;
};

struct Pick {
  int slice = -1;            // -1: leave the device idle
  int64_t wake_ns = kNever;  // when idle: ask again at this time (kNever: on new work only)

  bool idle() const { return slice < 0; }
};

class Policy {
 public:
  Policy(const Clock& clock, PolicyOptions options) : clock_(clock), options_(std::move(options)) {}
  virtual ~Policy() = default;
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;

  virtual PolicyKind kind() const = 0;
  int slices() const { return static_cast<int>(options_.shares.size()); }
  int64_t time_slice_ns() const { return options_.time_slice_ns; }
  int64_t anticipation_ns() const { return options_.anticipation_ns; }

  // The next slice to run a step now; `views` has one entry per slice.
  virtual Pick pick(std::span<const SliceView> views) = 0;
  // The step that pick() chose for `slice` ran `duration_ns` and ended now.
  virtual void charge(int slice, int64_t duration_ns) = 0;

 protected:
  const Clock& clock_;
  const PolicyOptions options_;
};

std::unique_ptr<Policy> make_best_effort_policy(const Clock& clock, PolicyOptions options);
std::unique_ptr<Policy> make_equal_share_policy(const Clock& clock, PolicyOptions options);
std::unique_ptr<Policy> make_fixed_share_policy(const Clock& clock, PolicyOptions options);
std::unique_ptr<Policy> make_deadline_policy(const Clock& clock, PolicyOptions options);
std::unique_ptr<Policy> make_policy(PolicyKind kind, const Clock& clock, PolicyOptions options);

}  // namespace tessera
