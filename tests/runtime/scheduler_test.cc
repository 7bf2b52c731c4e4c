// The threaded Scheduler on the steady clock: steps run one at a time on its thread, accounting
// adds up, queues are bounded, and stop() fails what never ran.
#include "runtime/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tessera {
namespace {

// Busy work for about `ns` on the steady clock (a step that computes, not sleeps).
void spin_ns(int64_t ns) {
  SteadyClock clock;
  const int64_t end = clock.now_ns() + ns;
  while (clock.now_ns() < end) {
  }
}

TEST(SchedulerTest, RunsStepsOfEverySliceAndAccountsForThem) {
  SteadyClock clock;
  Scheduler scheduler({{"a", 0.5, 0}, {"b", 0.5, 0}}, PolicyKind::kEqualShare, kDefaultTimeSliceNs,
                      clock);
  scheduler.start();
  std::atomic<int> running{0};
  std::atomic<int> overlap{0};
  std::vector<std::thread> engines;
  for (int slice = 0; slice < 2; ++slice) {
    engines.emplace_back([&, slice] {
      for (int i = 0; i < 40; ++i) {
        Result<StepTiming> t = scheduler.run_step(slice, [&] {
          if (running.fetch_add(1) != 0) overlap.fetch_add(1);
          spin_ns(200'000);
          running.fetch_sub(1);
        });
        ASSERT_TRUE(t.ok()) << t.status().to_string();
        EXPECT_LE(t->enqueue_ns, t->start_ns);
        EXPECT_LT(t->start_ns, t->end_ns);
      }
    });
  }
  for (std::thread& t : engines) t.join();
  EXPECT_EQ(overlap.load(), 0);  // one step at a time on the device
  const std::vector<SliceAccount> accounts = scheduler.accounts();
  ASSERT_EQ(accounts.size(), 2u);
  for (const SliceAccount& a : accounts) {
    EXPECT_EQ(a.steps, 40u) << a.name;
    EXPECT_GE(a.compute_ns, 40 * 200'000) << a.name;
    EXPECT_EQ(a.queue_length, 0u);
    EXPECT_GE(a.max_wait_ns, 0);
  }
  EXPECT_EQ(scheduler.slice_index("b"), 1);
  EXPECT_EQ(scheduler.slice_index("c"), -1);
}

TEST(SchedulerTest, FullQueuesRefuseAndStopFailsQueuedSteps) {
  SteadyClock clock;
  Scheduler scheduler({{"a", 1.0, 0}}, PolicyKind::kBestEffort, kDefaultTimeSliceNs, clock,
                      /*max_queued_steps=*/2);
  std::atomic<int> failed{0};
  Step step;
  step.run = [] {};
  step.done = [&](const Status& s, const StepTiming&) {
    if (!s.ok()) failed.fetch_add(1);
  };
  // Not started: steps stay queued.
  ASSERT_TRUE(scheduler.submit(0, step).ok());
  ASSERT_TRUE(scheduler.submit(0, step).ok());
  Status full = scheduler.submit(0, step);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(scheduler.submit(3, step).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scheduler.accounts()[0].queue_length, 2u);
  scheduler.stop();
  EXPECT_EQ(failed.load(), 2);
  EXPECT_FALSE(scheduler.submit(0, step).ok());
}

TEST(SchedulerTest, FixedShareIdlesTheDeviceForAnAloneSlice) {
  // One slice of 25% alone: about a quarter of wall time, however much it asks for.
  SteadyClock clock;
  Scheduler scheduler({{"a", 0.25, 0}, {"b", 0.75, 0}}, PolicyKind::kFixedShare,
                      kDefaultTimeSliceNs, clock);
  scheduler.start();
  const int64_t start = clock.now_ns();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(scheduler.run_step(0, [] { spin_ns(500'000); }).ok());
  }
  const int64_t elapsed = clock.now_ns() - start;
  const double share =
      static_cast<double>(scheduler.accounts()[0].compute_ns) / static_cast<double>(elapsed);
  EXPECT_LT(share, 0.35);
  EXPECT_GT(share, 0.15);
}

}  // namespace
}  // namespace tessera
