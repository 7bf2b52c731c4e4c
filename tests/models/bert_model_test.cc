// The BERT encoder: its fast kernels against plain references, loading errors, and the packed
// batch (sequences of different lengths in one step) against the same sequences run alone.
#include "models/bert_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/cpu/ops.h"
#include "models/synthetic.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

SyntheticSpec small_bert() {
  SyntheticSpec spec;
  spec.arch = "bert";
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 128;
  spec.heads = 4;
  spec.context = 48;
  spec.seed = 3;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  return spec;
}

std::string write_model(const TempDir& dir, const std::string& name, const SyntheticSpec& spec,
                        const std::function<void(gguf::Writer&)>& edit = nullptr) {
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  if (edit) edit(*writer);
  const std::string path = dir.file(name);
  Status s = writer->write(path);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return path;
}

std::vector<float> random_values(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

TEST(BertKernels, GeluMatchesErfDefinition) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.001f) x.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 50.0f, -50.0f, 1e30f, -1e30f}) x.push_back(v);
  std::vector<float> b(x.size(), 0.0f);
  std::vector<float> fast = x;
  ThreadPool pool(2);
  bert_kernels::bias_gelu(fast.data(), b.data(), 1, static_cast<int64_t>(x.size()), pool);
  double worst = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double v = x[i];
    const double want = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
    worst = std::max(worst, std::abs(fast[i] - want) / std::max(1.0, std::abs(v)));
    ASSERT_TRUE(std::isfinite(fast[i])) << "x = " << x[i];
  }
  EXPECT_LT(worst, 1e-6);
}

TEST(BertKernels, ResidualLayerNormMatchesReference) {
  const int64_t rows = 5, n = 384;
  std::vector<float> x = random_values(rows * n, 1, 3.0f), y = random_values(rows * n, 2);
  const std::vector<float> b = random_values(n, 3), w = random_values(n, 4),
                           beta = random_values(n, 5);
  std::vector<float> want(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> sum(n);
    for (int64_t i = 0; i < n; ++i) sum[i] = x[r * n + i] + y[r * n + i] + b[i];
    kernels::layer_norm(sum.data(), w.data(), beta.data(), &want[r * n], n, 1e-12f);
  }
  ThreadPool pool(2);
  bert_kernels::residual_layer_norm(x.data(), y.data(), b.data(), w.data(), beta.data(), rows, n,
                                    1e-12f, pool);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], want[i], 2e-5f) << i;
}

// Attention per sequence, in double, one query at a time.
std::vector<float> reference_attention(const std::vector<float>& q, const std::vector<float>& k,
                                       const std::vector<float>& v,
                                       const std::vector<int64_t>& offsets, int64_t heads,
                                       int64_t head_dim) {
  const int64_t dim = heads * head_dim;
  std::vector<float> out(q.size());
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = offsets[s]; i < offsets[s + 1]; ++i) {
        std::vector<double> w;
        for (int64_t j = offsets[s]; j < offsets[s + 1]; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < head_dim; ++d)
            dot +=
                static_cast<double>(q[i * dim + h * head_dim + d]) * k[j * dim + h * head_dim + d];
          w.push_back(dot / std::sqrt(static_cast<double>(head_dim)));
        }
        const double max = *std::max_element(w.begin(), w.end());
        double sum = 0;
        for (double& x : w) sum += (x = std::exp(x - max));
        for (int64_t d = 0; d < head_dim; ++d) {
          double acc = 0;
          for (size_t j = 0; j < w.size(); ++j)
            acc += w[j] / sum * v[(offsets[s] + static_cast<int64_t>(j)) * dim + h * head_dim + d];
          out[i * dim + h * head_dim + d] = static_cast<float>(acc);
        }
      }
    }
  }
  return out;
}

TEST(BertKernels, PackedAttentionMatchesPerSequenceReference) {
  for (const int64_t head_dim : {32, 12}) {  // blocked path, and the plain one for odd sizes
    const int64_t heads = 3, dim = heads * head_dim;
    const std::vector<int64_t> offsets = {0, 1, 4, 21, 85, 92};
    const auto n = static_cast<size_t>(offsets.back() * dim);
    const std::vector<float> q = random_values(n, 7, 2.0f), k = random_values(n, 8, 2.0f),
                             v = random_values(n, 9);
    std::vector<float> out(n, -1.0f);
    ThreadPool pool(2);
    bert_kernels::packed_attention(q.data(), k.data(), v.data(), out.data(), offsets, heads,
                                   head_dim, pool);
    const std::vector<float> want = reference_attention(q, k, v, offsets, heads, head_dim);
    for (size_t i = 0; i < n; ++i) ASSERT_NEAR(out[i], want[i], 1e-5f) << head_dim << " " << i;
  }
}

TEST(BertModel, LoadsConfigAndPooling) {
  TempDir dir;
  SyntheticSpec spec = small_bert();
  spec.pooling = "cls";
  Result<std::unique_ptr<BertModel>> model = BertModel::load(write_model(dir, "m.gguf", spec));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const BertConfig& c = (*model)->config();
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.context, 48);
  EXPECT_EQ(c.vocab, 30522);
  EXPECT_EQ(c.token_types, 2);
  EXPECT_EQ(c.pooling, Pooling::kCls);
  EXPECT_FALSE(c.rerank_head);
  EXPECT_FLOAT_EQ(c.norm_eps, 1e-12f);
}

TEST(BertModel, LoadErrorsNameTheFileAndKey) {
  TempDir dir;
  Result<std::unique_ptr<BertModel>> model =
      BertModel::load(write_model(dir, "causal.gguf", small_bert(), [](gguf::Writer& w) {
        w.set("bert.attention.causal", gguf::Value::boolean(true));
      }));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("causal.gguf: bert.attention.causal"), std::string::npos);

  model = BertModel::load(write_model(dir, "pool9.gguf", small_bert(), [](gguf::Writer& w) {
    w.set("bert.pooling_type", gguf::Value::u32(9));
  }));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("bert.pooling_type = 9"), std::string::npos);

  model = BertModel::load(write_model(dir, "rank.gguf", small_bert(), [](gguf::Writer& w) {
    w.set("bert.pooling_type", gguf::Value::u32(4));
  }));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("cls.output.weight"), std::string::npos);

  model = BertModel::load(write_model(dir, "nohead.gguf", small_bert(), [](gguf::Writer& w) {
    w.remove("bert.attention.head_count");
  }));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("bert.attention.head_count"), std::string::npos);

  SyntheticSpec llama;
  model = BertModel::load(write_model(dir, "llama.gguf", llama));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(model.status().message().find("'llama'"), std::string::npos);
}

TEST(BertModel, PackedBatchEqualsSequencesRunAlone) {
  TempDir dir;
  SyntheticSpec spec = small_bert();
  spec.rerank = true;
  Result<std::unique_ptr<BertModel>> model = BertModel::load(write_model(dir, "r.gguf", spec));
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const std::vector<std::vector<int32_t>> ids = {
      {101, 7592, 102},
      {101, 2023, 2003, 1037, 2146, 6251, 102, 2007, 102},
      {101, 102},
      std::vector<int32_t>(48, 1996)};
  const std::vector<std::vector<int32_t>> types = {
      {}, {0, 0, 0, 0, 0, 0, 0, 1, 1}, {0, 0}, std::vector<int32_t>(48, 1)};
  std::vector<EncoderSequence> batch;
  for (size_t i = 0; i < ids.size(); ++i) batch.push_back({ids[i], types[i]});
  ThreadPool pool(2);
  for (Pooling pooling :
       {Pooling::kMean, Pooling::kCls, Pooling::kLast, Pooling::kNone, Pooling::kRank}) {
    Result<EncoderOutput> all = (*model)->encode(batch, pooling, pool);
    ASSERT_TRUE(all.ok()) << all.status().to_string();
    EXPECT_EQ(all->width, pooling == Pooling::kRank ? 1 : 64);
    for (size_t s = 0; s < batch.size(); ++s) {
      Result<EncoderOutput> one = (*model)->encode({&batch[s], 1}, pooling, pool);
      ASSERT_TRUE(one.ok());
      const auto begin = static_cast<size_t>(all->row_begin[s] * all->width);
      ASSERT_LE(begin + one->rows.size(), all->rows.size());
      for (size_t i = 0; i < one->rows.size(); ++i) {
        ASSERT_NEAR(all->rows[begin + i], one->rows[i], 1e-5f)
            << pooling_name(pooling) << " sequence " << s << " value " << i;
      }
    }
  }
}

TEST(BertModel, BadBatchesAreRejectedNamingTheSequence) {
  TempDir dir;
  Result<std::unique_ptr<BertModel>> model =
      BertModel::load(write_model(dir, "m.gguf", small_bert()));
  ASSERT_TRUE(model.ok());
  ThreadPool pool(1);
  auto error = [&](const std::vector<EncoderSequence>& batch, Pooling pooling) {
    Result<EncoderOutput> r = (*model)->encode(batch, pooling, pool);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  const std::vector<int32_t> ok = {101, 102}, empty, too_long(49, 1996), bad_id = {101, 30522};
  const std::vector<int32_t> bad_type = {0, 2};
  EXPECT_NE(error({}, Pooling::kMean).find("no sequences"), std::string::npos);
  EXPECT_NE(error({{ok, {}}, {empty, {}}}, Pooling::kMean).find("sequence 1 is empty"),
            std::string::npos);
  EXPECT_NE(error({{too_long, {}}}, Pooling::kMean).find("context of 48"), std::string::npos);
  EXPECT_NE(error({{bad_id, {}}}, Pooling::kMean).find("token id 30522"), std::string::npos);
  EXPECT_NE(error({{ok, bad_type}}, Pooling::kMean).find("token type 2"), std::string::npos);
  EXPECT_NE(error({{ok, {}}}, Pooling::kRank).find("no reranker head"), std::string::npos);
}

}  // namespace
}  // namespace tessera
