#include "bench/alarm.h"

#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

TEST(ConsolidationAlarm, FiresWhenTailJumpsWhileUtilisationIsLow) {
  const AlarmRule rule;  // 3x, 60%
  const auto reason = consolidation_alarm(rule, {10, 40, 0.35});
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("4.0x"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("35%"), std::string::npos) << *reason;
}

TEST(ConsolidationAlarm, SilentWhenTheDeviceIsBusy) {
  // The same jump on a saturated device is ordinary queueing, not over-consolidation.
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {10, 40, 0.95}).has_value());
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {10, 40, 0.6}).has_value());  // at threshold
}

TEST(ConsolidationAlarm, SilentWhenTheTailGrowsSlowly) {
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {10, 30, 0.2}).has_value());  // exactly 3x
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {10, 12, 0.2}).has_value());
}

TEST(ConsolidationAlarm, NeedsUtilisationAndAPreviousLevel) {
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {10, 400, std::nullopt}).has_value());
  EXPECT_FALSE(consolidation_alarm(AlarmRule{}, {0, 400, 0.1}).has_value());
}

TEST(ConsolidationAlarm, ThresholdsAreTheRulesFlags) {
  const AlarmRule strict{1.5, 0.9};
  EXPECT_TRUE(consolidation_alarm(strict, {10, 16, 0.8}).has_value());
  EXPECT_FALSE(consolidation_alarm(strict, {10, 14, 0.8}).has_value());
}

}  // namespace
}  // namespace tessera::bench
