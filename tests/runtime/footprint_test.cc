#include "models/footprint.h"

#include <gtest/gtest.h>

#include "base/byte_size.h"
#include "models/synthetic.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

// Llama-3.1-8B: 32 layers, dim 4096, 32 heads, 8 KV heads × 128, FFN 14336, vocab 128256.
ModelShape llama_8b() {
  return llama_model_shape("Llama-3.1-8B", 32, 4096, 32, 8, 14336, 128256, 131072);
}

FootprintRequest f16_request(int64_t context, int64_t sequences) {
  FootprintRequest r;
  r.weights = *number_format("f16");
  r.kv = *number_format("f16");
  r.context = context;
  r.sequences = sequences;
  r.batch_tokens = 512;
  return r;
}

TEST(FootprintTest, Llama8BHandCheckedNumbers) {
  const ModelShape shape = llama_8b();
  // 2 × 525,336,576 (embeddings, output) + 32 × 218,112,000 (layers) + 4096 (output norm).
  EXPECT_EQ(shape.params(), 8'030'261'248u);
  const Footprint f = compute_footprint(shape, f16_request(8192, 1));
  // Matrices in 2 bytes, the 266,240 norm weights in F32: ≈ 16.1 GB.
  EXPECT_EQ(f.weights_bytes, 2 * (8'030'261'248ull - 266'240) + 4 * 266'240);
  EXPECT_NEAR(static_cast<double>(f.weights_bytes) / 1e9, 16.1, 0.05);
  // KV per token: 2 (K, V) · 32 layers · 8 heads · 128 · 2 bytes = 128 KiB.
  EXPECT_EQ(f.kv_bytes_per_token, 128 * kKiB);
  EXPECT_EQ(f.kv_cache_bytes, 8192 * 128 * kKiB);  // 1 GiB
  EXPECT_EQ(compute_footprint(shape, f16_request(8192, 4)).kv_cache_bytes, 4 * kGiB);
  EXPECT_EQ(f.total_bytes(),
            f.weights_bytes + f.kv_cache_bytes + f.activation_bytes + f.overhead_bytes);
  EXPECT_GT(f.activation_bytes, 512u * 128256 * 4);  // at least the logits of the batch
  EXPECT_EQ(f.overhead_bytes, kCpuRuntimeOverheadBytes + 266'240 * 4);
}

TEST(FootprintTest, PrecisionsScaleWeightsAndKv) {
  const ModelShape shape = llama_8b();
  FootprintRequest r = f16_request(4096, 1);
  r.weights = *number_format("q4_k");  // 144 bytes per 256 weights = 4.5 bits
  const Footprint q4 = compute_footprint(shape, r);
  EXPECT_EQ(q4.weights_bytes, (8'030'261'248ull - 266'240) / 256 * 144 + 4 * 266'240);
  r.weights = *number_format("q8_0");  // 34 bytes per 32
  EXPECT_EQ(compute_footprint(shape, r).weights_bytes,
            (8'030'261'248ull - 266'240) / 32 * 34 + 4 * 266'240);
  r.kv = *number_format("fp8");
  EXPECT_EQ(compute_footprint(shape, r).kv_bytes_per_token, 64 * kKiB);
  r.kv = *number_format("f32");
  EXPECT_EQ(compute_footprint(shape, r).kv_bytes_per_token, 256 * kKiB);
  EXPECT_FALSE(number_format("int3").ok());
}

TEST(FootprintTest, RefusalExplainsAndSuggestsWhatFits) {
  const ModelShape shape = llama_8b();
  const FootprintRequest r = f16_request(8192, 4);  // ≈ 15 GiB weights + 4 GiB KV
  const CapacityOption larger[] = {{"L4-12C", 12 * kGiB}, {"L4-24C", 24 * kGiB}};
  const std::string msg = explain_refusal(shape, r, "chat", 12 * kGiB, larger);
  EXPECT_NE(msg.find("does not fit slice 'chat'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("12.00 GiB available"), std::string::npos) << msg;
  EXPECT_NE(msg.find("weights 14.96 GiB (f16)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("KV cache 4.00 GiB (f16, 8192 tokens × 4 sequences × 128.00 KiB)"),
            std::string::npos)
      << msg;
  // The weights alone exceed 12 GiB: no context or sequence count helps; q6_k weights or a larger
  // profile do.
  EXPECT_EQ(msg.find("a context of"), std::string::npos) << msg;
  EXPECT_NE(msg.find("weights in q6_k"), std::string::npos) << msg;
  EXPECT_NE(msg.find("a larger slice: L4-24C (24.00 GiB)"), std::string::npos) << msg;

  // With 18 GiB, a shorter context or fewer sequences fit.
  const std::string roomy = explain_refusal(shape, r, "chat", 18 * kGiB);
  EXPECT_NE(roomy.find("a context of 5"), std::string::npos) << roomy;
  EXPECT_NE(roomy.find("2 sequences at once (instead of 4)"), std::string::npos) << roomy;
  EXPECT_NE(roomy.find("a KV cache in q8_0"), std::string::npos) << roomy;
}

TEST(FootprintTest, SuggestionsReallyFit) {
  const ModelShape shape = llama_8b();
  FootprintRequest r = f16_request(8192, 4);
  const uint64_t available = 18 * kGiB;
  const std::string msg = explain_refusal(shape, r, "chat", available);
  // Parse the suggested context back and check it with the same function.
  const size_t at = msg.find("a context of ");
  ASSERT_NE(at, std::string::npos) << msg;
  r.context = std::stoll(msg.substr(at + 13));
  EXPECT_LE(compute_footprint(shape, r).total_bytes(), available);
  r.context += 128;
  EXPECT_GT(compute_footprint(shape, r).total_bytes(), available);
}

TEST(FootprintTest, ShapeFromGgufMatchesTheFileAndTheConfigBuiltShape) {
  testing::TempDir dir;
  SyntheticSpec spec;
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 96;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.context = 128;
  spec.type = DType::kF16;
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  ASSERT_TRUE(writer.ok()) << writer.status().to_string();
  const std::string path = dir.file("m.gguf");
  ASSERT_TRUE(writer->write(path).ok());
  Result<gguf::File> file = gguf::File::open(path);
  ASSERT_TRUE(file.ok());
  Result<ModelShape> shape = model_shape_from_gguf(*file);
  ASSERT_TRUE(shape.ok()) << shape.status().to_string();
  EXPECT_EQ(shape->kind, ModelKind::kGenerate);
  EXPECT_EQ(shape->layers, 2);
  EXPECT_EQ(shape->kv_dim(), 32);
  EXPECT_EQ(shape->max_context, 128);
  EXPECT_EQ(shape->params(), file->parameter_count());
  FootprintRequest r;
  const Footprint f = compute_footprint(*shape, r);
  EXPECT_EQ(f.weights_bytes, file->tensor_data_bytes());  // as stored: the mapped data
  EXPECT_EQ(f.weights_format, "f16, as stored");
  EXPECT_EQ(f.context, 128);
  EXPECT_EQ(f.kv_bytes_per_token, 2u * 2 * 32 * 4);
  EXPECT_GE(f.overhead_bytes, file->data_offset());
}

TEST(FootprintTest, EncodersHaveNoKvCache) {
  testing::TempDir dir;
  const std::pair<const char*, bool> encoders[] = {
      {"bert", false}, {"bert", true}, {"nomic-bert", false}};
  for (const auto& [arch, rerank] : encoders) {
    SyntheticSpec spec;
    spec.arch = arch;
    spec.layers = 2;
    spec.dim = 32;
    spec.ffn = 64;
    spec.heads = 2;
    spec.context = 24;
    spec.rerank = rerank;
    spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
    Result<gguf::Writer> writer = build_synthetic_model(spec);
    ASSERT_TRUE(writer.ok()) << writer.status().to_string();
    const std::string path = dir.file(std::string(arch) + (rerank ? "-rerank.gguf" : ".gguf"));
    ASSERT_TRUE(writer->write(path).ok());
    Result<gguf::File> file = gguf::File::open(path);
    ASSERT_TRUE(file.ok());
    Result<ModelShape> shape = model_shape_from_gguf(*file);
    ASSERT_TRUE(shape.ok()) << shape.status().to_string();
    EXPECT_EQ(shape->kind, rerank ? ModelKind::kRerank : ModelKind::kEmbed);
    EXPECT_EQ(shape->layers, 2);
    EXPECT_EQ(shape->dim, 32);
    EXPECT_EQ(shape->n_kv_heads, 2);
    EXPECT_EQ(shape->head_dim, 16);
    EXPECT_EQ(shape->ffn, 64);
    EXPECT_EQ(shape->max_context, 24);
    EXPECT_EQ(shape->params(), file->parameter_count());
    const Footprint f = compute_footprint(*shape, FootprintRequest{});
    EXPECT_EQ(f.kv_bytes_per_token, 0u);
    EXPECT_EQ(f.kv_cache_bytes, 0u);
    EXPECT_EQ(f.weights_bytes, file->tensor_data_bytes());
    EXPECT_GT(f.activation_bytes, 0u);
  }
}

}  // namespace
}  // namespace tessera
