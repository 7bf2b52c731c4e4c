#include "runtime/stop_matcher.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(StopMatcherTest, HoldsBackPossiblePrefixesAndCutsAtTheStop) {
  StopMatcher m({"</answer>", "\n\n"});
  EXPECT_EQ(m.push("The result is 4"), "The result is 4");
  EXPECT_EQ(m.push(" </ans"), " ");  // "</ans" may become "</answer>"
  EXPECT_EQ(m.push("wer> and more"), "");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(m.push("ignored"), "");
  EXPECT_EQ(m.finish(), "");
}

TEST(StopMatcherTest, ReleasesHeldTextWhenItCannotMatch) {
  StopMatcher m({"STOP"});
  EXPECT_EQ(m.push("ST"), "");
  EXPECT_EQ(m.push("ART"), "START");
  EXPECT_EQ(m.push("S"), "");
  EXPECT_EQ(m.finish(), "S");
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcherTest, NoStopsPassesEverythingAndEmptyStopsAreIgnored) {
  StopMatcher m({""});
  EXPECT_EQ(m.push("abc"), "abc");
  EXPECT_FALSE(m.stopped());
}

TEST(StopMatcherTest, EarliestStopWins) {
  StopMatcher m({"b", "abc"});
  EXPECT_EQ(m.push("xxabc"), "xx");  // "abc" starts before "b"
  EXPECT_TRUE(m.stopped());
}

}  // namespace
}  // namespace tessera
