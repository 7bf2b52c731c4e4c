// Runs a llama-family model over a token sequence (one prefill batch) and writes the float32 logits
// of every position, [positions, vocab] little-endian, for the NumPy oracle to compare. Usage:
// logits_dump MODEL.gguf OUT.f32 TOKEN_ID...
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "models/llama_model.h"

int main(int argc, char** argv) {
  using namespace tessera;
  if (argc < 4) {
    std::fprintf(stderr, "usage: logits_dump MODEL.gguf OUT.f32 TOKEN_ID...\n");
    return 2;
  }
  Result<std::unique_ptr<LlamaModel>> model = LlamaModel::load(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().to_string().c_str());
    return 1;
  }
  std::vector<BatchToken> batch;
  for (int i = 3; i < argc; ++i) {
    batch.push_back({static_cast<int32_t>(std::atoi(argv[i])), 0, i - 3, true});
  }
  ThreadPool pool(2);
  KvCache cache = (*model)->make_cache();
  std::vector<float> logits;
  if (Status s = (*model)->forward(batch, cache, logits, pool); !s.ok()) {
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
