// A decoder in a slice: refused with an explanation when its footprint does not fit, and a KV
// cache driven to the quota that never passes it: new sequences are rejected or wait, and the
// process's resident memory grows by at most the quota plus kArenaUntrackedSlackBytes.
#include "runtime/slice_model.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <thread>

#include "models/synthetic.h"
#include "testing/host_backend.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using testing::TempDir;

std::string pack(const TempDir& dir) {
  SyntheticSpec spec;
  spec.layers = 2;
  spec.dim = 128;
  spec.ffn = 256;
  spec.heads = 4;
  spec.kv_heads = 4;
  spec.context = 512;
  const std::string path = dir.file("m.gguf");
  Result<gguf::Writer> writer = build_synthetic_model(spec);
  EXPECT_TRUE(writer.ok()) << writer.status().to_string();
  EXPECT_TRUE(writer->write(path).ok());
  return path;
}

// Resident set size from /proc/self/status, in bytes.
uint64_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMeasuresRss = false;  // shadow memory and quarantine swamp the resident size
#else
constexpr bool kMeasuresRss = true;
#endif

SliceModelOptions options(int64_t sequences) {
  SliceModelOptions o;
  o.context = 0;  // the model's 512
  o.sequences = sequences;
  o.batch_tokens = 64;
  o.runtime_overhead_bytes = 1 * kMiB;
  return o;
}

// The whole footprint of the model with one sequence of the full context, from a load into a
// slice with no practical limit.
uint64_t footprint_with_one_sequence(const std::string& path) {
  Slice probe(SliceSpec{"probe", kTiB, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  Result<std::unique_ptr<SliceModel>> fits = SliceModel::load(path, probe, options(1));
  EXPECT_TRUE(fits.ok()) << fits.status().to_string();
  return fits.ok() ? (*fits)->footprint().total_bytes() : 0;
}

TEST(SliceModelTest, RefusedWithTheBreakdownAndWhatWouldFit) {
  TempDir dir;
  const std::string path = pack(dir);
  // Room for the weights and one sequence's KV cache, not for the eight asked for.
  const uint64_t one_sequence = footprint_with_one_sequence(path);

  Slice slice(
      SliceSpec{"small", one_sequence + kMiB / 2, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
      testing::cpu_backend());
  const CapacityOption larger[] = {{"bigger", 64 * kMiB}};
  Result<std::unique_ptr<SliceModel>> refused = SliceModel::load(path, slice, options(8), larger);
  ASSERT_FALSE(refused.ok());
  const Status& s = refused.status();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("does not fit slice 'small'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("KV cache 8.00 MiB (f32, 512 tokens × 8 sequences × 2.00 KiB)"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("a context of"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("1 sequence at once (instead of 8)"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("a larger slice: bigger"), std::string::npos) << s.message();
  EXPECT_EQ(slice.arena().used_bytes(), 0u);  // nothing charged for a refused model
}

TEST(SliceModelTest, KvCacheIsDrivenToTheQuotaAndNeverPastIt) {
  TempDir dir;
  const std::string path = pack(dir);
  const uint64_t rss_before = rss_bytes();
  Slice probe(SliceSpec{"probe", kTiB, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  uint64_t three = 0, per_sequence = 0;
  {
    Result<std::unique_ptr<SliceModel>> m = SliceModel::load(path, probe, options(3));
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    three = (*m)->footprint().total_bytes();
    per_sequence = (*m)->kv().bytes_per_sequence();
  }
  EXPECT_EQ(per_sequence, 2u * 2 * 512 * 128 * 4);  // 1 MiB
  // A quota with room for three sequences and half of a fourth.
  const uint64_t quota = three + per_sequence / 2;
  Slice slice(SliceSpec{"chat", quota, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  Result<std::unique_ptr<SliceModel>> loaded = SliceModel::load(path, slice, options(3));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  SliceModel& model = **loaded;
  std::vector<float> logits;

  // Fill every admitted sequence to the end of the context, a batch at a time.
  const auto fill = [&](int32_t seq) {
    for (int64_t begin = 0; begin < 512; begin += model.batch_tokens()) {
      std::vector<BatchToken> batch;
      for (int64_t p = begin; p < begin + model.batch_tokens(); ++p) {
        batch.push_back({static_cast<int32_t>((p * 7 + seq) % 200), seq, p, p == 511});
      }
      logits.clear();
      ASSERT_TRUE(model.forward(batch, logits).ok());
    }
  };
  for (int32_t seq = 0; seq < 3; ++seq) {
    ASSERT_TRUE(model.kv().admit(seq).ok()) << seq;
    fill(seq);
    EXPECT_LE(slice.arena().used_bytes(), quota);
  }
  // The fourth sequence does not fit: rejected at once, or after waiting in vain ...
  Status rejected = model.kv().admit(3);
  EXPECT_EQ(rejected.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(rejected.message().find("slice 'chat': KV cache of sequence 3"), std::string::npos)
      << rejected.message();
  EXPECT_EQ(model.kv().admit_wait(3, std::chrono::milliseconds(10)).code(),
            StatusCode::kResourceExhausted);
  // ... and a batch for it never reaches the model, so the cache cannot grow past the grant.
  std::vector<BatchToken> sneaky = {{1, 3, 0, true}};
  EXPECT_FALSE(model.forward(sneaky, logits).ok());
  EXPECT_EQ(model.kv().allocated_bytes(), static_cast<int64_t>(3 * per_sequence));
  // Scratch is reserved for 64 tokens; a bigger batch is refused.
  std::vector<BatchToken> big;
  for (int64_t p = 0; p < 65; ++p) big.push_back({1, 0, p, false});
  EXPECT_FALSE(model.forward(big, logits).ok());

  if (kMeasuresRss) {
    const uint64_t rss = rss_bytes();
    RecordProperty("quota_bytes", std::to_string(quota));
    RecordProperty("rss_growth_bytes", std::to_string(rss - rss_before));
    EXPECT_LE(rss, rss_before + quota + kArenaUntrackedSlackBytes)
        << "grew " << (rss - rss_before) << " bytes for a quota of " << quota;
  }

  // A waiting request gets in once another sequence finishes.
  std::thread finisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    model.kv().drop(0);
  });
  Status waited = model.kv().admit_wait(3, std::chrono::seconds(10));
  finisher.join();
  ASSERT_TRUE(waited.ok()) << waited.to_string();
  fill(3);
  EXPECT_LE(slice.arena().used_bytes(), quota);
  EXPECT_LE(slice.arena().peak_bytes(), quota);
  loaded->reset();
  EXPECT_EQ(slice.arena().used_bytes(), 0u);
}

TEST(SliceModelTest, PagedKvCacheChargesWhatASequenceCanReachInWholeBlocks) {
  TempDir dir;
  const std::string path = pack(dir);
  Slice probe(SliceSpec{"probe", kTiB, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  Result<std::unique_ptr<SliceModel>> loaded = SliceModel::load(path, probe, options(1));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  SliceModel& model = **loaded;
  SliceKvCache& kv = model.kv();
  const uint64_t per_token = 2u * 2 * 128 * 4;  // K and V, 2 layers, kv_dim 128, f32
  const uint64_t weights_and_scratch = probe.arena().used_bytes();

  // 20 tokens reserve two blocks of 16; 0 (or more than the context) reserves the context.
  EXPECT_EQ(kv.bytes_for_tokens(20), 32 * per_token);
  EXPECT_EQ(kv.bytes_for_tokens(16), 16 * per_token);
  EXPECT_EQ(kv.bytes_for_tokens(0), 512 * per_token);
  EXPECT_EQ(kv.bytes_for_tokens(10'000), 512 * per_token);
  ASSERT_TRUE(kv.admit(7, 20).ok());
  EXPECT_EQ(probe.arena().used_bytes() - weights_and_scratch, 32 * per_token);

  // Blocks are allocated as positions are reached, not at admission.
  std::vector<float> logits;
  EXPECT_EQ(kv.allocated_bytes(), 0);
  std::vector<BatchToken> first = {{1, 7, 0, false}, {2, 7, 1, true}};
  ASSERT_TRUE(model.forward(first, logits).ok());
  EXPECT_EQ(kv.allocated_bytes(), static_cast<int64_t>(16 * per_token));
  std::vector<BatchToken> rest;
  for (int64_t p = 2; p < 32; ++p) rest.push_back({static_cast<int32_t>(p), 7, p, p == 31});
  ASSERT_TRUE(model.forward(rest, logits).ok());
  EXPECT_EQ(kv.allocated_bytes(), static_cast<int64_t>(32 * per_token));
  // Position 32 is past the two blocks the sequence was granted: refused before the model runs.
  std::vector<BatchToken> past = {{1, 7, 32, true}};
  Status refused = model.forward(past, logits);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("outside the 32 positions"), std::string::npos)
      << refused.message();
  EXPECT_EQ(kv.allocated_bytes(), static_cast<int64_t>(32 * per_token));

  kv.drop(7);
  EXPECT_EQ(kv.allocated_bytes(), 0);
  EXPECT_EQ(probe.arena().used_bytes(), weights_and_scratch);
}

TEST(SliceModelTest, ShortSequencesShareAQuotaThatHoldsOneFullContext) {
  TempDir dir;
  const std::string path = pack(dir);
  const uint64_t one = footprint_with_one_sequence(path);
  // Room for one sequence of the whole context (512 tokens) ...
  Slice slice(SliceSpec{"chat", one, 1.0, SliceMode::kTimeSliced, nullptr, 0, 0, 0},
              testing::cpu_backend());
  Result<std::unique_ptr<SliceModel>> loaded = SliceModel::load(path, slice, options(1));
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  SliceKvCache& kv = (*loaded)->kv();
  // ... holds sixteen sequences that may each reach 32 positions, and not a seventeenth.
  for (int32_t seq = 0; seq < 16; ++seq) ASSERT_TRUE(kv.admit(seq, 30).ok()) << seq;
  EXPECT_EQ(kv.admit(16, 30).code(), StatusCode::kResourceExhausted);
  EXPECT_LE(slice.arena().used_bytes(), one);
  kv.drop(3);
  EXPECT_TRUE(kv.admit(16, 30).ok());
}

}  // namespace
}  // namespace tessera
