// Runs a llama-family model over a token sequence (one prefill batch) and writes the float32 logits
// of every position, [positions, vocab] little-endian, for the NumPy oracle to compare. Usage:
// logits_dump MODEL.gguf OUT.f32 TOKEN_ID...
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "models/llama_model.h"

int main(int argc, char** argv) {
  using namespace tessera;
  if (argc < 4) {
    std::fprintf(stderr, "usage: logits_dump MODEL.gguf OUT.f32 TOKEN_ID...\n");
    return 2;
  }
  const auto n_tokens = static_cast<int64_t>(argc - 3);
  CpuBackend backend(2);
  Arena arena("logits_dump", UINT64_MAX);
  Result<std::unique_ptr<LlamaModel>> model =
      LlamaModel::load(argv[1], backend, arena, DecoderLimits{.max_batch_tokens = n_tokens});
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
    return 1;
  }
  std::vector<BatchToken> batch;
  for (int i = 3; i < argc; ++i) {
    batch.push_back({static_cast<int32_t>(std::atoi(argv[i])), 0, i - 3, true});
  }
  Result<KvCache> cache = (*model)->make_cache();
  if (!cache.ok()) {
    std::fprintf(stderr, "%s\n", cache.status().to_string().c_str());
    return 1;
  }
  std::vector<float> logits;
  if (Status s = (*model)->forward(batch, *cache, logits); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.to_string().c_str());
    return 1;
  }
  FILE* out = std::fopen(argv[2], "wb");
  if (!out || std::fwrite(logits.data(), sizeof(float), logits.size(), out) != logits.size()) {
    std::fprintf(stderr, "cannot write %s\n", argv[2]);
    return 1;
  }
  std::fclose(out);
  return 0;
}
