#include "models/weight_policy.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(WeightPolicyTest, OnlyTwoDimensionalNonNormWeightsAreMatrices) {
  EXPECT_TRUE(is_weight_matrix("blk.0.attn_q.weight", {64, 64}));
  EXPECT_TRUE(is_weight_matrix("token_embd.weight", {64, 32000}));
  EXPECT_TRUE(is_weight_matrix("cls.output.weight", {64, 1}));
  EXPECT_FALSE(is_weight_matrix("blk.0.attn_norm.weight", {64}));
  EXPECT_FALSE(is_weight_matrix("blk.0.attn_q.bias", {64}));
  EXPECT_FALSE(is_weight_matrix("blk.0.attn_output_norm.weight", {64, 1}));
  EXPECT_FALSE(is_weight_matrix("token_types.weight", {64, 2}));
  EXPECT_FALSE(is_weight_matrix("position_embd.weight", {64, 512}));
}

TEST(WeightPolicyTest, FallbackFollowsBitsPerWeight) {
  EXPECT_EQ(storage_type_for_row(DType::kQ4_K, 256), DType::kQ4_K);
  EXPECT_EQ(storage_type_for_row(DType::kQ4_K, 64), DType::kQ4_0);
  EXPECT_EQ(storage_type_for_row(DType::kQ6_K, 64), DType::kQ8_0);
  EXPECT_EQ(storage_type_for_row(DType::kQ8_0, 48), DType::kF16);
  EXPECT_EQ(storage_type_for_row(DType::kF16, 7), DType::kF16);
}

TEST(WeightPolicyTest, LlamaFileTypes) {
  EXPECT_EQ(llama_file_type(DType::kF32), 0u);
  EXPECT_EQ(llama_file_type(DType::kQ8_0), 7u);
  EXPECT_EQ(llama_file_type(DType::kQ4_K), 15u);
}

}  // namespace
}  // namespace tessera
