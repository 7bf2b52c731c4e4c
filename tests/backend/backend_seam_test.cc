// The models run through the Backend seam and nothing else: a recording backend sees every op of
// a llama, a qwen2 and a bert forward pass and the results equal a plain CPU backend's bit for
// bit; and the memory the backend hands out for weights, decoded norms, workspace and KV blocks
// is exactly what the footprint (the planner's and the admission's number) says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "models/bert_model.h"
#include "models/footprint.h"
#include "models/llama_model.h"
#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/recording_backend.h"
#include "testing/synthetic_file.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::RecordingBackend;
using testing::TempDir;
using testing::write_synthetic;

SyntheticSpec decoder(const std::string& arch) {
  SyntheticSpec spec;
  spec.arch = arch;
  spec.layers = 2;
  spec.dim = 64;
  spec.ffn = 96;
  spec.heads = 4;
  spec.kv_heads = 2;
  spec.context = 40;  // not a multiple of the 16-token block: the last block is partly used
  spec.type = DType::kQ8_0;
  return spec;
}

SyntheticSpec encoder(bool rerank, const std::string& arch = "bert") {
  SyntheticSpec spec;
  spec.arch = arch;
  spec.layers = 2;
  spec.dim = 64;
  spec.heads = 4;
  spec.context = 32;
  spec.rerank = rerank;
  spec.vocab_from = testing::vocab_path("ggml-vocab-bert-bge.gguf");
  return spec;
}

std::vector<float> run_decoder(LlamaModel& model) {
  KvCache cache = testing::must(model.make_cache(2));
  std::vector<float> logits;
  std::vector<BatchToken> prefill;
  for (int64_t p = 0; p < 20; ++p) prefill.push_back({int32_t((p * 37 + 11) % 259), 0, p, p == 19});
  prefill.push_back({5, 1, 0, true});
  EXPECT_TRUE(model.forward(prefill, cache, logits).ok());
  const BatchToken step[] = {{7, 0, 20, true}, {9, 1, 1, true}};
  EXPECT_TRUE(model.forward(step, cache, logits).ok());
  return logits;
}

TEST(BackendSeam, DecodersRunEveryOpThroughTheBackend) {
  for (const char* arch : {"llama", "qwen2", "gemma2", "gemma3", "phi3"}) {
    TempDir dir;
    const std::string path = write_synthetic(dir, decoder(arch), "m.gguf");
    CpuBackend cpu(2);
    RecordingBackend recording(cpu);
    Arena arena("test", UINT64_MAX);
    std::unique_ptr<LlamaModel> seen =
        testing::must(LlamaModel::load(path, recording, arena, DecoderLimits{32, 0}));
    std::unique_ptr<LlamaModel> plain =
        testing::must(LlamaModel::load(path, cpu, arena, DecoderLimits{32, 0}));
    recording.clear_ops();
    const std::vector<float> through_seam = run_decoder(*seen);
    const std::vector<float> direct = run_decoder(*plain);
    ASSERT_EQ(through_seam.size(), direct.size());
    EXPECT_EQ(std::memcmp(through_seam.data(), direct.data(), direct.size() * sizeof(float)), 0)
        << arch;
    for (const char* op :
         {"get_rows", "rms_norm", "matmul", "rope", "kv_store", "attention", "add"}) {
      EXPECT_TRUE(recording.called(op)) << arch << " never called " << op;
    }
    const std::string name = arch;
    const bool gemma = name.rfind("gemma", 0) == 0;
    EXPECT_EQ(recording.called("add_bias"), name == "qwen2") << arch;
    EXPECT_EQ(recording.called("silu_mul"), !gemma) << arch;
    EXPECT_EQ(recording.called("gelu_mul"), gemma) << arch;
    EXPECT_EQ(recording.called("scale"), gemma) << arch;                // embeddings × sqrt(dim)
    EXPECT_EQ(recording.called("soft_cap"), name == "gemma2") << arch;  // final logits
    // Per layer: q, k, v, o, gate, up, down; then the output projection once per pass.
    EXPECT_EQ(std::count(recording.ops().begin(), recording.ops().end(), "matmul"), 2 * (2 * 7 + 1))
        << arch;
  }
}

TEST(BackendSeam, EncodersRunEveryOpThroughTheBackend) {
  for (const bool rerank : {false, true}) {
    TempDir dir;
    const std::string path = write_synthetic(dir, encoder(rerank), "e.gguf");
    CpuBackend cpu(2);
    RecordingBackend recording(cpu);
    Arena arena("test", UINT64_MAX);
    std::unique_ptr<BertModel> seen = testing::must(BertModel::load(path, recording, arena, 64));
    std::unique_ptr<BertModel> plain = testing::must(BertModel::load(path, cpu, arena, 64));
    const std::vector<int32_t> a = {101, 2054, 2003, 1037, 102}, b = {101, 7592, 102};
    const std::vector<int32_t> types = {0, 0, 0, 1, 1};
    const EncoderSequence batch[] = {
        {a, rerank ? std::span<const int32_t>(types) : std::span<const int32_t>()}, {b, {}}};
    recording.clear_ops();
    for (Pooling pooling : rerank ? std::vector<Pooling>{Pooling::kRank, Pooling::kNone}
                                  : std::vector<Pooling>{Pooling::kMean, Pooling::kCls,
                                                         Pooling::kLast, Pooling::kNone}) {
      const EncoderOutput through_seam = testing::must(seen->encode(batch, pooling));
      const EncoderOutput direct = testing::must(plain->encode(batch, pooling));
      ASSERT_EQ(through_seam.rows.size(), direct.rows.size());
      EXPECT_EQ(std::memcmp(through_seam.rows.data(), direct.rows.data(),
                            direct.rows.size() * sizeof(float)),
                0)
          << pooling_name(pooling);
    }
    for (const char* op : {"get_rows", "add_rows", "layer_norm", "matmul", "add_bias",
                           "packed_attention", "bias_gelu", "pool_sequences"}) {
      EXPECT_TRUE(recording.called(op)) << "never called " << op;
    }
    EXPECT_EQ(recording.called("bias_tanh"), rerank);
    EXPECT_FALSE(recording.called("rope"));
  }
}

TEST(BackendSeam, NomicBertRunsEveryOpThroughTheBackend) {
  TempDir dir;
  const std::string path = write_synthetic(dir, encoder(false, "nomic-bert"), "n.gguf");
  CpuBackend cpu(2);
  RecordingBackend recording(cpu);
  Arena arena("test", UINT64_MAX);
  std::unique_ptr<BertModel> seen = testing::must(BertModel::load(path, recording, arena, 64));
  std::unique_ptr<BertModel> plain = testing::must(BertModel::load(path, cpu, arena, 64));
  const std::vector<int32_t> a = {101, 2054, 2003, 1037, 102}, b = {101, 7592, 102};
  const EncoderSequence batch[] = {{a, {}}, {b, {}}};
  recording.clear_ops();
  for (Pooling pooling : {Pooling::kMean, Pooling::kNone}) {
    const EncoderOutput through_seam = testing::must(seen->encode(batch, pooling));
    const EncoderOutput direct = testing::must(plain->encode(batch, pooling));
    ASSERT_EQ(through_seam.rows.size(), direct.rows.size());
    EXPECT_EQ(std::memcmp(through_seam.rows.data(), direct.rows.data(),
                          direct.rows.size() * sizeof(float)),
              0)
        << pooling_name(pooling);
  }
  for (const char* op : {"get_rows", "add_rows", "layer_norm", "matmul", "rope", "packed_attention",
                         "silu_mul", "pool_sequences"}) {
    EXPECT_TRUE(recording.called(op)) << "never called " << op;
  }
  // No position table, no biases, no GELU: token types are the only rows added.
  EXPECT_FALSE(recording.called("add_bias"));
  EXPECT_FALSE(recording.called("bias_gelu"));
  // Per layer and pass: q, k, v (views of attn_qkv), output, gate, up, down.
  EXPECT_EQ(std::count(recording.ops().begin(), recording.ops().end(), "matmul"), 2 * 2 * 7);
}

// What the footprint counts is what the backend hands out, to the byte: mapped weights (all tensor
// data), decoded norms and biases, the workspace of a full batch, and the KV blocks of a sequence
// that fills its context.
TEST(BackendSeam, FootprintEqualsWhatTheBackendAllocated) {
  TempDir dir;
  for (const char* arch : {"llama", "qwen2", "gemma2", "phi3"}) {
    SyntheticSpec spec = decoder(arch);
    spec.long_rope = std::string(arch) == "phi3";  // its factors stay host-side tables
    const std::string path = write_synthetic(dir, spec, std::string(arch) + ".gguf");
    CpuBackend cpu(2);
    RecordingBackend recording(cpu);
    Arena arena("test", UINT64_MAX);
    const int64_t batch_tokens = 24;
    std::unique_ptr<LlamaModel> model =
        testing::must(LlamaModel::load(path, recording, arena, DecoderLimits{batch_tokens, 0}));
    FootprintRequest request;
    request.batch_tokens = batch_tokens;
    request.threads = recording.lanes();
    request.sequences = 1;
    const Footprint f =
        compute_footprint(testing::must(model_shape_from_gguf(model->file())), request);
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kWeights), f.weights_bytes) << arch;
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kDecodedWeights), f.decoded_weights_bytes)
        << arch;
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kWorkspace), f.activation_bytes) << arch;
    EXPECT_EQ(model->allocated_bytes(MemoryUse::kWorkspace), f.activation_bytes) << arch;

    KvCache cache = testing::must(model->make_cache(1));
    std::vector<float> logits;
    for (int64_t begin = 0; begin < model->context(); begin += batch_tokens) {
      std::vector<BatchToken> chunk;
      for (int64_t p = begin; p < std::min(begin + batch_tokens, model->context()); ++p) {
        chunk.push_back({int32_t(p % 200), 0, p, false});
      }
      ASSERT_TRUE(model->forward(chunk, cache, logits).ok());
    }
    EXPECT_EQ(static_cast<uint64_t>(cache.bytes()), f.kv_cache_bytes) << arch;
    // A full pool refuses the next sequence's first block with a clear error, and nothing runs.
    const BatchToken other{1, 7, 0, true};
    const Status full = model->forward({&other, 1}, cache, logits);
    EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.to_string();
    EXPECT_TRUE(logits.empty());
  }
  const std::pair<const char*, bool> encoders[] = {
      {"bert", false}, {"bert", true}, {"nomic-bert", false}};
  for (const auto& [arch, rerank] : encoders) {
    const std::string path = write_synthetic(dir, encoder(rerank, arch),
                                             std::string(arch) + (rerank ? "-r.gguf" : "-e.gguf"));
    CpuBackend cpu(2);
    RecordingBackend recording(cpu);
    Arena arena("test", UINT64_MAX);
    std::unique_ptr<BertModel> model = testing::must(BertModel::load(path, recording, arena, 48));
    FootprintRequest request;
    request.batch_tokens = 48;
    request.threads = recording.lanes();
    request.sequences = 0;
    const Footprint f =
        compute_footprint(testing::must(model_shape_from_gguf(model->file())), request);
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kWeights), f.weights_bytes) << arch;
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kDecodedWeights), f.decoded_weights_bytes)
        << arch;
    EXPECT_EQ(recording.bytes_handed_out(MemoryUse::kWorkspace), f.activation_bytes) << arch;
    EXPECT_EQ(f.kv_cache_bytes, 0u);
  }
}

TEST(BackendSeam, OversizedBatchIsRefusedBeforeAnythingRuns) {
  TempDir dir;
  const std::string path = write_synthetic(dir, decoder("llama"), "m.gguf");
  CpuBackend cpu(1);
  RecordingBackend recording(cpu);
  Arena arena("test", UINT64_MAX);
  std::unique_ptr<LlamaModel> model =
      testing::must(LlamaModel::load(path, recording, arena, DecoderLimits{4, 0}));
  KvCache cache = testing::must(model->make_cache());
  std::vector<BatchToken> five;
  for (int64_t p = 0; p < 5; ++p) five.push_back({1, 0, p, true});
  std::vector<float> logits;
  recording.clear_ops();
  const Status s = model->forward(five, cache, logits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("exceeds the 4"), std::string::npos) << s.message();
  EXPECT_TRUE(recording.ops().empty());
  EXPECT_EQ(cache.bytes(), 0);
}

TEST(CpuBackend, ArgmaxTakesTheFirstLargest) {
  CpuBackend cpu(1);
  const float x[] = {1, 3, 3, -1, /*row 2*/ -5, -2, -7, -2};
  int32_t out[2] = {-1, -1};
  cpu.argmax(x, 2, 4, out);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 1);
}

TEST(CpuBackend, BidirectionalPagedAttentionSeesTheWholeSequence) {
  // One sequence of 3 positions in block 1 of a 2-block pool; every query sees all keys when
  // bidirectional, and only the past when causal.
  CpuBackend cpu(1);
  Arena arena("t", UINT64_MAX);
  const KvLayout layout{1, 2};
  Buffer pool = testing::must(cpu.allocate(nullptr, 2 * layout.block_stride() * sizeof(float),
                                           MemoryUse::kKvCache, "pool"));
  const float k[] = {1, 0, 0, 1, 1, 1};
  const float v[] = {1, 2, 3, 4, 5, 6};
  const int32_t slots[] = {16, 17, 18};
  cpu.kv_store(pool.as<float>(), layout, 0, k, v, slots, 3);
  const float q[] = {1, 0, 1, 0, 1, 0};  // head_dim 2, one head, one KV head
  const int32_t positions[] = {0, 1, 2}, token_seq[] = {0, 0, 0}, seq_blocks[] = {0, 1};
  const int32_t block_ids[] = {1}, seq_len[] = {3};
  float scratch[8] = {};
  PagedAttention a;
  a.q = q;
  a.n_tokens = 3;
  a.n_heads = 1;
  a.n_kv_heads = 1;
  a.head_dim = 2;
  a.kv = pool.as<float>();
  a.layout = layout;
  a.positions = positions;
  a.token_seq = token_seq;
  a.seq_blocks = seq_blocks;
  a.block_ids = block_ids;
  a.scratch = scratch;
  float causal[6], both[6];
  a.out = causal;
  cpu.attention(a);
  a.causal = false;
  a.seq_len = seq_len;
  a.out = both;
  cpu.attention(a);
  EXPECT_FLOAT_EQ(causal[0], 1.0f);  // position 0 sees only itself
  EXPECT_FLOAT_EQ(causal[1], 2.0f);
  for (int i = 0; i < 2; ++i) {  // bidirectional: all three rows give the same mix
    EXPECT_FLOAT_EQ(both[i], both[2 + i]);
    EXPECT_FLOAT_EQ(both[i], both[4 + i]);
  }
  EXPECT_FLOAT_EQ(causal[4], both[4]);  // the last position sees everything either way
}

// Sliding windows, soft-caps and an explicit scale against a plain computation: 40 positions over
// three blocks, window 5 (a query sees itself and the 4 before it).
TEST(CpuBackend, SlidingWindowAttentionWithSoftCapMatchesAPlainComputation) {
  CpuBackend cpu(2);
  const KvLayout layout{1, 4};  // one layer, kv_dim 4: two KV heads of 2
  const int64_t n = 40, window = 5;
  Buffer pool = testing::must(cpu.allocate(nullptr, 3 * layout.block_stride() * sizeof(float),
                                           MemoryUse::kKvCache, "pool"));
  std::vector<float> k(n * 4), v(n * 4), q(n * 8);  // four query heads of 2
  for (size_t i = 0; i < k.size(); ++i) k[i] = std::sin(0.7 * static_cast<double>(i)) * 3;
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::cos(0.3 * static_cast<double>(i));
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::sin(1.3 * static_cast<double>(i)) * 2;
  std::vector<int32_t> slots(n), positions(n), token_seq(n, 0);
  const int32_t block_ids[] = {2, 0, 1}, seq_blocks[] = {0, 3};
  for (int32_t p = 0; p < n; ++p) {
    positions[p] = p;
    slots[p] = block_ids[p / 16] * 16 + p % 16;
  }
  cpu.kv_store(pool.as<float>(), layout, 0, k.data(), v.data(), slots.data(), n);
  std::vector<float> scratch(2 * n), out(n * 8);
  PagedAttention a;
  a.q = q.data();
  a.out = out.data();
  a.n_tokens = n;
  a.n_heads = 4;
  a.n_kv_heads = 2;
  a.head_dim = 2;
  a.kv = pool.as<float>();
  a.layout = layout;
  a.positions = positions.data();
  a.token_seq = token_seq.data();
  a.seq_blocks = seq_blocks;
  a.block_ids = block_ids;
  a.scratch = scratch.data();
  a.scale = 0.3f;
  a.softcap = 1.5f;
  a.window = window;
  cpu.attention(a);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t h = 0; h < 4; ++h) {
      const int64_t kvh = h / 2;
      std::vector<double> w;
      double max = -1e30, sum = 0;
      for (int64_t p = std::max<int64_t>(0, t - window + 1); p <= t; ++p) {
        double s = 0;
        for (int i = 0; i < 2; ++i) s += q[t * 8 + h * 2 + i] * k[p * 4 + kvh * 2 + i];
        s = 1.5 * std::tanh(s * 0.3 / 1.5);
        w.push_back(s);
        max = std::max(max, s);
      }
      for (double& s : w) sum += (s = std::exp(s - max));
      for (int i = 0; i < 2; ++i) {
        double o = 0;
        for (size_t j = 0; j < w.size(); ++j) {
          const int64_t p = std::max<int64_t>(0, t - window + 1) + static_cast<int64_t>(j);
          o += w[j] / sum * v[p * 4 + kvh * 2 + i];
        }
        EXPECT_NEAR(out[t * 8 + h * 2 + i], o, 1e-5) << "t=" << t << " h=" << h;
      }
    }
  }
}

TEST(KvBlockPool, HandsOutEveryBlockOnceAndRefusesPastCapacity) {
  CpuBackend cpu(1);
  std::unique_ptr<KvBlockPool> pool =
      testing::must(KvBlockPool::create(cpu, KvLayout{2, 64}, 3, "pool"));
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(pool->allocate());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(pool->allocate(), -1);
  EXPECT_EQ(pool->in_use(), 3);
  pool->release(1);
  EXPECT_EQ(pool->allocate(), 1);
  EXPECT_FALSE(KvBlockPool::create(cpu, KvLayout{2, 64}, 0, "empty").ok());
  EXPECT_FALSE(KvBlockPool::create(cpu, KvLayout{0, 64}, 4, "no layers").ok());
}

}  // namespace
}  // namespace tessera
