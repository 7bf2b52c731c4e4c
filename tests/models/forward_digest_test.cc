// Logits and embeddings must not move by a bit when the code around the kernels changes: a fixed
// workload over synthetic llama/qwen2 (F32, F16, Q8_0, Q4_K) and bert (F32, F16, Q8_0; embed and
// rerank) models, hashed (FNV-1a over the float bytes) and compared with digests recorded from the
// same workload. Each kernel choice computes its own exact floats, so digests are kept per
// TESSERA_KERNELS variant (ctest runs this suite under avx2, scalar and reference); other
// variants (AVX-512 machines) skip.
//
// Recorded with f04c87b, the last commit before the Backend seam, for avx2 and scalar, and for the
// reference decoders. Q4_K files meet int8 activations by default since the int8 K-quant kernels
// came; those digests carry " int8" and were recorded then. The int16 path (ctest runs the suite
// under TESSERA_ACTIVATIONS=int16 too) keeps the f04c87b digests. The
// reference bert digests were recorded after the seam: before it, bert's element-wise kernels
// ignored TESSERA_KERNELS=reference, so they changed by design. The avx2 Q8_0 digests were
// recorded again when its batch kernel moved to eight-row panels (q8_0_x86_256.h): each (row,
// token) now sums whole blocks in int32 before its one float step per block, in decode as in
// batches.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "kernels/cpu/cpu_features.h"
#include "models/bert_model.h"
#include "models/llama_model.h"
#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using Digests = std::map<std::string, std::string>;

const std::map<std::string, Digests>& recorded() {
  static const std::map<std::string, Digests> digests = {
      {"avx2",
       {{"llama f32", "57c64e6c9020f47d"},
        {"llama f16", "4da28070663144b2"},
        {"llama q8_0", "3a8989ee59724e53"},
        {"llama q4_k", "b65b71dcfb3da016"},
        {"llama q4_k int8", "123473965f017502"},
        {"qwen2 f32", "2c6502b6fad54a1e"},
        {"qwen2 f16", "1a76e4eafa2d8b3f"},
        {"qwen2 q8_0", "e36346b161c93ae1"},
        {"qwen2 q4_k", "dd59d1dee88286ce"},
        {"qwen2 q4_k int8", "79e0b530dfb45129"},
        {"bert-embed f32", "f64861c596632caf"},
        {"bert-embed f16", "0e94c543208ff00e"},
        {"bert-embed q8_0", "ba12444362d04385"},
        {"bert-rerank f32", "173c20d0e2840cdc"},
        {"bert-rerank f16", "b0608a716368723a"},
        {"bert-rerank q8_0", "8c9f108e3c1cd998"}}},
      {"scalar",
       {{"llama f32", "3dbf38deb3896887"},
        {"llama f16", "94c1eb3e25247910"},
        {"llama q8_0", "3e083596eea6ad77"},
        {"llama q4_k", "c100ca4a8f628888"},
        {"llama q4_k int8", "5fcb2d6ca8db9b62"},
        {"qwen2 f32", "66cf5bc6652e3769"},
        {"qwen2 f16", "afebbed6530c1119"},
        {"qwen2 q8_0", "e5c09def9078b5af"},
        {"qwen2 q4_k", "5305da15e4f364e9"},
        {"qwen2 q4_k int8", "bef039697720481a"},
        {"bert-embed f32", "202c62307ebd96a8"},
        {"bert-embed f16", "efa1aca8e66a696f"},
        {"bert-embed q8_0", "143f1f7f7dbe15ff"},
        {"bert-rerank f32", "9213d04d2332e2cb"},
        {"bert-rerank f16", "aba27c7a2da3ecff"},
        {"bert-rerank q8_0", "355500fed2f0e5c5"}}},
      {"reference",
       {{"llama f32", "b982b13aa9d91fa6"},
        {"llama f16", "bfb1fa6e22d8a0f9"},
        {"llama q8_0", "6a1454c1c63d8642"},
        {"llama q4_k", "bd060268af9e9481"},
        {"qwen2 f32", "6812b82e9b2021a0"},
        {"qwen2 f16", "2ae46de513bd7022"},
        {"qwen2 q8_0", "e728f6c961a87990"},
        {"qwen2 q4_k", "db8e2c84d00c43be"},
        {"bert-embed f32", "8c3108e32f8d5032"},
        {"bert-embed f16", "770eb01ef1e719b9"},
        {"bert-embed q8_0", "768acc559df5b214"},
        {"bert-rerank f32", "d695fb83e2149b9a"},
        {"bert-rerank f16", "e2afcdd05062eaa6"},
        {"bert-rerank q8_0", "4a8db432e1ad90ed"}}},
  };
  return digests;
}

constexpr uint64_t kFnvOffset = 1469598103934665603ull;

uint64_t fnv1a(uint64_t h, const std::vector<float>& values) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  for (size_t i = 0; i < values.size() * sizeof(float); ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A 40-token prefill, a mixed step (a new sequence's 5-token prompt beside a decode), three
// decode steps of both sequences: every logit row, hashed in order.
std::string decoder_digest(const std::string& path) {
  std::unique_ptr<LlamaModel> model =
      testing::must(LlamaModel::load(path, testing::cpu_backend(2), testing::unlimited_arena(),
                                     DecoderLimits{.max_batch_tokens = 64}));
  KvCache cache = testing::must(model->make_cache(2));
  std::vector<float> logits;
  std::vector<BatchToken> prefill;
  for (int p = 0; p < 40; ++p) prefill.push_back({(p * 37 + 11) % 259, 0, p, true});
  EXPECT_TRUE(model->forward(prefill, cache, logits).ok());
  std::vector<BatchToken> mixed;
  for (int p = 0; p < 5; ++p) mixed.push_back({(p * 53 + 3) % 259, 1, p, p == 4});
  mixed.push_back({17, 0, 40, true});
  EXPECT_TRUE(model->forward(mixed, cache, logits).ok());
  for (int g = 0; g < 3; ++g) {
    const BatchToken step[] = {{(g * 7 + 5) % 259, 1, 5 + g, true},
                               {(g * 11 + 2) % 259, 0, 41 + g, true}};
    EXPECT_TRUE(model->forward(step, cache, logits).ok());
  }
  EXPECT_EQ(logits.size(), 12432u);
  return hex(fnv1a(kFnvOffset, logits));
}

// Four sequences of 3, 17, 40 and 9 tokens in one packed batch, under every pooling.
std::string encoder_digest(const std::string& path, bool rerank) {
  std::unique_ptr<BertModel> model = testing::must(
      BertModel::load(path, testing::cpu_backend(2), testing::unlimited_arena(), 2048));
  const int lens[] = {3, 17, 40, 9};
  std::vector<std::vector<int32_t>> ids(4), types(4);
  std::vector<EncoderSequence> batch;
  for (int i = 0; i < 4; ++i) {
    for (int p = 0; p < lens[i]; ++p) {
      ids[i].push_back((p * 97 + lens[i] * 13) % 1000 + 100);
      types[i].push_back(p > lens[i] / 2);
    }
    batch.push_back(
        {ids[i], rerank ? std::span<const int32_t>(types[i]) : std::span<const int32_t>()});
  }
  const std::vector<Pooling> poolings =
      rerank ? std::vector<Pooling>{Pooling::kRank, Pooling::kNone}
             : std::vector<Pooling>{Pooling::kNone, Pooling::kMean, Pooling::kCls, Pooling::kLast};
  uint64_t h = kFnvOffset;
  for (Pooling pooling : poolings) h = fnv1a(h, testing::must(model->encode(batch, pooling)).rows);
  return hex(h);
}

TEST(ForwardDigest, LogitsAreBitIdenticalToTheRecordedOnes) {
  const std::string isa = kernels::isa_name(kernels::selected_isa());
  auto digests = recorded().find(isa);
  if (digests == recorded().end()) GTEST_SKIP() << "no digests recorded for kernels " << isa;
  testing::TempDir dir;
  std::map<std::string, std::string> computed;
  for (const char* arch : {"llama", "qwen2"}) {
    for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0, DType::kQ4_K}) {
      SyntheticSpec spec;
      spec.arch = arch;
      spec.layers = 2;
      spec.dim = 256;
      spec.ffn = 512;
      spec.heads = 4;
      spec.kv_heads = 2;
      spec.context = 128;
      spec.seed = 11;
      spec.type = type;
      // The f32 reference dequantizes whatever the activation setting; the fast kernels give
      // K-quants int8 activations unless TESSERA_ACTIVATIONS=int16.
      const bool int8 = type == DType::kQ4_K && isa != "reference" &&
                        kernels::selected_activations() == kernels::ActivationPrecision::kInt8;
      const std::string name = std::string(arch) + " " + dtype_name(type) + (int8 ? " int8" : "");
      computed[name] =
          decoder_digest(testing::write_synthetic(dir, spec, std::string(arch) + dtype_name(type)));
    }
  }
  for (const bool rerank : {false, true}) {
    for (DType type : {DType::kF32, DType::kF16, DType::kQ8_0}) {
      SyntheticSpec spec;
      spec.arch = "bert";
      spec.layers = 2;
      spec.dim = 128;
      spec.heads = 4;
      spec.context = 64;
      spec.seed = 5;
      spec.type = type;
      spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
      spec.rerank = rerank;
      const std::string name =
          std::string(rerank ? "bert-rerank " : "bert-embed ") + dtype_name(type);
      computed[name] = encoder_digest(testing::write_synthetic(dir, spec, name), rerank);
    }
  }
  for (const auto& [name, digest] : computed) {
    auto want = digests->second.find(name);
    ASSERT_NE(want, digests->second.end()) << name;
    EXPECT_EQ(digest, want->second) << isa << " " << name;
  }
}

}  // namespace
}  // namespace tessera
