// Every policy on a simulated clock (ManualClock via simulate()), per the slices acceptance:
// 4 saturated slices share equally (equal-share) or as configured (fixed-share, also when the
// others are idle), best-effort gives idle time away, deadline keeps shares and lowers the p99 of
// the slice with the tightest target.
#include <gtest/gtest.h>

#include <vector>

#include "base/clock.h"
#include "runtime/policy.h"
#include "runtime/scheduler_sim.h"

namespace tessera {
namespace {

using Arrivals = SimWorkload::Arrivals;

constexpr int64_t kUs = 1000;
constexpr int64_t kMs = kNsPerMs;
constexpr int64_t kRun = 20 * kNsPerSecond;  // simulated
// "Within 2%": relative to the expected share.
constexpr double kTolerance = 0.02;

SimWorkload saturated(double share, int64_t step_ns, int64_t jitter_ns = 0) {
  SimWorkload w;
  w.arrivals = Arrivals::kSaturated;
  w.share = share;
  w.step_ns = step_ns;
  w.step_jitter_ns = jitter_ns;
  return w;
}

SimWorkload idle(double share) {
  SimWorkload w;
  w.arrivals = Arrivals::kIdle;
  w.share = share;
  return w;
}

// Four slices with very different steps: 0.3 ms, 1 ms, 2.5 ms ± 0.5 ms, 7 ms.
std::vector<SimWorkload> four_saturated(std::vector<double> shares) {
  return {saturated(shares[0], 300 * kUs), saturated(shares[1], 1 * kMs),
          saturated(shares[2], 2500 * kUs, 500 * kUs), saturated(shares[3], 7 * kMs)};
}

void expect_share(const SimResult& r, size_t slice, double expected) {
  EXPECT_NEAR(r.slices[slice].compute_share, expected, expected * kTolerance)
      << "slice " << slice << " got " << r.slices[slice].compute_share;
}

TEST(PolicyTest, EqualShareSplitsEquallyAmongFourSaturatedSlices) {
  const SimResult r = simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs,
                               four_saturated({0.1, 0.2, 0.3, 0.4}), kRun);
  for (size_t i = 0; i < 4; ++i) expect_share(r, i, 0.25);
  EXPECT_GE(r.busy_ns, r.elapsed_ns - 7 * kMs);  // work-conserving
}

TEST(PolicyTest, EqualShareSplitsAmongSlicesWithWorkOnly) {
  std::vector<SimWorkload> w = four_saturated({0.25, 0.25, 0.25, 0.25});
  w[3] = idle(0.25);
  const SimResult r = simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs, w, kRun);
  for (size_t i = 0; i < 3; ++i) expect_share(r, i, 1.0 / 3);
  // A slice that joins late starts level: it does not get back the time it was idle.
  w[3] = saturated(0.25, 1 * kMs);
  w[3].active_from_ns = kRun / 2;
  const SimResult late = simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs, w, kRun);
  EXPECT_NEAR(late.slices[3].compute_share, 0.125, 0.125 * kTolerance);
  EXPECT_NEAR(late.slices[0].compute_share, (1.0 / 3 + 0.25) / 2, 0.3 * kTolerance);
}

TEST(PolicyTest, FixedShareMatchesConfiguredSharesWhenSaturated) {
  const std::vector<double> shares = {0.1, 0.2, 0.3, 0.4};
  const SimResult r =
      simulate(PolicyKind::kFixedShare, kDefaultTimeSliceNs, four_saturated(shares), kRun);
  for (size_t i = 0; i < 4; ++i) expect_share(r, i, shares[i]);
}

TEST(PolicyTest, FixedShareKeepsSharesWhenOthersAreIdle) {
  std::vector<SimWorkload> w = {saturated(0.25, 1 * kMs), idle(0.25), idle(0.25), idle(0.25)};
  const SimResult alone = simulate(PolicyKind::kFixedShare, kDefaultTimeSliceNs, w, kRun);
  expect_share(alone, 0, 0.25);  // idle time is not given away ...
  EXPECT_NEAR(static_cast<double>(alone.busy_ns) / alone.elapsed_ns, 0.25, 0.25 * kTolerance);
  // ... also with long steps (7 ms steps against a 2 ms time slice) and unequal shares.
  w = {saturated(0.1, 7 * kMs), saturated(0.3, 300 * kUs), idle(0.2), idle(0.4)};
  const SimResult two = simulate(PolicyKind::kFixedShare, kDefaultTimeSliceNs, w, kRun);
  expect_share(two, 0, 0.1);
  expect_share(two, 1, 0.3);
}

TEST(PolicyTest, BestEffortGivesIdleTimeAway) {
  std::vector<SimWorkload> w = {saturated(0.25, 1 * kMs), idle(0.25), idle(0.25), idle(0.25)};
  const SimResult alone = simulate(PolicyKind::kBestEffort, kDefaultTimeSliceNs, w, kRun);
  EXPECT_GT(alone.slices[0].compute_share, 0.99);
  // Against a light periodic slice, the saturated one takes everything the light one leaves.
  SimWorkload light;
  light.arrivals = Arrivals::kPeriodic;
  light.step_ns = 1 * kMs;
  light.period_ns = 10 * kMs;
  w[1] = light;
  const SimResult shared = simulate(PolicyKind::kBestEffort, kDefaultTimeSliceNs, w, kRun);
  EXPECT_NEAR(shared.slices[1].compute_share, 0.1, 0.1 * kTolerance);
  EXPECT_NEAR(shared.slices[0].compute_share, 0.9, 0.9 * kTolerance);
}

TEST(PolicyTest, BestEffortFavoursLongerStepsWhenSaturated) {
  // Round robin by turns: a turn is one time slice, or one step when steps are longer.
  const SimResult r = simulate(PolicyKind::kBestEffort, kDefaultTimeSliceNs,
                               four_saturated({0.25, 0.25, 0.25, 0.25}), kRun);
  EXPECT_GE(r.busy_ns, r.elapsed_ns - 7 * kMs);
  // Turns of 2.1, 2, 2.5 and 7 ms: the 7 ms slice gets about half the device.
  EXPECT_GT(r.slices[3].compute_share, 0.45);
  EXPECT_LT(r.slices[0].compute_share, 0.2);
}

TEST(PolicyTest, DeadlineKeepsSharesOfFourSaturatedSlices) {
  std::vector<SimWorkload> w = four_saturated({0.25, 0.25, 0.25, 0.25});
  w[0].target_ns = 2 * kMs;
  for (size_t i = 1; i < 4; ++i) w[i].target_ns = 200 * kMs;
  const SimResult r = simulate(PolicyKind::kDeadline, kDefaultTimeSliceNs, w, kRun);
  for (size_t i = 0; i < 4; ++i) expect_share(r, i, 0.25);
}

TEST(PolicyTest, DeadlineCutsTheP99OfAnInteractiveSlice) {
  // An interactive slice (0.5 ms steps every 4 ms, 2 ms target) beside three saturated batch
  // slices: round robin makes it wait for every other turn; EDF for the running step, plus now and
  // then a step of a batch slice that has fallen a time slice behind its share.
  SimWorkload interactive;
  interactive.arrivals = Arrivals::kPeriodic;
  interactive.step_ns = 500 * kUs;
  interactive.period_ns = 4 * kMs;
  interactive.target_ns = 2 * kMs;
  for (const std::vector<int64_t>& batch_steps :
       {std::vector<int64_t>{1500 * kUs, 1500 * kUs, 1500 * kUs},
        std::vector<int64_t>{1 * kMs, 1500 * kUs, 2 * kMs}}) {
    std::vector<SimWorkload> w = {interactive};
    for (int64_t step : batch_steps) {
      w.push_back(saturated(0.25, step));
      w.back().target_ns = 200 * kMs;
    }
    const SimResult edf = simulate(PolicyKind::kDeadline, kDefaultTimeSliceNs, w, kRun);
    const SimResult rr = simulate(PolicyKind::kBestEffort, kDefaultTimeSliceNs, w, kRun);
    const SimResult eq = simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs, w, kRun);
    const int64_t p99 = edf.slices[0].latency_percentile_ns(99);
    const int64_t rr_p99 = rr.slices[0].latency_percentile_ns(99);
    const int64_t eq_p99 = eq.slices[0].latency_percentile_ns(99);
    EXPECT_LT(p99, rr_p99) << rr_p99;
    EXPECT_LT(p99, eq_p99) << eq_p99;
    // At most the longest batch step, one owed batch step, and its own.
    EXPECT_LE(p99, 2 * batch_steps.back() + interactive.step_ns);
    EXPECT_NEAR(edf.slices[0].compute_share, 0.125, 0.125 * kTolerance);  // all it asked for
    for (size_t i = 1; i < 4; ++i) {
      EXPECT_GE(edf.slices[i].compute_share, 0.25 * (1 - kTolerance)) << i;
    }
    if (batch_steps.front() == batch_steps.back()) {
      // Equal batch steps get more than their shares in FIFO order: no batch slice is ever owed,
      // and the interactive slice waits for one running step at most.
      EXPECT_LE(p99, batch_steps.back() + interactive.step_ns);
      EXPECT_LT(p99, rr_p99 / 2) << rr_p99;
    }
  }
}

TEST(PolicyTest, SharesHoldForClientsWithATurnaroundBetweenSteps) {
  // Real engines resubmit a moment after each step finishes, so their queue is briefly empty; that
  // must not cost them their turn (anticipation) or their share. The device idles through those
  // gaps, so shares are of the time it computed.
  std::vector<SimWorkload> w = four_saturated({0.25, 0.25, 0.25, 0.25});
  for (SimWorkload& s : w) s.think_ns = 100 * kUs;
  w[0].target_ns = 1 * kMs;
  for (size_t i = 1; i < 4; ++i) w[i].target_ns = 1 * kNsPerSecond;
  const auto busy_share = [](const SimResult& r, size_t i) {
    return static_cast<double>(r.slices[i].compute_ns) / static_cast<double>(r.busy_ns);
  };
  const SimResult eq = simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs, w, kRun);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(busy_share(eq, i), 0.25, 0.25 * kTolerance) << i;
  const SimResult edf = simulate(PolicyKind::kDeadline, kDefaultTimeSliceNs, w, kRun);
  for (size_t i = 0; i < 4; ++i) EXPECT_GE(busy_share(edf, i), 0.25 * (1 - kTolerance)) << i;
  // The price: the device waits through slice 0's turnarounds (0.1 ms after each 0.3 ms step).
  EXPECT_GT(static_cast<double>(edf.busy_ns) / edf.elapsed_ns, 0.85);
  // Without anticipation the short-step slice loses its turn after every step.
  const SimResult greedy =
      simulate(PolicyKind::kEqualShare, kDefaultTimeSliceNs, w, kRun, 1, /*anticipation_ns=*/0);
  EXPECT_LT(busy_share(greedy, 0), 0.2);
}

TEST(PolicyTest, DeadlineDoesNotStarveALooseSlice) {
  // Three slices with tight targets and one with a very loose one: EDF alone would never run the
  // loose one while the others are saturated; the share bound does.
  std::vector<SimWorkload> w = four_saturated({0.25, 0.25, 0.25, 0.25});
  for (size_t i = 0; i < 3; ++i) w[i].target_ns = 1 * kMs;
  w[3].target_ns = 10 * kNsPerSecond;
  const SimResult r = simulate(PolicyKind::kDeadline, kDefaultTimeSliceNs, w, kRun);
  EXPECT_GE(r.slices[3].compute_share, 0.25 * (1 - kTolerance));
}

TEST(PolicyTest, TurnsLastOneTimeSlice) {
  // Two saturated slices with 100 us steps: each turn runs 20 steps at 2 ms, 50 at 5 ms.
  for (int64_t slice_ms : {2, 5}) {
    for (PolicyKind kind :
         {PolicyKind::kBestEffort, PolicyKind::kEqualShare, PolicyKind::kFixedShare}) {
      ManualClock clock;
      PolicyOptions options;
      options.time_slice_ns = slice_ms * kMs;
      options.shares = {0.5, 0.5};
      std::unique_ptr<Policy> policy = make_policy(kind, clock, options);
      const SliceView views[2] = {{true, kNever}, {true, kNever}};
      std::vector<int> runs;  // lengths of consecutive runs of one slice
      int last = -1;
      for (int step = 0; step < 2000; ++step) {
        const Pick pick = policy->pick(views);
        ASSERT_FALSE(pick.idle());
        if (pick.slice == last) {
          ++runs.back();
        } else {
          runs.push_back(1);
          last = pick.slice;
        }
        clock.advance(100 * kUs);
        policy->charge(pick.slice, 100 * kUs);
      }
      for (size_t i = 1; i + 1 < runs.size(); ++i) {
        EXPECT_EQ(runs[i], slice_ms * 10) << policy_name(kind) << " " << slice_ms << " ms";
      }
    }
  }
}

TEST(PolicyTest, FixedShareIdlesUntilCreditReturns) {
  ManualClock clock;
  PolicyOptions options;
  options.shares = {0.25, 0.75};
  std::unique_ptr<Policy> policy = make_fixed_share_policy(clock, options);
  const SliceView views[2] = {{true, kNever}, {false, kNever}};
  // Spend slice 0's credit with one long step; it must then wait for it to come back.
  Pick pick = policy->pick(views);
  ASSERT_EQ(pick.slice, 0);
  clock.advance(10 * kMs);
  policy->charge(0, 10 * kMs);
  pick = policy->pick(views);
  ASSERT_TRUE(pick.idle());
  ASSERT_NE(pick.wake_ns, kNever);
  EXPECT_GT(pick.wake_ns, clock.now_ns());
  clock.set(pick.wake_ns);
  EXPECT_EQ(policy->pick(views).slice, 0);
}

TEST(PolicyTest, NamesRoundTrip) {
  for (PolicyKind k : {PolicyKind::kBestEffort, PolicyKind::kEqualShare, PolicyKind::kFixedShare,
                       PolicyKind::kDeadline}) {
    EXPECT_EQ(*policy_from_name(policy_name(k)), k);
  }
  EXPECT_FALSE(policy_from_name("round-robin").ok());
}

}  // namespace
}  // namespace tessera
