#include "backend/arena.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace tessera {
namespace {

TEST(ArenaTest, ReservesUpToTheQuotaAndNoFurther) {
  Arena arena("chat", 100 * kMiB);
  ASSERT_TRUE(arena.try_reserve(60 * kMiB, "weights").ok());
  ASSERT_TRUE(arena.try_reserve(40 * kMiB, "KV cache").ok());
  EXPECT_EQ(arena.used_bytes(), 100 * kMiB);
  EXPECT_EQ(arena.available_bytes(), 0u);
  Status over = arena.try_reserve(1, "scratch");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(arena.used_bytes(), 100 * kMiB);  // nothing charged for the failed request
  arena.release(40 * kMiB);
  EXPECT_EQ(arena.used_bytes(), 60 * kMiB);
  EXPECT_EQ(arena.peak_bytes(), 100 * kMiB);
}

TEST(ArenaTest, TheErrorNamesSliceRequestUsedAndQuota) {
  Arena arena("embed", 6 * kGiB);
  ASSERT_TRUE(arena.try_reserve(5 * kGiB, "weights").ok());
  Status s = arena.try_reserve(2 * kGiB, "KV cache of sequence 7");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "slice 'embed': KV cache of sequence 7 needs 2.00 GiB but 5.00 GiB of the 6.00 GiB "
            "quota are used (1.00 GiB available)");
}

TEST(ArenaTest, ReservationsReleaseWhenDestroyedOrMoved) {
  Arena arena("a", 10 * kMiB);
  {
    Result<Reservation> r = arena.reserve(4 * kMiB, "x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(arena.used_bytes(), 4 * kMiB);
    Reservation moved = std::move(*r);
    EXPECT_EQ(moved.bytes(), 4 * kMiB);
    EXPECT_EQ(arena.used_bytes(), 4 * kMiB);
    Reservation other = arena.reserve(kMiB, "y").value();
    other = std::move(moved);  // releases the 1 MiB it held
    EXPECT_EQ(arena.used_bytes(), 4 * kMiB);
  }
  EXPECT_EQ(arena.used_bytes(), 0u);
  EXPECT_FALSE(arena.reserve(11 * kMiB, "too big").ok());
}

TEST(ArenaTest, ReserveWaitBlocksUntilBytesAreReleased) {
  Arena arena("a", 10 * kMiB);
  Reservation held = arena.reserve(8 * kMiB, "held").value();
  // Nothing is released: times out with the quota error.
  Result<Reservation> timed_out = arena.reserve_wait(4 * kMiB, "w", std::chrono::milliseconds(20));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kResourceExhausted);
  // More than the whole quota never fits: fails at once.
  EXPECT_FALSE(arena.reserve_wait(11 * kMiB, "w", std::chrono::hours(1)).ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    held.release();
  });
  Result<Reservation> waited = arena.reserve_wait(4 * kMiB, "w", std::chrono::seconds(10));
  releaser.join();
  ASSERT_TRUE(waited.ok()) << waited.status().to_string();
  EXPECT_EQ(arena.used_bytes(), 4 * kMiB);
}

TEST(ArenaTest, ConcurrentReservationsNeverPassTheQuota) {
  Arena arena("a", 1000);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (arena.try_reserve(7, "x").ok()) {
          granted.fetch_add(1);
          EXPECT_LE(arena.used_bytes(), 1000u);
          arena.release(7);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(granted.load(), 0);
  EXPECT_EQ(arena.used_bytes(), 0u);
  EXPECT_LE(arena.peak_bytes(), 1000u);
}

}  // namespace
}  // namespace tessera
