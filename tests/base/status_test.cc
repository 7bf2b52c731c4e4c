#include "base/status.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("value " + std::to_string(v) + " must be positive");
  return v;
}

Status use_macros(int v, int* out) {
  TESSERA_ASSIGN_OR_RETURN(int parsed, parse_positive(v));
  TESSERA_RETURN_IF_ERROR(parsed > 100 ? resource_exhausted("too big") : Status());
  *out = parsed;
  return {};
}

TEST(StatusTest, OkAndErrorCarryCodeAndMessage) {
  EXPECT_TRUE(Status().ok());
  Status s = data_loss("m.gguf: offset 4: bad");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.to_string(), "DataLoss: m.gguf: offset 4: bad");
}

TEST(StatusTest, MacrosPropagateErrorsAndValues) {
  int out = 0;
  EXPECT_TRUE(use_macros(5, &out).ok());
  EXPECT_EQ(out, 5);
  Status negative = use_macros(-1, &out);
  EXPECT_EQ(negative.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(negative.message(), "value -1 must be positive");
  EXPECT_EQ(use_macros(200, &out).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace tessera
