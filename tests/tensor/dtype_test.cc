// The traits table and the lookups around it: ids, names, error messages, sizes.
#include "tensor/dtype.h"

#include <gtest/gtest.h>

#include <string>

namespace tessera {
namespace {

// True when `text` contains `part`; failures print both through the << at the call site.
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr DType kAllTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0,
                               DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};

TEST(DTypeTest, TraitsTableIsComplete) {
  for (DType type : kAllTypes) {
    const DTypeTraits* t = dtype_traits(type);
    ASSERT_NE(t, nullptr) << static_cast<uint32_t>(type);
    EXPECT_EQ(t->type, type);
    EXPECT_STREQ(t->name, dtype_name(type));
    EXPECT_NE(t->to_float, nullptr);
    EXPECT_NE(t->from_float, nullptr);
    EXPECT_NE(t->dot_ref, nullptr);
    EXPECT_EQ(t->quantized, t->block_elements > 1);
  }
  EXPECT_EQ(dtype_traits(static_cast<DType>(13)), nullptr);  // q5_k: known to ggml, not to us
}

TEST(DTypeTest, BlockGeometryMatchesGgml) {
  struct Geometry {
    DType type;
    int64_t elements;
    int64_t bytes;
  };
  const Geometry expected[] = {
      {DType::kF32, 1, 4},      {DType::kF16, 1, 2},    {DType::kBF16, 1, 2},
      {DType::kQ8_0, 32, 34},   {DType::kQ4_0, 32, 18}, {DType::kQ4_K, 256, 144},
      {DType::kQ6_K, 256, 210},
  };
  for (const Geometry& g : expected) {
    const DTypeTraits* t = dtype_traits(g.type);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->block_elements, g.elements) << t->name;
    EXPECT_EQ(t->block_bytes, g.bytes) << t->name;
  }
}

TEST(DTypeTest, FromGgmlIdAcceptsSupportedIds) {
  for (DType type : kAllTypes) {
    Result<DType> r = dtype_from_ggml_id(static_cast<uint32_t>(type));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(*r, type);
  }
  EXPECT_EQ(*dtype_from_ggml_id(30), DType::kBF16);
  EXPECT_EQ(*dtype_from_ggml_id(14), DType::kQ6_K);
}

TEST(DTypeTest, FromGgmlIdNamesKnownButUnsupportedTypes) {
  Result<DType> q5_k = dtype_from_ggml_id(13);
  ASSERT_FALSE(q5_k.ok());
  EXPECT_EQ(q5_k.status().code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(contains(q5_k.status().message(), "13")) << q5_k.status().message();
  EXPECT_TRUE(contains(q5_k.status().message(), "q5_k")) << q5_k.status().message();
  EXPECT_TRUE(contains(q5_k.status().message(), "q4_k"))
      << q5_k.status().message();  // lists what is supported

  Result<DType> q4_1 = dtype_from_ggml_id(3);
  ASSERT_FALSE(q4_1.ok());
  EXPECT_TRUE(contains(q4_1.status().message(), "3 (q4_1)")) << q4_1.status().message();

  const std::string iq4_nl = dtype_from_ggml_id(20).status().message();
  EXPECT_TRUE(contains(iq4_nl, "iq4_nl")) << iq4_nl;
}

TEST(DTypeTest, FromGgmlIdRejectsUnknownIds) {
  for (uint32_t id : {4u, 5u, 31u, 37u, 999u, 0xffffffffu}) {
    Result<DType> r = dtype_from_ggml_id(id);
    ASSERT_FALSE(r.ok()) << id;
    EXPECT_TRUE(contains(r.status().message(), "unknown ggml tensor type id " + std::to_string(id)))
        << r.status().message();
  }
}

TEST(DTypeTest, GgmlTypeNames) {
  EXPECT_EQ(ggml_type_name(0), "f32");
  EXPECT_EQ(ggml_type_name(1), "f16");
  EXPECT_EQ(ggml_type_name(2), "q4_0");
  EXPECT_EQ(ggml_type_name(3), "q4_1");
  EXPECT_EQ(ggml_type_name(6), "q5_0");
  EXPECT_EQ(ggml_type_name(7), "q5_1");
  EXPECT_EQ(ggml_type_name(8), "q8_0");
  EXPECT_EQ(ggml_type_name(9), "q8_1");
  EXPECT_EQ(ggml_type_name(10), "q2_k");
  EXPECT_EQ(ggml_type_name(11), "q3_k");
  EXPECT_EQ(ggml_type_name(12), "q4_k");
  EXPECT_EQ(ggml_type_name(13), "q5_k");
  EXPECT_EQ(ggml_type_name(14), "q6_k");
  EXPECT_EQ(ggml_type_name(15), "q8_k");
  EXPECT_EQ(ggml_type_name(16), "iq2_xxs");
  EXPECT_EQ(ggml_type_name(30), "bf16");
  EXPECT_EQ(ggml_type_name(4), "unknown(4)");
  EXPECT_EQ(ggml_type_name(1000), "unknown(1000)");
}

TEST(DTypeTest, FromNameIsCaseInsensitive) {
  EXPECT_EQ(*dtype_from_name("f32"), DType::kF32);
  EXPECT_EQ(*dtype_from_name("F16"), DType::kF16);
  EXPECT_EQ(*dtype_from_name("Bf16"), DType::kBF16);
  EXPECT_EQ(*dtype_from_name("q8_0"), DType::kQ8_0);
  EXPECT_EQ(*dtype_from_name("Q4_0"), DType::kQ4_0);
  EXPECT_EQ(*dtype_from_name("Q4_K"), DType::kQ4_K);
  EXPECT_EQ(*dtype_from_name("q6_k"), DType::kQ6_K);
  for (DType type : kAllTypes) EXPECT_EQ(*dtype_from_name(dtype_name(type)), type);
}

TEST(DTypeTest, FromNameRejectsOthers) {
  for (const char* bad : {"", "q5_k", "f64", "q4", "q4_k_m", " f32"}) {
    Result<DType> r = dtype_from_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(contains(r.status().message(), std::string(1, '"').append(bad).append(1, '"')))
        << r.status().message();
    EXPECT_TRUE(contains(r.status().message(), "q6_k"))
        << r.status().message();  // lists what is supported
  }
}

TEST(DTypeTest, NameOfUnsupportedTypeIsUnknown) {
  EXPECT_STREQ(dtype_name(static_cast<DType>(13)), "unknown");
}

TEST(DTypeTest, Bytes) {
  EXPECT_EQ(dtype_bytes(DType::kF32, 10), 40);
  EXPECT_EQ(dtype_bytes(DType::kF16, 3), 6);
  EXPECT_EQ(dtype_bytes(DType::kBF16, 4096), 8192);
  EXPECT_EQ(dtype_bytes(DType::kQ8_0, 64), 68);
  EXPECT_EQ(dtype_bytes(DType::kQ4_0, 4096), 4096 / 32 * 18);
  EXPECT_EQ(dtype_bytes(DType::kQ4_K, 512), 288);
  EXPECT_EQ(dtype_bytes(DType::kQ6_K, 256), 210);
  EXPECT_EQ(dtype_bytes(DType::kQ6_K, 0), 0);
  // Element counts past 2^32 stay exact (sizes are int64 throughout).
  const int64_t big = int64_t{1} << 33;
  EXPECT_EQ(dtype_bytes(DType::kQ4_K, big), big / 256 * 144);
}

TEST(DTypeTest, FitsRow) {
  EXPECT_TRUE(dtype_fits_row(DType::kF32, 1));
  EXPECT_TRUE(dtype_fits_row(DType::kBF16, 7));
  EXPECT_TRUE(dtype_fits_row(DType::kQ8_0, 4000));  // 125 blocks
  EXPECT_FALSE(dtype_fits_row(DType::kQ8_0, 4001));
  EXPECT_TRUE(dtype_fits_row(DType::kQ4_0, 32));
  EXPECT_FALSE(dtype_fits_row(DType::kQ4_0, 16));
  EXPECT_TRUE(dtype_fits_row(DType::kQ4_K, 4096));
  EXPECT_FALSE(dtype_fits_row(DType::kQ4_K, 4000));  // divisible by 32, not by 256
  EXPECT_TRUE(dtype_fits_row(DType::kQ6_K, 11008));  // 43 super-blocks
  EXPECT_FALSE(dtype_fits_row(DType::kQ6_K, 0));
  EXPECT_FALSE(dtype_fits_row(static_cast<DType>(13), 256));
}

}  // namespace
}  // namespace tessera
